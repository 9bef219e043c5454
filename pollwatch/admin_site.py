from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _


class OperatorAdminSite(AdminSite):
    """The Django admin, for platform operators (superusers) only.

    Mission staff work through the mission pages, which scope every object to their
    mission; the admin does not, so a staff flag alone must not open it.
    """

    site_header = _("pollwatch administration")
    site_title = _("pollwatch administration")

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser

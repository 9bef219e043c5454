from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PollwatchConfig(AppConfig):
    """The project package itself, for commands that belong to no domain (serve)."""

    default = True
    name = "pollwatch"
    verbose_name = _("pollwatch")


class OperatorAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "pollwatch.admin_site.OperatorAdminSite"

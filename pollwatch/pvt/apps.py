from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PvtConfig(AppConfig):
    name = "pollwatch.pvt"
    verbose_name = _("Quick count")

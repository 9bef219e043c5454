from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "pollwatch.channels"
    verbose_name = _("SMS and ODK Collect")

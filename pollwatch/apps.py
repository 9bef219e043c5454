from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PollwatchConfig(AppConfig):
    """The project package itself, for commands that belong to no domain (serve)."""

    name = "pollwatch"
    verbose_name = _("pollwatch")

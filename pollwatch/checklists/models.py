"""Forms written in XLSForm, and their versions.

A form belongs to a mission. Each upload that changes it makes a new FormVersion;
a version is never edited, so every report can be read with the exact form it was
made with.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pollwatch.elections.models import code_validator
from pollwatch.missions.models import Mission


class Form(models.Model):
    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening")
        VOTING = "voting", _("Voting")
        COUNTING = "counting", _("Counting")
        TABULATION = "tabulation", _("Tabulation")
        RESULTS = "results", _("Results")
        INCIDENT = "incident", _("Incident")
        CAMPAIGN_EVENT = "campaign_event", _("Campaign event")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="forms")
    code = models.CharField(
        _("code"), max_length=50, validators=[code_validator], help_text=_("The XLSForm's form_id.")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    prefix = models.CharField(
        _("SMS prefix"), max_length=10, blank=True, help_text=_("From the settings sheet.")
    )
    current_version = models.ForeignKey(
        "FormVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A random sample changes what a finding means: the unit becomes the sampled
    # station, weighted by stratum, with a margin of error (METHODS.md).
    is_sample = models.BooleanField(
        _("stations are a random sample"),
        default=False,
        help_text=_("Set when the stations reporting this form were drawn at random."),
    )
    stratum_level = models.CharField(
        _("strata"),
        max_length=50,
        blank=True,
        help_text=_("The area level the sample was stratified by (blank: not stratified)."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("form")
        verbose_name_plural = _("forms")
        ordering = ["mission", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "code"], name="unique_form_code"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_checklist(self) -> bool:
        """Checklists are one per observer, station and visit; incidents are many."""
        return self.kind in CHECKLIST_KINDS


CHECKLIST_KINDS = frozenset(
    {
        Form.Kind.OPENING,
        Form.Kind.VOTING,
        Form.Kind.COUNTING,
        Form.Kind.TABULATION,
        Form.Kind.RESULTS,
    }
)


class FormVersion(models.Model):
    """One upload of a form, frozen.

    `spec` is the normalised description the validation engine, the web entry page,
    the SMS syntax and the exports read (see checklists/spec.py); `xform` is pyxform's
    XForm for ODK Collect; `source` the file as uploaded.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("number"))
    version = models.CharField(
        _("version"), max_length=50, help_text=_("The settings sheet's version, or the number.")
    )
    spec = models.JSONField(_("specification"))
    xform = models.TextField(_("XForm"))
    source = models.BinaryField(_("source file"))
    source_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="unique_version_number"),
            models.UniqueConstraint(fields=["form", "version"], name="unique_version_string"),
        ]

    def __str__(self) -> str:
        return f"{self.form} v{self.version}"

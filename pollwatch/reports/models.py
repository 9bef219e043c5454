"""Reports from every channel, their versions, and the review layered on top.

Three tables keep the guarantees:
- Submission: every instance id (the client-made UUID) ever accepted, with the hash
  of its validated content. A retry finds its row and is acknowledged; the same id
  with other content is refused. Nothing else decides whether a post is new.
- ReportVersion: each distinct content of a report, never changed once written.
- Report: the logical report (one per observer, station, form and visit for
  checklists; one per submission for incidents and campaign events) with its review
  status. Review decisions and flags point at it; raw versions stay as received.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pollwatch.checklists.models import Form, FormVersion
from pollwatch.elections.models import PollingStation
from pollwatch.missions.models import Mission, Observer


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    SMS = "sms", _("SMS")
    ODK = "odk", _("ODK Collect")
    IMPORT = "import", _("Import")


class Report(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        FLAGGED = "flagged", _("Flagged")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="reports")
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="reports")
    observer = models.ForeignKey(Observer, on_delete=models.PROTECT, related_name="reports")
    station = models.ForeignKey(
        PollingStation, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    visit = models.PositiveSmallIntegerField(_("visit"), default=1)
    # Copied from the form so the one-checklist-per-key constraint can be a plain
    # partial unique index on this table.
    is_checklist = models.BooleanField(editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NEW)
    in_conflict = models.BooleanField(_("in conflict"), default=False)
    current = models.ForeignKey(
        "ReportVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    observed_at = models.DateTimeField(_("observed at"))
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "observer", "station", "visit"],
                condition=models.Q(is_checklist=True),
                name="one_checklist_per_observer_station_visit",
            )
        ]
        indexes = [
            models.Index(fields=["mission", "form", "status"]),
            models.Index(fields=["mission", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.form} {self.station.code if self.station else ''} ({self.observer})"


class ReportVersion(models.Model):
    """One distinct content of a report, exactly as validated; never edited."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(_("answers"))
    content_hash = models.CharField(max_length=64)
    observed_at = models.DateTimeField(_("observed at"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="unique_report_version"),
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"


class Submission(models.Model):
    """Every instance id accepted from any channel: the deduplication ledger."""

    instance_id = models.UUIDField(unique=True)
    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="submissions")
    content_hash = models.CharField(max_length=64)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return str(self.instance_id)


class Flag(models.Model):
    """Why a report needs a look: a failed quality check, a conflict, a rule."""

    class Kind(models.TextChoices):
        QUALITY_CHECK = "quality_check", _("Quality check failed")
        CONFLICT = "conflict", _("Observers disagree")
        CHANGED_RESUBMISSION = "changed_resubmission", _("Submitted again with other answers")
        SILENCE_CAMPAIGNING = "silence_campaigning", _("Campaigning during the silence period")
        UNREGISTERED_PHONE = "unregistered_phone", _("Sent from an unregistered phone")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="flags")
    version = models.ForeignKey(
        ReportVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    code = models.CharField(_("code"), max_length=100, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["report", "created_at"]
        indexes = [models.Index(fields=["kind", "resolved_at"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class ReviewDecision(models.Model):
    """A reviewer's status change or note; the history of a report's review."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="decisions")
    status = models.CharField(_("status"), max_length=20, choices=Report.Status)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["report", "decided_at"]

    def __str__(self) -> str:
        return f"{self.report}: {self.get_status_display()}"

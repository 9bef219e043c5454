"""What the core team keeps while reading the reports: calls, releases and exports.

The figures themselves are never stored while they are live: they are computed
in the database from the reports on each request. A Release is the exception,
a frozen copy published to viewers, which later reports must not change.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pollwatch.checklists.models import Form
from pollwatch.elections.models import PollingStation
from pollwatch.missions.models import Mission


class CoverageCall(models.Model):
    """A data clerk's call to the observers of a station that has not reported."""

    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", _("Called, no answer")
        WILL_REPORT = "will_report", _("Called, will report")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="coverage_calls")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="coverage_calls")
    station = models.ForeignKey(PollingStation, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome)
    note = models.CharField(_("note"), max_length=300, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    called_at = models.DateTimeField(_("called at"), default=timezone.now)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-called_at"]
        indexes = [models.Index(fields=["mission", "form", "station"])]

    def __str__(self) -> str:
        return f"{self.station.code}: {self.get_outcome_display()}"


class Release(models.Model):
    """A snapshot of findings (or of the quick count) published to viewers."""

    class Kind(models.TextChoices):
        FINDINGS = "findings", _("Findings")
        QUICK_COUNT = "quick_count", _("Quick count")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="releases")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    title = models.CharField(_("title"), max_length=200, blank=True)
    snapshot = models.JSONField(_("snapshot"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(_("released at"), default=timezone.now)

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-released_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.released_at:%Y-%m-%d %H:%M}"


class Export(models.Model):
    """A spreadsheet built in the background, with its progress."""

    # The task records progress every few seconds; a running export silent for this
    # long lost its worker (killed, or the machine restarted) and will never finish.
    STALLED_AFTER = dt.timedelta(minutes=10)
    # A worker takes a queued export within seconds unless another export keeps it
    # busy, or no worker runs at all: after this long (two minutes, as the progress
    # page says), the page says which to check.
    WAITING_LONG_AFTER = dt.timedelta(minutes=2)

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="exports")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="exports")
    labels = models.BooleanField(_("answers as labels"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progress_at = models.DateTimeField(_("last progress at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.form.code} {self.get_status_display()}"

    @property
    def stalled(self) -> bool:
        """Running, but its task has recorded nothing for STALLED_AFTER."""
        last = self.progress_at or self.created_at
        return self.status == self.Status.RUNNING and timezone.now() - last > self.STALLED_AFTER

    @property
    def waiting_long(self) -> bool:
        """Queued for longer than WAITING_LONG_AFTER: is a worker running?"""
        return (
            self.status == self.Status.QUEUED
            and timezone.now() - self.created_at > self.WAITING_LONG_AFTER
        )

    @property
    def working(self) -> bool:
        """Still to be finished by a worker: a page about it should keep watching."""
        return self.status == self.Status.QUEUED or (
            self.status == self.Status.RUNNING and not self.stalled
        )

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

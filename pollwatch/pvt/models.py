"""The quick count's stored choices: the mission's policy and its drawn samples.

Estimates are never stored while live: they are computed from the reports on each
request (quickcount.py). A sample is stored whole, with everything needed to draw
it again (seed, size, strata, minimum per stratum), so that anyone can check that
the stations were drawn at random and not picked.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Election, PollingStation
from pollwatch.missions.models import Mission


class QuickCountPolicy(models.Model):
    """What counts in a mission's quick count, and how sure the call must be."""

    class Counts(models.TextChoices):
        VERIFIED = "verified", _("Verified reports only")
        NOT_REJECTED = "not_rejected", _("All reports but rejected ones")

    mission = models.OneToOneField(
        Mission, on_delete=models.CASCADE, related_name="quick_count_policy"
    )
    counts = models.CharField(
        _("reports that count"), max_length=20, choices=Counts, default=Counts.NOT_REJECTED
    )
    results_form = models.ForeignKey(
        Form,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("results form"),
        help_text=_("The form of kind 'results' whose reports carry the station's figures."),
    )
    confidence = models.DecimalField(
        _("confidence of the call"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.990"),
        validators=[MinValueValidator(Decimal("0.8")), MaxValueValidator(Decimal("0.999"))],
    )

    class Meta:
        verbose_name = _("quick-count policy")
        verbose_name_plural = _("quick-count policies")

    def __str__(self) -> str:
        return f"{self.mission}: {self.get_counts_display()}"


class Sample(models.Model):
    """A stratified random draw of polling stations, with its design inputs."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="samples")
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    seed = models.CharField(_("seed"), max_length=64)
    size = models.PositiveIntegerField(_("stations asked for"))
    stratum_level = models.CharField(
        _("strata"), max_length=50, blank=True, help_text=_("An area level; blank: one stratum.")
    )
    minimum_per_stratum = models.PositiveSmallIntegerField(_("minimum per stratum"), default=0)
    # The design inputs the size was planned from (kept for the record).
    target_margin = models.DecimalField(
        _("target margin (points)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    confidence = models.DecimalField(
        _("confidence"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    expected_turnout = models.DecimalField(
        _("expected turnout (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    design_effect = models.DecimalField(
        _("design effect"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    planned_from_past_results = models.BooleanField(_("planned from past results"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("drawn at"), default=timezone.now)

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["mission", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission"],
                condition=models.Q(is_active=True),
                name="one_active_sample_per_mission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mission.code}: {self.size} ({self.seed})"


class SampledStation(models.Model):
    """One drawn station, with its stratum's frame and sample counts."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="stations")
    station = models.ForeignKey(PollingStation, on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(_("stratum"), max_length=50)
    stratum_size = models.PositiveIntegerField(_("stations in the stratum (N_h)"))
    stratum_sample = models.PositiveIntegerField(_("sampled in the stratum (n_h)"))
    weight = models.FloatField(_("weight (N_h / n_h)"))

    class Meta:
        verbose_name = _("sampled station")
        verbose_name_plural = _("sampled stations")
        ordering = ["sample", "stratum", "station__code"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "station"], name="unique_sampled_station")
        ]

    def __str__(self) -> str:
        return f"{self.station.code} ({self.stratum})"

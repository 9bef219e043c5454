"""Public facts of an election, shared by every mission that observes it."""

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    _("Use letters, digits, dots, dashes and underscores only."),
)
country_validator = RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter ISO 3166 country code."))


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class ElectionBody(models.Model):
    """An election commission: the host's central commission, or a foreign one."""

    class Level(models.TextChoices):
        CENTRAL = "central", _("Central")
        REGIONAL = "regional", _("Regional")
        DISTRICT = "district", _("District")
        PRECINCT = "precinct", _("Precinct")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    country = models.CharField(_("country"), max_length=2, validators=[country_validator])
    level = models.CharField(_("level"), max_length=20, choices=Level, default=Level.CENTRAL)

    class Meta:
        verbose_name = _("election body")
        verbose_name_plural = _("election bodies")
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class BodyMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        DEPUTY_CHAIR = "deputy_chair", _("Deputy chair")
        SECRETARY = "secretary", _("Secretary")
        MEMBER = "member", _("Member")

    body = models.ForeignKey(ElectionBody, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.MEMBER)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("body member")
        verbose_name_plural = _("body members")
        ordering = ["body", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class Election(models.Model):
    class Kind(models.TextChoices):
        PRESIDENTIAL = "presidential", _("Presidential")
        PARLIAMENTARY = "parliamentary", _("Parliamentary")
        LOCAL = "local", _("Local")
        REFERENDUM = "referendum", _("Referendum")

    class Denominator(models.TextChoices):
        VALID_VOTES = "valid_votes", _("valid votes")
        BALLOTS_FOUND = "ballots_found", _("ballots found")

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    country = models.CharField(_("country"), max_length=2, validators=[country_validator])
    election_day = models.DateField(_("election day"))
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    win_denominator = models.CharField(
        _("share of"), max_length=20, choices=Denominator, default=Denominator.VALID_VOTES
    )
    win_threshold = models.DecimalField(
        _("threshold (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A candidate wins outright with a share strictly above this."),
    )
    administered_by = models.ForeignKey(
        ElectionBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="elections",
        verbose_name=_("administered by"),
    )
    scenario_clock = models.DateTimeField(
        _("scenario clock"),
        null=True,
        blank=True,
        help_text=_(
            "Pins 'now' for this election's calendar only (demos, rehearsals). "
            "Sessions, tokens and audit times always use the real clock."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        ordering = ["-election_day", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def now(self) -> dt.datetime:
        """The election's 'now': its scenario clock if pinned, else the real time."""
        return self.scenario_clock or timezone.now()

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)


class CalendarPhase(models.Model):
    class Kind(models.TextChoices):
        NOMINATION = "nomination", _("Nomination")
        REGISTRATION = "registration", _("Registration")
        CAMPAIGN = "campaign", _("Campaign")
        SILENCE = "silence", _("Campaign silence")
        POLLING = "polling", _("Polling")
        COUNTING = "counting", _("Counting")
        TABULATION = "tabulation", _("Tabulation")
        RUNOFF = "runoff", _("Runoff")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("phase"), max_length=20, choices=Kind)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("calendar phase")
        verbose_name_plural = _("calendar phases")
        ordering = ["election", "starts_at", "ends_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="phase_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.election})"

    def contains(self, moment: dt.datetime) -> bool:
        return self.starts_at <= moment < self.ends_at


class Party(models.Model):
    country = models.CharField(_("country"), max_length=2, validators=[country_validator])
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Candidate(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DEREGISTERED = "deregistered", _("Deregistered")

    class Nominator(models.TextChoices):
        PARTY = "party", _("Party")
        SELF = "self", _("Self-nominated")
        VOTERS = "voters", _("Voters' initiative")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(_("name"), max_length=200)
    ballot_number = models.PositiveSmallIntegerField(_("ballot number"), null=True, blank=True)
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="candidates"
    )
    nominated_by = models.CharField(
        _("nominated by"), max_length=20, choices=Nominator, default=Nominator.PARTY
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.REGISTERED)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["election", "ballot_number", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "ballot_number"], name="unique_ballot_number"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CandidateName(models.Model):
    """A spelling of a candidate's name: another script, transliteration or language."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=10, blank=True)
    script = models.CharField(
        _("script"), max_length=4, blank=True, help_text="ISO 15924, e.g. Latn, Cyrl"
    )

    class Meta:
        verbose_name = _("name variant")
        verbose_name_plural = _("name variants")
        ordering = ["candidate", "script", "name"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "name"], name="unique_candidate_name")
        ]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A node of the election's administrative tree, of any depth.

    `path` holds the codes from the root ("/KG/CHU/ALA/") so a subtree is one
    indexed prefix query on every database.
    """

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(
        _("level"), max_length=50, blank=True, help_text=_("e.g. region, district")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=1000, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # A GeoJSON geometry (Polygon or MultiPolygon, WGS 84) for the map; optional.
    outline = models.JSONField(_("outline"), null=True, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["election", "path"]
        constraints = [
            models.UniqueConstraint(fields=["election", "code"], name="unique_area_code")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.set_path()
        super().save(*args, **kwargs)

    def set_path(self) -> None:
        parent_path = self.parent.path if self.parent_id and self.parent else "/"
        self.path = f"{parent_path}{self.code}/"
        self.depth = parent_path.count("/") - 1


class PollingStation(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="stations")
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name = models.CharField(_("name"), max_length=300)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="stations")
    address = models.CharField(_("address"), max_length=300, blank=True)
    registered_voters = models.PositiveIntegerField(_("registered voters"))
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        verbose_name = _("polling station")
        verbose_name_plural = _("polling stations")
        ordering = ["election", "code"]
        constraints = [
            models.UniqueConstraint(fields=["election", "code"], name="unique_station_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class OfficialResult(models.Model):
    """The election body's published result for one station, as imported.

    Rows whose own arithmetic does not add up are kept and described in `problems`:
    real protocols have such rows, and refusing them would hide them.
    """

    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="official_results"
    )
    station = models.OneToOneField(
        PollingStation, on_delete=models.CASCADE, related_name="official_result"
    )
    registered_voters = models.PositiveIntegerField(_("registered voters"))
    ballots_issued = models.PositiveIntegerField(_("ballots issued"), null=True, blank=True)
    ballots_found = models.PositiveIntegerField(_("ballots found"))
    invalid = models.PositiveIntegerField(_("invalid ballots"))
    valid = models.PositiveIntegerField(_("valid votes"))
    # Votes per candidate, keyed by the candidate's primary key as a string, so a
    # total is one SQL sum per key on every database.
    votes = models.JSONField(_("votes"), default=dict)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    has_problems = models.BooleanField(_("flagged"), default=False)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("official result")
        verbose_name_plural = _("official results")
        ordering = ["election", "station__code"]

    def __str__(self) -> str:
        return f"{self.station.code}: {self.ballots_found}"

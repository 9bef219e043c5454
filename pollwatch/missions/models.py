"""Organisations, invitations, missions and their people.

A mission is the tenant: every private row hangs off one, and missions/access.py
is the only way views and API handlers reach them.
"""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pollwatch.elections.models import (
    Area,
    Election,
    ElectionBody,
    PollingStation,
    code_validator,
    country_validator,
)

e164_validator = RegexValidator(
    r"^\+[1-9][0-9]{6,14}$", _("Write the number in E.164 form, e.g. +996555123456.")
)
# Digits only: observers type this on a basic phone keypad in SMS reports.
observer_code_validator = RegexValidator(r"^[0-9]{3,8}$", _("Use 3 to 8 digits."))


class Organisation(models.Model):
    class Kind(models.TextChoices):
        INTERNATIONAL = "international", _("International organisation")
        ELECTION_BODY = "election_body", _("Election body")
        DOMESTIC = "domestic", _("Domestic observer group")
        GOVERNMENT = "government", _("Government")
        OTHER = "other", _("Other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    country = models.CharField(
        _("country"), max_length=2, blank=True, validators=[country_validator]
    )
    election_body = models.ForeignKey(
        ElectionBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text=_("For a foreign election commission: the body it is."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Invitation(models.Model):
    """An invitation to observe, a public fact of the election."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        NO_ANSWER = "no_answer", _("No answer")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="invitations")
    inviting_body = models.ForeignKey(
        ElectionBody,
        on_delete=models.PROTECT,
        related_name="invitations_sent",
        verbose_name=_("inviting body"),
    )
    invitee = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("invitee"),
    )
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.SENT)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_where = models.CharField(
        _("decided where"), max_length=200, blank=True, help_text=_("e.g. the commission's meeting")
    )
    decided_by = models.CharField(_("decided by"), max_length=200, blank=True)
    statement = models.TextField(_("statement"), blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["election", "invitee__name"]
        constraints = [
            models.UniqueConstraint(fields=["election", "invitee"], name="unique_invitation")
        ]

    def __str__(self) -> str:
        return f"{self.invitee} ({self.get_status_display()})"


class Mission(models.Model):
    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="missions",
        verbose_name=_("organisation"),
    )
    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="missions", verbose_name=_("election")
    )

    class ReportScope(models.TextChoices):
        STATIONS = "stations", _("Only the stations of their deployment")
        AREA = "area", _("Any station in their deployment's area")

    report_scope = models.CharField(
        _("observers may report for"),
        max_length=20,
        choices=ReportScope,
        default=ReportScope.STATIONS,
    )
    members: models.ManyToManyField = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="missions"
    )

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "election"], name="one_mission_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    ANALYST = "analyst", _("Analyst")
    OBSERVER = "observer", _("Observer")
    DATA_CLERK = "data_clerk", _("Data clerk")
    MEDIA_MONITOR = "media_monitor", _("Media monitor")
    VIEWER = "viewer", _("Viewer")


CORE_TEAM = frozenset({Role.COORDINATOR, Role.ANALYST})


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "mission"], name="one_role_per_mission")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.mission.code}: {self.get_role_display()}"

    @property
    def is_core_team(self) -> bool:
        return self.role in CORE_TEAM


class Team(models.Model):
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="teams")
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["mission", "code"]
        constraints = [models.UniqueConstraint(fields=["mission", "code"], name="unique_team_code")]

    def __str__(self) -> str:
        return self.name or self.code


class Observer(models.Model):
    class ObserverRole(models.TextChoices):
        CORE_TEAM = "core_team", _("Core team")
        LONG_TERM = "long_term", _("Long-term observer")
        SHORT_TERM = "short_term", _("Short-term observer")

    class Accreditation(models.TextChoices):
        PENDING = "pending", _("Pending")
        ISSUED = "issued", _("Issued")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="observers")
    code = models.CharField(_("observer code"), max_length=8, validators=[observer_code_validator])
    name = models.CharField(_("name"), max_length=200)
    nationality = models.CharField(_("nationality"), max_length=2, validators=[country_validator])
    seconded_by = models.CharField(_("seconding body"), max_length=200, blank=True)
    languages = models.CharField(
        _("languages"),
        max_length=100,
        blank=True,
        help_text=_("Comma-separated codes, e.g. ru,kk,en"),
    )
    preferred_language = models.CharField(_("preferred language"), max_length=10, default="en")
    phone = models.CharField(_("phone"), max_length=16, blank=True, validators=[e164_validator])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="observer",
    )
    accreditation_number = models.CharField(_("accreditation number"), max_length=50, blank=True)
    accreditation_status = models.CharField(
        _("accreditation"), max_length=20, choices=Accreditation, default=Accreditation.PENDING
    )
    accredited_from = models.DateField(_("valid from"), null=True, blank=True)
    accredited_until = models.DateField(_("valid until"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=ObserverRole)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="observers"
    )

    class Meta:
        verbose_name = _("observer")
        verbose_name_plural = _("observers")
        ordering = ["mission", "name"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "code"], name="unique_observer_code"),
            models.UniqueConstraint(
                fields=["mission", "accreditation_number"],
                condition=~models.Q(accreditation_number=""),
                name="unique_accreditation_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


class Deployment(models.Model):
    """Where a team works on a date: an area, a list of stations, or both."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="deployments")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="deployments")
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="deployments"
    )
    stations = models.ManyToManyField(PollingStation, blank=True, related_name="deployments")
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        ordering = ["mission", "date", "team"]

    def __str__(self) -> str:
        return f"{self.team} {self.date}"

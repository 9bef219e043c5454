"""API for the public facts of an election, as seen by the missions that observe it.

An election is reached only through missions/access.py: a caller sees the elections
its missions observe and gets 404 for every other one, and for everything in it.
The small pieces every router shares (`one_of`, `LimitOffset`, `OrganisationOut`) live
here because elections sit below missions: missions/api.py imports them from here.
"""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from pollwatch.accounts.api_auth import ErrorOut, caller
from pollwatch.elections import calendar
from pollwatch.elections.models import (
    Area,
    CalendarPhase,
    Candidate,
    Election,
    ElectionBody,
    PollingStation,
)
from pollwatch.missions import access
from pollwatch.missions.models import Invitation, Organisation

router = Router(tags=["elections"])
NOT_FOUND = {404: ErrorOut}


def one_of(choices: type[models.TextChoices], description: str = "") -> Any:
    """A required string field listing the model's choices in the OpenAPI document.

    Inline, not as a shared enum schema: many models have a `Kind` or a `Status`, and
    schemas named alike would overwrite each other in the document.
    """
    extra: dict[str, Any] = {"enum": list(choices.values)}
    return Field(..., description=description or None, json_schema_extra=extra)


class PageInput(Schema):
    limit: int = Field(100, ge=1, le=1000, description="Items per page (1 to 1000).")
    offset: int = Field(0, ge=0, description="Items to skip.")


class LimitOffset(LimitOffsetPagination):
    """ninja's limit/offset pagination with the bounds of this API.

    A national election has thousands of stations: a page of 100 keeps answers
    small, and 1,000 is the most a client may ask for at once (more is a 422).
    """

    Input = PageInput  # type: ignore[assignment]


class BodyOut(Schema):
    uuid: uuid.UUID
    name: str
    short_name: str
    country: str
    level: str = one_of(ElectionBody.Level)


class ElectionOut(Schema):
    code: str
    name: str
    kind: str = one_of(Election.Kind)
    country: str
    election_day: dt.date
    time_zone: str
    win_denominator: str = one_of(Election.Denominator)
    win_threshold: Decimal = Field(description="A candidate wins outright above this share (%).")
    administered_by: BodyOut | None
    is_demo: bool


class PhaseOut(Schema):
    kind: str = one_of(CalendarPhase.Kind)
    starts_at: dt.datetime = Field(description="In the election's time zone.")
    ends_at: dt.datetime = Field(description="In the election's time zone; the end is excluded.")
    note: str

    @staticmethod
    def resolve_starts_at(obj: CalendarPhase) -> dt.datetime:
        return obj.election.local(obj.starts_at)

    @staticmethod
    def resolve_ends_at(obj: CalendarPhase) -> dt.datetime:
        return obj.election.local(obj.ends_at)


class CalendarOut(Schema):
    now: dt.datetime = Field(description="The election's clock: its scenario clock if pinned.")
    clock_pinned: bool = Field(description="True when a scenario clock stands in for real time.")
    phases: list[PhaseOut]
    current_phases: list[PhaseOut] = Field(description="Every phase containing `now`.")
    next_phase: PhaseOut | None


class ElectionDetailOut(ElectionOut):
    calendar: CalendarOut

    @staticmethod
    def resolve_calendar(obj: Election) -> dict:
        prefetch_related_objects([obj], "phases")
        # Read the clock once, so that every field describes the same instant.
        now = obj.now()
        return {
            "now": obj.local(now),
            "clock_pinned": obj.scenario_clock is not None,
            "phases": list(obj.phases.all()),
            "current_phases": calendar.current_phases(obj, now),
            "next_phase": calendar.next_phase(obj, now),
        }


class PartyOut(Schema):
    name: str
    short_name: str
    country: str


class NameVariantOut(Schema):
    name: str
    language: str
    script: str = Field(description="ISO 15924, e.g. Latn, Cyrl.")


class CandidateOut(Schema):
    uuid: uuid.UUID
    name: str
    ballot_number: int | None
    party: PartyOut | None
    nominated_by: str = one_of(Candidate.Nominator)
    status: str = one_of(Candidate.Status)
    status_changed_on: dt.date | None
    names: list[NameVariantOut] = Field(description="Other spellings: scripts, languages.")

    @staticmethod
    def resolve_names(obj: Candidate) -> list:
        return list(obj.names.all())


class AreaOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None = Field(description="The parent area's code; null for a root.")
    depth: int = Field(description="0 for a root area.")

    @staticmethod
    def resolve_parent(obj: Area) -> str | None:
        return obj.parent.code if obj.parent else None


class StationOut(Schema):
    code: str
    name: str
    area: str = Field(description="The code of the station's area.")
    area_name: str
    area_path: list[str] = Field(description="Area codes from the root down to the station's.")
    address: str
    registered_voters: int
    latitude: float | None
    longitude: float | None

    @staticmethod
    def resolve_area(obj: PollingStation) -> str:
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj: PollingStation) -> str:
        return obj.area.name

    @staticmethod
    def resolve_area_path(obj: PollingStation) -> list[str]:
        return obj.area.path.strip("/").split("/")


class StationFilters(Schema):
    area: str | None = Field(None, description="An area code: stations in it or below it.")
    q: str | None = Field(None, description="Part of the station's code or name.")


class OrganisationOut(Schema):
    uuid: uuid.UUID
    name: str
    short_name: str
    kind: str = one_of(Organisation.Kind)
    country: str


class InvitationOut(Schema):
    uuid: uuid.UUID
    inviting_body: BodyOut
    invitee: OrganisationOut
    sent_on: dt.date | None
    status: str = one_of(Invitation.Status)
    decided_on: dt.date | None
    decided_where: str
    decided_by: str
    statement: str


def _election(request: HttpRequest, code: str) -> Election:
    return access.get_election_for_user(caller(request), code)


@router.get("", response=list[ElectionOut], summary="Elections observed by the caller's missions")
def list_elections(request: HttpRequest) -> QuerySet[Election]:
    return access.elections_for_user(caller(request)).select_related("administered_by")


@router.get("/{code}", response={200: ElectionDetailOut, **NOT_FOUND}, summary="An election")
def get_election(request: HttpRequest, code: str) -> Election:
    """The election with its calendar, read against the election's own clock."""
    return _election(request, code)


@router.get("/{code}/candidates", response={200: list[CandidateOut], **NOT_FOUND})
def list_candidates(request: HttpRequest, code: str) -> QuerySet[Candidate]:
    """Candidates in ballot order, with their party and the other spellings of their name."""
    election = _election(request, code)
    return access.candidates_for_election(election)


@router.get("/{code}/areas", response={200: list[AreaOut], **NOT_FOUND})
def list_areas(request: HttpRequest, code: str) -> QuerySet[Area]:
    """The administrative tree, each area after its parent."""
    election = _election(request, code)
    return access.areas_for_election(election).select_related("parent")


@router.get("/{code}/stations", response={200: list[StationOut], **NOT_FOUND})
@paginate(LimitOffset)
def list_stations(request: HttpRequest, code: str, filters: Query[StationFilters]):
    """Polling stations by code, a page at a time."""
    election = _election(request, code)
    stations = access.stations_for_election(election)
    if filters.area:
        area = access.areas_for_election(election).filter(code=filters.area).first()
        if area is None:
            message = _("No area with the code %(code)s in this election.") % {"code": filters.area}
            raise HttpError(404, message)
        stations = stations.filter(area__path__startswith=area.path)
    if filters.q:
        stations = stations.filter(Q(code__icontains=filters.q) | Q(name__icontains=filters.q))
    return stations.order_by("code")


@router.get("/{code}/stations/{station_code}", response={200: StationOut, **NOT_FOUND})
def get_station(request: HttpRequest, code: str, station_code: str) -> PollingStation:
    return access.get_station(_election(request, code), station_code)


@router.get("/{code}/invitations", response={200: list[InvitationOut], **NOT_FOUND})
def list_invitations(request: HttpRequest, code: str) -> QuerySet[Invitation]:
    """Invitations to observe and their decisions: public facts every observing mission sees."""
    election = _election(request, code)
    return access.invitations_for_election(election)

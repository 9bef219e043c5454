"""API for the caller's missions and their rosters.

A mission is the tenant: everything here is reached through missions/access.py, so
another mission's code or observer answers 404, and a role that may not see the
roster answers 403.
"""

import datetime as dt
import uuid

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from pollwatch.accounts.api_auth import ErrorOut, caller
from pollwatch.elections.api import LimitOffset, OrganisationOut, one_of
from pollwatch.missions import access
from pollwatch.missions.models import Membership, Mission, Observer, Role

router = Router(tags=["missions"])
NOT_FOUND = {404: ErrorOut}
NOT_ALLOWED = {403: ErrorOut, 404: ErrorOut}


class MissionOut(Schema):
    code: str
    name: str
    organisation: OrganisationOut
    election: str = Field(description="The code of the observed election.")
    role: str = one_of(Role, "The caller's role in this mission.")

    @staticmethod
    def resolve_election(obj: Mission) -> str:
        return obj.election.code


class ObserverOut(Schema):
    uuid: uuid.UUID
    code: str = Field(description="The observer's short code, used in SMS reports.")
    name: str
    nationality: str
    seconded_by: str
    languages: list[str]
    preferred_language: str
    phone: str
    role: str = one_of(Observer.ObserverRole)
    team: str | None = Field(description="The team's code.")
    accreditation_number: str
    accreditation_status: str = one_of(Observer.Accreditation)
    accredited_from: dt.date | None
    accredited_until: dt.date | None
    has_login: bool = Field(description="True when the observer has a user account.")

    @staticmethod
    def resolve_languages(obj: Observer) -> list[str]:
        return obj.language_list

    @staticmethod
    def resolve_team(obj: Observer) -> str | None:
        return obj.team.code if obj.team else None

    @staticmethod
    def resolve_has_login(obj: Observer) -> bool:
        return obj.user_id is not None


def _with_role(mission: Mission, role: str) -> Mission:
    mission.role = role  # type: ignore[attr-defined]
    return mission


def _membership(request: HttpRequest, code: str) -> Membership:
    return access.get_membership(caller(request), code)


@router.get("", response=list[MissionOut], summary="The caller's missions")
def list_missions(request: HttpRequest) -> list[Mission]:
    memberships = access.memberships_for_user(caller(request))
    return [_with_role(membership.mission, membership.role) for membership in memberships]


@router.get("/{code}", response={200: MissionOut, **NOT_FOUND}, summary="A mission")
def get_mission(request: HttpRequest, code: str) -> Mission:
    membership = _membership(request, code)
    return _with_role(membership.mission, membership.role)


@router.get("/{code}/observers", response={200: list[ObserverOut], **NOT_ALLOWED})
@paginate(LimitOffset)
def list_observers(request: HttpRequest, code: str) -> QuerySet[Observer]:
    """The mission's roster by name; for the core team and data clerks only."""
    observers = access.observers_for_membership(_membership(request, code))
    return observers.order_by("name", "code")


@router.get("/{code}/observers/{observer_uuid}", response={200: ObserverOut, **NOT_ALLOWED})
def get_observer(request: HttpRequest, code: str, observer_uuid: str) -> Observer:
    return access.get_observer(_membership(request, code), observer_uuid)

"""The access choke point: every view and API handler reaches private rows here.

A mission is the tenant. Functions named `get_*_for_user` return one object or raise
Http404 (for anything outside the user's missions, so that its existence does not
leak) or PermissionDenied (inside the mission, but not for this role). Functions
named `*_for_user` without `get_` return querysets already scoped.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from pollwatch.accounts.models import User
from pollwatch.elections.models import Area, Candidate, Election, PollingStation
from pollwatch.missions.models import (
    CORE_TEAM,
    Invitation,
    Membership,
    Mission,
    Observer,
    Role,
)

AnyUser = User | AnonymousUser

# Who may see the roster and its contact details, and run imports.
ROSTER_ROLES = CORE_TEAM | {Role.DATA_CLERK}
MANAGE_ROLES = frozenset({Role.COORDINATOR})


def missions_for_user(user: AnyUser) -> QuerySet[Mission]:
    """The missions the user belongs to; every mission for a platform operator."""
    if not user.is_authenticated or not user.is_active:
        return Mission.objects.none()
    if user.is_superuser:
        return Mission.objects.all()
    return Mission.objects.filter(memberships__user=user)


def get_membership(user: AnyUser, mission_code: str) -> Membership:
    """The user's membership of the mission; Http404 if there is none.

    A platform operator who is not a member acts as a coordinator.
    """
    if not user.is_authenticated or not user.is_active:
        raise Http404
    try:
        return Membership.objects.select_related("mission__election", "mission__organisation").get(
            user=user, mission__code=mission_code
        )
    except Membership.DoesNotExist:
        if user.is_superuser:
            mission = (
                Mission.objects.select_related("election", "organisation")
                .filter(code=mission_code)
                .first()
            )
            if mission is not None:
                return Membership(user=user, mission=mission, role=Role.COORDINATOR)
        raise Http404 from None


def memberships_for_user(user: AnyUser) -> list[Membership]:
    """One membership per mission the user may open, mission and election loaded.

    As in get_membership, a platform operator acts as coordinator where not a member.
    """
    missions = missions_for_user(user).select_related("election", "organisation")
    if not user.is_authenticated:
        return []
    roles = dict(Membership.objects.filter(user=user).values_list("mission_id", "role"))
    return [
        Membership(user=user, mission=m, role=roles.get(m.pk, Role.COORDINATOR)) for m in missions
    ]


def require_role(membership: Membership, roles: Iterable[str]) -> None:
    """Raise PermissionDenied unless the member holds one of the roles."""
    if membership.role not in roles:
        raise PermissionDenied(_("Your role in this mission does not allow this."))


def get_mission_for_user(
    user: User, mission_code: str, roles: Iterable[str] | None = None
) -> Mission:
    membership = get_membership(user, mission_code)
    if roles is not None:
        require_role(membership, roles)
    return membership.mission


def elections_for_user(user: AnyUser) -> QuerySet[Election]:
    """Elections observed by a mission the user belongs to."""
    return Election.objects.filter(missions__in=missions_for_user(user)).distinct()


def get_election_for_user(user: AnyUser, election_code: str) -> Election:
    return get_object_or_404(elections_for_user(user), code=election_code)


def areas_for_election(election: Election) -> QuerySet[Area]:
    """Areas of an election already reached through the choke point.

    Without their GeoJSON outlines, which can weigh megabytes over a country and which
    only the map reads (findings/live.py asks for them by name).
    """
    return Area.objects.filter(election=election).defer("outline")


def stations_for_election(election: Election) -> QuerySet[PollingStation]:
    return (
        PollingStation.objects.filter(election=election)
        .select_related("area")
        .defer("area__outline")
    )


def get_station(election: Election, code: str) -> PollingStation:
    return get_object_or_404(stations_for_election(election), code=code)


def candidates_for_election(election: Election) -> QuerySet[Candidate]:
    """Candidates in ballot order, with their party and name variants."""
    return (
        Candidate.objects.filter(election=election)
        .select_related("party")
        .prefetch_related("names")
    )


def invitations_for_election(election: Election) -> QuerySet[Invitation]:
    """Invitations are public facts of the election: every observing mission sees them."""
    return Invitation.objects.filter(election=election).select_related("invitee", "inviting_body")


def observers_for_membership(membership: Membership) -> QuerySet[Observer]:
    """The roster of the member's own mission, for the roles that may see it."""
    require_role(membership, ROSTER_ROLES)
    return Observer.objects.filter(mission=membership.mission).select_related("team", "user")


def get_observer(membership: Membership, observer_uuid: str) -> Observer:
    try:
        key = uuid.UUID(str(observer_uuid))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(observers_for_membership(membership), uuid=key)


def member_context(membership: Membership, section: str, **extra: Any) -> dict[str, Any]:
    """What every mission page needs: the mission, its election, and what the role may open.

    `section` marks the current item of the mission navigation.
    """
    mission = membership.mission
    return {
        "membership": membership,
        "mission": mission,
        "election": mission.election,
        "section": section,
        "can_see_roster": membership.role in ROSTER_ROLES,
        "can_report": membership.role == Role.OBSERVER,
        "can_review": membership.role in CORE_TEAM,
        "can_manage": membership.role in MANAGE_ROLES,
        **extra,
    }

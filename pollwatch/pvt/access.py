"""Who may see and do what in the quick count, built on missions/access.py.

The live estimates are under embargo: only the core team (coordinators and
analysts) reads them; the sample is the core team's too. Drawing a sample, assigning
it, setting the policy and releasing are the coordinator's. Every other member of
the mission reads the latest release only. Outside the mission everything is Http404.
"""

from django.db.models import QuerySet

from pollwatch.checklists.models import Form
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import CORE_TEAM, Membership, Team
from pollwatch.pvt import quickcount, sampling
from pollwatch.pvt.models import Sample

LIVE_ROLES = CORE_TEAM
MANAGE_ROLES = mission_access.MANAGE_ROLES


def membership_for(user, mission_code: str) -> Membership:
    """Any member of the mission (Http404 for everyone else)."""
    return mission_access.get_membership(user, mission_code)


def sees_live(membership: Membership) -> bool:
    return membership.role in LIVE_ROLES


def may_manage(membership: Membership) -> bool:
    return membership.role in MANAGE_ROLES


def require_live(membership: Membership) -> None:
    """PermissionDenied unless the member may read the quick count under embargo."""
    mission_access.require_role(membership, LIVE_ROLES)


def require_manage(membership: Membership) -> None:
    """PermissionDenied unless the member may draw, assign, set the policy and release."""
    mission_access.require_role(membership, MANAGE_ROLES)


def sample_for(membership: Membership) -> Sample | None:
    """The mission's active sample, for the core team."""
    require_live(membership)
    return sampling.active_sample(membership.mission)


def teams_for(membership: Membership) -> QuerySet[Team]:
    """The mission's teams, for the coordinator assigning the sample."""
    require_manage(membership)
    return Team.objects.filter(mission=membership.mission).order_by("code")


def results_forms_for(membership: Membership) -> QuerySet[Form]:
    """The mission's forms of kind results, for the coordinator's policy."""
    require_manage(membership)
    return quickcount.results_forms(membership.mission)

"""What the live dashboard may reach, built on findings/access.py and missions/access.py.

The dashboard, timeline, incidents and map are operational, like coverage: the core
team and the data clerks (who chase the missing stations) see them; findings are
under embargo, these pages are not. Another mission's member gets Http404, any other
role of the mission PermissionDenied.
"""

from django.db.models import QuerySet

from pollwatch.checklists.models import Form
from pollwatch.findings import access as findings_access
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import Membership
from pollwatch.reports.models import Report

INCIDENT_KINDS = (Form.Kind.INCIDENT, Form.Kind.CAMPAIGN_EVENT)


def get_live_membership(user: mission_access.AnyUser, mission_code: str) -> Membership:
    """The user's membership of the mission, for the roles that watch it live."""
    membership = mission_access.get_membership(user, mission_code)
    findings_access.require_coverage(membership)
    return membership


def live_reports(membership: Membership) -> QuerySet[Report]:
    """Every report of the member's mission (a membership from get_live_membership)."""
    findings_access.require_coverage(membership)
    return Report.objects.filter(mission=membership.mission)


def live_forms(membership: Membership) -> QuerySet[Form]:
    """The mission's forms with their current version (for labels and choices)."""
    findings_access.require_coverage(membership)
    return Form.objects.filter(mission=membership.mission).select_related("current_version")


def incident_forms(membership: Membership) -> QuerySet[Form]:
    """The mission's incident and campaign-event forms."""
    return live_forms(membership).filter(kind__in=INCIDENT_KINDS)


def get_map_form(membership: Membership, form_code: str) -> Form:
    """A checklist form of the mission by its code (the map shows one phase at a time)."""
    return findings_access.get_form_for_coverage(membership, form_code)

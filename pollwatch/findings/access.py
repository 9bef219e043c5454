"""Findings reached through the mission choke point (missions/access.py).

Two audiences: findings are under embargo, so only the core team (coordinators and
analysts) reads them before a release; coverage is operational, so data clerks, who
chase the missing stations by phone, see it too. Anything outside the member's
mission is Http404; inside it, a role that may not see the page is PermissionDenied.
"""

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from pollwatch.checklists import access as checklist_access
from pollwatch.checklists.models import CHECKLIST_KINDS, Form
from pollwatch.elections.models import Area, PollingStation
from pollwatch.findings.models import Export
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import CORE_TEAM, Deployment, Membership, Mission
from pollwatch.pvt.models import QuickCountPolicy, SampledStation

# Who reads findings before their release (the embargo).
FINDINGS_ROLES = CORE_TEAM
# Who watches coverage and calls the missing stations: they also see phone numbers.
COVERAGE_ROLES = mission_access.ROSTER_ROLES


def require_core_team(membership: Membership) -> None:
    """PermissionDenied unless the member may read findings under embargo."""
    mission_access.require_role(membership, FINDINGS_ROLES)


def require_coverage(membership: Membership) -> None:
    """PermissionDenied unless the member may watch coverage and record calls."""
    mission_access.require_role(membership, COVERAGE_ROLES)


def checklist_forms(membership: Membership) -> QuerySet[Form]:
    """The mission's checklist forms (one per phase); incidents left out.

    Plain rows: the findings pages need no version count nor the current version's
    spec and source, which checklists/access.py loads for the forms pages.
    """
    return Form.objects.filter(mission=membership.mission, kind__in=CHECKLIST_KINDS)


def get_form_for_core_team(membership: Membership, form_code: str) -> Form:
    """One of the mission's forms, for the core team only (findings are under embargo)."""
    require_core_team(membership)
    return checklist_access.get_form(membership, form_code)


def get_form_for_coverage(membership: Membership, form_code: str) -> Form:
    """One of the mission's checklist forms, for the roles that watch coverage."""
    require_coverage(membership)
    return get_object_or_404(checklist_forms(membership), code=form_code)


def get_area(membership: Membership, area_code: str) -> Area:
    """An area of the mission's election by its code; Http404 for any other."""
    election = membership.mission.election
    return get_object_or_404(mission_access.areas_for_election(election), code=area_code)


def deployed_station_ids(mission: Mission) -> QuerySet[Any]:
    """The ids of the stations the mission's deployments list (with repeats)."""
    deployed = Deployment.stations.through.objects.filter(deployment__mission=mission)
    return deployed.values("pollingstation_id")


def sample_scope(mission: Mission, form: Form) -> QuerySet[Any] | None:
    """The station ids a sampled form is expected from, or None: every deployed station.

    The quick count's results form, or a form marked as a sample, is reported only at
    the stations of the mission's active sample, however many more its observers were
    sent to: coverage counts those, and the missing list shows only those to call.
    Without an active sample, every deployed station is expected.
    """
    if not (
        form.is_sample
        or QuickCountPolicy.objects.filter(mission=mission, results_form=form).exists()
    ):
        return None
    drawn = SampledStation.objects.filter(sample__mission=mission, sample__is_active=True)
    return drawn.values("station_id") if drawn.exists() else None


def assigned_stations(mission: Mission, form: Form | None = None) -> QuerySet[PollingStation]:
    """The distinct stations expected to report: the deployed ones (of the form's sample)."""
    stations = PollingStation.objects.filter(
        election=mission.election, pk__in=deployed_station_ids(mission)
    )
    scope = None if form is None else sample_scope(mission, form)
    return stations if scope is None else stations.filter(pk__in=scope)


def assigned_station_or_none(membership: Membership, station_code: str) -> PollingStation | None:
    """One of the mission's deployed stations by its code, or None (a refused input)."""
    require_coverage(membership)
    return assigned_stations(membership.mission).filter(code=station_code).first()


def exports_for_membership(membership: Membership) -> QuerySet[Export]:
    """The mission's spreadsheet exports, newest first, for the core team only.

    An export holds every report's answers, which only the core team may read.
    """
    require_core_team(membership)
    return Export.objects.filter(mission=membership.mission).select_related("form", "requested_by")


def get_export(membership: Membership, export_uuid: str) -> Export:
    """One export of the member's mission by its uuid; Http404 for any other."""
    try:
        key = uuid.UUID(str(export_uuid))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(exports_for_membership(membership), uuid=key)

"""Reports, forms and reporters as a caller may reach them (built on missions/access.py).

As there: `get_*` functions return one object or raise Http404 (outside the caller's
missions, so existence does not leak) or PermissionDenied (inside the mission, not for
this role); the others return querysets already scoped.
"""

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pollwatch.accounts.models import User
from pollwatch.checklists.models import Form
from pollwatch.elections.models import PollingStation
from pollwatch.missions import access
from pollwatch.missions.models import CORE_TEAM, Deployment, Membership, Mission, Observer, Role
from pollwatch.reports.models import Report, Submission

# Who may enter a report on an observer's behalf (phone dictation, paper forms).
PROXY_ROLES = frozenset({Role.DATA_CLERK, Role.COORDINATOR})
REPORTING_ROLES = PROXY_ROLES | {Role.OBSERVER}


def forms_for_mission(mission: Mission) -> QuerySet[Form]:
    """Forms of a mission already reached through the choke point."""
    return Form.objects.filter(mission=mission)


def get_form(mission: Mission, code: str) -> Form:
    try:
        # order_by(): a lookup by a unique key needs no ORDER BY (the default one joins).
        return forms_for_mission(mission).order_by().get(code=code)
    except Form.DoesNotExist:
        raise Http404 from None


def reports_for_membership(membership: Membership) -> QuerySet[Report]:
    """Every report of the member's mission, for the core team only."""
    access.require_role(membership, CORE_TEAM)
    return Report.objects.filter(mission=membership.mission).select_related(
        "form", "observer", "station", "current"
    )


def parse_uuid(value: str) -> uuid.UUID:
    """A UUID from a URL or a payload; Http404 when it is not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def get_report_for_user(user: User, report_uuid: str) -> Report:
    """A report for the core team of its mission or for the observer who made it.

    Outside the caller's missions: Http404. Another member of the mission (a viewer,
    another observer): PermissionDenied.
    """
    key = parse_uuid(report_uuid)
    report = (
        Report.objects.filter(uuid=key, mission__in=access.missions_for_user(user))
        .select_related("mission__election", "form", "observer", "station", "current")
        .first()
    )
    if report is None:
        raise Http404
    membership = access.get_membership(user, report.mission.code)
    if membership.is_core_team or (user.pk is not None and report.observer.user_id == user.pk):
        return report
    raise PermissionDenied(_("Only the core team and the report's observer may read it."))


def get_submission(mission: Mission, instance_id: uuid.UUID) -> Submission:
    """An accepted submission of the mission by its instance id; Http404 otherwise."""
    submission = (
        Submission.objects.filter(instance_id=instance_id, version__report__mission=mission)
        .select_related("version__report__form", "version__report__observer")
        .first()
    )
    if submission is None:
        raise Http404
    return submission


def own_observer(membership: Membership) -> Observer | None:
    """The member's own Observer row in this mission, if there is one."""
    try:
        return Observer.objects.order_by().get(mission=membership.mission, user=membership.user_id)
    except Observer.DoesNotExist:
        return None


def get_reporter(membership: Membership, observer_code: str | None) -> Observer:
    """The observer a report is made for, by the member's role.

    An observer reports for themselves only; a data clerk or coordinator names the
    observer (or reports as their own Observer row, if they have one). Every other
    role may not report. An unknown observer code answers Http404.
    """
    if membership.role not in REPORTING_ROLES:
        raise PermissionDenied(_("Your role in this mission may not submit reports."))
    own = own_observer(membership)
    if observer_code is None or (own is not None and own.code == observer_code):
        if own is None:
            raise PermissionDenied(_("You are not registered as an observer in this mission."))
        return own
    if membership.role not in PROXY_ROLES:
        raise PermissionDenied(_("Observers may submit reports only for themselves."))
    try:
        return Observer.objects.order_by().get(mission=membership.mission, code=observer_code)
    except Observer.DoesNotExist:
        raise Http404 from None


def deployments_of(observer: Observer) -> QuerySet[Deployment]:
    """Every deployment of the observer's team, on any date."""
    if observer.team_id is None:
        return Deployment.objects.none()
    return Deployment.objects.filter(mission=observer.mission_id, team=observer.team_id)


def station_in_deployment(observer: Observer, station: PollingStation) -> bool:
    """Whether the observer may report for the station.

    The stations a deployment lists count always. Its area counts when the mission
    lets observers report anywhere in their area (Mission.report_scope), and also
    when the deployment lists no station at all (an area-only deployment, typical
    of long-term observers, would otherwise allow nothing).
    """
    listed = deployments_of(observer).filter(stations=station).exists()
    return listed or _station_in_deployed_area(observer, observer.mission, station)


def _station_in_deployed_area(
    observer: Observer, mission: Mission, station: PollingStation
) -> bool:
    """The area half of station_in_deployment."""
    by_area = deployments_of(observer).filter(area__isnull=False)
    if mission.report_scope != Mission.ReportScope.AREA:
        by_area = by_area.filter(stations__isnull=True)
    paths = by_area.values_list("area__path", flat=True)
    return any(station.area.path.startswith(path) for path in paths)


def get_report_station(
    observer: Observer, mission: Mission, code: str
) -> tuple[PollingStation, bool]:
    """A station of the mission's election by its code, and whether the observer may
    report for it (as station_in_deployment); Http404 for an unknown code.

    Two plain queries when a deployment lists the station, the usual case (cheaper to
    build than one with an EXISTS subquery).
    """
    try:
        # order_by(): the default ordering would join the election to sort one row.
        station = PollingStation.objects.order_by().get(election=mission.election, code=code)
    except PollingStation.DoesNotExist:
        raise Http404 from None
    listed = deployments_of(observer).filter(stations=station).exists()
    return station, listed or _station_in_deployed_area(observer, mission, station)


def reports_at_station(report: Report) -> QuerySet[Report]:
    """Other observers' checklists of the same form at the report's station."""
    return (
        Report.objects.filter(form=report.form_id, station=report.station_id, is_checklist=True)
        .exclude(Q(observer=report.observer_id) | Q(current__isnull=True))
        .select_related("current", "observer")
    )


def checklists_at_station(form: Form, station: PollingStation) -> QuerySet[Report]:
    """Every observer's checklists of the form at the station, with their current version.

    What submitting a checklist reads in one query: the report of its own key, if
    any, and the other observers' reports it is compared with (reports_at_station).
    """
    return Report.objects.filter(form=form, station=station, is_checklist=True).select_related(
        "current", "observer"
    )

"""Reports, forms and reporters as a caller may reach them (built on missions/access.py).

As there: `get_*` functions return one object or raise Http404 (outside the caller's
missions, so existence does not leak) or PermissionDenied (inside the mission, not for
this role); the others return querysets already scoped.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pollwatch import prepared
from pollwatch.accounts.models import User
from pollwatch.checklists.models import Form, FormVersion
from pollwatch.elections.models import Election, PollingStation
from pollwatch.missions import access
from pollwatch.missions.models import CORE_TEAM, Deployment, Membership, Mission, Observer, Role
from pollwatch.rawsql import converted, from_row
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


def instance_id_used(instance_id: uuid.UUID) -> bool:
    """Whether any submission has the instance id: one small prepared query.

    For a channel's hot path, before get_submission (whose ORM query takes longer to
    build than to run), since a new instance id is the usual case.
    """
    key = Submission._meta.get_field("instance_id").get_db_prep_value(instance_id, connection)
    with prepared.cursor() as cursor:
        cursor.execute("SELECT 1 FROM reports_submission WHERE instance_id = %s", [key])
        return cursor.fetchone() is not None


def own_observer(membership: Membership) -> Observer | None:
    """The member's own Observer row in this mission, if there is one."""
    try:
        return Observer.objects.order_by().get(mission=membership.mission, user=membership.user_id)
    except Observer.DoesNotExist:
        return None


def choose_reporter(
    membership: Membership,
    observer_code: str | None,
    own: Callable[[], Observer | None],
    named: Callable[[], Observer | None],
) -> Observer:
    """The rule of get_reporter, given how to find the member's own and the named observer.

    One rule for the pages (ORM lookups) and the report API (submission_target's row).
    """
    if membership.role not in REPORTING_ROLES:
        raise PermissionDenied(_("Your role in this mission may not submit reports."))
    mine = own()
    if observer_code is None or (mine is not None and mine.code == observer_code):
        if mine is None:
            raise PermissionDenied(_("You are not registered as an observer in this mission."))
        return mine
    if membership.role not in PROXY_ROLES:
        raise PermissionDenied(_("Observers may submit reports only for themselves."))
    found = named()
    if found is None:
        raise Http404
    return found


def get_reporter(membership: Membership, observer_code: str | None) -> Observer:
    """The observer a report is made for, by the member's role.

    An observer reports for themselves only; a data clerk or coordinator names the
    observer (or reports as their own Observer row, if they have one). Every other
    role may not report. An unknown observer code answers Http404.
    """

    def named() -> Observer | None:
        found = Observer.objects.order_by().filter(mission=membership.mission, code=observer_code)
        return found.first()

    return choose_reporter(membership, observer_code, lambda: own_observer(membership), named)


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
    """
    try:
        # order_by(): the default ordering would join the election to sort one row.
        station = PollingStation.objects.order_by().get(election=mission.election, code=code)
    except PollingStation.DoesNotExist:
        raise Http404 from None
    listed = deployments_of(observer).filter(stations=station).exists()
    return station, listed or _station_in_deployed_area(observer, mission, station)


# --- the report API's hot path: the same rules, read in one query ----------------------


@dataclass(frozen=True)
class SubmissionTarget:
    """Who, what and where a submission names, as one query found them (submission_target).

    `None` is "no such row among the caller's": no membership (nor operator rights),
    no own or named observer, an unknown form, version or station. Only the columns
    submitting reads are loaded; the models' other fields are deferred (reading one
    costs a query, never a wrong value).
    """

    membership: Membership | None
    own_observer: Observer | None
    named_observer: Observer | None
    form: Form | None
    form_version: FormVersion | None  # with its form
    station: PollingStation | None
    # A deployment of the reporter's team (named, else own) lists the station.
    station_listed: bool
    # A submission with the instance id asked about exists (in any mission).
    instance_seen: bool = False

    def reporter(self, observer_code: str | None) -> Observer:
        """As get_reporter: PermissionDenied for the role, Http404 for an unknown code."""
        assert self.membership is not None
        return choose_reporter(
            self.membership, observer_code, lambda: self.own_observer, lambda: self.named_observer
        )

    def in_scope(self, observer: Observer) -> bool:
        """As station_in_deployment, for the reporter; the area rule queried only if needed."""
        assert self.membership is not None and self.station is not None
        mission = self.membership.mission
        return self.station_listed or _station_in_deployed_area(observer, mission, self.station)


# Plain joins and one EXISTS, portable to SQLite and PostgreSQL. Each LEFT JOIN finds at
# most one row: the unique keys (membership: user+mission; observer: user, and
# mission+code; form: mission+code; version: form+version; station: election+code).
SUBMISSION_TARGET_SQL = """
SELECT m.id, m.code, m.election_id, m.report_scope, e.time_zone, e.scenario_clock,
       ms.id, ms.role,
       own.id, own.code, own.team_id, own.user_id,
       named.id, named.code, named.team_id, named.user_id,
       f.id, f.code, f.kind,
       fv.id, fv.uuid, fv.number, fv.version,
       ps.id, ps.code, ps.area_id,
       EXISTS (
         SELECT 1 FROM missions_deployment d
         INNER JOIN missions_deployment_stations ds ON ds.deployment_id = d.id
         WHERE d.mission_id = m.id AND ds.pollingstation_id = ps.id
           AND d.team_id = CASE WHEN named.id IS NULL THEN own.team_id ELSE named.team_id END
       ),
       EXISTS (SELECT 1 FROM reports_submission s WHERE s.instance_id = %s)
FROM missions_mission m
INNER JOIN elections_election e ON e.id = m.election_id
LEFT JOIN missions_membership ms ON ms.mission_id = m.id AND ms.user_id = %s
LEFT JOIN missions_observer own ON own.mission_id = m.id AND own.user_id = %s
LEFT JOIN missions_observer named ON named.mission_id = m.id AND named.code = %s
LEFT JOIN checklists_form f ON f.mission_id = m.id AND f.code = %s
LEFT JOIN checklists_formversion fv ON fv.form_id = f.id AND fv.version = %s
LEFT JOIN elections_pollingstation ps ON ps.election_id = m.election_id AND ps.code = %s
WHERE m.code = %s
"""


def submission_target(
    user: User,
    mission_code: str,
    form_code: str,
    version: str,
    station_code: str | None,
    observer_code: str | None,
    instance_id: uuid.UUID | None = None,
) -> SubmissionTarget:
    """What get_membership, get_reporter, get_version_by_codes, get_form and
    get_report_station decide for a submission, read in one hand-written query.

    The report API's hot path: the ORM spends far longer building those five queries
    than the database answers them. The same rules apply (choose_reporter, and the
    deployment's area through SubmissionTarget.in_scope only when no deployment lists
    the station); tests/test_submission_target.py holds both to the same answers.
    An unknown mission, or one the user is not a member of (and not an operator),
    answers a target without membership. With an `instance_id`, it also tells whether
    a submission already has it (a hint read before the write: the unique constraint
    decides).
    """
    if not user.is_authenticated or not user.is_active:
        return EMPTY_TARGET
    row = _target_row(
        user.pk, mission_code, form_code, version, station_code, observer_code, instance_id
    )
    if row is None or (row[6] is None and not user.is_superuser):
        return EMPTY_TARGET
    mission = _mission_of(row)
    if row[6] is None:
        # A platform operator who is not a member acts as a coordinator (get_membership).
        membership = Membership(user=user, mission=mission, role=Role.COORDINATOR)
    else:
        membership = from_row(
            Membership, ("id", "user_id", "mission_id", "role"), (row[6], user.pk, row[0], row[7])
        )
        membership.user = user
        membership.mission = mission
    return _target(row, mission, membership, _observer(mission, row[8:12]))


EMPTY_TARGET = SubmissionTarget(None, None, None, None, None, None, False)


def channel_submission_target(
    observer: Observer,
    mission_code: str,
    form_code: str,
    version: str,
    station_code: str | None,
    instance_id: uuid.UUID | None = None,
) -> SubmissionTarget:
    """submission_target for a channel that authenticates the observer itself (an SMS
    gateway with the observer code): the observer reports for themselves, in their
    own mission only, whatever login they have or lack. The same deployment scope
    applies. The membership in the answer is unsaved: it only carries the role.
    """
    row = _target_row(
        None, mission_code, form_code, version, station_code, observer.code, instance_id
    )
    if row is None or row[12] != observer.pk:
        return EMPTY_TARGET
    mission = _mission_of(row)
    membership = Membership(mission=mission, role=Role.OBSERVER)
    return _target(row, mission, membership, _observer(mission, row[12:16]))


def _target_row(
    user_pk: int | None,
    mission_code: str,
    form_code: str,
    version: str,
    station_code: str | None,
    observer_code: str | None,
    instance_id: uuid.UUID | None,
) -> tuple[Any, ...] | None:
    instance_field = Submission._meta.get_field("instance_id")
    instance_key = instance_field.get_db_prep_value(instance_id, connection)
    params = [
        *(instance_key, user_pk, user_pk, observer_code),
        *(form_code, version, station_code, mission_code),
    ]
    with prepared.cursor() as cursor:
        cursor.execute(SUBMISSION_TARGET_SQL, params)
        return cursor.fetchone()


def _mission_of(row: Sequence[Any]) -> Mission:
    election = from_row(
        Election,
        ("id", "time_zone", "scenario_clock"),
        (row[2], row[4], converted(Election._meta.get_field("scenario_clock"), row[5])),
    )
    mission = from_row(Mission, ("id", "code", "election_id", "report_scope"), row[0:4])
    mission.election = election
    return mission


def _target(
    row: Sequence[Any], mission: Mission, membership: Membership, own: Observer | None
) -> SubmissionTarget:
    form = _form(mission, row[16:19])
    return SubmissionTarget(
        membership=membership,
        own_observer=own,
        named_observer=_observer(mission, row[12:16]),
        form=form,
        form_version=_form_version(form, row[19:23]),
        station=_station(mission, row[23:26]),
        station_listed=bool(row[26]),
        instance_seen=bool(row[27]),
    )


def _observer(mission: Mission, values: Sequence[Any]) -> Observer | None:
    if values[0] is None:
        return None
    observer = from_row(
        Observer, ("id", "code", "team_id", "user_id", "mission_id"), (*values, mission.pk)
    )
    observer.mission = mission
    return observer


def _form(mission: Mission, values: Sequence[Any]) -> Form | None:
    if values[0] is None:
        return None
    form = from_row(Form, ("id", "code", "kind", "mission_id"), (*values, mission.pk))
    form.mission = mission
    return form


def _form_version(form: Form | None, values: Sequence[Any]) -> FormVersion | None:
    if form is None or values[0] is None:
        return None
    key, uuid_value, number, version = values
    uuid_value = converted(FormVersion._meta.get_field("uuid"), uuid_value)
    found = from_row(
        FormVersion,
        ("id", "uuid", "number", "version", "form_id"),
        (key, uuid_value, number, version, form.pk),
    )
    found.form = form
    return found


def _station(mission: Mission, values: Sequence[Any]) -> PollingStation | None:
    if values[0] is None:
        return None
    return from_row(
        PollingStation, ("id", "code", "area_id", "election_id"), (*values, mission.election_id)
    )


def reports_at_station(report: Report) -> QuerySet[Report]:
    """Other observers' checklists of the same form at the report's station."""
    return (
        Report.objects.filter(form=report.form_id, station=report.station_id, is_checklist=True)
        .exclude(Q(observer=report.observer_id) | Q(current__isnull=True))
        .select_related("current", "observer")
    )


CHECKLIST_IDS_SQL = """
SELECT id FROM reports_report
WHERE form_id = %s AND station_id = %s AND is_checklist = %s
  AND ((observer_id = %s AND visit = %s) OR (observer_id <> %s AND current_id IS NOT NULL))
"""


def checklist_ids_at_station(
    form: Form, station: PollingStation, observer: Observer, visit: int, *, lock: bool
) -> list[int]:
    """The ids of the checklists at the station that submitting one compares with.

    Those of checklists_at_station that matter: the observer's own for the visit (the
    checklist key: at most one) and the other observers' with a current version.
    Hand-written: on the report API's hot path, usually to learn there are none.
    `lock` adds FOR UPDATE (PostgreSQL; SQLite has no row locks).
    """
    sql = CHECKLIST_IDS_SQL + (" FOR UPDATE" if lock else "")
    params = [form.pk, station.pk, True, observer.pk, visit, observer.pk]
    with prepared.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def checklists_at_station(form: Form, station: PollingStation) -> QuerySet[Report]:
    """Every observer's checklists of the form at the station, with their current version.

    What submitting a checklist reads in one query: the report of its own key, if
    any, and the other observers' reports it is compared with (reports_at_station).
    """
    return Report.objects.filter(form=form, station=station, is_checklist=True).select_related(
        "current", "observer"
    )

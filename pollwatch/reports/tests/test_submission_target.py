"""The report API's one-query resolver answers what the ORM access functions answer.

access.submission_target replaces, on the hot path, get_membership, get_reporter,
get_version_by_codes, get_form and get_report_station: for every case below both
ways must reach the same decision (the same refusal, or the same rows and scope).
"""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from pollwatch.checklists import access as form_access
from pollwatch.elections.models import PollingStation
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import Mission, Observer
from pollwatch.reports import access
from pollwatch.reports.models import Channel
from pollwatch.reports.services import submit_report
from pollwatch.reports.testing import deploy, make_form, make_observer, question, report_payload

pytestmark = pytest.mark.usefixtures("observer_row")


def orm_decision(user, mission, form, version, station, observer):
    """The decision through the ORM access functions, in the order submitting asks."""
    try:
        membership = mission_access.get_membership(user, mission)
    except Http404:
        return ("no mission",)
    try:
        reporter = access.get_reporter(membership, observer)
    except PermissionDenied as exc:
        return ("denied", str(exc))
    except Http404:
        return ("unknown observer",)
    try:
        found = form_access.get_version_by_codes(membership.mission, form, version)
    except Http404:
        try:
            access.get_form(membership.mission, form)
        except Http404:
            return ("unknown form",)
        return ("unknown version",)
    where: tuple = (None, True)
    if station is not None:
        try:
            place, in_scope = access.get_report_station(reporter, membership.mission, station)
        except Http404:
            return ("unknown station",)
        where = (place.pk, place.code, in_scope)
    return ("ok", *_described(membership, reporter, found), *where)


def sql_decision(user, mission, form, version, station, observer):
    """The same decision from submission_target's one row."""
    target = access.submission_target(user, mission, form, version, station, observer)
    if target.membership is None:
        return ("no mission",)
    try:
        reporter = target.reporter(observer)
    except PermissionDenied as exc:
        return ("denied", str(exc))
    except Http404:
        return ("unknown observer",)
    if target.form is None:
        return ("unknown form",)
    if target.form_version is None:
        return ("unknown version",)
    where: tuple = (None, True)
    if station is not None:
        if target.station is None:
            return ("unknown station",)
        where = (target.station.pk, target.station.code, target.in_scope(reporter))
    return ("ok", *_described(target.membership, reporter, target.form_version), *where)


def _described(membership, reporter, form_version) -> tuple:
    mission = membership.mission
    election = mission.election
    form = form_version.form
    return (
        membership.role,
        (mission.pk, mission.code, mission.election_id, mission.report_scope),
        (election.pk, election.time_zone, election.scenario_clock),
        (reporter.pk, reporter.code, reporter.team_id),
        (form.pk, form.code, form.kind, form.is_checklist),
        (form_version.pk, form_version.uuid, form_version.number, form_version.version),
    )


# persona, then (mission, form, version, station, observer); "mine" is the mission's code.
CASES = {
    "own observer": ("observer", ("mine", "voting", "1", "1001", None)),
    "own observer naming themselves": ("observer", ("mine", "voting", "1", "1001", "1234")),
    "observer for another": ("observer", ("mine", "voting", "1", "1001", "5678")),
    "station outside the deployment": ("observer", ("mine", "voting", "1", "2001", None)),
    "station in the area, stations mode": ("observer", ("mine", "voting", "1", "1002", None)),
    "no station (incident)": ("observer", ("mine", "incident", "1", None, None)),
    "unknown form": ("observer", ("mine", "nope", "1", "1001", None)),
    "unknown version": ("observer", ("mine", "voting", "9", "1001", None)),
    "unknown station": ("observer", ("mine", "voting", "1", "9999", None)),
    "clerk on behalf": ("data_clerk", ("mine", "voting", "1", "1001", "1234")),
    "clerk for a far station": ("data_clerk", ("mine", "voting", "1", "2001", "5678")),
    "clerk without a code": ("data_clerk", ("mine", "voting", "1", "1001", None)),
    "clerk, unknown observer": ("data_clerk", ("mine", "voting", "1", "1001", "0000")),
    "coordinator on behalf": ("coordinator", ("mine", "voting", "1", "1001", "5678")),
    "viewer": ("viewer", ("mine", "voting", "1", "1001", None)),
    "analyst": ("analyst", ("mine", "voting", "1", "1001", "1234")),
    "other mission's observer": ("other_mission_observer", ("mine", "voting", "1", "1001", None)),
    "outsider": ("outsider", ("mine", "voting", "1", "1001", None)),
    "unknown mission": ("observer", ("nowhere", "voting", "1", "1001", None)),
    "operator, not a member": ("operator", ("mine", "voting", "1", "1001", "1234")),
    "operator for themselves": ("operator", ("mine", "voting", "1", "1001", None)),
    "other mission's form": ("other_coordinator", ("cis-test", "voting", "1", "1001", "1234")),
}


@pytest.fixture
def world(mission, other_mission, voting, incident, second_observer, stations):
    """Both missions' forms (the other mission's voting form too)."""
    make_form(other_mission, "voting", question("opened", "select_one", choices=["yes", "no"]))
    return mission


@pytest.mark.parametrize(("persona", "asked"), list(CASES.values()), ids=list(CASES))
@pytest.mark.parametrize("scope", ["stations", "area"])
def test_the_one_query_decides_as_the_access_functions(request, world, persona, asked, scope):
    Mission.objects.filter(pk=world.pk).update(report_scope=scope)
    user = request.getfixturevalue(persona)
    mission_code, *rest = asked
    key = (world.code if mission_code == "mine" else mission_code, *rest)
    expected = orm_decision(user, *key)
    assert sql_decision(user, *key) == expected
    assert expected[0] in {"ok", "denied", "no mission", "unknown observer"} | {
        "unknown form",
        "unknown version",
        "unknown station",
    }


def test_the_cases_cover_every_outcome(request, world):
    outcomes = set()
    for persona, (mission_code, *rest) in CASES.values():
        key = (world.code if mission_code == "mine" else mission_code, *rest)
        decision = orm_decision(request.getfixturevalue(persona), *key)
        outcomes.add(decision[0] if decision[0] != "ok" else ("ok", decision[-1]))
    assert outcomes == {
        ("ok", True),
        ("ok", False),
        "denied",
        "no mission",
        "unknown observer",
        "unknown form",
        "unknown version",
        "unknown station",
    }


def test_an_area_only_deployment_and_a_teamless_observer(world, data_clerk, areas, stations):
    area_only = make_observer(world, code="4242")
    deploy(area_only, area=areas["D2"])
    teamless = make_observer(world, code="3131")
    teamless.team = None
    teamless.save()
    for code, station in [("4242", "2001"), ("4242", "1001"), ("3131", "1001")]:
        key = (world.code, "voting", "1", station, code)
        expected = orm_decision(data_clerk, *key)
        assert sql_decision(data_clerk, *key) == expected
    assert orm_decision(data_clerk, world.code, "voting", "1", "2001", "4242")[-1] is True
    assert orm_decision(data_clerk, world.code, "voting", "1", "1001", "3131")[-1] is False


def test_an_inactive_member_has_no_mission(world, observer):
    observer.is_active = False
    observer.save()
    key = (world.code, "voting", "1", "1001", None)
    assert sql_decision(observer, *key) == orm_decision(observer, *key) == ("no mission",)


def test_the_election_clock_and_time_zone_are_the_elections(world, observer):
    election = world.election
    election.scenario_clock = dt.datetime(2017, 10, 15, 6, 30, tzinfo=dt.UTC)
    election.save()
    target = access.submission_target(observer, world.code, "voting", "1", "1001", None)
    assert target.membership is not None
    loaded = target.membership.mission.election
    assert (loaded.time_zone, loaded.now()) == (election.time_zone, election.scenario_clock)


def test_the_target_tells_whether_the_instance_id_was_used(world, observer, voting):
    body = report_payload(voting)
    instance_id = uuid.UUID(body["instance_id"])

    def seen() -> bool:
        target = access.submission_target(
            observer, world.code, "voting", "1", "1001", None, instance_id
        )
        return target.instance_seen

    assert not seen()
    submit_report(user=observer, payload=body, channel=Channel.API)
    assert seen()


def test_the_loaded_rows_defer_the_columns_not_read(world, observer):
    target = access.submission_target(observer, world.code, "voting", "1", "1001", None)
    assert target.station is not None and target.own_observer is not None
    # A deferred field is loaded on use, never a default standing in for it.
    assert "name" in target.station.get_deferred_fields()
    assert target.station.name == PollingStation.objects.get(code="1001").name
    assert target.own_observer.name == Observer.objects.get(code="1234").name

"""Coverage pages: counts, drill-down, the missing list, calls and who may see them.

The world: regions R1 and R2, each with two districts. Stations and who is deployed:

    R1/D11: S1 S2 S3   team A (observers A1, A2) -> S1 S2 S3; team B also -> S1
    R1/D12: S4         team B (observer B1)      -> S4 S5 S6
    R2/D21: S5 S6
    R2/D22: S7 S8      S7 nobody; S8 only the other mission

Opening reports: S1 twice (A1 and A2), S2 rejected only, S4 verified, S5 flagged,
S8 by the other mission. Voting: S3 only. So for opening, assigned = S1..S6 (6),
reported = S1 S4 S5 (3), missing = S2 S3 S6.
"""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pollwatch.findings import live, services
from pollwatch.findings.models import CoverageCall
from pollwatch.missions.models import Role
from pollwatch.pvt.models import QuickCountPolicy, Sample, SampledStation
from pollwatch.reports.models import Channel, Report, ReportVersion
from pollwatch.reports.testing import deploy, make_form, make_observer, question
from pollwatch.testing import factories as f

OBSERVED = dt.datetime(2017, 10, 15, 2, 5, tzinfo=dt.UTC)


def _report(form_version, observer, station, status=Report.Status.NEW) -> Report:
    """A report row as submit_report leaves it: coverage only reads the table."""
    form = form_version.form
    report = Report.objects.create(
        mission=form.mission,
        form=form,
        observer=observer,
        station=station,
        is_checklist=form.is_checklist,
        status=status,
        observed_at=OBSERVED,
    )
    version = ReportVersion.objects.create(
        report=report,
        number=1,
        form_version=form_version,
        answers={"opened": "yes"},
        content_hash=uuid.uuid4().hex,
        observed_at=OBSERVED,
        channel=Channel.WEB,
    )
    report.current = version
    report.save(update_fields=["current"])
    return report


@pytest.fixture
def world(election, mission, other_mission):
    areas = {}
    for region in ("R1", "R2"):
        areas[region] = f.AreaFactory(
            election=election, code=region, name=f"Region {region}", level="region"
        )
        for n in ("1", "2"):
            code = f"D{region[1]}{n}"
            areas[code] = f.AreaFactory(
                election=election,
                code=code,
                name=f"District {code}",
                level="district",
                parent=areas[region],
            )
    placement = {"S1": "D11", "S2": "D11", "S3": "D11", "S4": "D12"}
    placement |= {"S5": "D21", "S6": "D21", "S7": "D22", "S8": "D22"}
    stations = {
        code: f.PollingStationFactory(area=areas[area], code=code, name=f"School {code}")
        for code, area in placement.items()
    }
    a1 = make_observer(mission, code="111", name="Aida One", phone="+996555000111")
    a2 = make_observer(mission, code="112", name="Aibek Two", phone="+996555000112", team=a1.team)
    b1 = make_observer(mission, code="221", name="Bakyt Three", phone="+996555000221")
    deploy(a1, stations["S1"], stations["S2"], stations["S3"])
    deploy(b1, stations["S4"], stations["S5"], stations["S6"])
    deploy(b1, stations["S1"], date=dt.date(2017, 10, 16))
    other = make_observer(other_mission, code="911", phone="+996555000911")
    deploy(other, stations["S8"], stations["S6"])

    opening = make_form(mission, "opening", question("opened", "select_one", choices=["yes"]))
    voting = make_form(mission, "voting", question("opened", "select_one", choices=["yes"]))
    incident = make_form(mission, "incident", question("category", "text"))
    _report(opening, a1, stations["S1"])
    _report(opening, a2, stations["S1"], Report.Status.VERIFIED)
    _report(opening, a1, stations["S2"], Report.Status.REJECTED)
    _report(opening, b1, stations["S4"], Report.Status.VERIFIED)
    _report(opening, b1, stations["S5"], Report.Status.FLAGGED)
    _report(voting, a1, stations["S3"])
    _report(incident, b1, stations["S6"])
    other_opening = make_form(other_mission, "opening", question("opened", "text"))
    _report(other_opening, other, stations["S8"])
    _report(other_opening, other, stations["S6"])
    return {"areas": areas, "stations": stations, "a1": a1, "b1": b1, "opening": opening}


def _url(name, *args):
    return reverse(f"findings_coverage:{name}", args=["odihr-test", *args])


def _rows(response):
    return [
        (row.area.code, row.reported, row.assigned) for row in response.context["drilldown"].rows
    ]


def _total(response):
    total = response.context["drilldown"].total
    return total.reported, total.assigned


# --- counts and the drill-down ----------------------------------------------------------


def test_top_level_counts_by_region(world, coordinator, as_user):
    response = as_user(coordinator).get(_url("form", "opening"))
    assert response.status_code == 200
    assert _total(response) == (3, 6)
    assert _rows(response) == [("R1", 2, 4), ("R2", 1, 2)]
    text = response.content.decode()
    assert "3 of 6 (50.0 %)" in text
    assert "2 of 4 (50.0 %)" in text
    assert "1 of 2 (50.0 %)" in text
    assert "<svg" in text and _url("area", "opening", "R1") in text


def test_percent_is_rounded_down(world, coordinator, as_user):
    # 2 of 3 is 66.66...%: shown as 66.6, never rounded up.
    response = as_user(coordinator).get(_url("area", "opening", "R1"))
    assert "1 of 3 (33.3 %)" in response.content.decode()
    _report(world["opening"], world["a1"], world["stations"]["S3"])
    response = as_user(coordinator).get(_url("area", "opening", "R1"))
    assert "2 of 3 (66.6 %)" in response.content.decode()


def test_drilldown_to_districts_then_stations(world, analyst, as_user):
    client = as_user(analyst)
    region = client.get(_url("area", "opening", "R1"))
    assert _total(region) == (2, 4)
    assert _rows(region) == [("D11", 1, 3), ("D12", 1, 1)]
    assert region.context["page"] is None

    district = client.get(_url("area", "opening", "D11"))
    assert _total(district) == (1, 3)
    assert _rows(district) == []
    lines = {line.station.code: line.reported for line in district.context["lines"]}
    assert lines == {"S1": True, "S2": False, "S3": False}
    assert [a.code for a in district.context["trail"]] == ["R1"]


def test_each_form_counts_its_own_reports(world, coordinator, as_user):
    response = as_user(coordinator).get(_url("form", "voting"))
    assert _total(response) == (1, 6)
    assert _rows(response) == [("R1", 1, 4), ("R2", 0, 2)]


def test_region_without_reports_and_unassigned_district(world, coordinator, as_user):
    response = as_user(coordinator).get(_url("area", "opening", "R2"))
    # D22's stations are not the mission's: the district is not listed.
    assert _rows(response) == [("D21", 1, 2)]


def test_index_lists_checklists_with_their_totals(world, data_clerk, as_user):
    response = as_user(data_clerk).get(_url("index"))
    assert response.status_code == 200
    rows = {form.code: (c.reported, c.assigned) for form, c in response.context["form_rows"]}
    assert rows == {"opening": (3, 6), "voting": (1, 6)}


def test_index_in_the_order_of_election_day(world, mission, coordinator, as_user):
    make_form(mission, "counting", question("votes"))
    make_form(mission, "opening", question("opened"), code="early")
    response = as_user(coordinator).get(_url("index"))
    codes = [form.code for form, _ in response.context["form_rows"]]
    assert codes == ["early", "opening", "voting", "counting"]


def test_station_directly_in_a_region_is_counted_and_listed(world, mission, coordinator, as_user):
    region = world["areas"]["R2"]
    station = f.PollingStationFactory(area=region, code="S9")
    deploy(world["b1"], station)
    client = as_user(coordinator)
    top = client.get(_url("form", "opening"))
    assert _rows(top) == [("R1", 2, 4), ("R2", 1, 3)]
    response = client.get(_url("area", "opening", "R2"))
    assert _total(response) == (1, 3)
    assert _rows(response) == [("D21", 1, 2)]
    assert [line.station.code for line in response.context["lines"]] == ["S9"]


def test_codes_with_like_wildcards_stay_apart(election, mission, coordinator, as_user):
    # "_" is a wildcard of SQL's LIKE: area A_1 must not take in the stations of AX1.
    under = f.AreaFactory(election=election, code="A_1")
    lookalike = f.AreaFactory(election=election, code="AX1")
    team = make_observer(mission)
    stations = [f.PollingStationFactory(area=area) for area in (under, lookalike, lookalike)]
    deploy(team, *stations)
    make_form(mission, "opening", question("opened", "text"))
    response = as_user(coordinator).get(_url("area", "opening", "A_1"))
    assert _total(response) == (0, 1)


# --- the missing list -------------------------------------------------------------------


def test_missing_list_with_observers_and_phones(world, data_clerk, as_user):
    response = as_user(data_clerk).get(_url("missing", "opening"))
    assert response.status_code == 200
    lines = response.context["lines"]
    assert [line.station.code for line in lines] == ["S2", "S3", "S6"]
    observers = {line.station.code: [o["code"] for o in line.observers] for line in lines}
    # S6's other-mission observer is not shown.
    # By name: Aibek before Aida.
    assert observers == {"S2": ["112", "111"], "S3": ["112", "111"], "S6": ["221"]}
    text = response.content.decode()
    assert "+996555000112" in text and "+996555000221" in text
    assert "+996555000911" not in text


def test_missing_list_filtered_by_area(world, coordinator, as_user):
    client = as_user(coordinator)
    response = client.get(_url("missing", "opening"), {"area": "R1"})
    assert [line.station.code for line in response.context["lines"]] == ["S2", "S3"]
    response = client.get(_url("missing", "opening"), {"area": "D21"})
    assert [line.station.code for line in response.context["lines"]] == ["S6"]
    response = client.get(_url("missing", "opening"), {"area": "D12"})
    assert response.context["lines"] == []
    assert client.get(_url("missing", "opening"), {"area": "nowhere"}).status_code == 404


# --- calls ------------------------------------------------------------------------------


def _call(client, station="S3", outcome="no_answer", **extra):
    data = {"station": station, "outcome": outcome, **extra}
    return client.post(_url("call", "opening"), data)


def test_record_call_then_shown_beside_the_station(world, data_clerk, as_user):
    client = as_user(data_clerk)
    back = _url("missing", "opening") + "?area=R1"
    response = _call(client, next=back)
    assert response.status_code == 302
    assert response["Location"] == back
    call = CoverageCall.objects.get()
    assert (call.station.code, call.outcome, call.called_by) == ("S3", "no_answer", data_clerk)
    assert call.form.code == "opening" and call.mission.code == "odihr-test"

    _call(client, outcome="will_report")
    lines = {line.station.code: line for line in client.get(back).context["lines"]}
    assert lines["S3"].last_call.outcome == "will_report"
    assert lines["S2"].last_call is None
    assert "Called, will report" in client.get(back).content.decode()


def test_call_time_shown_in_the_elections_time_zone(world, coordinator, as_user):
    client = as_user(coordinator)
    _call(client, station="S6", note="phone off")
    CoverageCall.objects.update(called_at=dt.datetime(2017, 10, 15, 2, 5, tzinfo=dt.UTC))
    text = client.get(_url("missing", "opening")).content.decode()
    # Asia/Bishkek is UTC+6.
    assert "15 Oct 08:05" in text and "phone off" in text


def test_record_call_refuses_another_missions_form(world, mission, other_mission, coordinator):
    other_form = other_mission.forms.get(code="opening")
    with pytest.raises(ValidationError):
        services.record_call(mission, other_form, world["stations"]["S3"], "no_answer", coordinator)
    with pytest.raises(ValidationError):
        form = mission.forms.get(code="opening")
        services.record_call(mission, form, world["stations"]["S3"], "maybe", coordinator)
    assert not CoverageCall.objects.exists()


def test_call_for_another_form_is_not_shown(world, coordinator, as_user):
    client = as_user(coordinator)
    client.post(_url("call", "voting"), {"station": "S3", "outcome": "no_answer"})
    lines = {
        line.station.code: line for line in client.get(_url("missing", "opening")).context["lines"]
    }
    assert lines["S3"].last_call is None


@pytest.mark.parametrize(
    "data",
    [
        {"station": "S3", "outcome": "maybe"},
        {"station": "S3"},
        {"station": "S7", "outcome": "no_answer"},  # not deployed by the mission
        {"station": "S8", "outcome": "no_answer"},  # the other mission's
        {"station": "nope", "outcome": "no_answer"},
        {"station": "S3", "outcome": "no_answer", "note": "x" * 301},
    ],
)
def test_bad_call_refused_with_nothing_stored(world, coordinator, as_user, data):
    response = as_user(coordinator).post(_url("call", "opening"), data)
    assert response.status_code == 400
    assert not CoverageCall.objects.exists()


def test_call_redirect_stays_on_this_site(world, coordinator, as_user):
    response = _call(as_user(coordinator), next="https://evil.example/")
    assert response["Location"] == _url("missing", "opening")


def test_call_needs_post(world, coordinator, as_user):
    assert as_user(coordinator).get(_url("call", "opening")).status_code == 405


# --- who may see and call ---------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OBSERVER, Role.VIEWER, Role.MEDIA_MONITOR])
def test_other_roles_forbidden(world, mission, as_user, role):
    user = f.MembershipFactory(mission=mission, role=role).user
    client = as_user(user)
    for url in (
        _url("index"),
        _url("form", "opening"),
        _url("area", "opening", "R1"),
        _url("missing", "opening"),
    ):
        assert client.get(url).status_code == 403, url
    assert _call(client).status_code == 403
    assert not CoverageCall.objects.exists()


@pytest.mark.parametrize("persona", ["other_coordinator", "outsider"])
def test_other_missions_get_404(world, request, as_user, persona):
    client = as_user(request.getfixturevalue(persona))
    for url in (_url("index"), _url("form", "opening"), _url("missing", "opening")):
        assert client.get(url).status_code == 404, url
    assert _call(client).status_code == 404
    assert not CoverageCall.objects.exists()


def test_incident_and_unknown_forms_404(world, coordinator, as_user):
    client = as_user(coordinator)
    assert client.get(_url("form", "incident")).status_code == 404
    assert client.get(_url("form", "nope")).status_code == 404


def test_anonymous_sent_to_sign_in(world, client):
    response = client.get(_url("form", "opening"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- outlines stay in the database ------------------------------------------------------


def test_pages_listing_areas_never_read_their_outlines(world, coordinator, as_user):
    """An outline can weigh megabytes: only the map's GeoJSON reads them."""
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    for area in world["areas"].values():
        area.outline = square
        area.save(update_fields=["outline"])
    client = as_user(coordinator)
    urls = [
        _url("form", "opening"),
        _url("area", "opening", "R1"),
        _url("area", "opening", "D11"),
        _url("missing", "opening"),
        reverse("findings_questions:question", args=["odihr-test", "opening", "opened"]),
        reverse("findings_live:incidents", args=["odihr-test"]),
        reverse("review:list", args=["odihr-test"]),
        reverse("elections:stations", args=["odihr-test"]),
    ]
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        read = [q["sql"] for q in queries.captured_queries if '"outline"' in q["sql"]]
        assert read == [], url
    outlines = reverse("findings_live:map_outlines", args=["odihr-test"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(outlines).json()["features"]
    assert any('"outline"' in q["sql"] for q in queries.captured_queries)


# --- a sampled form: only the sample's stations are expected ------------------------------


def _draw(mission, *stations, active=True):
    sample = Sample.objects.create(
        mission=mission, election=mission.election, seed="s", size=len(stations), is_active=active
    )
    for station in stations:
        SampledStation.objects.create(
            sample=sample, station=station, stratum="", stratum_size=8, stratum_sample=3, weight=1.0
        )
    return sample


@pytest.fixture
def sampled(world, mission, other_mission):
    """The opening form is the quick count's: its sample holds S1 and S4 (reported), S6
    (missing) and S8, which the mission never deployed to."""
    stations = world["stations"]
    QuickCountPolicy.objects.create(mission=mission, results_form=world["opening"].form)
    _draw(mission, stations["S1"], stations["S4"], stations["S6"], stations["S8"])
    # Another mission's sample, and this mission's earlier draw, change nothing.
    _draw(other_mission, stations["S2"], stations["S3"])
    _draw(mission, stations["S2"], stations["S3"], active=False)
    return world


def test_sampled_form_counts_the_deployed_stations_of_its_sample(sampled, data_clerk, as_user):
    client = as_user(data_clerk)
    response = client.get(_url("form", "opening"))
    assert _total(response) == (2, 3)
    assert _rows(response) == [("R1", 2, 2), ("R2", 0, 1)]
    assert "only the sampled stations" in response.content.decode()
    missing = client.get(_url("missing", "opening"))
    assert [line.station.code for line in missing.context["lines"]] == ["S6"]
    assert "only the sampled stations" in missing.content.decode()
    voting = client.get(_url("form", "voting")).content.decode()
    assert "only the sampled stations" not in voting
    rows = {
        form.code: (c.reported, c.assigned)
        for form, c in client.get(_url("index")).context["form_rows"]
    }
    # The voting form is no sample: every deployed station is expected, as before.
    assert rows == {"opening": (2, 3), "voting": (1, 6)}


def test_a_form_marked_as_a_sample_is_counted_the_same_way(world, mission, coordinator, as_user):
    stations = world["stations"]
    _draw(mission, stations["S1"], stations["S2"])
    form = world["opening"].form
    client = as_user(coordinator)
    assert _total(client.get(_url("form", "opening"))) == (3, 6)
    form.is_sample = True
    form.save(update_fields=["is_sample"])
    assert _total(client.get(_url("form", "opening"))) == (1, 2)
    csv = client.get(reverse("findings_exports:coverage_csv", args=["odihr-test", "opening"]))
    codes = [line.split(",")[0] for line in csv.content.decode("utf-8-sig").splitlines()[1:]]
    assert codes == ["S1", "S2"]


def test_without_an_active_sample_every_deployed_station_is_expected(
    world, mission, coordinator, as_user
):
    QuickCountPolicy.objects.create(mission=mission, results_form=world["opening"].form)
    _draw(mission, world["stations"]["S1"], active=False)
    assert _total(as_user(coordinator).get(_url("form", "opening"))) == (3, 6)


def test_the_map_of_a_sampled_form_leaves_other_stations_off(sampled, mission):
    stations = live.stations_by_status(mission, sampled["opening"].form)
    status = {s.code: s.status for s in stations}  # type: ignore[attr-defined]
    # S2 and S3 are left off (not in the sample; S2's one report was rejected); S5
    # reported, so it shows although it is not in the sample.
    assert status == {"S1": "reported", "S4": "reported", "S5": "flagged", "S6": "missing"}

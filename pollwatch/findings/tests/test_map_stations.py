"""Stations by status for one form: the GeoJSON the map draws, the counts beside it, outlines."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from pollwatch.findings import live
from pollwatch.findings.tests.live_world import STATIONS, build, observers, submit
from pollwatch.reports.models import Flag, Report
from pollwatch.reports.services import decide_report
from pollwatch.reports.testing import make_form, question

OPENED = {"opened": "yes"}


@pytest.fixture
def world(mission, observer, coordinator):
    """Station by station, what makes its status for the opening form:

    1001 reported (its only flag resolved); 1002 flagged by an open flag; 1003 flagged
    by review; 1004 assigned, its report rejected: missing; 2001 assigned, only a voting
    report: missing; 2002 assigned, no report and no coordinates: missing; 2003 neither
    assigned nor reported: not shown; 2009 not assigned but reported (area deployment).
    """
    found = build(mission)
    people = observers(found, mission, observer)
    forms = found["forms"]
    opening = {
        code: submit(observer, forms["opening"], station=code, answers=OPENED)
        for code in ("1001", "1002", "1003", "1004")
    }
    opening["2009"] = submit(
        people["second"].user, forms["opening"], station="2009", answers=OPENED
    )
    submit(observer, forms["voting"], station="2001", answers={"voters": 10})
    Flag.objects.create(
        report=opening["1001"], kind=Flag.Kind.QUALITY_CHECK, resolved_at=timezone.now()
    )
    Flag.objects.create(report=opening["1002"], kind=Flag.Kind.QUALITY_CHECK)
    decide_report(opening["1003"], status=Report.Status.FLAGGED, user=coordinator)
    decide_report(opening["1004"], status=Report.Status.REJECTED, user=coordinator)
    return found


EXPECTED = {
    "1001": "reported",
    "1002": "flagged",
    "1003": "flagged",
    "1004": "missing",
    "2001": "missing",
    "2009": "reported",
}


def geojson(client, mission, form="opening"):
    response = client.get(reverse("findings_live:map_stations", args=[mission.code, form]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def test_stations_carry_their_status_and_colour(world, mission, coordinator, as_user):
    data = geojson(as_user(coordinator), mission)
    assert data["type"] == "FeatureCollection"
    found = {f["properties"]["code"]: f for f in data["features"]}
    assert {code: f["properties"]["status"] for code, f in found.items()} == EXPECTED
    colours = {f["properties"]["status"]: f["properties"]["colour"] for f in found.values()}
    assert colours == live.STATUS_COLOURS
    assert len(set(colours.values())) == 3
    # GeoJSON positions are longitude first.
    _district, lat, lon = STATIONS["1002"]
    assert lat is not None and lon is not None
    assert found["1002"]["geometry"] == {"type": "Point", "coordinates": [float(lon), float(lat)]}


def test_stations_without_coordinates_are_counted_not_dropped(world, mission, coordinator, as_user):
    data = geojson(as_user(coordinator), mission)
    assert "2002" not in {f["properties"]["code"] for f in data["features"]}
    assert data["properties"]["without_coordinates"] == 1
    assert data["properties"]["counts"] == {"reported": 2, "flagged": 2, "missing": 3}


def test_the_page_says_it_without_javascript(world, mission, data_clerk, as_user, settings):
    settings.MAP_TILE_URL = ""
    response = as_user(data_clerk).get(
        reverse("findings_live:map", args=[mission.code]), {"form": "opening"}
    )
    assert response.status_code == 200
    counts = {row.status: row.stations for row in response.context["counts"].rows}
    assert counts == {"reported": 2, "flagged": 2, "missing": 3}
    html = response.content.decode()
    assert "1 station has no coordinates and is not on the map." in html
    assert 'data-tiles=""' in html
    for status, n in counts.items():
        assert f'<tr data-status="{status}">' in html
        assert f'</span> {live.STATUS_LABELS[status]}</th><td class="num">{n}</td>' in html


def test_another_form_another_picture(world, mission, coordinator, as_user):
    data = geojson(as_user(coordinator), mission, form="voting")
    statuses = {f["properties"]["code"]: f["properties"]["status"] for f in data["features"]}
    assert statuses == {
        "1001": "missing",
        "1002": "missing",
        "1003": "missing",
        "1004": "missing",
        "2001": "reported",
    }


def test_the_map_opens_on_the_form_reported_last(world, mission, observer, coordinator, as_user):
    url = reverse("findings_live:map", args=[mission.code])
    assert as_user(coordinator).get(url).context["form"].code == "voting"
    submit(observer, world["forms"]["opening"], station="2001", answers=OPENED)
    assert as_user(coordinator).get(url).context["form"].code == "opening"


def test_the_tile_setting_reaches_the_map(world, mission, coordinator, as_user, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = as_user(coordinator).get(reverse("findings_live:map", args=[mission.code])).content
    assert b'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html


@pytest.mark.parametrize("form", ["incident", "nonexistent"])
def test_only_checklist_forms_have_a_map(world, mission, coordinator, as_user, form):
    client = as_user(coordinator)
    assert (
        client.get(reverse("findings_live:map_stations", args=[mission.code, form])).status_code
        == 404
    )
    page = client.get(reverse("findings_live:map", args=[mission.code]), {"form": form})
    assert page.status_code == 404


def test_another_missions_form_is_not_found(world, mission, other_mission, coordinator, as_user):
    make_form(other_mission, "counting", question("votes", "integer"))
    url = reverse("findings_live:map_stations", args=[mission.code, "counting"])
    assert as_user(coordinator).get(url).status_code == 404


def test_outlines(world, mission, coordinator, as_user):
    square = {
        "type": "Polygon",
        "coordinates": [[[74, 42], [75, 42], [75, 43], [74, 43], [74, 42]]],
    }
    world["districts"]["D1"].outline = square
    world["districts"]["D1"].save()
    response = as_user(coordinator).get(reverse("findings_live:map_outlines", args=[mission.code]))
    data = json.loads(response.content)
    assert [f["properties"]["code"] for f in data["features"]] == ["D1"]
    assert data["features"][0]["geometry"] == square
    assert data["features"][0]["properties"]["depth"] == 1

"""CSV of the figures: coverage by station, and findings per question by area.

The world of test_releases: North (N1 good, N2 bad), South (S1 good, S2 n/a), all
four deployed and reported, `queue` 10 everywhere; here N3 is deployed without a report.
"""

import csv
import io

import pytest
from django.urls import reverse

from pollwatch.reports.testing import deploy
from pollwatch.testing import factories as f

from .test_releases import world  # noqa: F401 (a fixture)


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def unreported(world):  # noqa: F811
    station = f.PollingStationFactory(area=world["stations"]["N1"].area, code="N3", name="Late")
    deploy(world["observer"], station)
    return station


def test_coverage_csv_lists_every_assigned_station(
    world,  # noqa: F811
    unreported,
    as_user,
    data_clerk,
    mission,
):
    url = reverse("findings_exports:coverage_csv", args=[mission.code, "opening"])
    response = as_user(data_clerk).get(url)
    assert 'filename="odihr-test-opening-coverage.csv"' in response["Content-Disposition"]
    rows = rows_of(response)
    assert [(r["station"], r["area_code"], r["reported"]) for r in rows] == [
        ("N1", "N", "yes"),
        ("N2", "N", "yes"),
        ("N3", "N", "no"),
        ("S1", "S", "yes"),
        ("S2", "S", "yes"),
    ]
    assert rows[2]["station_name"] == "Late" and rows[0]["area"] == "North"
    excel = as_user(data_clerk).get(url, {"excel": "1"}).content
    assert excel.startswith(b"\xef\xbb\xbf")


def test_findings_csv_one_row_per_answer_overall_and_by_area(
    world,  # noqa: F811
    as_user,
    analyst,
    mission,
):
    url = reverse("findings_exports:findings_csv", args=[mission.code, "opening"])
    rows = rows_of(as_user(analyst).get(url))
    conduct = [
        (r["area_code"], r["answer"], r["finding"], r["count"], r["answered"], r["share"][:6])
        for r in rows
        if r["question"] == "conduct"
    ]
    assert conduct == [
        ("", "good", "positive", "2", "3", "0.6666"),
        ("", "bad", "negative", "1", "3", "0.3333"),
        ("", "(negative)", "negative", "1", "3", "0.3333"),
        ("N", "good", "positive", "1", "2", "0.5"),
        ("N", "bad", "negative", "1", "2", "0.5"),
        ("N", "(negative)", "negative", "1", "2", "0.5"),
        ("S", "good", "positive", "1", "1", "1.0"),
        ("S", "bad", "negative", "0", "1", "0.0"),
        ("S", "(negative)", "negative", "0", "1", "0.0"),
    ]
    first = next(r for r in rows if r["question"] == "conduct")
    assert (first["question_label"], first["answer_label"], first["estimate"]) == (
        "Conduct",
        "Good",
        "",
    )
    queue = [r for r in rows if r["question"] == "queue"]
    assert [(r["area_code"], r["answered"], r["mean"], r["min"], r["max"]) for r in queue] == [
        ("", "4", "10.0", "10", "10"),
        ("N", "2", "10.0", "10", "10"),
        ("S", "2", "10.0", "10", "10"),
    ]


def test_findings_csv_access_and_levels(
    world,  # noqa: F811
    as_user,
    analyst,
    viewer,
    data_clerk,
    other_coordinator,
    mission,
):
    url = reverse("findings_exports:findings_csv", args=[mission.code, "opening"])
    assert as_user(analyst).get(url, {"level": "nowhere"}).status_code == 404
    assert as_user(viewer).get(url).status_code == 403
    assert as_user(data_clerk).get(url).status_code == 403
    assert as_user(other_coordinator).get(url).status_code == 404
    coverage = reverse("findings_exports:coverage_csv", args=[mission.code, "opening"])
    assert as_user(viewer).get(coverage).status_code == 403
    assert as_user(other_coordinator).get(coverage).status_code == 404

"""The acceptance test of findings: the CDO's 2017 opening checklist, through every layer.

The 5,362 stations of the Albanian results file become the election's frame, the 524
checklists become reports through submit_report, and the coordinator's findings page
must show what PROVENANCE.md computed from the files: the opening assessed negatively
at 8 of 510 answered stations, 1.587 % weighted by qarku, Wilson interval 0.830 % to
3.014 %; unweighted, 8 of 510 observations, 1.569 %, with no margin.
"""

import html
import re
import warnings
from typing import cast

import pytest
from django.urls import reverse

from pollwatch.missions.models import Mission, Role
from pollwatch.reports.testing import make_observer
from pollwatch.testing import albania
from pollwatch.testing import factories as f
from pollwatch.testing.data.albania2017 import OPENING_CSV, RESULTS_CSV


@pytest.fixture
def albania_mission(db):
    election = albania.make_albania_election()
    mission = cast(Mission, f.MissionFactory(code="cdo-2017", election=election))
    stations = albania.load_albania_frame(election)
    assert len(stations) == 5362
    form_version = albania.create_opening_form(mission)
    created = albania.load_opening_reports(mission, form_version, make_observer(mission))
    assert created == 524
    return mission, form_version.form


def _text(fragment: str) -> str:
    """The visible text of an HTML fragment, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _question(page: str, name: str) -> str:
    found = re.search(rf'<article class="card question" id="q-{name}">(.*?)</article>', page, re.S)
    assert found, f"no question {name} on the page"
    return found.group(1)


def _row(fragment: str, css_class: str) -> str:
    found = re.search(rf'<tr class="{css_class}">(.*?)</tr>', fragment, re.S)
    assert found, f"no row {css_class}"
    return _text(found.group(1))


def _samplics_negative_share():
    """samplics' stratified share of meprob + shumprob and its SE, from the CSV files alone."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

    population = pd.read_csv(RESULTS_CSV, dtype=str, keep_default_na=False).groupby("qarku").size()
    opening = pd.read_csv(OPENING_CSV, dtype=str, keep_default_na=False)
    answered = opening[opening["overallOpen"] != "n/a"]
    sampled = answered["qarku"].value_counts()
    estimator = TaylorEstimator(PopParam.mean)
    estimator.estimate(
        y=answered["overallOpen"].isin(["meprob", "shumprob"]).astype(float).to_numpy(),
        samp_weight=answered["qarku"].map(population / sampled).to_numpy(),
        stratum=answered["qarku"].to_numpy(),
        fpc={h: 1 - sampled[h] / population[h] for h in sorted(sampled.index)},
    )
    return float(estimator.point_est), float(estimator.stderror)


def test_the_opening_findings_page_shows_the_weighted_and_the_unweighted_view(
    albania_mission, as_user, django_assert_max_num_queries
):
    mission, form = albania_mission
    coordinator = f.MembershipFactory(mission=mission, role=Role.COORDINATOR).user
    client = as_user(coordinator)
    url = reverse("findings_questions:form", args=[mission.code, form.code])

    # A random sample stratified by qarku: one unit per sampled station, weighted.
    with django_assert_max_num_queries(12):  # nothing per report or per station
        response = client.get(url)
    assert response.status_code == 200
    overall = _question(response.content.decode(), "overallOpen")
    assert (
        _row(overall, "negative-total")
        == "Negative, all together 8 1.569 % 1.587 % 0.830 – 3.014 %"
    )
    assert _row(overall, "answered") == "Answered 510"
    assert "No answer (no answer, left out) 14" in _text(overall)
    assert "Wilson interval on the effective sample size (552 stations)" in _text(overall)
    assert "Assessed negatively at 1.6 % of the stations (8 of 510 answered" in _text(overall)

    # The same figures in the dict, against samplics computing from the CSV files alone.
    negative = next(
        q for q in response.context["findings"]["questions"] if q["name"] == "overallOpen"
    )["overall"]["negative"]
    expected, expected_se = _samplics_negative_share()
    assert negative["estimate"]["value"] == pytest.approx(expected, abs=1e-12)
    assert negative["estimate"]["se"] == pytest.approx(expected_se, abs=1e-12)
    assert negative["estimate"]["population"] == 5362

    # Not a random sample: every report is an observation, a share with no margin.
    form.is_sample = False
    form.save(update_fields=["is_sample"])
    response = client.get(url)
    page = response.content.decode()
    overall = _question(page, "overallOpen")
    assert _row(overall, "negative-total") == "Negative, all together 8 1.569 %"
    assert "interval" not in _text(overall)
    assert "Assessed negatively in 1.6 % of 510 observations (8)." in _text(overall)
    assert "with no margin of error" in _text(page)

    # Loading the fixture costs seconds, so the same test reads the other pages too.
    _check_lower_level_and_index(client, mission, form)


def _check_lower_level_and_index(client, mission, form):
    form.is_sample = True
    form.save(update_fields=["is_sample"])
    url = reverse("findings_questions:question", args=[mission.code, form.code, "overallOpen"])
    response = client.get(url, {"level": "bashkia"})
    assert response.status_code == 200
    findings = response.context["findings"]
    assert findings["levels"] == ["qarku", "bashkia", "njesia"]
    areas = findings["questions"][0]["areas"]
    assert len(areas) == 61
    # Every answered station falls in exactly one bashkia.
    assert sum(area["answered"] for area in areas) == 510
    assert sum(area["negative"]["count"] for area in areas) == 8

    response = client.get(reverse("findings_questions:index", args=[mission.code]))
    assert response.status_code == 200
    line = re.search(r'<tr data-form="opening_al">(.*?)</tr>', response.content.decode(), re.S)
    assert line is not None
    assert "assessed negatively at 1.6 % of the stations (0.8 % to 3.0 %; 510" in _text(
        line.group(1)
    )

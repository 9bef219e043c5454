"""The call in words for each outcome, and the embargo: live for the core team, releases for the rest."""

import numpy as np
import pytest
from django.urls import reverse

from pollwatch.findings.models import Release
from pollwatch.pvt import quickcount
from pollwatch.pvt.models import SampledStation
from pollwatch.pvt.stats import call as calls
from pollwatch.pvt.stats.estimate import ratio_estimate
from pollwatch.pvt.tests.qc_helpers import draw, figures_for, make_world, results_form, submit


@pytest.fixture
def world(mission):
    return make_world(mission, regions=3, per_region=10)


@pytest.fixture
def form(mission):
    return results_form(mission)


@pytest.fixture
def sample(mission, world):
    return draw(mission, 18, seed="call")


def page(mission, name="estimates"):
    return reverse(f"pvt_quickcount:{name}", args=[mission.code])


def sampled_stations(sample, world):
    codes = set(
        SampledStation.objects.filter(sample=sample).values_list("station__code", flat=True)
    )
    return [s for s in world.stations if s.code in codes]


def report_shares(user, form, world, stations, shares, seed=3):
    """Results drawn around the given shares; the core's estimate on exactly those figures."""
    rng = np.random.default_rng(seed)
    votes = []
    for station in stations:
        row = [int(v) for v in rng.multinomial(600, np.array(shares) / sum(shares))]
        submit(user, form, world.observers[0], station, figures_for(row, 1000))
        votes.append(row)
    y = np.array(votes, dtype=float)
    strata = [s.area.code for s in stations]
    sizes = {area.code: 10 for area in world.regions}
    names = [c.name for c in world.candidates]
    return ratio_estimate(y, y.sum(axis=1), strata, sizes, names=names)


@pytest.mark.parametrize(
    ("shares", "outcome", "words"),
    [
        ([0.62, 0.30, 0.08], calls.OUTRIGHT, "wins outright"),
        ([0.42, 0.34, 0.24], calls.RUNOFF, "Runoff"),
        ([0.50, 0.45, 0.05], calls.TOO_CLOSE, "Too close to call"),
    ],
)
def test_the_call_is_stated_in_words_with_its_numbers(
    as_user, coordinator, mission, world, form, sample, shares, outcome, words
):
    estimate = report_shares(coordinator, form, world, sampled_stations(sample, world), shares)
    expected = calls.make_call(estimate, threshold=0.5, confidence=0.99)
    assert expected.code == outcome  # the data really is of this kind
    response = as_user(coordinator).get(page(mission))
    assert response.context["qc"]["call"]["code"] == outcome
    sentence = calls.describe_call(expected)
    assert response.context["call_text"] == sentence
    assert words in sentence and sentence in response.text


def test_a_runoff_says_when_second_place_is_too_close(
    as_user, coordinator, mission, world, form, sample
):
    estimate = report_shares(
        coordinator, form, world, sampled_stations(sample, world), [0.40, 0.305, 0.295]
    )
    expected = calls.make_call(estimate, threshold=0.5, confidence=0.99)
    assert (expected.code, expected.second_too_close) == (calls.RUNOFF, True)
    text = as_user(coordinator).get(page(mission)).context["call_text"]
    assert "Second place is too close to call" in text


def test_the_call_uses_the_missions_confidence(coordinator, mission, world, form, sample):
    from pollwatch.pvt.models import QuickCountPolicy

    estimate = report_shares(
        coordinator, form, world, sampled_stations(sample, world), [0.6, 0.3, 0.1]
    )
    QuickCountPolicy.objects.create(mission=mission, results_form=form.form, confidence="0.950")
    data = quickcount.snapshot(mission)
    expected = calls.make_call(estimate, threshold=0.5, confidence=0.95)
    assert data["call"]["confidence"] == 0.95
    assert data["call"]["lower"] == pytest.approx(expected.lower)


# --- the embargo ---------------------------------------------------------------------------


def test_viewers_see_nothing_before_a_release_and_the_snapshot_after(
    as_user, coordinator, viewer, observer, mission, world, form, sample
):
    stations = sampled_stations(sample, world)
    report_shares(coordinator, form, world, stations[:12], [0.6, 0.3, 0.1])
    for persona in (viewer, observer):
        before = as_user(persona).get(page(mission))
        assert before.status_code == 200
        assert before.context["qc"] is None
        assert "has not released a quick count yet" in before.text
        assert "Candidate 1" not in before.text
    live = as_user(coordinator).get(page(mission)).context["qc"]
    response = as_user(coordinator).post(page(mission, "release"), {"title": "Preliminary"})
    assert response.status_code == 302
    release = Release.objects.get(mission=mission, kind=Release.Kind.QUICK_COUNT)
    assert release.title == "Preliminary" and release.released_by == coordinator
    # More reports arrive after the release: the live figures move, the release does not.
    report_shares(coordinator, form, world, stations[12:], [0.6, 0.3, 0.1], seed=4)
    after = as_user(viewer).get(page(mission))
    shown = after.context["qc"]
    assert shown["coverage"]["reported"] == 12 == live["coverage"]["reported"]
    assert [row["share"] for row in shown["candidates"]] == [
        row["share"] for row in live["candidates"]
    ]
    assert after.context["call_text"] == quickcount.describe(live["call"])
    assert "Candidate 1" in after.text and "Preliminary" in after.text
    assert "12 of 18 sampled stations reported" in after.text
    assert as_user(coordinator).get(page(mission)).context["qc"]["coverage"]["reported"] == 18


@pytest.mark.parametrize("persona", ["viewer", "observer", "analyst", "data_clerk"])
def test_only_a_coordinator_releases(request, as_user, mission, world, form, sample, persona):
    client = as_user(request.getfixturevalue(persona))
    assert client.post(page(mission, "release")).status_code == 403
    assert not Release.objects.exists()


def test_the_live_page_is_the_core_teams(as_user, analyst, viewer, mission, world, form, sample):
    assert as_user(analyst).get(page(mission)).context["live"] is True
    response = as_user(viewer).get(page(mission))
    assert response.context["live"] is False and "policy_form" not in response.context


@pytest.mark.parametrize("persona", ["other_coordinator", "other_mission_observer", "outsider"])
def test_another_mission_gets_404_everywhere(
    request, as_user, coordinator, mission, world, form, sample, persona
):
    report_shares(coordinator, form, world, sampled_stations(sample, world)[:6], [0.6, 0.3, 0.1])
    client = as_user(request.getfixturevalue(persona))
    assert client.get(page(mission)).status_code == 404
    assert client.post(page(mission, "release")).status_code == 404
    assert client.post(page(mission, "policy"), {"counts": "verified"}).status_code == 404
    assert not Release.objects.exists()

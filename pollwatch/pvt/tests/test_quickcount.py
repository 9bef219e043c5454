"""Estimates from the reports: the core's estimator on the sampled stations' chosen results.

The expected figures are built here from the answers the tests submit (not read back
through quickcount.py), then handed to the core (pvt/stats), the independent oracle.
"""

import datetime as dt

import numpy as np
import pytest
from django.urls import reverse

from pollwatch.elections.models import Election, OfficialResult
from pollwatch.pvt import quickcount
from pollwatch.pvt.models import QuickCountPolicy, SampledStation
from pollwatch.pvt.stats import call as calls
from pollwatch.pvt.stats.estimate import ratio_estimate, turnout_estimate
from pollwatch.pvt.tests.qc_helpers import (
    draw,
    figures_for,
    make_world,
    results_form,
    submit,
    votes_for,
)
from pollwatch.reports.models import Report
from pollwatch.reports.services import decide_report

SHARES = [0.52, 0.38, 0.10]


@pytest.fixture
def world(mission):
    return make_world(mission, regions=3, per_region=10)


@pytest.fixture
def form(mission):
    return results_form(mission)


@pytest.fixture
def sample(mission, world):
    return draw(mission, 15, seed="qc")


def sampled(sample, world):
    codes = set(
        SampledStation.objects.filter(sample=sample).values_list("station__code", flat=True)
    )
    return [s for s in world.stations if s.code in codes]


def report_all(coordinator, form, world, stations, seed=1):
    """Submit a result at each station; the answers by station code."""
    rng = np.random.default_rng(seed)
    sent = {}
    for station in stations:
        answers = figures_for(
            votes_for(rng, station.registered_voters, SHARES), station.registered_voters
        )
        submit(coordinator, form, world.observers[0], station, answers)
        sent[station.code] = answers
    return sent


def oracle(sent, world, sample, denominator="valid_votes", confidences=(0.95, 0.99)):
    """The core's estimate on arrays built from the answers as sent."""
    stratum = {s.code: s.area.code for s in world.stations}
    codes = sorted(sent)
    votes = np.array([[sent[c][f"c{n}"] for n in (1, 2, 3)] for c in codes], dtype=float)
    if denominator == "ballots_found":
        x = np.array([sent[c]["ballots_found"] for c in codes], dtype=float)
    else:
        x = votes.sum(axis=1)
    strata = [stratum[c] for c in codes]
    sizes = {area.code: 10 for area in world.regions}
    names = [c.name for c in world.candidates]
    shares = ratio_estimate(votes, x, strata, sizes, confidences=confidences, names=names)
    found = np.array([sent[c]["ballots_found"] for c in codes], dtype=float)
    registered = np.array([sent[c]["registered_voters"] for c in codes], dtype=float)
    turnout = turnout_estimate(found, registered, strata, sizes, confidences=confidences)
    return shares, turnout


def rows_by_name(data):
    return {row["name"]: row for row in data["candidates"]}


def assert_matches(data, shares):
    rows = rows_by_name(data)
    assert len(rows) == len(shares.candidates)
    for estimate in shares.candidates:
        row = rows[estimate.name]
        assert row["share"] == pytest.approx(100 * estimate.share, abs=1e-3)
        assert row["se"] == pytest.approx(100 * estimate.se, abs=1e-3)
        by_confidence = {i["confidence"]: i for i in row["intervals"]}
        for confidence, (low, high) in estimate.intervals.items():
            interval = by_confidence[round(100 * confidence, 4)]
            assert interval["low"] == pytest.approx(100 * low, abs=1e-3)
            assert interval["high"] == pytest.approx(100 * high, abs=1e-3)


def test_the_estimates_are_the_cores_on_the_reported_figures(
    as_user, coordinator, mission, world, form, sample
):
    stations = sampled(sample, world)
    sent = report_all(coordinator, form, world, stations[:12])
    response = as_user(coordinator).get(reverse("pvt_quickcount:estimates", args=[mission.code]))
    assert response.status_code == 200
    data = response.context["qc"]
    shares, turnout = oracle(sent, world, sample)
    assert_matches(data, shares)
    assert data["turnout"]["share"] == pytest.approx(100 * turnout.candidates[0].share, abs=1e-3)
    assert (data["coverage"]["reported"], data["coverage"]["sampled"]) == (12, 15)
    assert "12 of 15 sampled stations reported (80.0 %)" in response.text
    expected_call = calls.make_call(shares, threshold=0.5, confidence=0.99)
    assert data["call"]["code"] == expected_call.code
    assert response.context["call_text"] == calls.describe_call(expected_call)


def test_the_denominator_follows_the_election_rule(coordinator, mission, world, form, sample):
    world.election.win_denominator = Election.Denominator.BALLOTS_FOUND
    world.election.save(update_fields=["win_denominator"])
    mission.election.refresh_from_db()
    sent = report_all(coordinator, form, world, sampled(sample, world))
    shares, _turnout = oracle(sent, world, sample, denominator="ballots_found")
    assert_matches(quickcount.snapshot(mission), shares)


def test_reports_outside_the_sample_do_not_count(coordinator, mission, world, form, sample):
    inside = sampled(sample, world)
    outside = [s for s in world.stations if s not in inside]
    sent = report_all(coordinator, form, world, inside)
    report_all(coordinator, form, world, outside[:5], seed=9)
    shares, _turnout = oracle(sent, world, sample)
    assert_matches(quickcount.snapshot(mission), shares)


def test_per_stratum_k_of_n(coordinator, mission, world, form, sample):
    stations = sampled(sample, world)
    in_r1 = [s for s in stations if s.area.code == "R1"]
    others = [s for s in stations if s.area.code != "R1"]
    report_all(coordinator, form, world, in_r1[:2] + others)
    coverage = quickcount.snapshot(mission)["coverage"]
    strata = {row["code"]: row for row in coverage["strata"]}
    assert (strata["R1"]["reported"], strata["R1"]["sampled"]) == (2, len(in_r1))
    assert strata["R1"]["percent"] == round(100 * 2 / len(in_r1), 1)
    for code in ("R2", "R3"):
        assert strata[code]["reported"] == strata[code]["sampled"]
        assert strata[code]["frame"] == 10
    assert coverage["reported"] == 2 + len(others)


def test_verified_only_counts_only_verified_reports(coordinator, mission, world, form, sample):
    stations = sampled(sample, world)
    sent = report_all(coordinator, form, world, stations)
    QuickCountPolicy.objects.create(
        mission=mission, counts=QuickCountPolicy.Counts.VERIFIED, results_form=form.form
    )
    assert quickcount.snapshot(mission)["coverage"]["reported"] == 0
    chosen = stations[:3] + stations[5:11]
    for report in Report.objects.filter(station__in=chosen):
        decide_report(report, status=Report.Status.VERIFIED, user=coordinator)
    data = quickcount.snapshot(mission)
    assert data["coverage"]["reported"] == len(chosen)
    shares, _turnout = oracle({s.code: sent[s.code] for s in chosen}, world, sample)
    assert_matches(data, shares)


def test_all_but_rejected_leaves_rejected_reports_out(coordinator, mission, world, form, sample):
    stations = sampled(sample, world)
    sent = report_all(coordinator, form, world, stations)
    rejected = stations[4]
    decide_report(
        Report.objects.get(station=rejected), status=Report.Status.REJECTED, user=coordinator
    )
    data = quickcount.snapshot(mission)
    assert data["coverage"]["reported"] == len(stations) - 1
    del sent[rejected.code]
    shares, _turnout = oracle(sent, world, sample)
    assert_matches(data, shares)


def test_the_verified_report_wins_else_the_latest_version(
    coordinator, mission, world, form, sample
):
    stations = sampled(sample, world)
    sent = report_all(coordinator, form, world, stations)
    station = stations[0]
    first = Report.objects.get(station=station)
    corrected = dict(sent[station.code], c1=sent[station.code]["c1"] + 40)
    corrected["ballots_found"] = corrected["ballots_issued"] = corrected["ballots_found"] + 40
    submission = first.versions.get().submissions.get()
    submit(
        coordinator,
        form,
        world.observers[0],
        station,
        corrected,
        replaces=str(submission.instance_id),
    )
    sent[station.code] = corrected
    shares, _turnout = oracle(sent, world, sample)
    assert_matches(quickcount.snapshot(mission), shares)


def test_conflicting_copies_are_left_out_and_counted_until_one_is_verified(
    coordinator, mission, world, form, sample
):
    stations = sampled(sample, world)
    sent = report_all(coordinator, form, world, stations)
    station = stations[2]
    other = dict(sent[station.code], c2=sent[station.code]["c2"] + 25)
    other["ballots_found"] = other["ballots_issued"] = other["ballots_found"] + 25
    submit(coordinator, form, world.observers[1], station, other)
    assert Report.objects.filter(station=station, in_conflict=True).count() == 2
    data = quickcount.snapshot(mission)
    assert (data["coverage"]["reported"], data["coverage"]["in_conflict"]) == (len(stations) - 1, 1)
    stratum = next(row for row in data["coverage"]["strata"] if row["code"] == station.area.code)
    assert stratum["in_conflict"] == 1
    without = {code: answers for code, answers in sent.items() if code != station.code}
    assert_matches(data, oracle(without, world, sample)[0])
    right = Report.objects.get(station=station, observer=world.observers[1])
    decide_report(right, status=Report.Status.VERIFIED, user=coordinator)
    data = quickcount.snapshot(mission)
    assert (data["coverage"]["reported"], data["coverage"]["in_conflict"]) == (len(stations), 0)
    assert data["coverage"]["several_reports"] == 1
    assert_matches(data, oracle(dict(sent, **{station.code: other}), world, sample)[0])


def test_the_official_share_is_compared_with_the_interval(
    coordinator, mission, world, form, sample
):
    sent = report_all(coordinator, form, world, sampled(sample, world))
    rng = np.random.default_rng(5)
    totals = np.zeros(3)
    valid_total = 0
    for station in world.stations:
        votes = votes_for(rng, station.registered_voters, SHARES)
        totals += votes
        valid_total += sum(votes)
        OfficialResult.objects.create(
            election=world.election,
            station=station,
            registered_voters=station.registered_voters,
            ballots_found=sum(votes),
            invalid=0,
            valid=sum(votes),
            votes={str(c.pk): v for c, v in zip(world.candidates, votes, strict=True)},
        )
    shares, _turnout = oracle(sent, world, sample)
    rows = rows_by_name(quickcount.snapshot(mission))
    for k, estimate in enumerate(shares.candidates):
        expected = calls.official_comparison(totals[k] / valid_total, estimate, 0.99)
        official = rows[estimate.name]["official"]
        assert official["share"] == pytest.approx(100 * expected.official, abs=1e-3)
        assert official["inside"] == expected.inside
        assert official["z"] == pytest.approx(expected.z, abs=0.01)


def test_without_a_sample_or_reports_the_page_says_so(as_user, coordinator, mission, world, form):
    client = as_user(coordinator)
    page = reverse("pvt_quickcount:estimates", args=[mission.code])
    assert "No sample drawn yet." in client.get(page).text
    draw(mission, 6)
    data = client.get(page).context["qc"]
    assert data["coverage"]["reported"] == 0 and data["candidates"] == [] and data["problem"]


def test_the_policy_form_saves_the_policy(as_user, coordinator, analyst, mission, world, form):
    body = {"counts": "verified", "results_form": form.form.code, "confidence": "0.95"}
    url = reverse("pvt_quickcount:policy", args=[mission.code])
    assert as_user(analyst).post(url, body).status_code == 403
    assert as_user(coordinator).post(url, body).status_code == 302
    policy = QuickCountPolicy.objects.get(mission=mission)
    assert (policy.counts, policy.results_form, str(policy.confidence)) == (
        "verified",
        form.form,
        "0.950",
    )


def test_a_stratum_with_one_report_is_merged_and_the_merge_reported(
    as_user, coordinator, mission, world, form, sample
):
    stations = sampled(sample, world)
    in_r1 = [s for s in stations if s.area.code == "R1"]
    others = [s for s in stations if s.area.code != "R1"]
    sent = report_all(coordinator, form, world, in_r1[:1] + others)
    stratum = {s.code: s.area.code for s in world.stations}
    codes = sorted(sent)
    votes = np.array([[sent[c][f"c{n}"] for n in (1, 2, 3)] for c in codes], dtype=float)
    expected = ratio_estimate(
        votes,
        votes.sum(axis=1),
        [stratum[c] for c in codes],
        {area.code: 10 for area in world.regions},
        names=[c.name for c in world.candidates],
        parents={area.code: "C" for area in world.regions},
    )
    assert expected.merges  # the data really has a stratum to merge
    response = as_user(coordinator).get(reverse("pvt_quickcount:estimates", args=[mission.code]))
    data = response.context["qc"]
    assert data["merges"] == [
        {
            "stratum": m.stratum,
            "into": m.into,
            "reporting": m.reporting,
            "same_parent": m.same_parent,
        }
        for m in expected.merges
    ]
    assert_matches(data, expected)
    assert "were merged into a neighbour" in response.text


def test_convergence_recomputes_the_estimate_at_each_quarter_hour(
    coordinator, mission, world, form, sample
):
    stations = sampled(sample, world)
    sent = report_all(coordinator, form, world, stations)
    start = dt.datetime(2017, 10, 15, 14, 50, tzinfo=dt.UTC)
    arrived = {}
    for k, station in enumerate(stations):
        arrived[station.code] = start + dt.timedelta(minutes=7 * k)
        Report.objects.filter(station=station).update(created_at=arrived[station.code])
    points = quickcount.snapshot(mission)["convergence"]
    first_mark = dt.datetime(2017, 10, 15, 15, 0, tzinfo=dt.UTC)
    marks = [dt.datetime.fromisoformat(p["at"]) for p in points]
    assert marks == [first_mark + dt.timedelta(minutes=15 * k) for k in range(len(marks))]
    assert marks[-1] >= max(arrived.values()) > marks[-1] - dt.timedelta(minutes=15)
    leaders = [row.name for row in world.candidates[:2]]
    for point, mark in zip(points, marks, strict=True):
        received = {code: sent[code] for code, at in arrived.items() if at <= mark}
        assert point["reported"] == len(received)
        expected, _turnout = oracle(received, world, sample)
        assert [c["name"] for c in point["candidates"]] == leaders
        for row in point["candidates"]:
            low, high = expected[row["name"]].intervals[0.99]
            assert row["share"] == pytest.approx(100 * expected[row["name"]].share, abs=1e-3)
            assert (row["low"], row["high"]) == (
                pytest.approx(100 * low, abs=1e-3),
                pytest.approx(100 * high, abs=1e-3),
            )

"""The demo's quick count (demo/quickcount.py) on a small copy of the scenario's shape.

The full demo takes its time (every report goes the real submission path), so this
builds a small election with the scenario's candidates and region digits, short-term
teams of two with an election-day deployment, and the official results the demo
publishes (demo/official.py), then adds the quick count to it.
"""

from typing import Any

import numpy as np
import pytest

from pollwatch.demo import quickcount as demo_qc
from pollwatch.demo import scenario as sc
from pollwatch.demo.official import add_official_results, official_votes_for
from pollwatch.elections.models import Area
from pollwatch.missions.models import Deployment, Observer
from pollwatch.pvt import quickcount
from pollwatch.pvt.models import QuickCountPolicy, Sample, SampledStation
from pollwatch.pvt.stats import call as calls
from pollwatch.pvt.stats.estimate import ratio_estimate
from pollwatch.reports.models import Report
from pollwatch.testing import factories as f

REGIONS = (("BSH", "1"), ("BAT", "3"), ("OSH", "8"))  # Jeenbekov ahead on the whole
PER_REGION = 30
TEAMS = 12


@pytest.fixture
def demo_like(mission, coordinator, data_clerk):
    election = mission.election
    root = Area.objects.create(election=election, code="KG", name="KG", level="country")
    stations: list[Any] = []
    for code, digit in REGIONS:
        region = Area.objects.create(
            election=election, code=code, name=code, level="region", parent=root
        )
        stations += [
            f.PollingStationFactory(
                area=region, code=f"{digit}{k:03d}", registered_voters=900 + 13 * k
            )
            for k in range(PER_REGION)
        ]
    for row in sc.CANDIDATES:
        f.CandidateFactory(election=election, name=row.name, ballot_number=row.ballot_number)
    for t in range(TEAMS):
        team: Any = f.TeamFactory(mission=mission, code=f"S{t:02d}")
        for k in range(2):
            f.ObserverFactory(
                mission=mission,
                team=team,
                code=f"7{t:02d}{k}",
                role=Observer.ObserverRole.SHORT_TERM,
            )
        deployment = Deployment.objects.create(mission=mission, team=team, date=sc.ELECTION_DAY)
        deployment.stations.add(stations[t])
    add_official_results(election)
    return stations


def test_the_demo_quick_count_calls_an_outright_win_with_the_official_shares_inside(
    monkeypatch, mission, demo_like
):
    monkeypatch.setattr(demo_qc, "CONFLICT_EVERY", 20)
    summary = demo_qc.add_quick_count(mission, size=45, seed="demo-test")
    sample = Sample.objects.get(mission=mission, is_active=True)
    assert (sample.seed, sample.stratum_level, summary.sampled) == ("demo-test", "region", 45)
    policy = QuickCountPolicy.objects.get(mission=mission)
    assert policy.results_form is not None and policy.results_form.kind == "results"
    # Every sampled station went to a team.
    drawn = set(SampledStation.objects.filter(sample=sample).values_list("station_id", flat=True))
    deployed = set(
        Deployment.stations.through.objects.filter(deployment__mission=mission).values_list(
            "pollingstation_id", flat=True
        )
    )
    assert drawn <= deployed
    data = quickcount.snapshot(mission)
    coverage = data["coverage"]
    assert coverage["reported"] + coverage["in_conflict"] == summary.stations_reported
    assert summary.stations_reported < 45 and coverage["in_conflict"] == summary.in_conflict >= 1
    assert Report.objects.filter(in_conflict=True).count() == 2 * (summary.in_conflict + 1)
    # The observers' copies are the stations' protocols: the estimate is the core's on them.
    counted = quickcount.load_counted(mission)
    assert counted is not None
    by_code = {s.code: s for s in demo_like}
    votes = np.array(
        [[official_votes_for(by_code[c])[f"c{n}"] for n in range(1, 12)] for c in counted.codes],
        dtype=float,
    )
    found = np.array([official_votes_for(by_code[c])["ballots_found"] for c in counted.codes])
    names = [row.name for row in sc.CANDIDATES]
    expected = ratio_estimate(
        votes, found, counted.strata, counted.stratum_sizes, names=names, parents=counted.parents
    )
    call = calls.make_call(expected, threshold=0.5, confidence=0.99)
    assert call.code == calls.OUTRIGHT == data["call"]["code"]
    assert call.leader == "Sooronbay Jeenbekov"
    assert all(row["official"]["inside"] for row in data["candidates"])
    # Received over the evening, so the estimate is shown settling.
    assert len(data["convergence"]) >= 4

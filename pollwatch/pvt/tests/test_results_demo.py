"""The demo's official results (pollwatch/demo/official.py) on a frame shaped like the demo's."""

from decimal import Decimal
from typing import cast

import pytest

from pollwatch.demo import official
from pollwatch.demo import scenario as sc
from pollwatch.elections import results
from pollwatch.elections.models import Area, Candidate, Election, OfficialResult, PollingStation
from pollwatch.testing import factories as f


@pytest.fixture
def demo_frame(db):
    """The demo's 2,412 station codes (region digit + number) and its 11 candidates."""
    election = cast(Election, f.ElectionFactory(code="kg-demo", win_denominator=sc.WIN_DENOMINATOR))
    stations = []
    for region in sc.REGIONS:
        area = Area.objects.create(
            election=election, code=region.code, name=region.name, level="region"
        )
        voters = round(sc.REGISTERED_VOTERS * region.voter_share / region.stations)
        stations += [
            PollingStation(
                election=election,
                area=area,
                code=f"{region.digit}{n:03d}",
                name="S",
                registered_voters=voters,
            )
            for n in range(1, region.stations + 1)
        ]
    abroad = Area.objects.create(election=election, code="ABR", name="Abroad", level="region")
    stations += [
        PollingStation(
            election=election, area=abroad, code=f"0{n:03d}", name="A", registered_voters=900
        )
        for n in range(1, sc.STATIONS_ABROAD + 1)
    ]
    PollingStation.objects.bulk_create(stations)
    for row in sc.CANDIDATES:
        Candidate.objects.create(election=election, name=row.name, ballot_number=row.ballot_number)
    return election


def test_demo_official_results(demo_frame):
    election = demo_frame
    outcome = official.add_official_results(election)
    assert (outcome.rows, outcome.stations_without_result) == (2412, 0)
    # The five published rows that were changed on the way, and nothing else.
    assert outcome.flagged == len(official.PUBLISHED_ERRORS) == 5
    assert set(
        OfficialResult.objects.filter(has_problems=True).values_list("station__code", flat=True)
    ) == {code for code, _error in official.PUBLISHED_ERRORS}
    assert outcome.by_check == {
        results.CHECK_VALID_INVALID: 2,
        results.CHECK_CANDIDATES: 2,
        results.CHECK_REGISTERED: 1,
        results.CHECK_ISSUED: 1,
    }
    totals = results.official_totals(election)
    jeenbekov = Candidate.objects.get(election=election, ballot_number=9)
    babanov = Candidate.objects.get(election=election, ballot_number=6)
    # Clearly above half of the valid votes, and of the ballots found (the legal base).
    assert Decimal(100 * totals.votes[jeenbekov.pk]) / totals.valid > 52
    assert 50 < (totals.share(election, jeenbekov.pk) or 0) < 58
    assert 28 < (totals.share(election, babanov.pk) or 0) < 38
    assert max(totals.votes.items(), key=lambda item: item[1])[0] == jeenbekov.pk
    assert 50 < (totals.turnout or 0) < 62


def test_observers_copy_is_the_protocol(demo_frame):
    election = demo_frame
    official.add_official_results(election)
    numbers = dict(Candidate.objects.filter(election=election).values_list("pk", "ballot_number"))
    for code in ("1001", "4120", "0005"):
        station = PollingStation.objects.get(election=election, code=code)
        copy = official.official_votes_for(station)
        assert copy == official.official_votes_for(station)  # the same on every call
        votes = sum(copy[f"c{n}"] for n in range(1, 12))
        assert votes + copy["invalid"] == copy["ballots_found"] <= copy["ballots_issued"]
        assert copy["ballots_found"] <= copy["registered_voters"] + copy["added_voters"]
        row = OfficialResult.objects.get(station=station)
        published = {numbers[int(pk)]: n for pk, n in row.votes.items()}
        if code == "4120":  # the winner got 120 votes on the way to publication
            assert published[9] == copy["c9"] + 120
        else:
            assert published == {n: copy[f"c{n}"] for n in range(1, 12)}
            assert (row.ballots_found, row.invalid) == (copy["ballots_found"], copy["invalid"])

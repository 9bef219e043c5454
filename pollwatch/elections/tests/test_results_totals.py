"""Official results on real data (Albania 2017) and totals in SQL."""

import csv
from decimal import Decimal
from typing import cast

import pytest

from pollwatch.elections import results
from pollwatch.elections.models import Candidate, Election, Party, PollingStation
from pollwatch.elections.results import ResultsMapping, import_results
from pollwatch.testing import factories as f
from pollwatch.testing.albania import load_albania_frame, make_albania_election
from pollwatch.testing.data.albania2017 import RESULTS_CSV

PARTIES = [
    "lsi",
    "ps",
    "pkd",
    "sfida",
    "pr",
    "pd",
    "pbdksh",
    "adk",
    "psd",
    "ad",
    "frd",
    "pds",
    "pdiu",
    "aak",
    "mega",
    "pksh",
    "apd",
    "libra",
]
ALBANIA_FIELDS = {
    "station": "qvKod",
    "registered": "zgjedhes",
    "ballots_found": "ballotsCast",
    "invalid": "invalidVotes",
    "valid": "validVotes",
}


def add_albania_parties(election: Election) -> None:
    """The 18 parties as candidates, short names as in the file's columns."""
    for number, key in enumerate(PARTIES, start=1):
        party = Party.objects.create(country="AL", name=key.upper(), short_name=key.upper())
        Candidate.objects.create(
            election=election, name=key.upper(), party=party, ballot_number=number
        )


def import_albania(election: Election) -> results.ResultsImport:
    """Import the file with its protocol columns named and the parties guessed."""
    header = results.read_header(RESULTS_CSV.read_bytes())
    guess = results.guess_mapping(election, header)
    mapping = ResultsMapping(dict(ALBANIA_FIELDS), guess.candidates)
    return import_results(election, RESULTS_CSV.read_bytes(), mapping)


@pytest.fixture
def albania(db):
    election = make_albania_election()
    load_albania_frame(election)
    add_albania_parties(election)
    return election


def test_albania_flags_and_totals(albania):
    outcome = import_albania(albania)
    assert (outcome.rows, outcome.candidates, outcome.stations_without_result) == (5362, 18, 0)
    # PROVENANCE.md: 75 stations where valid + invalid != ballots cast, 8 where party
    # votes do not add up to valid votes, 3 with more ballots cast than registered.
    assert outcome.by_check == {
        results.CHECK_VALID_INVALID: 75,
        results.CHECK_CANDIDATES: 8,
        results.CHECK_REGISTERED: 3,
    }
    totals = results.official_totals(albania)
    assert totals.stations == 5362
    assert totals.valid == 1_582_118
    assert totals.registered == 3_452_260
    ps = Candidate.objects.get(election=albania, name="PS")
    pd = Candidate.objects.get(election=albania, name="PD")
    assert round(totals.share(albania, ps.pk) or 0, 3) == Decimal("48.336")
    assert round(totals.share(albania, pd.pk) or 0, 3) == Decimal("28.846")
    assert sum(totals.votes.values()) == sum(totals.votes[c.pk] for c in Candidate.objects.all())

    by_qarku = results.official_totals_by_area(albania, depth=0)
    assert len(by_qarku) == 12
    assert sum(area.valid for area in by_qarku) == 1_582_118
    assert sum(area.votes[ps.pk] for area in by_qarku) == totals.votes[ps.pk]
    tirane = next(area for area in by_qarku if area.name == "Tirane")
    with RESULTS_CSV.open(newline="", encoding="utf-8") as source:
        rows = [row for row in csv.DictReader(source) if row["qarku"] == "Tirane"]
    assert tirane.stations == len(rows)
    assert tirane.votes[ps.pk] == sum(int(row["ps"]) for row in rows)
    assert len(results.official_totals_by_area(albania, depth=1)) == 61
    assert len(results.official_totals_by_area(albania, depth=2)) == 373


@pytest.fixture
def small(election):
    """Two regions; one station hangs off a district, one off a region directly."""
    north = f.AreaFactory(election=election, code="N", name="North", level="region")
    south = f.AreaFactory(election=election, code="S", name="South", level="region")
    district = f.AreaFactory(
        election=election, code="N1", name="North 1", level="district", parent=north
    )
    a = cast(Candidate, f.CandidateFactory(election=election, ballot_number=1))
    b = cast(Candidate, f.CandidateFactory(election=election, ballot_number=2))
    stations = [
        cast(PollingStation, f.PollingStationFactory(area=district, code="1")),
        cast(PollingStation, f.PollingStationFactory(area=district, code="2")),
        cast(PollingStation, f.PollingStationFactory(area=south, code="3")),
    ]
    figures = [(100, 60, 5, 55, 30, 25), (200, 150, 10, 140, 40, 100), (50, 20, 0, 20, 20, 0)]
    for station, (registered, found, invalid, valid, va, vb) in zip(stations, figures, strict=True):
        results.OfficialResult.objects.create(
            election=election,
            station=station,
            registered_voters=registered,
            ballots_found=found,
            invalid=invalid,
            valid=valid,
            votes={str(a.pk): va, str(b.pk): vb},
        )
    return a, b


def test_totals_by_area_walk_up_the_tree(election, small, django_assert_num_queries):
    a, b = small
    with django_assert_num_queries(4):  # candidates, the deepest level, the sums, area names
        rows = results.official_totals_by_area(election, depth=0)
    assert [(r.code, r.stations, r.registered, r.votes[a.pk], r.votes[b.pk]) for r in rows] == [
        ("N", 2, 300, 70, 125),
        ("S", 1, 50, 20, 0),
    ]
    districts = results.official_totals_by_area(election, depth=1)
    # The station of the South region has no district: it is counted apart.
    assert [(r.code, r.stations) for r in districts] == [("N1", 2), ("", 1)]


def test_share_follows_the_election_denominator(election, small):
    a, _b = small
    totals = results.official_totals(election)
    assert (totals.valid, totals.ballots_found) == (215, 230)
    assert totals.share(election, a.pk) == Decimal(100 * 90) / Decimal(215)
    election.win_denominator = Election.Denominator.BALLOTS_FOUND
    assert totals.share(election, a.pk) == Decimal(100 * 90) / Decimal(230)
    assert totals.turnout == Decimal(100 * 230) / Decimal(350)


def test_area_levels(election, small):
    assert results.area_levels(election) == [(0, "region"), (1, "district")]

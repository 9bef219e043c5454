"""Official per-station results for the demo election: plausible, synthetic, repeatable.

Every station's count (its protocol, what an observer copies) is drawn from a random
generator seeded by the scenario's seed and the station's code, so it is the same on
every load and does not depend on the order stations are read in:
- turnout around the reported 56 %, varying by station;
- shares around the certified national ones (scenario.CERTIFIED_SHARES: Jeenbekov
  54.2 %, Babanov 33.5 % of ballots found, the others after demo/reports.py's
  CANDIDATE_WEIGHTS), Jeenbekov stronger in the south, Babanov in Bishkek, Chuy and
  his native Talas, as in 2017; the winner is well above half of the valid votes;
- a protocol that adds up: valid + invalid = ballots found <= ballots issued.

add_official_results() publishes them through the real import (elections/results.py,
from a CSV file in memory), as the election body's file would arrive. In a handful of
published rows (PUBLISHED_ERRORS) the figures were mistyped or changed on the way,
so they do not add up and are flagged; everywhere else the published row is the
protocol. official_votes_for() gives the protocol as results-form answers, for the
demo's observers' copies.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol as TypingProtocol

from pollwatch.demo import scenario as sc
from pollwatch.demo.reports import CANDIDATE_WEIGHTS
from pollwatch.elections.models import Election, PollingStation
from pollwatch.elections.results import ResultsImport, ResultsMapping, import_results

# Points of the winner's share moved to or from the runner-up, by the first digit of
# a station's code (scenario.REGIONS' digits; "0" is abroad). Voter-weighted they
# cancel out to within about half a point.
REGION_SWING = {
    "1": -16.0,  # Bishkek city
    "2": 8.0,  # Osh city
    "3": 16.0,  # Batken
    "4": -11.0,  # Chuy
    "5": -4.0,  # Issyk-Kul
    "6": 11.0,  # Jalal-Abad
    "7": 2.0,  # Naryn
    "8": 14.0,  # Osh oblast
    "9": -28.0,  # Talas
    "0": 4.0,  # abroad
}
WINNER = 9  # ballot numbers in scenario.CANDIDATES
RUNNER_UP = 6
TURNOUT = (0.56, 0.07)  # mean and spread of a station's turnout
# (station code, what went wrong between the protocol and the published row)
PUBLISHED_ERRORS = (
    ("1017", "invalid_mistyped"),  # invalid ballots +10: valid + invalid != found
    ("4120", "winner_added"),  # 120 votes added to the winner: votes != valid
    ("6208", "register_mistyped"),  # registered voters below the ballots found
    ("8311", "issued_mistyped"),  # ballots issued below the ballots found
    ("9042", "valid_mistyped"),  # valid votes +100: two sums off at once
)
COLUMNS = ["station", "registered", "issued", "found", "invalid", "valid"]


class StationLike(TypingProtocol):
    code: str
    registered_voters: int


@dataclass(frozen=True)
class StationProtocol:
    """A station's result protocol as the commission signed it."""

    registered_voters: int
    added_voters: int
    ballots_issued: int
    ballots_found: int
    invalid: int
    votes: dict[int, int] = field(default_factory=dict)  # ballot number -> votes

    @property
    def valid(self) -> int:
        return self.ballots_found - self.invalid


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` in whole parts proportional to the weights (largest remainder)."""
    exact = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def protocol_for(station: StationLike) -> StationProtocol:
    """The station's count, the same on every call (seeded by the station's code)."""
    rng = random.Random(f"{sc.SEED}:official:{station.code}")
    registered = station.registered_voters
    turnout = min(0.92, max(0.25, rng.gauss(*TURNOUT)))
    found = round(registered * turnout)
    invalid = round(found * rng.uniform(0.004, 0.016))
    numbers = [c.ballot_number for c in sc.CANDIDATES]
    weights = [w * rng.uniform(0.6, 1.4) for w in CANDIDATE_WEIGHTS]
    swing = REGION_SWING.get(station.code[:1], 0.0) + rng.gauss(0, 5)
    winner, runner_up = numbers.index(WINNER), numbers.index(RUNNER_UP)
    swing = max(-weights[winner] + 5, min(weights[runner_up] - 3, swing))
    weights[winner] += swing
    weights[runner_up] -= swing
    votes = dict(zip(numbers, _split(found - invalid, weights), strict=True))
    return StationProtocol(
        registered_voters=registered,
        added_voters=rng.randint(0, max(1, registered // 150)),
        ballots_issued=found + rng.randint(0, 3),
        ballots_found=found,
        invalid=invalid,
        votes=votes,
    )


def official_votes_for(station: StationLike) -> dict[str, int]:
    """The station's protocol as answers of the demo's results form (an observer's copy).

    Keys follow the results form convention: registered_voters, added_voters,
    ballots_issued, ballots_found, invalid and c<ballot number>.
    """
    protocol = protocol_for(station)
    return {
        "registered_voters": protocol.registered_voters,
        "added_voters": protocol.added_voters,
        "ballots_issued": protocol.ballots_issued,
        "ballots_found": protocol.ballots_found,
        "invalid": protocol.invalid,
        **{f"c{number}": count for number, count in protocol.votes.items()},
    }


def published_row(station: StationLike) -> list[int | str]:
    """The station's row in the election body's file (COLUMNS, then c1..c11)."""
    p = protocol_for(station)
    registered, issued, found, invalid, valid = (
        p.registered_voters, p.ballots_issued, p.ballots_found, p.invalid, p.valid,
    )  # fmt: skip
    votes = dict(p.votes)
    error = dict(PUBLISHED_ERRORS).get(station.code)
    if error == "invalid_mistyped":
        invalid += 10
    elif error == "winner_added":
        votes[WINNER] += 120
    elif error == "register_mistyped":
        registered = found - 7
    elif error == "issued_mistyped":
        issued = found - 12
    elif error == "valid_mistyped":
        valid += 100
    numbers = [c.ballot_number for c in sc.CANDIDATES]
    return [station.code, registered, issued, found, invalid, valid, *(votes[n] for n in numbers)]


def results_csv(stations: Iterable[StationLike]) -> bytes:
    """The election body's file for the stations, as it would be published."""
    out = io.StringIO()
    writer = csv.writer(out)
    numbers = [c.ballot_number for c in sc.CANDIDATES]
    writer.writerow([*COLUMNS, *(f"c{n}" for n in numbers)])
    for station in stations:
        writer.writerow(published_row(station))
    return out.getvalue().encode()


def add_official_results(election: Election) -> ResultsImport:
    """Publish every station's result into the election through the CSV import.

    Call it after the stations and candidates exist, and before the quick count's
    reports (demo/quickcount.py reads the official rows).
    """
    stations = PollingStation.objects.filter(election=election).only("code", "registered_voters")
    mapping = ResultsMapping(
        {
            "station": "station",
            "registered": "registered",
            "ballots_issued": "issued",
            "ballots_found": "found",
            "invalid": "invalid",
            "valid": "valid",
        },
        {f"c{c.ballot_number}": str(c.ballot_number) for c in sc.CANDIDATES},
    )
    return import_results(election, results_csv(stations.order_by("code")), mapping)

"""Helpers for the quick-count tests: a small election, a results form, results reports.

The election: a country with `regions` regions of `per_region` stations each, and
`candidates` candidates on ballot numbers 1..k. Two observers of one team are deployed
to the whole country (the mission's report scope is the area), so they may report at
any station.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

from pollwatch.checklists.models import FormVersion
from pollwatch.elections.models import Area, Candidate, Election, PollingStation
from pollwatch.missions.models import Mission, Observer
from pollwatch.pvt import services
from pollwatch.pvt.models import Sample
from pollwatch.reports import services as report_services
from pollwatch.reports.models import Channel
from pollwatch.reports.testing import check, deploy, make_form, make_observer, question
from pollwatch.testing import factories as f

FIGURES = ("registered_voters", "added_voters", "ballots_issued", "ballots_found", "invalid")


@dataclass
class World:
    election: Election
    root: Area
    regions: list[Area]
    stations: list[PollingStation]
    candidates: list[Candidate]
    observers: list[Observer]

    def frame(self, level: str = "region") -> list[tuple[str, str]]:
        """(station code, stratum), as the tests see the tree: the region's code."""
        if not level:
            return [(s.code, "ALL") for s in self.stations]
        return [(s.code, s.area.code) for s in self.stations]


def make_world(
    mission: Mission,
    *,
    regions: int = 3,
    per_region: int = 10,
    candidates: int = 3,
    registered: int = 1000,
) -> World:
    election = mission.election
    root = Area.objects.create(election=election, code="C", name="Country", level="country")
    areas = [
        Area.objects.create(
            election=election, code=f"R{r}", name=f"Region {r}", level="region", parent=root
        )
        for r in range(1, regions + 1)
    ]
    stations: list[Any] = [
        f.PollingStationFactory(
            area=area, code=f"{r}{k:03d}", registered_voters=registered + 10 * k
        )
        for r, area in enumerate(areas, start=1)
        for k in range(per_region)
    ]
    people: list[Any] = [
        f.CandidateFactory(election=election, name=f"Candidate {n}", ballot_number=n)
        for n in range(1, candidates + 1)
    ]
    mission.report_scope = Mission.ReportScope.AREA
    mission.save(update_fields=["report_scope"])
    first = make_observer(mission, code="5001")
    second = make_observer(mission, code="5002", team=first.team)
    deploy(first, area=root)
    return World(election, root, areas, stations, people, [first, second])


def results_form(mission: Mission, candidates: int = 3, code: str = "results") -> FormVersion:
    """A results form by the convention, with the two quality checks."""
    votes = " + ".join(f"/data/c{n}" for n in range(1, candidates + 1))
    return make_form(
        mission,
        "results",
        *[question(name, "integer", required=True) for name in FIGURES],
        *[question(f"c{n}", "integer", required=True) for n in range(1, candidates + 1)],
        code=code,
        checks=[
            check(
                "adds_up", f"{votes} + /data/invalid = /data/ballots_found", "Votes do not add up"
            ),
            check(
                "within",
                "/data/ballots_found <= /data/registered_voters + /data/added_voters",
                "More ballots than voters",
            ),
        ],
    )


def draw(
    mission: Mission, size: int, seed: str = "seed-1", level: str = "region", **extra
) -> Sample:
    return services.draw_sample_for(mission, size=size, seed=seed, stratum_level=level, **extra)


def figures_for(votes: list[int], registered: int, invalid: int = 5) -> dict[str, int]:
    """A consistent protocol: found = votes + invalid, issued = found."""
    found = sum(votes) + invalid
    answers = {
        "registered_voters": registered,
        "added_voters": 0,
        "ballots_issued": found,
        "ballots_found": found,
        "invalid": invalid,
    }
    answers.update({f"c{n}": v for n, v in enumerate(votes, start=1)})
    return answers


def submit(
    user: Any,
    form_version: FormVersion,
    observer: Observer,
    station: PollingStation,
    answers: dict[str, Any],
    *,
    observed_at: str = "2017-10-15T20:30:00+06:00",
    channel: str = Channel.WEB,
    replaces: str | None = None,
) -> report_services.SubmitResult:
    payload: dict[str, Any] = {
        "instance_id": str(uuid.uuid4()),
        "form": form_version.form.code,
        "form_version": form_version.version,
        "station": station.code,
        "observer": observer.code,
        "observed_at": observed_at,
        "answers": answers,
    }
    if replaces:
        payload["replaces"] = replaces
    return report_services.submit_report(
        user=user, payload=payload, channel=channel, mission=form_version.form.mission
    )


def votes_for(rng: np.random.Generator, registered: int, shares: list[float]) -> list[int]:
    """Votes for each candidate at a station: a turnout near 60 % split by the shares."""
    voters = int(registered * rng.uniform(0.45, 0.75))
    split = rng.multinomial(voters, np.array(shares) / sum(shares))
    return [int(v) for v in split]

"""State changes of the quick count: the policy, the draw, assignments, releases.

Each runs in one transaction and is called alike by the views, the CLI and the demo.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from pollwatch.accounts.models import User
from pollwatch.checklists.models import Form
from pollwatch.findings import releases
from pollwatch.findings.models import Release
from pollwatch.missions.models import Deployment, Membership, Mission, Team
from pollwatch.pvt.models import QuickCountPolicy, Sample, SampledStation
from pollwatch.pvt.sampling import DesignInputs, frame_for
from pollwatch.pvt.stats import design

SEED_ALPHABET = string.ascii_lowercase + string.digits
SEED_LENGTH = 12


class AssignmentError(ValueError):
    """Rows of an assignment that name no sampled station or no team; nothing stored."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def new_seed() -> str:
    """A fresh random seed to propose (and store) for a draw."""
    return "".join(secrets.choice(SEED_ALPHABET) for _ in range(SEED_LENGTH))


# --- the policy ------------------------------------------------------------------------


def set_policy(
    mission: Mission, *, counts: str, results_form: Form | None, confidence: Decimal
) -> QuickCountPolicy:
    """Store what counts in the mission's quick count and the confidence of its call."""
    with transaction.atomic():
        policy, _created = QuickCountPolicy.objects.update_or_create(
            mission=mission,
            defaults={"counts": counts, "results_form": results_form, "confidence": confidence},
        )
    return policy


# --- the draw --------------------------------------------------------------------------


def _decimal(value: float | None, places: str = "0.01") -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal(places))


def draw_sample_for(
    mission: Mission,
    *,
    size: int,
    seed: str,
    stratum_level: str = "",
    minimum: int = 0,
    user: User | None = None,
    inputs: DesignInputs | None = None,
    planned_from_past_results: bool = False,
) -> Sample:
    """Draw and store the mission's sample, replacing the one in use.

    The same election, size, seed, strata and minimum always give the same stations
    (stats.design.draw_sample orders each stratum by a keyed hash of the seed).
    Raises design.SampleError (a ValueError) when the frame cannot give that sample.
    """
    election = mission.election
    frame = frame_for(election, stratum_level)
    rows = design.draw_sample(frame.rows(), size, seed, minimum)
    station_ids = dict(
        election.stations.filter(code__in=[r.station for r in rows]).values_list("code", "pk")
    )
    with transaction.atomic():
        # The lock queues two coordinators drawing at once; the partial unique index
        # refuses a second active sample whatever happens.
        list(Sample.objects.select_for_update().filter(mission=mission, is_active=True))
        Sample.objects.filter(mission=mission, is_active=True).update(is_active=False)
        sample = Sample.objects.create(
            mission=mission,
            election=election,
            seed=seed,
            size=size,
            stratum_level=stratum_level,
            minimum_per_stratum=minimum,
            target_margin=_decimal(inputs.margin) if inputs else None,
            confidence=_decimal(inputs.confidence, "0.001") if inputs else None,
            expected_turnout=_decimal(inputs.expected_turnout) if inputs else None,
            design_effect=_decimal(inputs.design_effect)
            if inputs and not planned_from_past_results
            else None,
            planned_from_past_results=planned_from_past_results,
            created_by=user,
        )
        SampledStation.objects.bulk_create(
            [
                SampledStation(
                    sample=sample,
                    station_id=station_ids[row.station],
                    stratum=row.stratum,
                    stratum_size=row.N_h,
                    stratum_sample=row.n_h,
                    weight=row.weight,
                )
                for row in rows
            ],
            batch_size=1000,
        )
    return sample


# --- assignment to teams ----------------------------------------------------------------


@dataclass(frozen=True)
class Assigned:
    stations: int
    teams: int
    already: int  # sampled stations some deployment of the mission already had


def _deployment(mission: Mission, team: Team, date) -> Deployment:
    """The team's deployment on that date, made when it has none (then extended)."""
    found = Deployment.objects.filter(mission=mission, team=team, date=date).first()
    return found or Deployment.objects.create(mission=mission, team=team, date=date)


def _unassigned(sample: Sample) -> tuple[list[tuple[int, str]], int]:
    """Sampled stations no deployment of the mission has, as (id, area path) in area
    order; and how many others there are."""
    deployed = set(
        Deployment.stations.through.objects.filter(deployment__mission=sample.mission).values_list(
            "pollingstation_id", flat=True
        )
    )
    ordered = SampledStation.objects.filter(sample=sample).order_by(
        "station__area__path", "station__code"
    )
    rows = list(ordered.values_list("station_id", "station__area__path"))
    free = [(pk, path) for pk, path in rows if pk not in deployed]
    return free, len(rows) - len(free)


def _team_areas(mission: Mission, teams: Sequence[Team]) -> dict[int, list[str]]:
    """The area paths each team is deployed to in the mission (any date), by team id."""
    areas: dict[int, list[str]] = {}
    rows = Deployment.objects.filter(mission=mission, team__in=teams, area__isnull=False)
    for team_id, path in rows.values_list("team_id", "area__path").distinct():
        areas.setdefault(team_id, []).append(path)
    return areas


def _home_team(path: str, areas: dict[int, list[str]], room: dict[int, int]) -> int | None:
    """The team with room whose own area holds the station most closely, if any."""
    best, best_depth = None, -1
    if not path:
        return None
    for team_id, paths in areas.items():
        if room[team_id] <= 0:
            continue
        for area in paths:
            if path.startswith(area) and len(area) > best_depth:
                best, best_depth = team_id, len(area)
    return best


def assign_sample(mission: Mission, sample: Sample, teams: Sequence[Team], date) -> Assigned:
    """Give the sampled stations no team has yet to the teams, in even shares.

    A team deployed to an area (on any date) gets the sampled stations of that area
    first, as far as its share goes: observers report where they already work. The
    rest go in area order, in blocks, so that one team's stations lie close together.
    Each team's deployment on `date` is extended (or made).
    """
    if not teams:
        raise AssignmentError([_("Choose at least one team.")])
    with transaction.atomic():
        free, already = _unassigned(sample)
        size, extra = divmod(len(free), len(teams))
        room = {team.pk: size + (1 if k < extra else 0) for k, team in enumerate(teams)}
        areas = _team_areas(mission, teams)
        given: dict[int, list[int]] = {team.pk: [] for team in teams}
        rest = []
        for pk, path in free:
            home = _home_team(path, areas, room)
            if home is None:
                rest.append(pk)
            else:
                given[home].append(pk)
                room[home] -= 1
        for team in teams:  # in the order chosen, each filled up to its share
            given[team.pk] += rest[: room[team.pk]]
            rest = rest[room[team.pk] :]
        used = 0
        for team in teams:
            if given[team.pk]:
                _deployment(mission, team, date).stations.add(*given[team.pk])
                used += 1
    return Assigned(len(free), used, already)


def assign_from_rows(
    mission: Mission, sample: Sample, rows: Iterable[tuple[int, str, str]], date
) -> Assigned:
    """Assign from (line, station code, team code) rows: all or nothing.

    Every station must be in the sample and every team the mission's; the problems
    name the line.
    """
    sampled = dict(
        SampledStation.objects.filter(sample=sample).values_list("station__code", "station_id")
    )
    teams = {team.code: team for team in Team.objects.filter(mission=mission)}
    wanted: dict[str, list[int]] = {}
    problems = []
    for line, station, team in rows:
        if station not in sampled:
            problems.append(
                _("Line %(line)s: station %(code)s is not in the sample.")
                % {"line": line, "code": station}
            )
        elif team not in teams:
            problems.append(
                _("Line %(line)s: the mission has no team %(code)s.") % {"line": line, "code": team}
            )
        else:
            wanted.setdefault(team, []).append(sampled[station])
    if problems:
        raise AssignmentError(problems)
    with transaction.atomic():
        for code, station_ids in wanted.items():
            _deployment(mission, teams[code], date).stations.add(*station_ids)
    return Assigned(sum(len(ids) for ids in wanted.values()), len(wanted), 0)


# --- releases ----------------------------------------------------------------------------


def release_quick_count(membership: Membership, snapshot: dict, title: str = "") -> Release:
    """Publish a frozen copy of the quick count to the mission's members (coordinators only)."""
    return releases.do_release(membership, Release.Kind.QUICK_COUNT, snapshot, title)

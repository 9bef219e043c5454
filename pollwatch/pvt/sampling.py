"""The sampling frame, the planned sample size, and which stations are sampled.

Reads only: the draw itself is a state change (services.draw_sample_for). The
statistics are the pure core's (pvt/stats/design.py); this module feeds it from the
database.

Strata: a sample stratified by an area level puts each station in the stratum of
its ancestor at that level's depth in the tree. A station whose branch has no area
of that level (the demo's stations abroad, under "Abroad" beside the regions) falls
in the stratum of its ancestor at the same depth, so every station of the election
belongs to exactly one stratum and the frame is the whole election.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from pollwatch.elections.models import Area, Election, OfficialResult, PollingStation
from pollwatch.missions.models import Mission
from pollwatch.pvt.models import Sample, SampledStation
from pollwatch.pvt.stats import design
from pollwatch.pvt.stats.estimate import z_for

# One stratum for the whole election when no level is chosen.
NATIONAL = "ALL"
DEFAULT_DESIGN_EFFECT = 20.0


# --- the frame ------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """Every station of the election with its stratum, and each stratum's parent."""

    codes: list[str]
    strata: list[str]
    parents: dict[str, str]
    names: dict[str, str]

    def sizes(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for stratum in self.strata:
            counts[stratum] = counts.get(stratum, 0) + 1
        return counts

    def rows(self) -> list[tuple[str, str]]:
        return list(zip(self.codes, self.strata, strict=True))


def stratum_levels(election: Election) -> list[str]:
    """The election's area levels, shallowest first, and at one depth the most common first.

    The first level below the root is the usual stratum (regions, say); a level beside
    it with fewer areas ("abroad") comes after it.
    """
    depth_of = _level_depths(election)
    counts = Counter(
        Area.objects.filter(election=election).exclude(level="").values_list("level", flat=True)
    )
    return sorted(depth_of, key=lambda level: (depth_of[level], -counts[level], level))


def default_level(election: Election) -> str:
    """The level a sample is stratified by unless the coordinator says otherwise."""
    depth_of = _level_depths(election)
    return next((level for level in stratum_levels(election) if depth_of[level] >= 1), "")


def _level_depths(election: Election) -> dict[str, int]:
    depths: dict[str, int] = {}
    for level, depth in (
        Area.objects.filter(election=election).exclude(level="").values_list("level", "depth")
    ):
        depths[level] = min(depth, depths.get(level, depth))
    return depths


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def frame_for(election: Election, stratum_level: str = "") -> Frame:
    """The election's stations in code order with their strata (see the module docstring).

    Raises ValueError when the level is not one of the election's area levels.
    """
    stations = PollingStation.objects.filter(election=election).order_by("code")
    rows = list(stations.values_list("code", "area__path"))
    if not stratum_level:
        return Frame(
            [code for code, _path in rows], [NATIONAL] * len(rows), {}, {NATIONAL: _("All")}
        )
    depth = _level_depths(election).get(stratum_level)
    if depth is None:
        raise ValueError(
            _("%(level)s is not an area level of this election.") % {"level": stratum_level}
        )
    strata, parents = [], {}
    for _code, path in rows:
        segments = _segments(path)
        stratum = segments[min(depth, len(segments) - 1)]
        strata.append(stratum)
        if depth > 0 and len(segments) > depth:
            parents[stratum] = segments[depth - 1]
    names = dict(
        Area.objects.filter(election=election, code__in=set(strata)).values_list("code", "name")
    )
    return Frame([code for code, _path in rows], strata, parents, names)


# --- planning ------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignInputs:
    """What the coordinator asks for: margins and turnout in percent, confidence 0-1."""

    margin: float  # percentage points
    confidence: float
    expected_turnout: float  # percent
    stratum_level: str = ""
    design_effect: float = DEFAULT_DESIGN_EFFECT
    minimum: int = 0


@dataclass
class Design:
    """Planned sizes for the inputs, with the figures they came from."""

    inputs: DesignInputs
    stations: int
    registered: int
    voters: float  # the plain voter formula's figure (too small for a quick count)
    voter_stations: int  # that figure as stations, without the design effect
    votes_per_station: float
    by_design_effect: int
    from_past_results: int | None
    past_results_stations: int = 0
    strata: dict[str, int] = field(default_factory=dict)
    allocation: dict[str, int] = field(default_factory=dict)

    @property
    def recommended(self) -> int:
        """Past results when there are any, else the design effect's figure; capped at N."""
        planned = self.from_past_results or self.by_design_effect
        return min(planned, self.stations)


def plan(election: Election, inputs: DesignInputs) -> Design:
    """The sample size in stations for the inputs (see METHODS.md, Sample size)."""
    frame = frame_for(election, inputs.stratum_level)
    stations = len(frame.codes)
    registered = (
        PollingStation.objects.filter(election=election).aggregate(n=Sum("registered_voters"))["n"]
        or 0
    )
    margin, z = inputs.margin / 100, z_for(inputs.confidence)
    votes_per_station = registered * inputs.expected_turnout / 100 / max(stations, 1)
    voters = design.voter_sample_size(max(registered, 1), margin, z)
    by_deff = design.stations_for_margin(
        max(registered, 1), margin, z, max(votes_per_station, 1.0), inputs.design_effect
    )
    past, past_count = _from_past_results(election, frame, margin, z)
    result = Design(
        inputs=inputs,
        stations=stations,
        registered=registered,
        voters=voters,
        voter_stations=int(np.ceil(voters / max(votes_per_station, 1.0))),
        votes_per_station=votes_per_station,
        by_design_effect=by_deff,
        from_past_results=past,
        past_results_stations=past_count,
        strata=frame.sizes(),
    )
    if stations:
        result.allocation = design.allocate(
            result.strata, min(result.recommended, stations), inputs.minimum
        )
    return result


def past_result_arrays(
    election: Election, frame: Frame
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(leader's votes, denominator, strata) per station with an official result, or None.

    The leader is the candidate with the most votes over all the rows. The rows are the
    election's own imported official results: the placeholder for a past election's
    until past elections can be linked (their stations would have to be matched).
    """
    rows = list(
        OfficialResult.objects.filter(election=election).values_list(
            "station__code", "votes", "valid", "ballots_found"
        )
    )
    if len(rows) < 2:
        return None
    totals: dict[str, int] = {}
    for _code, votes, _valid, _found in rows:
        for key, value in votes.items():
            totals[key] = totals.get(key, 0) + int(value or 0)
    if not totals:
        return None
    leader = max(totals, key=lambda key: totals[key])
    stratum_of = dict(zip(frame.codes, frame.strata, strict=True))
    by_found = election.win_denominator == Election.Denominator.BALLOTS_FOUND
    y = np.array([float(votes.get(leader) or 0) for _c, votes, _v, _f in rows])
    x = np.array([float(found if by_found else valid) for _c, _votes, valid, found in rows])
    strata = np.array([stratum_of.get(code, NATIONAL) for code, *_rest in rows])
    return y, x, strata


def _from_past_results(
    election: Election, frame: Frame, margin: float, z: float
) -> tuple[int | None, int]:
    arrays = past_result_arrays(election, frame)
    if arrays is None:
        return None, 0
    y, x, strata = arrays
    keep = x > 0
    try:
        size = design.stations_from_past_results(
            y[keep], x[keep], strata[keep], frame.sizes(), margin, z
        )
    except ValueError:
        # Too few usable rows (a stratum with one station, say): no plan from them.
        return None, int(keep.sum())
    return size, int(keep.sum())


# --- the sample in use ---------------------------------------------------------------


def active_sample(mission: Mission) -> Sample | None:
    """The mission's sample in use, if one has been drawn."""
    return Sample.objects.filter(mission=mission, is_active=True).first()


def sampled_stations(mission: Mission) -> QuerySet[PollingStation]:
    """The stations of the mission's active sample (empty before a draw)."""
    drawn = SampledStation.objects.filter(sample__mission=mission, sample__is_active=True)
    return PollingStation.objects.filter(pk__in=drawn.values("station_id"))


def is_sampled(station: PollingStation, mission: Mission) -> bool:
    """Whether the station is in the mission's active sample (for a badge)."""
    return SampledStation.objects.filter(
        sample__mission=mission, sample__is_active=True, station=station
    ).exists()


def stratum_counts(sample: Sample) -> Mapping[str, tuple[int, int]]:
    """{stratum: (N_h, n_h)} of a stored sample."""
    rows = (
        SampledStation.objects.filter(sample=sample)
        .values_list("stratum", "stratum_size", "stratum_sample")
        .distinct()
    )
    return {stratum: (big, small) for stratum, big, small in rows}

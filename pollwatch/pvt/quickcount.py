"""The quick count from the reports: database -> numpy arrays -> the stats core.

One result per sampled station, chosen in SQL:
- the reports that count are the results form's reports at the station whose status
  the mission's policy admits (verified only, or all but rejected ones);
- among them the verified one wins, else the one whose latest version arrived last;
- a station where a counted report is marked in conflict (two observers' copies of
  the protocol disagree) and none is verified is left out, and counted as such: a
  reviewer resolves it by verifying the right copy (or rejecting the wrong one and
  verifying the other).

The figures are read with JSON key transforms on the chosen reports' current versions
(one query), then the core (pvt/stats) estimates the shares, turnout, the call and
the convergence over reception time. `snapshot()` gathers everything a page shows
into one JSON-safe dict: the live page and a release render the same dict.

Question names of the results form (docs/statistics.md, "Results form convention"):
registered_voters, ballots_issued, ballots_found, invalid, valid (optional), and
c<ballot number> per candidate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Area, Candidate, Election, OfficialResult
from pollwatch.missions.models import Mission
from pollwatch.pvt.models import QuickCountPolicy, Sample, SampledStation
from pollwatch.pvt.sampling import active_sample
from pollwatch.pvt.stats import call as calls
from pollwatch.pvt.stats.estimate import (
    EstimateError,
    RatioEstimate,
    ratio_estimate,
    turnout_estimate,
)
from pollwatch.reports.models import Report

# The results form's question names (the convention above).
REGISTERED = "registered_voters"
ISSUED = "ballots_issued"
FOUND = "ballots_found"
INVALID = "invalid"
FIGURES = (REGISTERED, ISSUED, FOUND, INVALID)
REPORTED_CONFIDENCES = (0.95, 0.99)
# Convergence: a point at each mark of this many minutes, widened so that a long day
# stays under MAX_POINTS points.
STEP_MINUTES = 15
MAX_POINTS = 48
SNAPSHOT_VERSION = 1


def candidate_key(ballot_number: int) -> str:
    return f"c{ballot_number}"


# --- the policy ---------------------------------------------------------------------------


def results_forms(mission: Mission) -> QuerySet[Form]:
    return Form.objects.filter(mission=mission, kind=Form.Kind.RESULTS).order_by("code")


def policy_for(mission: Mission) -> QuickCountPolicy:
    """The mission's stored policy, or the default one (unsaved) with its first results form."""
    policy = QuickCountPolicy.objects.filter(mission=mission).select_related("results_form").first()
    if policy is None:
        policy = QuickCountPolicy(mission=mission, results_form=results_forms(mission).first())
    elif policy.results_form is None:
        policy.results_form = results_forms(mission).first()
    return policy


def counted_reports(policy: QuickCountPolicy) -> QuerySet[Report]:
    """The reports of the results form whose status the policy admits."""
    reports = Report.objects.filter(
        mission=policy.mission, form=policy.results_form, current__isnull=False
    )
    if policy.counts == QuickCountPolicy.Counts.VERIFIED:
        return reports.filter(status=Report.Status.VERIFIED)
    return reports.exclude(status=Report.Status.REJECTED)


# --- one result per sampled station ----------------------------------------------------------


@dataclass(frozen=True)
class Candidates:
    """The election's candidates on the results form, in ballot order."""

    keys: list[str]
    names: list[str]
    pks: list[int]


def form_candidates(election: Election, form: Form) -> Candidates:
    """Candidates whose c<ballot number> question the form asks, in ballot order."""
    spec = form.current_version.spec if form.current_version else {"questions": []}
    asked = {question["name"] for question in spec["questions"]}
    found = Candidates([], [], [])
    rows = (
        Candidate.objects.filter(election=election, ballot_number__isnull=False)
        .order_by("ballot_number")
        .values_list("pk", "ballot_number", "name")
    )
    for pk, number, name in rows:
        key = candidate_key(int(number or 0))
        if key in asked:
            found.keys.append(key)
            found.names.append(name)
            found.pks.append(pk)
    return found


@dataclass
class StratumCoverage:
    code: str
    name: str
    frame: int  # N_h
    sampled: int
    reported: int = 0
    in_conflict: int = 0

    @property
    def percent(self) -> float:
        return 100 * self.reported / self.sampled if self.sampled else 0.0


@dataclass
class Counted:
    """The sampled stations' chosen results as arrays, and who reported."""

    sample: Sample
    policy: QuickCountPolicy
    candidates: Candidates
    codes: list[str]
    strata: np.ndarray
    received: np.ndarray  # seconds since the epoch: when the station's report first arrived
    votes: np.ndarray  # (stations, candidates)
    figures: dict[str, np.ndarray]
    coverage: list[StratumCoverage]
    stratum_sizes: dict[str, int]
    stratum_sampled: dict[str, int]
    parents: dict[str, str]
    several_reports: int = 0

    @property
    def sampled(self) -> int:
        return sum(s.sampled for s in self.coverage)

    @property
    def reported(self) -> int:
        return len(self.codes)

    @property
    def in_conflict(self) -> int:
        return sum(s.in_conflict for s in self.coverage)

    def denominator(self, election: Election) -> np.ndarray:
        """Valid votes (the candidates' sum) or every ballot found: the election's rule."""
        if election.win_denominator == Election.Denominator.BALLOTS_FOUND:
            return self.figures[FOUND]
        return self.votes.sum(axis=1)


def _station_annotations(counted: QuerySet[Report]) -> dict[str, Any]:
    here = counted.filter(station_id=OuterRef("station_id"))
    verified_first = Case(
        When(status=Report.Status.VERIFIED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    chosen = here.annotate(rank=verified_first).order_by("rank", "-current__created_at", "-pk")
    how_many = here.order_by().values("station_id").annotate(n=Count("pk")).values("n")
    return {
        "chosen": Subquery(chosen.values("pk")[:1]),
        "reports": Subquery(how_many, output_field=IntegerField()),
        "conflicted": Exists(here.filter(in_conflict=True)),
        "verified": Exists(here.filter(status=Report.Status.VERIFIED)),
    }


def _stratum_names(election: Election, codes: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    rows = Area.objects.filter(election=election, code__in=codes).values_list(
        "code", "name", "parent__code"
    )
    names = {code: name for code, name, _parent in rows}
    parents = {code: parent for code, _name, parent in rows if parent}
    return names, parents


def _coverage(sample: Sample, rows: list[tuple]) -> tuple[dict[str, StratumCoverage], dict]:
    election = sample.election
    strata = {stratum: (big, small) for _sid, stratum, big, small, *_rest in rows}
    names, parents = _stratum_names(election, set(strata))
    coverage = {
        code: StratumCoverage(code, names.get(code, code), big, small)
        for code, (big, small) in sorted(strata.items())
    }
    return coverage, parents


def load_counted(mission: Mission, policy: QuickCountPolicy | None = None) -> Counted | None:
    """The chosen result of every reporting sampled station; None without a sample or form."""
    sample = active_sample(mission)
    policy = policy or policy_for(mission)
    if sample is None or policy.results_form is None:
        return None
    election = mission.election
    candidates = form_candidates(election, policy.results_form)
    # Any: the annotations come from a dict, which the type checker cannot follow.
    annotated: Any = SampledStation.objects.filter(sample=sample).annotate(
        **_station_annotations(counted_reports(policy))
    )
    rows = list(
        annotated.order_by("station__code").values_list(
            "station_id",
            "stratum",
            "stratum_size",
            "stratum_sample",
            "chosen",
            "reports",
            "conflicted",
            "verified",
        )
    )
    coverage, parents = _coverage(sample, rows)
    chosen: dict[int, str] = {}
    several = 0
    for _sid, stratum, _big, _small, report, reports, conflicted, verified in rows:
        if report is None:
            continue
        if conflicted and not verified:
            coverage[stratum].in_conflict += 1
            continue
        coverage[stratum].reported += 1
        chosen[report] = stratum
        several += (reports or 0) > 1
    return _arrays(sample, policy, candidates, chosen, coverage, parents, several)


def _number(value: Any) -> float:
    """An answer as a number: the engine stores integers, calculates as strings."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _arrays(
    sample: Sample,
    policy: QuickCountPolicy,
    candidates: Candidates,
    chosen: dict[int, str],
    coverage: dict[str, StratumCoverage],
    parents: dict[str, str],
    several: int,
) -> Counted:
    keys = [*FIGURES, *candidates.keys]
    rows = list(
        Report.objects.filter(pk__in=list(chosen))
        .order_by("station__code")
        .values_list("pk", "station__code", "created_at", *[f"current__answers__{k}" for k in keys])
    )
    values = np.array([[_number(v) for v in row[3:]] for row in rows], dtype=float).reshape(
        len(rows), len(keys)
    )
    figures = {name: values[:, k] for k, name in enumerate(FIGURES)}
    return Counted(
        sample=sample,
        policy=policy,
        candidates=candidates,
        codes=[row[1] for row in rows],
        strata=np.array([chosen[row[0]] for row in rows], dtype=object),
        received=np.array([row[2].timestamp() for row in rows], dtype=float),
        votes=values[:, len(FIGURES) :],
        figures=figures,
        coverage=list(coverage.values()),
        stratum_sizes={c.code: c.frame for c in coverage.values()},
        stratum_sampled={c.code: c.sampled for c in coverage.values()},
        parents=parents,
        several_reports=several,
    )


# --- estimates ----------------------------------------------------------------------------


def confidences_for(policy: QuickCountPolicy) -> tuple[float, ...]:
    return tuple(sorted({*REPORTED_CONFIDENCES, float(policy.confidence)}))


def estimate_shares(counted: Counted, mask: np.ndarray | None = None) -> RatioEstimate:
    """Each candidate's share of the election's denominator (raises EstimateError)."""
    election = counted.sample.election
    keep = slice(None) if mask is None else mask
    return ratio_estimate(
        counted.votes[keep],
        counted.denominator(election)[keep],
        counted.strata[keep],
        counted.stratum_sizes,
        confidences=confidences_for(counted.policy),
        parents=counted.parents or None,
        names=counted.candidates.names,
        sampled=counted.stratum_sampled,
    )


def estimate_turnout(counted: Counted) -> RatioEstimate:
    """Ballots found per registered voter (as the official totals count turnout)."""
    return turnout_estimate(
        counted.figures[FOUND],
        counted.figures[REGISTERED],
        counted.strata,
        counted.stratum_sizes,
        confidences=confidences_for(counted.policy),
        parents=counted.parents or None,
        sampled=counted.stratum_sampled,
    )


# --- the snapshot: everything a page shows, JSON-safe ----------------------------------------


def _pct(value: float) -> float:
    return round(100 * float(value), 4)


def _share_row(estimate: Any, confidences: Sequence[float]) -> dict[str, Any]:
    return {
        "name": estimate.name,
        "share": _pct(estimate.share),
        "se": _pct(estimate.se),
        "intervals": [
            {
                "confidence": _pct(c),
                "margin": _pct(estimate.margins[c]),
                "low": _pct(estimate.intervals[c][0]),
                "high": _pct(estimate.intervals[c][1]),
            }
            for c in confidences
        ],
    }


def _official_shares(election: Election, candidates: Candidates) -> dict[str, Any] | None:
    """Official shares (proportions) on the election's denominator, or None without results."""
    from pollwatch.elections.results import official_totals

    if not OfficialResult.objects.filter(election=election).exists():
        return None
    totals = official_totals(election)
    shares = {}
    for pk, name in zip(candidates.pks, candidates.names, strict=True):
        share = totals.share(election, pk)
        if share is not None:
            shares[name] = float(share) / 100
    turnout = totals.turnout
    return {"shares": shares, "turnout": float(turnout) / 100 if turnout is not None else None}


def _compare(official: float | None, estimate: Any, confidence: float) -> dict[str, Any] | None:
    if official is None:
        return None
    found = calls.official_comparison(official, estimate, confidence)
    return {
        "share": _pct(found.official),
        "inside": bool(found.inside),
        "z": round(float(found.z), 2) if math.isfinite(found.z) else None,
    }


def _coverage_dict(counted: Counted) -> dict[str, Any]:
    sampled, reported = counted.sampled, counted.reported
    return {
        "sampled": sampled,
        "reported": reported,
        "percent": round(100 * reported / sampled, 1) if sampled else 0.0,
        "in_conflict": counted.in_conflict,
        "several_reports": counted.several_reports,
        "strata": [
            {
                "code": s.code,
                "name": s.name,
                "frame": s.frame,
                "sampled": s.sampled,
                "reported": s.reported,
                "in_conflict": s.in_conflict,
                "percent": round(s.percent, 1),
            }
            for s in counted.coverage
        ],
    }


def _estimates(counted: Counted, official: dict[str, Any] | None) -> dict[str, Any]:
    """Shares, turnout, merges and the call; raises EstimateError when they cannot be had."""
    election = counted.sample.election
    confidence = float(counted.policy.confidence)
    confidences = confidences_for(counted.policy)
    shares = estimate_shares(counted)
    rows = []
    for estimate in sorted(shares.candidates, key=lambda e: -e.share):
        row = _share_row(estimate, confidences)
        row["official"] = _compare(
            (official or {}).get("shares", {}).get(estimate.name), estimate, confidence
        )
        rows.append(row)
    turnout_row = None
    try:
        turnout = estimate_turnout(counted)
        turnout_row = _share_row(turnout.candidates[0], confidences)
        turnout_row["official"] = _compare(
            (official or {}).get("turnout"), turnout.candidates[0], confidence
        )
    except EstimateError:
        pass
    threshold = float(election.win_threshold) / 100
    call = calls.make_call(shares, threshold=threshold, confidence=confidence)
    return {
        "candidates": rows,
        "turnout": turnout_row,
        "merges": [dataclasses.asdict(m) for m in shares.merges],
        "call": dataclasses.asdict(call),
    }


def snapshot(mission: Mission, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The quick count as it stands, as one JSON-safe dict (what the page and a release show)."""
    election = mission.election
    policy = policy_for(mission)
    counted = load_counted(mission, policy)
    data: dict[str, Any] = {
        "version": SNAPSHOT_VERSION,
        "computed_at": (now or timezone.now()).isoformat(),
        "denominator": election.win_denominator,
        "threshold": float(election.win_threshold),
        "confidence": _pct(float(policy.confidence)),
        "confidences": [_pct(c) for c in confidences_for(policy)],
        "counts": policy.counts,
        "form": policy.results_form.code if policy.results_form else None,
        "sample": None,
        "coverage": None,
        "candidates": [],
        "turnout": None,
        "merges": [],
        "call": None,
        "problem": None,
        "official": False,
        "convergence": [],
    }
    if counted is None:
        data["problem"] = (
            _("No sample drawn yet.") if policy.results_form else _("No results form.")
        )
        return data
    sample = counted.sample
    data["sample"] = {
        "uuid": str(sample.uuid),
        "seed": sample.seed,
        "size": sample.size,
        "stations": counted.sampled,
        "stratum_level": sample.stratum_level,
    }
    data["coverage"] = _coverage_dict(counted)
    official = _official_shares(election, counted.candidates)
    data["official"] = official is not None
    try:
        data.update(_estimates(counted, official))
    except EstimateError as error:
        data["problem"] = str(error)
        return data
    data["convergence"] = convergence(counted, election)
    return data


# --- convergence ------------------------------------------------------------------------------


def cutoffs(received: np.ndarray, step_minutes: int = STEP_MINUTES) -> list[float]:
    """Marks (epoch seconds) at each step from the first arrival to the last, at most MAX_POINTS.

    The step widens in multiples of `step_minutes` for a long day; the last mark is at
    or after the last arrival, so the last point is the estimate from every report.
    """
    if not len(received):
        return []
    step = step_minutes * 60
    first = math.floor(received.min() / step) * step
    last = math.ceil(received.max() / step) * step
    marks = int((last - first) // step) + 1
    if marks > MAX_POINTS:
        step *= math.ceil(marks / MAX_POINTS)
        last = first + math.ceil((received.max() - first) / step) * step
    return [float(t) for t in np.arange(first + step, last + step / 2, step)] or [float(last)]


def convergence(counted: Counted, election: Election, leaders: int = 2) -> list[dict[str, Any]]:
    """Each leading candidate's estimate and interval as the reports arrived.

    The arrays are loaded once; each cut-off only masks them and calls the core again.
    A cut-off with too few reports for an estimate is left out.
    """
    confidence = float(counted.policy.confidence)
    final = estimate_shares(counted)
    order = sorted(range(len(final.candidates)), key=lambda k: -final.candidates[k].share)
    top = [final.candidates[k].name for k in order[:leaders]]
    points = []
    for mark in cutoffs(counted.received):
        mask = counted.received <= mark
        if mask.sum() < 2:
            continue
        try:
            found = estimate_shares(counted, mask)
        except EstimateError:
            continue
        at = dt.datetime.fromtimestamp(mark, tz=dt.UTC)
        points.append(
            {
                "at": at.isoformat(),
                "label": election.local(at).strftime("%d.%m %H:%M"),
                "reported": int(mask.sum()),
                "candidates": [
                    {
                        "name": name,
                        "share": _pct(found[name].share),
                        "low": _pct(found[name].intervals[confidence][0]),
                        "high": _pct(found[name].intervals[confidence][1]),
                    }
                    for name in top
                ],
            }
        )
    return points


def describe(call: dict[str, Any] | None) -> str:
    """The stored call in words, in the reader's language."""
    if not call:
        return ""
    return calls.describe_call(calls.Call(**call))

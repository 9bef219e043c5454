"""The quick-count ratio estimator with stratified Taylor-linearised variance (METHODS.md).

Strata h with N_h frame stations and n_h reporting sampled stations; w = N_h / n_h;
R = sum(w y) / sum(w x); with X = sum(w x) and g_i = w_i (y_i - R x_i) / X,
V(R) = sum_h (1 - n_h/N_h) n_h/(n_h - 1) sum_i (g_hi - mean_h g)^2. Pure numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

ArrayLike = Sequence[float] | Sequence[Sequence[float]] | np.ndarray


class EstimateError(ValueError):
    """Inputs the estimator cannot use (no reports, zero denominator, unknown stratum)."""


@dataclass(frozen=True)
class CandidateEstimate:
    """One share: proportions (0.4833 = 48.33 %), margins and intervals per confidence."""

    name: str
    share: float
    se: float
    margins: dict[float, float]
    intervals: dict[float, tuple[float, float]]

    @property
    def interval(self) -> tuple[float, float]:
        """The interval at the first (usually 95 %) confidence."""
        return next(iter(self.intervals.values()))

    def interval_at(self, confidence: float) -> tuple[float, float]:
        """The interval at any confidence, from the standard error."""
        margin = z_for(confidence) * self.se
        return (self.share - margin, self.share + margin)


@dataclass(frozen=True)
class StratumCount:
    """A frame stratum: N_h stations, k reporting, of `sampled` (None when unknown)."""

    stratum: str
    N_h: int
    reporting: int
    sampled: int | None
    group: str  # the (possibly merged) stratum whose weight and variance it shares


@dataclass(frozen=True)
class Merge:
    """Stratum `stratum` (with `reporting` reports) was merged into `into`.

    Either side may be an earlier merge, named by its strata joined with '+'.
    """

    stratum: str
    into: str
    reporting: int
    same_parent: bool


@dataclass(frozen=True)
class RatioEstimate:
    """Every candidate's estimate plus the counts a reader needs to judge it."""

    candidates: tuple[CandidateEstimate, ...]
    strata: tuple[StratumCount, ...]
    merges: tuple[Merge, ...]
    reporting: int
    sampled: int | None
    confidences: tuple[float, ...]
    denominator_total: float  # estimated total of x over the frame

    def __getitem__(self, name: str) -> CandidateEstimate:
        for candidate in self.candidates:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


def z_for(confidence: float) -> float:
    """Two-sided normal quantile: 0.95 -> 1.95996..., 0.99 -> 2.5758..."""
    if not 0 < confidence < 1:
        raise ValueError(f"A confidence must be between 0 and 1 (got {confidence}).")
    return NormalDist().inv_cdf((1 + confidence) / 2)


def _groups(
    sizes: dict[str, int],
    reporting: dict[str, int],
    parents: Mapping[str, str] | None,
) -> tuple[dict[str, str], list[Merge]]:
    """Collapse strata with fewer than two reports; {stratum: group label} and the merges.

    The poorest stratum goes first into the sibling (same parent) with the fewest frame
    stations, else into the smallest other group: a one-report stratum has no variance
    estimate, and one with none would otherwise drop its N_h from the weights.
    """
    members = {s: [s] for s in sizes}
    parent_of = {s: (parents or {}).get(s) for s in sizes}
    merges: list[Merge] = []

    def frame(g: str) -> int:
        return sum(sizes[s] for s in members[g])

    def reports(g: str) -> int:
        return sum(reporting[s] for s in members[g])

    while len(members) > 1:
        poor = sorted((g for g in members if reports(g) < 2), key=lambda g: (reports(g), g))
        if not poor:
            break
        group = poor[0]
        others = [g for g in members if g != group]
        siblings = [g for g in others if parents and parent_of[g] == parent_of[group]]
        target = min(siblings or others, key=lambda g: (frame(g), g))
        # One record per merge: a group merged again is named by all its strata.
        merges.append(
            Merge(
                "+".join(sorted(members[group])),
                "+".join(sorted(members[target])),
                reports(group),
                bool(siblings),
            )
        )
        members[target].extend(members.pop(group))
    label = {s: "+".join(sorted(group)) for group in members.values() for s in group}
    return label, merges


def ratio_estimate(
    y: ArrayLike,
    x: Sequence[float] | np.ndarray,
    strata: Sequence[str] | np.ndarray,
    stratum_sizes: Mapping[str, int],
    confidences: Sequence[float] = (0.95, 0.99),
    parents: Mapping[str, str] | None = None,
    names: Sequence[str] | None = None,
    sampled: Mapping[str, int] | None = None,
) -> RatioEstimate:
    """R = sum(w y)/sum(w x), w = N_h/n_h, per column of y ((n, k) or (n,)).

    y, x and strata describe the reporting sampled stations; stratum_sizes gives N_h
    for every stratum of the frame. Strata with fewer than two reports are merged into
    the sibling (same parent in `parents`) with the fewest frame stations; the merges
    are reported. `sampled` {stratum: n drawn} only feeds the "k of n" counts.
    """
    yy = np.asarray(y, dtype=float)
    yy = yy.reshape(-1, 1) if yy.ndim == 1 else yy
    xx = np.asarray(x, dtype=float).reshape(-1)
    labels = np.asarray(strata).astype(str).reshape(-1)
    if yy.ndim != 2 or yy.shape[0] != xx.size or labels.size != xx.size:
        raise EstimateError("y, x and strata must have one row per reporting station.")
    if xx.size == 0:
        raise EstimateError("No sampled station has reported yet.")
    if not (np.isfinite(yy).all() and np.isfinite(xx).all()):
        raise EstimateError("Votes and denominators must be finite numbers.")
    names = list(names) if names is not None else [f"y{i}" for i in range(yy.shape[1])]
    if len(names) != yy.shape[1]:
        raise EstimateError("One name per column of y is needed.")
    sizes = {str(k): int(v) for k, v in stratum_sizes.items()}
    present, index = np.unique(labels, return_inverse=True)
    unknown = [s for s in present.tolist() if s not in sizes]
    if unknown:
        raise EstimateError(f"Stratum {unknown[0]!r} is not in the frame.")
    counts = np.bincount(index, minlength=present.size)
    reporting = dict.fromkeys(sizes, 0) | dict(zip(present.tolist(), counts.tolist(), strict=True))
    too_many = [s for s in present.tolist() if reporting[s] > sizes[s]]
    if too_many:
        raise EstimateError(
            f"Stratum {too_many[0]!r} has more reports ({reporting[too_many[0]]}) "
            f"than frame stations ({sizes[too_many[0]]})."
        )
    label, merges = _groups(sizes, reporting, parents)

    # Per group: frame size, reports; then every station's weight by array lookups.
    group_names, group_of_stratum = np.unique([label[s] for s in sizes], return_inverse=True)
    stratum_names = list(sizes)
    group_N = np.bincount(group_of_stratum, weights=[sizes[s] for s in stratum_names])
    group_n = np.bincount(group_of_stratum, weights=[reporting[s] for s in stratum_names])
    position = {s: i for i, s in enumerate(stratum_names)}
    station_group = group_of_stratum[np.array([position[s] for s in present.tolist()])][index]
    weight = (group_N / group_n)[station_group]

    X = float(weight @ xx)
    if X <= 0:
        raise EstimateError("The denominator adds up to zero: nothing to divide by.")
    R = (weight @ yy) / X
    g = weight[:, None] * (yy - R[None, :] * xx[:, None]) / X
    G = group_names.size
    n_g = group_n
    # Two passes (group means, then squared deviations) to avoid the cancellation of
    # sum(g^2) - n mean^2 when a group's mean is large against its spread.
    sums = np.stack(
        [np.bincount(station_group, weights=g[:, k], minlength=G) for k in range(g.shape[1])],
        axis=1,
    )
    deviation = g - (sums / n_g[:, None])[station_group]
    within = np.stack(
        [
            np.bincount(station_group, weights=deviation[:, k] ** 2, minlength=G)
            for k in range(g.shape[1])
        ],
        axis=1,
    )  # sum_i (g - mean)^2 per group
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = (1 - n_g / group_N) * n_g / (n_g - 1)
    if xx.size < 2:
        variance = np.full(R.shape, np.nan)
    else:
        variance = (np.where(n_g > 1, factor, 0.0)[:, None] * within).sum(axis=0)
    conf = tuple(float(c) for c in confidences)
    candidates = tuple(
        _candidate(name, float(r), float(v), conf)
        for name, r, v in zip(names, R, variance, strict=True)
    )
    strata_rows = tuple(
        StratumCount(
            s, sizes[s], reporting[s], None if sampled is None else int(sampled.get(s, 0)), label[s]
        )
        for s in sorted(sizes)
    )
    return RatioEstimate(
        candidates=candidates,
        strata=strata_rows,
        merges=tuple(merges),
        reporting=int(xx.size),
        sampled=None if sampled is None else int(sum(sampled.values())),
        confidences=conf,
        denominator_total=X,
    )


def _candidate(
    name: str, share: float, variance: float, confidences: tuple[float, ...]
) -> CandidateEstimate:
    se = math.sqrt(variance) if variance == variance else math.nan
    margins = {c: z_for(c) * se for c in confidences}
    intervals = {c: (share - m, share + m) for c, m in margins.items()}
    return CandidateEstimate(name, share, se, margins, intervals)


def turnout_estimate(
    ballots: Sequence[float] | np.ndarray,
    registered: Sequence[float] | np.ndarray,
    strata: Sequence[str] | np.ndarray,
    stratum_sizes: Mapping[str, int],
    confidences: Sequence[float] = (0.95, 0.99),
    parents: Mapping[str, str] | None = None,
    sampled: Mapping[str, int] | None = None,
) -> RatioEstimate:
    """Turnout: the same estimator with y = ballots, x = registered; one 'turnout' row."""
    return ratio_estimate(
        ballots,
        registered,
        strata,
        stratum_sizes,
        confidences=confidences,
        parents=parents,
        names=["turnout"],
        sampled=sampled,
    )

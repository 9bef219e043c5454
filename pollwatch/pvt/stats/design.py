"""Quick-count planning and the sample draw: pure Python and numpy, no Django.

Margins are proportions (0.01 = one percentage point) unless a name says points.
Stations, not voters, are what a quick count samples: they are clusters of voters
who vote alike, so the voter formula alone gives a sample about 20 times too small
(METHODS.md). Plan with a design effect, or better from a past election's results.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

ArrayLike = Sequence[float] | np.ndarray
Labels = Sequence[str] | np.ndarray


class SampleError(ValueError):
    """A frame or a size the draw cannot use; the message names the row or the stratum."""


@dataclass(frozen=True)
class SampleRow:
    """One drawn station: its stratum's frame size N_h, sample size n_h, weight N_h/n_h."""

    station: str
    stratum: str
    N_h: int
    n_h: int
    weight: float


def voter_sample_size(N: float, margin: float, z: float, p: float = 0.5) -> float:
    """Voters needed for a margin on a share: P(1-P) / (E^2/Z^2 + P(1-P)/N) (unrounded).

    NDI's example: N=14,570,774, E=0.0032, Z=2.58 gives 160,717.3.
    """
    if N <= 0 or margin <= 0 or z <= 0 or not 0 < p < 1:
        raise ValueError("N, margin and z must be positive and p between 0 and 1.")
    pq = p * (1 - p)
    return pq / (margin**2 / z**2 + pq / N)


def stations_for_margin(
    N: float,
    margin: float,
    z: float,
    votes_per_station: float,
    design_effect: float = 20.0,
    p: float = 0.5,
) -> int:
    """Stations = voters x design effect / expected votes per station, rounded up.

    N is the number of eligible voters; votes_per_station the votes expected in an
    average station. The design effect (about 20 on real data) is what makes this a
    station count and not a voter count.
    """
    if votes_per_station <= 0 or design_effect <= 0:
        raise ValueError("votes_per_station and design_effect must be positive.")
    voters = voter_sample_size(N, margin, z, p)
    return math.ceil(voters * design_effect / votes_per_station)


def _codes(labels: Labels) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct labels (as str) and each row's index into them."""
    names, index = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    return names, index.reshape(-1)


def _stratum_residual_sums(
    y: ArrayLike, x: ArrayLike, strata: Labels | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Per stratum of a census: labels, station counts, S_h^2 of y - R x, x totals; and R."""
    yy = np.asarray(y, dtype=float).reshape(-1)
    xx = np.asarray(x, dtype=float).reshape(-1)
    if yy.shape != xx.shape or yy.size < 2:
        raise ValueError("y and x must have the same length, at least 2.")
    if strata is None:
        names, index = np.array(["all"]), np.zeros(yy.size, dtype=int)
    else:
        names, index = _codes(strata)
        if index.size != yy.size:
            raise ValueError("strata must have one label per station.")
    ratio = yy.sum() / xx.sum()
    residual = yy - ratio * xx
    count = np.bincount(index, minlength=names.size).astype(float)
    total = np.bincount(index, weights=residual, minlength=names.size)
    squares = np.bincount(index, weights=residual**2, minlength=names.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        s2 = np.where(count > 1, (squares - total**2 / count) / (count - 1), 0.0)
    x_total = np.bincount(index, weights=xx, minlength=names.size)
    return names, count, s2, x_total, float(ratio)


def planned_standard_error(
    y: ArrayLike,
    x: ArrayLike,
    n: int,
    strata: Labels | None = None,
    stratum_sizes: Mapping[str, int] | None = None,
    minimum: int = 0,
) -> float:
    """Standard error of the ratio estimator for a sample of n stations, from a census.

    y, x: a past election's votes and denominators for every station; with strata,
    the sample is stratified with `allocate(stratum_sizes, n, minimum)` (sizes default
    to the station counts per stratum in y). V = sum_h N_h^2 (1 - n_h/N_h) S_h^2 /
    (n_h X^2), S_h^2 the within-stratum variance of y - R x.
    """
    names, count, s2, x_total, _ = _stratum_residual_sums(y, x, strata)
    sizes = _frame_sizes(names, count, stratum_sizes)
    alloc = allocate(dict(zip(names.tolist(), sizes.astype(int).tolist(), strict=True)), n, minimum)
    n_h = np.array([alloc[name] for name in names.tolist()], dtype=float)
    # Population x total estimated from the census means, scaled to the frame sizes.
    x_frame = (x_total / count * sizes).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(n_h > 0, sizes**2 * (1 - n_h / sizes) * s2 / n_h, 0.0)
    return float(math.sqrt(terms.sum()) / x_frame)


def _frame_sizes(
    names: np.ndarray, count: np.ndarray, stratum_sizes: Mapping[str, int] | None
) -> np.ndarray:
    if stratum_sizes is None:
        return count
    missing = [name for name in names.tolist() if name not in stratum_sizes]
    if missing:
        raise ValueError(f"Stratum {missing[0]!r} of the past results is not in the frame.")
    return np.array([stratum_sizes[name] for name in names.tolist()], dtype=float)


def stations_from_past_results(
    y: ArrayLike,
    x: ArrayLike,
    strata: Labels | None,
    stratum_sizes: Mapping[str, int] | None,
    margin: float,
    z: float,
) -> int:
    """Smallest n (proportional allocation) whose z x SE on a past election is <= margin.

    With n_h = n N_h / N, SE^2 = (1/n - 1/N) * N * sum_h N_h S_h^2 / X^2, S_h^2 the
    variance of the residuals y - R x within stratum h; solved for n, rounded up.
    Strata of the frame absent from the past results are not in the sum (they are new).
    """
    if margin <= 0 or z <= 0:
        raise ValueError("margin and z must be positive.")
    names, count, s2, x_total, _ = _stratum_residual_sums(y, x, strata)
    sizes = _frame_sizes(names, count, stratum_sizes)
    frame = float(sum(stratum_sizes.values())) if stratum_sizes else float(count.sum())
    x_frame = (x_total / count * sizes).sum()
    spread = frame * (sizes * s2).sum() / x_frame**2
    inverse_n = margin**2 / (z**2 * spread) + 1 / frame
    return min(int(frame), math.ceil(1 / inverse_n - 1e-9))


def proportion_sample_size(N: int, margin: float, z: float, p: float = 0.5) -> int:
    """Stations for a share of stations with the finite population correction (rounded up).

    n0 = z^2 p(1-p)/e^2, n = n0 / (1 + n0/N): N=5,362, e=0.03, z=1.96 gives 890.
    """
    if N < 1 or margin <= 0 or z <= 0 or not 0 < p < 1:
        raise ValueError("N, margin and z must be positive and p between 0 and 1.")
    n0 = z**2 * p * (1 - p) / margin**2
    return math.ceil(n0 / (1 + n0 / N) - 1e-9)


def oversample(n: int, fraction: float = 0.10) -> int:
    """n plus an oversample for missing reports, rounded up (890 -> 979 at 10 %)."""
    return math.ceil(n * (1 + fraction) - 1e-9)


def ndi_margin(n: float, z: float) -> float:
    """NDI's margin in percentage points for n voters or stations: 0.5*z/sqrt(n)*100."""
    if n <= 0:
        raise ValueError("n must be positive.")
    return 100 * 0.5 * z / math.sqrt(n)


def allocate(stratum_sizes: Mapping[str, int], n: int, minimum: int = 0) -> dict[str, int]:
    """Proportional allocation summing to n exactly (largest remainder), >= minimum, <= N_h.

    Strata whose proportional share falls under the minimum (or over N_h) are fixed
    there and the rest is shared again in proportion. Integer arithmetic throughout,
    ties broken by the larger stratum then the label, so every machine agrees.
    """
    sizes = {str(k): int(v) for k, v in stratum_sizes.items()}
    frame = sum(sizes.values())
    if any(v < 0 for v in sizes.values()):
        raise SampleError("Stratum sizes cannot be negative.")
    if n < 1:
        raise SampleError(f"The sample size must be at least 1 (got {n}).")
    if n > frame:
        raise SampleError(f"The sample size {n} is larger than the frame ({frame} stations).")
    floors = {k: min(minimum, v) for k, v in sizes.items()}
    if sum(floors.values()) > n:
        raise SampleError(
            f"A minimum of {minimum} per stratum needs {sum(floors.values())} stations, "
            f"more than the sample size {n}."
        )
    fixed: dict[str, int] = {}
    while True:
        free = {k: v for k, v in sizes.items() if k not in fixed}
        left = n - sum(fixed.values())
        total = sum(free.values())
        changed = False
        for k, v in free.items():
            # Compare left*v/total with the bounds without floats.
            if left * v < floors[k] * total:
                fixed[k], changed = floors[k], True
            elif left * v > v * total:
                fixed[k], changed = v, True
        if not changed:
            break
    result = dict(fixed)
    if free:
        quotas = {k: divmod(left * v, total) for k, v in free.items()}
        result.update({k: q for k, (q, _) in quotas.items()})
        short = left - sum(q for q, _ in quotas.values())
        order = sorted(free, key=lambda k: (-quotas[k][1], -free[k], k))
        for k in order[:short]:
            result[k] += 1
    return {k: result[k] for k in sizes}


def station_key(seed: str, station: str) -> str:
    """The draw order key of a station: hex HMAC-SHA256 keyed by the seed (UTF-8)."""
    return hmac.new(seed.encode("utf-8"), station.encode("utf-8"), hashlib.sha256).hexdigest()


def draw_sample(
    frame: Iterable[tuple[str, str]], size: int, seed: str, minimum: int = 0
) -> list[SampleRow]:
    """Stratified draw: within each stratum the n_h stations first by HMAC-SHA256(seed, code).

    A keyed hash instead of a random number stream: the order of a station depends only
    on the seed and its own code, so the same seed draws the same sample on any machine
    and any library version, and whoever holds the seed can check it. Rows come sorted
    by stratum, then in draw order. Raises SampleError naming the frame row (1-based).
    """
    if not isinstance(seed, str) or not seed:
        raise SampleError("The seed must be a non-empty string.")
    by_stratum: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for row, (station, stratum) in enumerate(frame, start=1):
        station, stratum = str(station).strip(), str(stratum).strip()
        if not station:
            raise SampleError(f"Frame row {row}: the station code is empty.")
        if not stratum:
            raise SampleError(f"Frame row {row}: the stratum of station {station!r} is empty.")
        if station in seen:
            raise SampleError(
                f"Frame row {row}: station {station!r} already appears in row {seen[station]}."
            )
        seen[station] = row
        by_stratum.setdefault(stratum, []).append(station)
    if not seen:
        raise SampleError("The frame has no stations.")
    sizes = {stratum: len(codes) for stratum, codes in by_stratum.items()}
    alloc = allocate(sizes, size, minimum)
    rows: list[SampleRow] = []
    for stratum in sorted(by_stratum):
        n_h, N_h = alloc[stratum], sizes[stratum]
        ranked = sorted(by_stratum[stratum], key=lambda code: (station_key(seed, code), code))
        rows.extend(SampleRow(code, stratum, N_h, n_h, N_h / n_h) for code in ranked[:n_h])
    return rows

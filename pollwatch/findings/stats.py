"""Estimators for checklist findings (METHODS.md, "Checklist findings"); pure numpy.

Shares are fractions (0 to 1) here; pages multiply by 100. Three designs:

- Observations of a non-random deployment: a share and nothing more (`share`). A
  margin of error would claim a sampling design that does not exist.
- A simple random sample of n stations out of N: p = x / n with the finite
  population correction, V = (N - n) / (N - 1) * p (1 - p) / n (`srs_proportion`).
- A stratified random sample: p = sum W_h p_h with W_h = N_h / N and
  V = sum W_h^2 (1 - n_h / N_h) p_h (1 - p_h) / (n_h - 1) (`stratified_proportion`);
  the mean of a number likewise, with the stratum's sample variance (`stratified_mean`).

Intervals are 95 %: p +- z sqrt(V), except when the effective sample size
n_eff = p (1 - p) / V holds fewer than 10 answers on either side (n_eff p or
n_eff (1 - p) under 10), where the normal approximation fails near 0 % and 100 %:
then the Wilson interval on n_eff (`proportion_interval`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

# The 97.5th percentile of the standard normal distribution (a two-sided 95 % interval).
Z95 = 1.959963984540054
# Fewer expected answers than this on either side of p: the Wilson interval.
WILSON_BELOW = 10.0


@dataclass(frozen=True)
class Estimate:
    """An estimated share (or mean) with its 95 % interval; plain floats for JSON.

    `method` is "normal" (symmetric), "wilson" or "" (no interval: a single stratum
    value, or nothing to estimate from). `n` is the number of answered units used and
    `population` the number of units (stations) the estimate speaks for.
    """

    value: float | None
    se: float | None
    low: float | None
    high: float | None
    margin: float | None
    n_eff: float | None
    method: str
    n: int
    population: int | None
    strata_without_answers: int = 0

    def as_dict(self) -> dict[str, float | int | str | None]:
        return asdict(self)


def share(count: int, n: int) -> float | None:
    """count / n, or None when nothing was answered."""
    return count / n if n else None


def srs_margin(p: float, n: int, population: int | None = None, z: float = Z95) -> float:
    """Half-width of the normal 95 % interval for a simple random sample.

    With the finite population correction (N - n) / (N - 1) when N is given.
    """
    fpc = (population - n) / (population - 1) if population and population > 1 else 1.0
    return z * math.sqrt(max(fpc, 0.0) * p * (1 - p) / n)


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion p observed on n (possibly effective) units."""
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(centre - half, 0.0), min(centre + half, 1.0)


def proportion_interval(
    p: float, variance: float, n: int, z: float = Z95, *, census: bool = False
) -> tuple[float, float, float | None, str]:
    """(low, high, n_eff, method) for an estimated proportion with design variance V.

    `census`: every station of the population answered, so p is exact (method
    "census", the interval p to p), whatever the formula's V says.

    A variance of 0 (every unit answered alike, p = 0 or 1) has no effective sample
    size of its own: the number of answered units stands in for it, so that the
    Wilson interval still says how far from 0 % the truth may be.
    """
    if census:
        return p, p, None, "census"
    n_eff = p * (1 - p) / variance if variance > 0 else float(n)
    if n_eff * p < WILSON_BELOW or n_eff * (1 - p) < WILSON_BELOW:
        low, high = wilson(p, n_eff, z)
        return low, high, n_eff, "wilson"
    half = z * math.sqrt(variance)
    return max(p - half, 0.0), min(p + half, 1.0), n_eff, "normal"


def srs_proportion(count: int, n: int, population: int | None, z: float = Z95) -> Estimate:
    """A share in a simple random sample of n units out of `population`."""
    if not n:
        return Estimate(None, None, None, None, None, None, "", 0, population)
    p = count / n
    fpc = (population - n) / (population - 1) if population and population > 1 else 1.0
    variance = max(fpc, 0.0) * p * (1 - p) / n
    census = population is not None and n >= population
    low, high, n_eff, method = proportion_interval(p, variance, n, z, census=census)
    margin = 0.0 if census else srs_margin(p, n, population, z)
    return Estimate(p, math.sqrt(variance), low, high, margin, n_eff, method, n, population)


def _strata(
    population: Sequence[int], answered: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Weights, sizes and the mask of strata with answers; the count of those without.

    A stratum where no sampled station answered cannot be estimated: the estimate
    speaks for the strata that answered, their weights renormalised.
    """
    big_n = np.asarray(population, dtype=float)
    n = np.asarray(answered, dtype=float)
    used = n > 0
    weights = np.where(used, big_n, 0.0)
    total = weights.sum()
    weights = weights / total if total > 0 else weights
    return weights, big_n, n, int((~used & (big_n > 0)).sum())


def _stratum_variance(
    weights: np.ndarray, big_n: np.ndarray, n: np.ndarray, s2_over_n: np.ndarray
) -> float:
    """sum W_h^2 (1 - n_h / N_h) s_h^2 / n_h, a stratum of one station adding nothing."""
    fpc = np.where(big_n > 0, 1 - n / np.where(big_n > 0, big_n, 1), 0.0)
    terms = np.where(n > 1, weights**2 * np.clip(fpc, 0.0, 1.0) * s2_over_n, 0.0)
    return float(terms.sum())


def stratified_proportion(
    population: Sequence[int], answered: Sequence[int], counts: Sequence[int], z: float = Z95
) -> Estimate:
    """p = sum W_h p_h over strata: N_h stations, n_h answered, x_h in the category."""
    weights, big_n, n, missing = _strata(population, answered)
    total_n = int(n.sum())
    covered = int(big_n[n > 0].sum())
    if total_n == 0:
        return Estimate(None, None, None, None, None, None, "", 0, covered, missing)
    x = np.asarray(counts, dtype=float)
    safe_n = np.where(n > 0, n, 1.0)
    p_h = np.where(n > 0, x / safe_n, 0.0)
    p = float((weights * p_h).sum())
    # p_h (1 - p_h) / (n_h - 1) is s_h^2 / n_h for a 0/1 variable.
    s2_over_n = np.where(n > 1, p_h * (1 - p_h) / np.where(n > 1, n - 1, 1.0), 0.0)
    variance = _stratum_variance(weights, big_n, n, s2_over_n)
    census = bool(((n >= big_n) | (n == 0)).all())
    low, high, n_eff, method = proportion_interval(p, variance, total_n, z, census=census)
    se = math.sqrt(variance)
    return Estimate(p, se, low, high, z * se, n_eff, method, total_n, covered, missing)


def stratified_value(
    population: Sequence[int], answered: Sequence[int], counts: Sequence[int]
) -> float | None:
    """The weighted share sum W_h x_h / n_h alone, without its variance.

    Plain Python: an area's table asks for thousands of these over two or three
    strata, where numpy's per-call cost would dominate.
    """
    covered = sum(big_n for big_n, n in zip(population, answered, strict=True) if n > 0)
    if not covered:
        return None
    return sum(
        big_n / covered * x / n
        for big_n, n, x in zip(population, answered, counts, strict=True)
        if n > 0
    )


def stratified_mean(
    population: Sequence[int],
    answered: Sequence[int],
    means: Sequence[float],
    variances: Sequence[float],
    z: float = Z95,
) -> Estimate:
    """The stratified mean of a number: sum W_h mean_h, each s_h^2 the sample variance."""
    weights, big_n, n, missing = _strata(population, answered)
    total_n = int(n.sum())
    covered = int(big_n[n > 0].sum())
    if total_n == 0:
        return Estimate(None, None, None, None, None, None, "", 0, covered, missing)
    mean_h = np.nan_to_num(np.asarray(means, dtype=float))
    s2 = np.nan_to_num(np.asarray(variances, dtype=float))
    value = float((weights * mean_h).sum())
    variance = _stratum_variance(weights, big_n, n, s2 / np.where(n > 0, n, 1.0))
    se = math.sqrt(variance)
    method = "normal" if total_n > 1 else ""
    return Estimate(
        value, se, value - z * se, value + z * se, z * se, None, method, total_n, covered, missing
    )

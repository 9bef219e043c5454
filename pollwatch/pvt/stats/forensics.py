"""Election forensics on official station results (METHODS.md): they flag, never prove.

Fingerprint (Klimek et al. 2012), integer percentages (Kobak et al. 2016), second
digit (Mebane 2006) and last digit (Beber & Scacco 2012). Every result carries a
caveat sentence: these tests find patterns worth a look, not fraud.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np
from scipy import special


def gettext_noop(text: str) -> str:
    """Marks a string for makemessages without needing Django; callers translate it."""
    return text


ArrayLike = Sequence[float] | np.ndarray

INTEGER_CAVEAT = gettext_noop(
    "An excess of whole-number percentages flags results worth checking; it proves "
    "nothing alone (small stations and rounding habits produce some)."
)
SECOND_DIGIT_CAVEAT = gettext_noop(
    "Second digits that depart from Benford's law flag a pattern worth a look; they "
    "prove nothing alone, and honest counts often depart from it too."
)
LAST_DIGIT_CAVEAT = gettext_noop(
    "Last digits that are not uniform flag a pattern worth a look; they prove nothing "
    "alone, and this test has low power: a clean result does not clear an election."
)
# Tolerance for the "within 0.05 points" comparisons, so 12.05 counts on every machine.
EPSILON = 1e-9


@dataclass(frozen=True)
class Fingerprint:
    """Voter-weighted 2-D histogram: counts[i, j] for turnout bin i, winner-share bin j."""

    counts: np.ndarray
    turnout_edges: np.ndarray
    share_edges: np.ndarray
    voters: float


@dataclass(frozen=True)
class IntegerPercentages:
    """Stations with a whole-number turnout or leader share, against chance."""

    stations: int  # stations kept by the filter
    observed: int
    expected: float
    sd: float
    excess: float  # observed - expected
    z: float
    method: str  # "exact" or "simulation"
    simulations: int
    caveat: str


@dataclass(frozen=True)
class DigitTest:
    """A chi-square test of digits against their expected distribution."""

    name: str  # "second_digit" or "last_digit"
    n: int  # counts used (>= 10)
    observed: np.ndarray  # 10 counts, digit 0..9
    expected: np.ndarray  # 10 probabilities
    chi2: float
    df: int
    p_value: float
    caveat: str


def _array(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float).reshape(-1)
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: every value must be a finite number.")
    return array


def fingerprint(
    turnout: ArrayLike, winner_share: ArrayLike, voters: ArrayLike, bins: int = 100
) -> Fingerprint:
    """turnout and winner_share as proportions in [0, 1], weighted by voters."""
    t, s, v = (
        _array(turnout, "turnout"),
        _array(winner_share, "winner_share"),
        _array(voters, "voters"),
    )
    if not t.size == s.size == v.size:
        raise ValueError("turnout, winner_share and voters must have the same length.")
    counts, t_edges, s_edges = np.histogram2d(
        np.clip(t, 0, 1), np.clip(s, 0, 1), bins=bins, range=[[0, 1], [0, 1]], weights=v
    )
    return Fingerprint(counts, t_edges, s_edges, float(v.sum()))


def fingerprint_svg(
    fp: Fingerprint,
    size: int = 400,
    x_label: str = "Turnout",
    y_label: str = "Winner's share",
    title: str = "",
) -> str:
    """An inline SVG: turnout across, winner's share up, opacity by log weight.

    A log scale because a handful of 100 %/100 % stations would vanish on a linear one,
    and those are what a reader looks for. Labels come translated from the caller.
    """
    pad = 40
    bins_t, bins_s = fp.counts.shape
    cell_w, cell_h = size / bins_t, size / bins_s
    peak = math.log1p(float(fp.counts.max())) if fp.counts.size else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size + pad + 10} {size + pad + 10}" '
        f'role="img" aria-label="{escape(title or y_label + " / " + x_label, {chr(34): "&quot;"})}">',
        f'<rect x="{pad}" y="10" width="{size}" height="{size}" fill="none" stroke="currentColor" stroke-opacity="0.3"/>',
    ]
    if peak > 0:
        for i, j in zip(*np.nonzero(fp.counts), strict=True):
            opacity = math.log1p(float(fp.counts[i, j])) / peak
            x = pad + i * cell_w
            y = 10 + size - (j + 1) * cell_h
            parts.append(
                f'<rect x="{x:.2f}" y="{y:.2f}" width="{cell_w:.2f}" height="{cell_h:.2f}" '
                f'fill="currentColor" fill-opacity="{opacity:.3f}"/>'
            )
    for tick in (0, 50, 100):
        x = pad + size * tick / 100
        y = 10 + size - size * tick / 100
        parts.append(
            f'<text x="{x:.1f}" y="{size + 25}" font-size="10" text-anchor="middle">{tick}%</text>'
        )
        parts.append(
            f'<text x="{pad - 4}" y="{y + 3:.1f}" font-size="10" text-anchor="end">{tick}%</text>'
        )
    parts.append(
        f'<text x="{pad + size / 2}" y="{size + pad + 5}" font-size="11" text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text x="12" y="{10 + size / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 12 {10 + size / 2})">{escape(y_label)}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _near_integer(percent: np.ndarray) -> np.ndarray:
    return np.abs(percent - np.round(percent)) <= 0.05 + EPSILON


def _exact_probability(trials: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(100 K / trials within 0.05 of a whole number), K ~ Binomial(trials, p), per row.

    For each whole m the qualifying K form the run ceil((m - .05) t/100) ..
    floor((m + .05) t/100); the binomial probabilities of those runs are summed, from a
    table of log factorials, for every m within `_reach` of the mean (Bernstein's
    inequality puts the mass beyond it under 1e-14), so 100,000 stations take a second.
    """
    trials = trials.astype(np.int64)
    log_fact = special.gammaln(np.arange(int(trials.max(initial=0)) + 1, dtype=float) + 1)
    # Chunks of stations with a similar spread, so each chunk's window is only as wide
    # as it needs to be.
    order = np.argsort(_reach(trials, p), kind="stable")
    out = np.empty(trials.size)
    for start in range(0, trials.size, 5_000):
        rows = order[start : start + 5_000]
        out[rows] = _exact_chunk(trials[rows], p[rows], log_fact)
    return out


def _reach(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Percentage points around the mean that hold all but 1e-14 of K's mass.

    a = 7 sd + 30 votes: by Bernstein, P(|K - tp| >= a) <= 2 exp(-a^2 / (2 (sd^2 +
    a/3))) < 1e-14 for any sd, including the skewed binomials of small stations.
    """
    votes = 7 * np.sqrt(t * p * (1 - p)) + 30
    return 100 * votes / np.maximum(t, 1)


def _exact_chunk(t: np.ndarray, p: np.ndarray, log_fact: np.ndarray) -> np.ndarray:
    width = min(100, math.ceil(float(_reach(t, p).max(initial=0))) + 1)
    m = np.round(100 * p)[:, None] + np.arange(-width, width + 1)[None, :]
    tt = t[:, None].astype(float)
    low = np.maximum(np.ceil((m - 0.05 - EPSILON) * tt / 100), 0)
    high = np.minimum(np.floor((m + 0.05 + EPSILON) * tt / 100), tt)
    usable = (m >= 0) & (m <= 100) & (high >= low)
    low = np.where(usable, low, 0).astype(np.int64)
    high = np.where(usable, high, -1).astype(np.int64)
    pp, qq = p[:, None], 1 - p[:, None]
    total = np.zeros(t.size)
    for step in range(int((high - low).max(initial=-1)) + 1):
        k = low + step
        ok = k <= high
        k = np.where(ok, k, 0)
        log_pmf = (
            log_fact[t][:, None]
            - log_fact[k]
            - log_fact[t[:, None] - k]
            + special.xlogy(k, pp)
            + special.xlogy(t[:, None] - k, qq)
        )
        total += np.where(ok, np.exp(log_pmf), 0.0).sum(axis=1)
    return np.clip(total, 0.0, 1.0)


def integer_percentages(
    registered: ArrayLike,
    issued: ArrayLike,
    found: ArrayLike,
    leader: ArrayLike,
    simulations: int = 1000,
    seed: int = 0,
    exact: bool = True,
) -> IntegerPercentages:
    """Kobak et al.: stations whose turnout T or leader share L is a whole percentage.

    T = 100 issued/registered, L = 100 leader/found, kept where found > 0, registered
    >= 100, T <= 99, L <= 99. Chance: issued ~ Binomial(registered, T/100) and leader ~
    Binomial(found, L/100), independently. exact=True sums those binomial probabilities
    (expected = sum p_i, variance = sum p_i (1 - p_i)); otherwise `simulations` draws
    from numpy's Generator(seed).
    """
    reg, iss = _array(registered, "registered"), _array(issued, "issued")
    fnd, lead = _array(found, "found"), _array(leader, "leader")
    if not reg.size == iss.size == fnd.size == lead.size:
        raise ValueError("registered, issued, found and leader must have the same length.")
    with np.errstate(invalid="ignore", divide="ignore"):
        t = 100 * iss / reg
        share = 100 * lead / fnd
    keep = (fnd > 0) & (reg >= 100) & (t <= 99) & (share <= 99) & (iss >= 0) & (lead >= 0)
    reg, iss, fnd, lead, t, share = (a[keep] for a in (reg, iss, fnd, lead, t, share))
    observed = int((_near_integer(t) | _near_integer(share)).sum())
    if exact:
        p_t = _exact_probability(reg, t / 100)
        p_l = _exact_probability(fnd, share / 100)
        p = 1 - (1 - p_t) * (1 - p_l)
        expected, sd = float(p.sum()), float(math.sqrt((p * (1 - p)).sum()))
        method, runs = "exact", 0
    else:
        if simulations < 2:
            raise ValueError("At least 2 simulations are needed.")
        counts = _simulate(reg, fnd, t / 100, share / 100, simulations, seed)
        expected, sd = float(counts.mean()), float(counts.std(ddof=1))
        method, runs = "simulation", simulations
    excess = observed - expected
    return IntegerPercentages(
        stations=int(reg.size),
        observed=observed,
        expected=expected,
        sd=sd,
        excess=excess,
        z=excess / sd if sd > 0 else math.nan,
        method=method,
        simulations=runs,
        caveat=INTEGER_CAVEAT,
    )


def _simulate(
    reg: np.ndarray, fnd: np.ndarray, p_t: np.ndarray, p_l: np.ndarray, runs: int, seed: int
) -> np.ndarray:
    """Whole-number counts in `runs` simulated elections, in blocks to bound memory.

    Plain binomial draws as Kobak et al. describe them, kept independent of the exact
    computation so that each checks the other.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    reg_i, fnd_i = reg.astype(np.int64), fnd.astype(np.int64)
    block = max(1, min(runs, 1_000_000 // max(reg.size, 1)))
    out = np.empty(runs, dtype=np.int64)
    for start in range(0, runs, block):
        size = (min(block, runs - start), reg.size)
        t = 100 * rng.binomial(reg_i, p_t, size=size) / reg
        share = 100 * rng.binomial(fnd_i, p_l, size=size) / fnd
        out[start : start + size[0]] = (_near_integer(t) | _near_integer(share)).sum(axis=1)
    return out


def mebane_probabilities() -> np.ndarray:
    """P(second digit = d) = sum_{k=1..9} log10(1 + 1/(10k + d)), d = 0..9."""
    k = np.arange(1, 10)[:, None]
    d = np.arange(10)[None, :]
    return np.log10(1 + 1 / (10 * k + d)).sum(axis=0)


def _digit_test(name: str, digits: np.ndarray, expected: np.ndarray, caveat: str) -> DigitTest:
    observed = np.bincount(digits, minlength=10)
    n = int(observed.sum())
    if n == 0:
        chi2, p_value = math.nan, math.nan
    else:
        chi2 = float(((observed - n * expected) ** 2 / (n * expected)).sum())
        p_value = float(special.chdtrc(9, chi2))
    return DigitTest(name, n, observed, expected, chi2, 9, p_value, caveat)


def _counts_from_ten(counts: ArrayLike) -> np.ndarray:
    values = _array(counts, "counts")
    if (values < 0).any() or (values != np.round(values)).any():
        raise ValueError("counts must be whole numbers, zero or more.")
    return values[values >= 10].astype(np.int64)


def second_digit(counts: ArrayLike) -> DigitTest:
    """Mebane's second-digit test on counts >= 10, chi-square with 9 degrees of freedom."""
    values = _counts_from_ten(counts)
    # The second digit from the left: drop trailing digits down to two, keep the last.
    digits_count = np.floor(np.log10(values)).astype(np.int64) + 1 if values.size else values
    second = (values // 10 ** (digits_count - 2)) % 10 if values.size else values
    return _digit_test("second_digit", second, mebane_probabilities(), SECOND_DIGIT_CAVEAT)


def last_digit(counts: ArrayLike) -> DigitTest:
    """Beber & Scacco: last digits of counts >= 10 against uniform, 9 degrees of freedom."""
    values = _counts_from_ten(counts)
    return _digit_test("last_digit", values % 10, np.full(10, 0.1), LAST_DIGIT_CAVEAT)

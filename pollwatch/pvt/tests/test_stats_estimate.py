"""The ratio estimator (pvt/stats/estimate.py) against samplics, Cochran and simulation.

samplics 0.6.1's TaylorEstimator("ratio") with strata, weights N_h/n_h and the finite
population correction 1 - n_h/N_h is the oracle for the estimate and its standard
error; the Albanian 2017 results are the population (PROVENANCE.md).
"""

import csv
import hashlib
import warnings
from collections import Counter

import numpy as np
import pytest

from pollwatch.pvt.stats import design
from pollwatch.pvt.stats.estimate import EstimateError, Merge, ratio_estimate, turnout_estimate
from pollwatch.testing.data.albania2017 import RESULTS_CSV

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # samplics warns that it is archived
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam


@pytest.fixture(scope="module")
def albania():
    with RESULTS_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    columns = ["ps", "pd", "lsi", "validVotes", "ballotsCast", "zgjedhes"]
    data: dict = {c: np.array([float(r[c]) for r in rows]) for c in columns}
    data["code"] = np.array([r["qvKod"] for r in rows])
    data["qarku"] = np.array([r["qarku"] for r in rows])
    data["sizes"] = dict(Counter(data["qarku"].tolist()))
    return data


def samplics_ratio(y, x, strata, sizes):
    """(estimate, standard error) from samplics for one variable."""
    n_h = Counter(strata.tolist())
    weights = np.array([sizes[s] / n_h[s] for s in strata])
    fpc = {s: 1 - n_h[s] / sizes[s] for s in sorted(n_h)}
    estimator = TaylorEstimator(PopParam.ratio)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.estimate(y=y, x=x, samp_weight=weights, stratum=strata, fpc=fpc)
    return float(estimator.point_est), float(estimator.stderror)


def drawn(albania, seed, size=544):
    frame = zip(albania["code"].tolist(), albania["qarku"].tolist(), strict=True)
    codes = {r.station for r in design.draw_sample(frame, size, seed)}
    return np.isin(albania["code"], list(codes))


@pytest.mark.parametrize("seed", ["samplics-1", "samplics-2", "samplics-3", "samplics-4"])
def test_matches_samplics_on_stratified_draws(albania, seed):
    mask = drawn(albania, seed)
    assert mask.sum() == 544
    strata = albania["qarku"][mask]
    x = albania["validVotes"][mask]
    y = np.column_stack([albania[c][mask] for c in ("ps", "pd", "lsi")])
    result = ratio_estimate(y, x, strata, albania["sizes"], names=["ps", "pd", "lsi"])
    assert result.merges == ()
    assert result.reporting == 544
    for k, name in enumerate(("ps", "pd", "lsi")):
        share, se = samplics_ratio(y[:, k], x, strata, albania["sizes"])
        assert result[name].share == pytest.approx(share, abs=1e-7, rel=1e-7)
        assert result[name].se == pytest.approx(se, abs=1e-9, rel=1e-7)
        assert 0.003 < se < 0.008  # a real standard error, not a degenerate zero
        assert result[name].margins[0.95] == pytest.approx(1.959964 * se, rel=1e-6)
        assert result[name].margins[0.99] == pytest.approx(2.575829 * se, rel=1e-6)
        low, high = result[name].intervals[0.99]
        assert (low, high) == pytest.approx(
            (share - 2.575829 * se, share + 2.575829 * se), rel=1e-6
        )
        assert result[name].interval == result[name].intervals[0.95]


def test_turnout_matches_samplics(albania):
    mask = drawn(albania, "turnout")
    strata = albania["qarku"][mask]
    ballots, registered = albania["ballotsCast"][mask], albania["zgjedhes"][mask]
    result = turnout_estimate(ballots, registered, strata, albania["sizes"])
    share, se = samplics_ratio(ballots, registered, strata, albania["sizes"])
    assert result["turnout"].share == pytest.approx(share, rel=1e-7)
    assert result["turnout"].se == pytest.approx(se, rel=1e-7)


def test_census_gives_the_official_share_with_no_error(albania):
    # PROVENANCE.md: PS 48.336 % of 1,582,118 valid votes.
    result = ratio_estimate(
        albania["ps"], albania["validVotes"], albania["qarku"], albania["sizes"]
    )
    assert albania["validVotes"].sum() == 1_582_118
    assert 100 * result.candidates[0].share == pytest.approx(48.336, abs=0.0005)
    assert result.candidates[0].se == pytest.approx(0, abs=1e-12)
    assert result.denominator_total == pytest.approx(1_582_118)


def test_one_stratum_is_cochrans_ratio_variance(albania):
    rng = np.random.default_rng(7)
    pick = rng.choice(albania["ps"].size, 300, replace=False)
    y, x = albania["ps"][pick], albania["validVotes"][pick]
    N, n = albania["ps"].size, 300
    R = y.sum() / x.sum()
    variance = (1 - n / N) / (n * x.mean() ** 2) * ((y - R * x) ** 2).sum() / (n - 1)
    result = ratio_estimate(y, x, ["all"] * n, {"all": N})
    assert result.candidates[0].share == pytest.approx(R, rel=1e-12)
    assert result.candidates[0].se == pytest.approx(np.sqrt(variance), rel=1e-10)


def test_coverage_of_95_percent_intervals(albania):
    """1,000 stratified draws of 544: 93-97 % of the 95 % intervals hold the true share.

    The draws are simple random samples within each qarku, made with numpy (seeded from
    "sim-0".."sim-999") rather than by draw_sample: 5.4 million HMACs would take longer
    than the whole test suite, and the estimator's coverage does not depend on how a
    uniform draw is made (draw_sample's uniformity is tested in test_stats_design).
    """
    y, x, qarku = albania["ps"], albania["validVotes"], albania["qarku"]
    truth = y.sum() / x.sum()
    names, stratum = np.unique(qarku, return_inverse=True)
    alloc = design.allocate(albania["sizes"], 544)
    take = np.array([alloc[s] for s in names.tolist()])
    first = np.searchsorted(np.sort(stratum), np.arange(names.size))
    covered = 0
    for i in range(1000):
        seed = int.from_bytes(hashlib.sha256(f"sim-{i}".encode()).digest()[:8], "big")
        # Stratum number plus a uniform key: sorted, each stratum in random order.
        order = np.argsort(stratum + np.random.default_rng(seed).random(y.size))
        rank = np.arange(y.size) - first[stratum[order]]
        chosen = order[rank < take[stratum[order]]]
        estimate = ratio_estimate(y[chosen], x[chosen], qarku[chosen], albania["sizes"])
        low, high = estimate.candidates[0].intervals[0.95]
        covered += low <= truth <= high
    assert 930 <= covered <= 970


# --- merging strata with fewer than two reports -------------------------------------

SIZES = {"A": 50, "B": 40, "C": 30, "D": 20}
PARENTS = {"A": "P1", "B": "P1", "C": "P1", "D": "P2"}


def small_sample():
    rng = np.random.default_rng(11)
    strata = np.array(["A"] + ["B"] * 6 + ["C"] * 5 + ["D"] * 8)
    x = rng.integers(200, 600, strata.size).astype(float)
    y = np.floor(x * rng.uniform(0.3, 0.6, strata.size))
    return y, x, strata


def test_single_report_merges_into_smallest_sibling():
    y, x, strata = small_sample()
    result = ratio_estimate(y, x, strata, SIZES, parents=PARENTS)
    # A's siblings are B (40) and C (30): C has the fewest stations. D (20) is a cousin.
    assert result.merges == (Merge("A", "C", 1, True),)
    groups = {s.stratum: s.group for s in result.strata}
    assert groups == {"A": "A+C", "B": "B", "C": "A+C", "D": "D"}
    merged = np.where(np.isin(strata, ["A", "C"]), "A+C", strata)
    share, se = samplics_ratio(y, x, merged, {"A+C": 80, "B": 40, "D": 20})
    assert result.candidates[0].share == pytest.approx(share, rel=1e-10)
    assert result.candidates[0].se == pytest.approx(se, rel=1e-10)


def test_without_parents_any_stratum_with_fewest_stations():
    y, x, strata = small_sample()
    result = ratio_estimate(y, x, strata, SIZES)
    assert result.merges == (Merge("A", "D", 1, False),)
    merged = np.where(np.isin(strata, ["A", "D"]), "A+D", strata)
    share, se = samplics_ratio(y, x, merged, {"A+D": 70, "B": 40, "C": 30})
    assert result.candidates[0].se == pytest.approx(se, rel=1e-10)


def test_lonely_parent_and_silent_stratum_are_merged_and_counted():
    y, x, strata = small_sample()
    sizes = SIZES | {"E": 15, "F": 12}
    parents = PARENTS | {"E": "P3", "F": "P2"}
    y, x = np.append(y, 100.0), np.append(x, 300.0)
    strata = np.append(strata, "E")
    sampled = dict(Counter(strata.tolist())) | {"F": 2}
    result = ratio_estimate(y, x, strata, sizes, parents=parents, sampled=sampled)
    assert len(result.merges) == 3
    merges = {m.stratum: m for m in result.merges}
    # F has no report: merged into its sibling D, so its 12 stations keep their weight.
    assert merges["F"] == Merge("F", "D", 0, True)
    # E is alone under P3: it goes to the smallest stratum anywhere, flagged as such.
    assert merges["E"].same_parent is False
    counts = {s.stratum: (s.N_h, s.reporting, s.sampled) for s in result.strata}
    assert counts["F"] == (12, 0, 2)
    assert counts["E"] == (15, 1, 1)
    assert result.sampled == strata.size + 2
    assert result.reporting == strata.size
    assert merges["E"] == Merge("E", "D+F", 1, False)
    # Against samplics with the merged strata: A+C (80 stations), B, D+E+F (47).
    merged = np.select(
        [np.isin(strata, ["A", "C"]), np.isin(strata, ["D", "E"])], ["A+C", "D+E+F"], strata
    )
    share, se = samplics_ratio(y, x, merged, {"A+C": 80, "B": 40, "D+E+F": 47})
    assert result.candidates[0].share == pytest.approx(share, rel=1e-10)
    assert result.candidates[0].se == pytest.approx(se, rel=1e-10)
    # The weights still cover the whole frame, silent stratum F included.
    in_def = np.isin(strata, ["D", "E"])
    total = (
        x[np.isin(strata, ["A", "C"])].sum() * 80 / 6
        + x[strata == "B"].sum() * 40 / 6
        + x[in_def].sum() * 47 / in_def.sum()
    )
    assert result.denominator_total == pytest.approx(total, rel=1e-12)


def test_errors():
    with pytest.raises(EstimateError, match="No sampled station"):
        ratio_estimate([], [], [], {"A": 3})
    with pytest.raises(EstimateError, match="'Z' is not in the frame"):
        ratio_estimate([1, 2], [3, 4], ["A", "Z"], {"A": 3})
    with pytest.raises(EstimateError, match="zero"):
        ratio_estimate([0, 0], [0, 0], ["A", "A"], {"A": 3})
    with pytest.raises(EstimateError, match="more reports"):
        ratio_estimate([1, 2, 3], [3, 4, 5], ["A", "A", "A"], {"A": 2})
    with pytest.raises(EstimateError, match="one row per"):
        ratio_estimate([1, 2], [3], ["A", "A"], {"A": 3})

"""findings/stats.py against figures worked out elsewhere: a textbook, PROVENANCE.md, samplics."""

import math
import warnings

import pytest

from pollwatch.findings import stats
from pollwatch.testing import albania


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson
        # score interval without continuity correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe(successes, trials, low, high):
    found = stats.wilson(successes / trials, trials)
    assert found == pytest.approx((low, high), abs=5e-5)


def test_srs_margin_with_the_finite_population_correction():
    # PROVENANCE.md: 8 of 510 answered, N = 5,362 stations: +-1.026 points.
    assert 100 * stats.srs_margin(8 / 510, 510, 5362) == pytest.approx(1.026, abs=5e-4)
    # Without a population the correction is 1: the textbook z sqrt(p(1-p)/n).
    assert stats.srs_margin(0.5, 100) == pytest.approx(1.959964 * 0.05, abs=1e-6)


def test_srs_proportion_uses_wilson_below_ten_expected_answers():
    few = stats.srs_proportion(8, 510, 5362)
    assert few.method == "wilson" and few.n_eff is not None
    # n_eff of a simple random sample with the correction is n (N - 1) / (N - n).
    assert few.n_eff == pytest.approx(510 * 5361 / 4852)
    assert (few.low, few.high) == pytest.approx(stats.wilson(8 / 510, few.n_eff))
    many = stats.srs_proportion(255, 510, 5362)
    assert many.method == "normal" and many.margin is not None
    assert many.margin == pytest.approx(stats.srs_margin(0.5, 510, 5362))
    assert (many.low, many.high) == pytest.approx((0.5 - many.margin, 0.5 + many.margin))


def test_nothing_answered_estimates_nothing():
    assert stats.share(0, 0) is None
    empty = stats.srs_proportion(0, 0, 100)
    assert (empty.value, empty.low, empty.method) == (None, None, "")
    assert stats.stratified_proportion([10, 20], [0, 0], [0, 0]).value is None


def test_stratified_proportion_by_hand():
    # Two strata, worked out on paper: N = (100, 300), n = (10, 20), x = (2, 10).
    # W = (.25, .75); p = .25*.2 + .75*.5 = .425.
    # V = .25^2 (1 - .1) .2*.8/9 + .75^2 (1 - 20/300) .5*.5/19
    #   = .0625*.9*.0177778 + .5625*.9333333*.0131579 = .001 + .0069079 = .0079079
    found = stats.stratified_proportion([100, 300], [10, 20], [2, 10])
    assert found.value == pytest.approx(0.425)
    assert found.se is not None and found.se**2 == pytest.approx(0.0079079, abs=1e-7)
    # n_eff = .425 * .575 / .0079079 = 30.9: about 13 on the smaller side, so normal.
    assert found.n_eff == pytest.approx(0.425 * 0.575 / 0.0079079, rel=1e-4)
    assert found.method == "normal"
    assert found.margin == pytest.approx(1.959964 * math.sqrt(0.0079079), rel=1e-4)


def test_a_stratum_without_answers_is_left_out_and_counted():
    found = stats.stratified_proportion([100, 300, 50], [10, 20, 0], [2, 10, 0])
    assert found.value == pytest.approx(0.425)
    assert (found.population, found.strata_without_answers) == (400, 1)


def test_every_answer_alike_still_has_an_interval():
    # V = 0: the Wilson interval on the number answered says how far from 0 % it may be.
    found = stats.stratified_proportion([100, 300], [10, 20], [0, 0])
    assert found.value == 0 and found.method == "wilson"
    assert (found.low, found.high) == pytest.approx(stats.wilson(0.0, 30))


def _albania_opening():
    """The opening sample as samplics wants it, read here without pollwatch's code."""
    import pandas as pd

    from pollwatch.testing.data.albania2017 import OPENING_CSV, RESULTS_CSV

    results = pd.read_csv(RESULTS_CSV, dtype=str, keep_default_na=False)
    opening = pd.read_csv(OPENING_CSV, dtype=str, keep_default_na=False)
    population = results.groupby("qarku").size()
    return opening, population


def _samplics(values, strata, population):
    """samplics' Taylor-linearised stratified mean and its standard error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

    answered = strata.value_counts()
    weights = strata.map(population / answered).to_numpy()
    fpc = {h: 1 - answered[h] / population[h] for h in sorted(answered.index)}
    estimator = TaylorEstimator(PopParam.mean)
    estimator.estimate(y=values, samp_weight=weights, stratum=strata.to_numpy(), fpc=fpc)
    return float(estimator.point_est), float(estimator.stderror)


def test_stratified_proportion_matches_samplics_on_the_albanian_opening():
    opening, population = _albania_opening()
    answered = opening[opening["overallOpen"] != "n/a"]
    negative = answered["overallOpen"].isin(["meprob", "shumprob"]).astype(float)
    expected, expected_se = _samplics(negative.to_numpy(), answered["qarku"], population)

    groups = answered.assign(negative=negative).groupby("qarku")["negative"]
    strata = sorted(population.index)
    found = stats.stratified_proportion(
        [int(population[h]) for h in strata],
        [int(groups.count()[h]) for h in strata],
        [int(groups.sum()[h]) for h in strata],
    )
    assert found.value == pytest.approx(expected, abs=1e-12)
    assert found.se == pytest.approx(expected_se, abs=1e-12)
    assert found.value and found.se and found.low and found.high  # (for the type checker)
    # And the figures PROVENANCE.md gives: 1.587 %, SE 0.532 points, Wilson on n_eff 552.
    assert 100 * found.value == pytest.approx(1.587, abs=5e-4)
    assert 100 * found.se == pytest.approx(0.532, abs=5e-4)
    assert found.n_eff == pytest.approx(552, abs=0.5)
    assert found.method == "wilson"
    assert (100 * found.low, 100 * found.high) == pytest.approx((0.830, 3.014), abs=5e-4)


def test_stratified_mean_matches_samplics_on_the_albanian_opening():
    opening, population = _albania_opening()
    answered = opening[opening["votersList"] != "n/a"]
    voters = answered["votersList"].astype(float)
    expected, expected_se = _samplics(voters.to_numpy(), answered["qarku"], population)

    groups = voters.groupby(answered["qarku"])
    strata = sorted(population.index)
    found = stats.stratified_mean(
        [int(population[h]) for h in strata],
        [int(groups.count()[h]) for h in strata],
        [float(groups.mean()[h]) for h in strata],
        [float(groups.var(ddof=1)[h]) for h in strata],
    )
    assert found.value == pytest.approx(expected, rel=1e-12)
    assert found.se == pytest.approx(expected_se, rel=1e-9)


def test_the_albanian_station_codes_join():
    # psID "NNNN-00" is qvKod "NNNN", "NNNN-0k" is "NNNNk" (PROVENANCE.md).
    assert albania.station_code("0001-00") == "0001"
    assert albania.station_code("1234-02") == "12342"


def test_a_census_is_exact():
    # Every station answered: the fpc makes V zero and the share is no estimate.
    everyone = stats.srs_proportion(3, 10, 10)
    assert (everyone.low, everyone.high, everyone.method) == (0.3, 0.3, "census")
    strata = stats.stratified_proportion([4, 6], [4, 6], [1, 3])
    assert strata.value == pytest.approx(0.4 * 0.25 + 0.6 * 0.5)
    assert (strata.low, strata.high, strata.method) == (strata.value, strata.value, "census")
    # One stratum short of complete: an interval again.
    assert stats.stratified_proportion([4, 6], [4, 5], [1, 3]).method != "census"

"""Forensic tests (pvt/stats/forensics.py) against published figures and scipy.

Benford's second-digit probabilities are Nigrini's/Mebane's published table; the
integer-percentage expectation is checked by brute-force enumeration with
scipy.stats.binom and against the simulation; planted integers must show an excess.
"""

import numpy as np
import pytest
from scipy import stats

from pollwatch.pvt.stats import forensics

# Published second-digit Benford probabilities, d = 0..9.
BENFORD_SECOND = [
    0.11968,
    0.11389,
    0.10882,
    0.10433,
    0.10031,
    0.09668,
    0.09337,
    0.09035,
    0.08757,
    0.08500,
]


def honest_election(n, seed):
    rng = np.random.default_rng(seed)
    registered = rng.integers(150, 1500, n)
    issued = rng.binomial(registered, rng.uniform(0.35, 0.75, n))
    found = issued
    leader = rng.binomial(found, rng.uniform(0.3, 0.7, n))
    return registered, issued, found, leader


def test_mebane_probabilities():
    assert forensics.mebane_probabilities() == pytest.approx(BENFORD_SECOND, abs=5e-6)
    assert forensics.mebane_probabilities().sum() == pytest.approx(1.0)


def test_second_digit_reads_the_second_digit_of_counts_from_ten():
    test = forensics.second_digit([123, 45, 10, 9, 1999, 100, 7, 0])
    # 123 -> 2, 45 -> 5, 10 -> 0, 1999 -> 9, 100 -> 0; 9, 7 and 0 have no second digit.
    assert test.n == 5
    assert test.observed.tolist() == [2, 0, 1, 0, 0, 1, 0, 0, 0, 1]
    assert test.df == 9


def test_second_digit_chi_square_is_scipys():
    counts = np.random.default_rng(3).integers(10, 5000, 4000)
    test = forensics.second_digit(counts)
    expected = np.array(BENFORD_SECOND) / sum(BENFORD_SECOND) * test.n
    chi2, p = stats.chisquare(test.observed, expected)
    assert test.chi2 == pytest.approx(chi2, rel=1e-4)
    assert test.p_value == pytest.approx(p, rel=1e-3)
    # Uniform counts are not Benford in their second digit (0 is too rare): flagged.
    assert test.p_value < 0.001


def test_last_digit_uniform_counts_are_not_significant():
    counts = np.random.default_rng(5).integers(10, 3000, 5000)
    test = forensics.last_digit(counts)
    assert test.observed.tolist() == np.bincount(counts % 10, minlength=10).tolist()
    chi2, p = stats.chisquare(test.observed)
    assert test.chi2 == pytest.approx(chi2)
    assert test.p_value == pytest.approx(p)
    assert test.p_value > 0.05
    assert "low power" in test.caveat and "prove nothing" in test.caveat


def test_last_digit_flags_invented_numbers():
    # Counts made up by a hand that likes 0 and 5.
    rng = np.random.default_rng(6)
    counts = rng.integers(10, 300, 3000) * 10 + rng.choice([0, 5], 3000)
    assert forensics.last_digit(counts).p_value < 1e-6


def test_digit_tests_reject_bad_counts():
    with pytest.raises(ValueError, match="whole numbers"):
        forensics.last_digit([12, -3])
    with pytest.raises(ValueError, match="whole numbers"):
        forensics.second_digit([12.5])


def brute_force_probability(trials, p):
    """P(100 K / trials within 0.05 of a whole number), by listing every K."""
    k = np.arange(trials + 1)
    percent = 100 * k / trials
    near = np.abs(percent - np.round(percent)) <= 0.05 + 1e-9
    return stats.binom.pmf(k, trials, p)[near].sum()


@pytest.mark.parametrize(
    ("registered", "issued", "found", "leader"),
    [
        (700, 327, 304, 73),
        (1000, 500, 480, 240),
        (2000, 1201, 1201, 600),
        (3517, 1171, 1100, 367),
        (150, 1, 1, 0),
        (1000, 500, 30, 1),
        (5000, 4900, 4000, 4),
        (120, 60, 5, 2),
        (400, 200, 2, 1),
    ],
)
def test_exact_expectation_for_one_station(registered, issued, found, leader):
    result = forensics.integer_percentages([registered], [issued], [found], [leader])
    p_t = brute_force_probability(registered, issued / registered)
    p_l = brute_force_probability(found, leader / found)
    expected = 1 - (1 - p_t) * (1 - p_l)
    assert result.stations == 1
    assert result.expected == pytest.approx(expected, rel=1e-8, abs=1e-12)
    assert result.sd == pytest.approx(
        np.sqrt(max(expected * (1 - expected), 0.0)), rel=1e-6, abs=1e-9
    )


def test_exact_and_simulated_agree():
    registered, issued, found, leader = honest_election(2000, 1)
    exact = forensics.integer_percentages(registered, issued, found, leader)
    simulated = forensics.integer_percentages(
        registered, issued, found, leader, simulations=300, seed=9, exact=False
    )
    assert exact.method == "exact" and simulated.method == "simulation"
    assert simulated.simulations == 300
    assert exact.observed == simulated.observed
    # The mean of 300 simulations has a standard error of sd / sqrt(300).
    assert abs(simulated.expected - exact.expected) < 4 * exact.sd / np.sqrt(300)
    assert simulated.sd == pytest.approx(exact.sd, rel=0.15)
    # An honest election shows no excess.
    assert abs(exact.z) < 3.5
    again = forensics.integer_percentages(
        registered, issued, found, leader, simulations=300, seed=9, exact=False
    )
    assert again.expected == simulated.expected


def test_planted_integer_turnouts_show_an_excess():
    registered, issued, found, leader = honest_election(3000, 2)
    honest = forensics.integer_percentages(registered, issued, found, leader)
    # Rewrite 300 stations' protocols to a round turnout of exactly 70 % or 80 %.
    registered, planted = registered.copy(), issued.copy()
    registered[:300] = registered[:300] // 10 * 10
    planted[:300] = registered[:300] * np.where(np.arange(300) % 2, 7, 8) // 10
    rigged = forensics.integer_percentages(registered, planted, np.maximum(found, planted), leader)
    # About a fifth of those stations had a whole percentage by chance already.
    assert rigged.excess > honest.excess + 200
    assert rigged.z > 8


def test_filter_keeps_the_stations_kobak_keeps():
    result = forensics.integer_percentages(
        registered=[500, 99, 500, 500, 500, 500],
        issued=[250, 50, 0, 499, 250, 250],
        found=[250, 50, 0, 499, 250, 250],
        leader=[100, 20, 0, 200, 249, 250],
    )
    # Dropped: fewer than 100 registered; no ballots found; T > 99; L > 99 (twice).
    assert result.stations == 1


def test_fingerprint_weights_by_voters():
    fp = forensics.fingerprint([0.505, 0.505, 0.955], [0.705, 0.705, 0.995], [100, 50, 7])
    assert fp.counts.shape == (100, 100)
    assert fp.counts.sum() == pytest.approx(157)
    assert fp.counts[50, 70] == pytest.approx(150)
    assert fp.counts[95, 99] == pytest.approx(7)
    svg = forensics.fingerprint_svg(fp, x_label="Turnout <%>", y_label="Share")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert svg.count('fill="currentColor"') == 2  # one cell per occupied bin
    assert "Turnout &lt;%&gt;" in svg

"""Planning and the draw (pvt/stats/design.py) against METHODS.md and PROVENANCE.md.

Reference figures come from the specs (NDI's book, the CDO data's provenance notes);
the draw is checked against an independent HMAC-SHA256 implementation written here.
"""

import csv
import hashlib
import hmac
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest

from pollwatch.pvt.stats import design
from pollwatch.testing.data.albania2017 import RESULTS_CSV


@pytest.fixture(scope="module")
def albania():
    with RESULTS_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {
        "codes": [r["qvKod"] for r in rows],
        "qarku": np.array([r["qarku"] for r in rows]),
        "ps": np.array([float(r["ps"]) for r in rows]),
        "valid": np.array([float(r["validVotes"]) for r in rows]),
    }


# --- sample sizes ---------------------------------------------------------------------


def test_ndi_voter_example():
    # METHODS.md: 160,717.3 exactly (the book prints 163,185 after rounding mid-way).
    assert design.voter_sample_size(14_570_774, 0.0032, 2.58) == pytest.approx(160_717.3, abs=0.05)


@pytest.mark.parametrize(
    ("n", "at95", "at99"),
    [(163_185, 0.243, 0.319), (1_020, 3.068, 4.039), (816, 3.431, 4.516), (324, 5.444, 7.167)],
)
def test_ndi_margin_table(n, at95, at99):
    assert design.ndi_margin(n, 1.96) == pytest.approx(at95, abs=0.0005)
    assert design.ndi_margin(n, 2.58) == pytest.approx(at99, abs=0.0005)


def test_proportion_sample_size_with_fpc():
    assert design.proportion_sample_size(5_362, 0.03, 1.96) == 890
    assert design.oversample(890, 0.10) == 979
    assert design.proportion_sample_size(5_362, 0.03, 2.58) == 1_375


def test_stations_for_margin_applies_the_design_effect():
    voters = design.voter_sample_size(3_452_260, 0.01, 1.96)
    plain = design.stations_for_margin(3_452_260, 0.01, 1.96, 300, design_effect=1)
    assert plain == int(np.ceil(voters / 300))
    assert design.stations_for_margin(3_452_260, 0.01, 1.96, 300) == int(np.ceil(voters * 20 / 300))


@pytest.mark.parametrize("bad", [{"N": 0}, {"margin": 0}, {"p": 1.0}])
def test_voter_sample_size_rejects_nonsense(bad):
    args = {"N": 1000, "margin": 0.01, "z": 1.96, "p": 0.5} | bad
    with pytest.raises(ValueError):
        design.voter_sample_size(**args)


# --- planning from past results (PROVENANCE.md figures) ---------------------------------


@pytest.mark.parametrize(
    ("n", "srs", "stratified"), [(300, 0.781, 0.69), (544, 0.566, 0.50), (1000, 0.397, 0.35)]
)
def test_planned_standard_error_matches_provenance(albania, n, srs, stratified):
    # Over the 5,358 stations with valid votes.
    keep = albania["valid"] > 0
    y, x, strata = albania["ps"][keep], albania["valid"][keep], albania["qarku"][keep]
    assert keep.sum() == 5_358
    assert 100 * design.planned_standard_error(y, x, n) == pytest.approx(srs, abs=0.0005)
    assert 100 * design.planned_standard_error(y, x, n, strata) == pytest.approx(
        stratified, abs=0.005
    )


def test_stations_from_past_results_meets_the_margin_and_no_fewer(albania):
    keep = albania["valid"] > 0
    y, x, strata = albania["ps"][keep], albania["valid"][keep], albania["qarku"][keep]
    n = design.stations_from_past_results(y, x, strata, None, 0.01, 1.96)
    # The SE at 544 stations is about 0.50 points, so a 1-point margin at 95 % needs
    # roughly (1.96 * 0.50)^2 * 544 stations, less the fpc: a few hundred.
    assert 400 < n < 600
    assert 1.96 * design.planned_standard_error(y, x, n, strata) <= 0.01 + 2e-5
    assert 1.96 * design.planned_standard_error(y, x, n - 5, strata) > 0.01
    # A tighter margin needs more stations; a stratum the past results lack is an error.
    assert design.stations_from_past_results(y, x, strata, None, 0.005, 1.96) > 3 * n
    with pytest.raises(ValueError, match="Diber.*not in the frame"):
        design.stations_from_past_results(y, x, strata, {"Berat": 300}, 0.01, 1.96)


# --- allocation ---------------------------------------------------------------------


def hamilton(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Largest-remainder allocation, written independently with exact fractions."""
    total = sum(sizes.values())
    quotas = {k: Fraction(n * v, total) for k, v in sizes.items()}
    out = {k: int(q) for k, q in quotas.items()}
    rest = n - sum(out.values())
    for k in sorted(sizes, key=lambda k: (-(quotas[k] - int(quotas[k])), -sizes[k], k))[:rest]:
        out[k] += 1
    return out


def test_allocate_is_proportional_and_sums_exactly(albania):
    sizes = dict(Counter(albania["qarku"].tolist()))
    for n in (300, 524, 544, 1000, 5362):
        alloc = design.allocate(sizes, n)
        assert sum(alloc.values()) == n
        assert alloc == hamilton(sizes, n)


def test_allocate_minimum_and_cap():
    sizes = {"big": 1000, "mid": 100, "tiny": 2}
    alloc = design.allocate(sizes, 60, minimum=5)
    assert alloc["tiny"] == 2  # never above N_h
    assert alloc["mid"] >= 5
    assert sum(alloc.values()) == 60
    # The rest is shared in proportion between the strata above the minimum.
    assert alloc == {"tiny": 2, "mid": 5, "big": 53}
    with pytest.raises(design.SampleError, match="minimum"):
        design.allocate(sizes, 8, minimum=5)
    with pytest.raises(design.SampleError, match="larger than the frame"):
        design.allocate(sizes, 1103)
    with pytest.raises(design.SampleError, match="at least 1"):
        design.allocate(sizes, 0)


# --- the draw -------------------------------------------------------------------------


def oracle_sample(frame, size, seed):
    """The draw written again from the spec: HMAC-SHA256(seed, code) order per stratum."""
    by_stratum: dict[str, list[str]] = {}
    for code, stratum in frame:
        by_stratum.setdefault(stratum, []).append(code)
    alloc = hamilton({k: len(v) for k, v in by_stratum.items()}, size)
    chosen = set()
    for stratum, codes in by_stratum.items():
        key = lambda c: hmac.new(seed.encode(), c.encode(), hashlib.sha256).hexdigest()  # noqa: E731
        chosen.update(sorted(codes, key=key)[: alloc[stratum]])
    return chosen


def test_station_key_is_standard_hmac_sha256():
    # RFC 4231, test case 2.
    assert design.station_key("Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


@pytest.mark.parametrize("seed", ["pollwatch-2017", "Ωμέγα seed", "1"])
def test_draw_matches_the_independent_implementation(albania, seed):
    frame = list(zip(albania["codes"], albania["qarku"].tolist(), strict=True))
    rows = design.draw_sample(frame, 544, seed)
    codes = [r.station for r in rows]
    assert len(codes) == len(set(codes)) == 544
    assert set(codes) == oracle_sample(frame, 544, seed)
    # The same seed again (and a shuffled frame) gives the same sample, byte for byte.
    again = design.draw_sample(list(reversed(frame)), 544, seed)
    assert [(r.station, r.stratum) for r in again] == [(r.station, r.stratum) for r in rows]
    digest = hashlib.sha256("\n".join(sorted(codes)).encode()).hexdigest()
    assert (
        digest
        == hashlib.sha256("\n".join(sorted(oracle_sample(frame, 544, seed))).encode()).hexdigest()
    )


def test_draw_rows_carry_weights(albania):
    frame = list(zip(albania["codes"], albania["qarku"].tolist(), strict=True))
    rows = design.draw_sample(frame, 544, "w")
    sizes = Counter(albania["qarku"].tolist())
    drawn = Counter(r.stratum for r in rows)
    for r in rows:
        assert r.N_h == sizes[r.stratum]
        assert r.n_h == drawn[r.stratum]
        assert r.weight == pytest.approx(r.N_h / r.n_h)
    assert sum(r.weight for r in rows) == pytest.approx(len(frame))
    assert [r.stratum for r in rows] == sorted(r.stratum for r in rows)


def test_different_seeds_give_different_samples(albania):
    frame = list(zip(albania["codes"], albania["qarku"].tolist(), strict=True))
    a = {r.station for r in design.draw_sample(frame, 544, "a")}
    b = {r.station for r in design.draw_sample(frame, 544, "b")}
    # Two independent 10 % samples share about 10 % of their stations.
    assert 20 < len(a & b) < 100


def test_draw_is_uniform_within_strata():
    # Every station of a 20-station stratum is drawn 5 times in 20 (inclusion 1/4).
    frame = [(f"S{i:02d}", "one") for i in range(20)]
    counts = Counter(r.station for s in range(800) for r in design.draw_sample(frame, 5, f"u{s}"))
    observed = np.array([counts[c] for c, _ in frame])
    expected = 800 * 5 / 20
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert chi2 < 43.8  # chi-square 99.9 % point at 19 df is 43.82


@pytest.mark.parametrize(
    ("frame", "size", "message"),
    [
        ([], 1, "no stations"),
        ([("A", "x"), ("B", "x"), ("A", "y")], 2, "row 3.*'A'.*row 1"),
        ([("A", "x"), ("", "x")], 1, "row 2.*station code is empty"),
        ([("A", "x"), ("B", "")], 1, "row 2.*stratum"),
        ([("A", "x"), ("B", "x")], 3, "larger than the frame"),
        ([("A", "x"), ("B", "x")], 0, "at least 1"),
    ],
)
def test_draw_errors_name_the_problem(frame, size, message):
    with pytest.raises(design.SampleError, match=message):
        design.draw_sample(frame, size, "seed")
    assert issubclass(design.SampleError, ValueError)


def test_draw_minimum_per_stratum():
    frame = [(f"A{i}", "a") for i in range(100)] + [(f"B{i}", "b") for i in range(5)]
    rows = design.draw_sample(frame, 10, "m", minimum=3)
    assert Counter(r.stratum for r in rows) == {"a": 7, "b": 3}

"""The call and the official comparison (pvt/stats/call.py), on hand-made estimates."""

import pytest

from pollwatch.pvt.stats.call import (
    OUTRIGHT,
    RUNOFF,
    TOO_CLOSE,
    describe_call,
    make_call,
    official_comparison,
)
from pollwatch.pvt.stats.estimate import CandidateEstimate

Z99 = 2.5758293035489


def cand(name, share, se):
    margin = Z99 * se
    return CandidateEstimate(
        name, share, se, {0.99: margin}, {0.99: (share - margin, share + margin)}
    )


def test_outright_win_when_lower_bound_clears_the_threshold():
    call = make_call([cand("B", 0.30, 0.01), cand("A", 0.53, 0.01)])
    assert call.code == OUTRIGHT
    assert call.leader == "A"
    assert call.lower == pytest.approx(0.53 - Z99 * 0.01)
    assert call.second == "B" and call.second_too_close is None


def test_too_close_when_the_interval_straddles_the_threshold():
    # 0.52 - 2.576 * 0.01 = 0.494: the interval includes 50 %.
    assert make_call([cand("A", 0.52, 0.01), cand("B", 0.40, 0.01)]).code == TOO_CLOSE
    # At 95 % the same estimate is an outright win (0.52 - 1.96 * 0.01 = 0.5004).
    assert make_call([cand("A", 0.52, 0.01)], confidence=0.95).code == OUTRIGHT


def test_runoff_and_second_place():
    clear = make_call([cand("A", 0.45, 0.01), cand("B", 0.35, 0.01), cand("C", 0.15, 0.01)])
    assert clear.code == RUNOFF
    assert (clear.second, clear.third, clear.second_too_close) == ("B", "C", False)
    close = make_call([cand("A", 0.45, 0.01), cand("B", 0.25, 0.01), cand("C", 0.23, 0.01)])
    assert close.code == RUNOFF and close.second_too_close is True


def test_threshold_is_a_parameter():
    # A 40 % threshold (some constitutions): 0.45 - 0.026 > 0.40.
    assert make_call([cand("A", 0.45, 0.01)], threshold=0.40).code == OUTRIGHT


def test_describe_call_in_words():
    text = describe_call(
        make_call([cand("A", 0.45, 0.01), cand("B", 0.25, 0.01), cand("C", 0.23, 0.01)])
    )
    assert "Runoff" in text and "A" in text and "45.0" in text
    assert "too close to call between B and C" in text
    assert "wins outright" in describe_call(make_call([cand("A", 0.60, 0.01)]))
    assert "Too close to call" in describe_call(make_call([cand("A", 0.50, 0.01)]))


def test_official_comparison():
    estimate = cand("A", 0.48, 0.005)
    inside = official_comparison(0.49, estimate)
    assert inside.inside is True
    assert inside.z == pytest.approx(2.0)
    outside = official_comparison(0.52, estimate)
    assert outside.inside is False
    assert outside.z == pytest.approx(8.0)
    assert (outside.lower, outside.upper) == pytest.approx((0.48 - Z99 * 0.005, 0.48 + Z99 * 0.005))
    # The 95 % band is narrower: 0.49 is outside it at z = 2 > 1.96.
    assert official_comparison(0.49, estimate, confidence=0.95).inside is False

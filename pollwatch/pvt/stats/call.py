"""The call from the leader's interval, and the official result against the estimate.

METHODS.md: with the leader's interval [L, U] against the threshold, L above it is an
outright win, U below it a runoff, otherwise too close to call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pollwatch.pvt.stats.estimate import CandidateEstimate, RatioEstimate, z_for

OUTRIGHT = "outright"
RUNOFF = "runoff"
TOO_CLOSE = "too_close"


@dataclass(frozen=True)
class Call:
    """code is OUTRIGHT, RUNOFF or TOO_CLOSE; shares and bounds are proportions."""

    code: str
    leader: str
    share: float
    lower: float
    upper: float
    threshold: float
    confidence: float
    second: str | None = None
    third: str | None = None
    second_too_close: bool | None = None  # runoff only: 2nd and 3rd intervals overlap


@dataclass(frozen=True)
class OfficialComparison:
    """The official share on the estimate's denominator against its interval."""

    official: float
    estimate: float
    se: float
    lower: float
    upper: float
    inside: bool
    z: float


def make_call(
    estimates: RatioEstimate | Sequence[CandidateEstimate],
    threshold: float = 0.5,
    confidence: float = 0.99,
) -> Call:
    """Outright, runoff or too close, from the leader's interval at `confidence`.

    In a runoff the second place matters too: if the 2nd and 3rd candidates' intervals
    overlap, who goes to the runoff is itself too close to call.
    """
    candidates = list(estimates.candidates if isinstance(estimates, RatioEstimate) else estimates)
    if not candidates:
        raise ValueError("There is no estimate to call.")
    ranked = sorted(candidates, key=lambda c: -c.share)
    leader = ranked[0]
    lower, upper = leader.interval_at(confidence)
    code = OUTRIGHT if lower > threshold else RUNOFF if upper < threshold else TOO_CLOSE
    second = ranked[1] if len(ranked) > 1 else None
    third = ranked[2] if len(ranked) > 2 else None
    overlap: bool | None = None
    if code == RUNOFF and second is not None:
        overlap = third is not None and (
            third.interval_at(confidence)[1] >= second.interval_at(confidence)[0]
        )
    return Call(
        code=code,
        leader=leader.name,
        share=leader.share,
        lower=lower,
        upper=upper,
        threshold=threshold,
        confidence=confidence,
        second=second.name if second else None,
        third=third.name if third else None,
        second_too_close=overlap,
    )


def describe_call(call: Call) -> str:
    """The call in words (translated; needs Django settings, so imported here)."""
    from django.utils.translation import gettext as _

    numbers = {
        "leader": call.leader,
        "share": call.share * 100,
        "lower": call.lower * 100,
        "upper": call.upper * 100,
        "threshold": call.threshold * 100,
        "confidence": call.confidence * 100,
        "second": call.second or "",
        "third": call.third or "",
    }
    if call.code == OUTRIGHT:
        text = _(
            "%(leader)s wins outright: %(share).1f %%, between %(lower).1f %% and "
            "%(upper).1f %% (%(confidence)g %% confidence), above %(threshold)g %%."
        )
    elif call.code == RUNOFF:
        text = _(
            "Runoff: %(leader)s leads with %(share).1f %%, between %(lower).1f %% and "
            "%(upper).1f %% (%(confidence)g %% confidence), below %(threshold)g %%."
        )
        if call.second_too_close:
            text += " " + _("Second place is too close to call between %(second)s and %(third)s.")
        elif call.second:
            text += " " + _("%(second)s is second.")
    else:
        text = _(
            "Too close to call: %(leader)s has %(share).1f %%, between %(lower).1f %% "
            "and %(upper).1f %% (%(confidence)g %% confidence), an interval that "
            "includes %(threshold)g %%."
        )
    return text % numbers


def official_comparison(
    official_share: float, estimate: CandidateEstimate, confidence: float = 0.99
) -> OfficialComparison:
    """Inside the interval at `confidence`, and z = (official - R) / SE.

    Both shares must be on the same denominator (valid votes, or all ballots found).
    """
    lower, upper = estimate.interval_at(confidence)
    z = (official_share - estimate.share) / estimate.se if estimate.se > 0 else float("nan")
    return OfficialComparison(
        official=official_share,
        estimate=estimate.share,
        se=estimate.se,
        lower=lower,
        upper=upper,
        inside=lower <= official_share <= upper,
        z=z,
    )


__all__ = [
    "OUTRIGHT",
    "RUNOFF",
    "TOO_CLOSE",
    "Call",
    "OfficialComparison",
    "describe_call",
    "make_call",
    "official_comparison",
    "z_for",
]

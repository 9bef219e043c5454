"""Geometry of the live dashboard's server-drawn SVG chart (templates/findings/live_timeline.html).

Pure layout of figures already counted by the database (findings/live.py): no queries.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pollwatch.checklists.models import Form
from pollwatch.findings.live import Timeline

# The plot is about this wide whatever the period: a few hours get wide bars.
PLOT_WIDTH = 720
PLOT_HEIGHT = 160
AXIS_HEIGHT = 18
# Room for the peak's label on the left and the last tick's label on the right.
LEFT = 30
RIGHT = 20
# Distinct in hue and in lightness, so neighbouring forms stay apart in grey too.
PALETTE = ("#1f5fae", "#d97706", "#2b7a3d", "#7b3fa0", "#a3261d", "#0f766e", "#5b6677", "#b7791f")


@dataclass(frozen=True)
class Series:
    form: Form
    colour: str
    total: int


@dataclass(frozen=True)
class Bar:
    x: int
    y: float
    height: float
    colour: str
    count: int
    form: str
    start: dt.datetime


@dataclass(frozen=True)
class Tick:
    x: int
    at: dt.datetime


def colours(forms: list[Form]) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(len(forms))]


def _tick_every(hours: int) -> int:
    """Hours between labelled ticks: about a dozen labels whatever the window."""
    for every in (1, 2, 3, 4, 6, 12):
        if hours / every <= 12:
            return every
    return 24


def _slot_width(timeline: Timeline) -> int:
    return max(2, PLOT_WIDTH // max(len(timeline.slots), 1))


def _bars(timeline: Timeline, palette: list[str], peak: int) -> list[Bar]:
    """One rectangle per form and quarter hour with reports, stacked in form order."""
    bars = []
    width = _slot_width(timeline)
    for i, slot in enumerate(timeline.slots):
        top = float(PLOT_HEIGHT)
        for j, count in enumerate(slot.counts):
            if not count:
                continue
            height = round(PLOT_HEIGHT * count / peak, 2)
            top = round(top - height, 2)
            bars.append(
                Bar(
                    LEFT + i * width,
                    top,
                    height,
                    palette[j],
                    count,
                    timeline.forms[j].title,
                    slot.start,
                )
            )
    return bars


def timeline_chart(timeline: Timeline) -> dict[str, Any]:
    """Stacked bars of reports per quarter hour, a colour per form, hourly ticks."""
    palette = colours(timeline.forms)
    peak = max((slot.total for slot in timeline.slots), default=0) or 1
    every = _tick_every(timeline.hours)
    width = _slot_width(timeline)
    ticks = [
        Tick(LEFT + i * width, slot.start)
        for i, slot in enumerate(timeline.slots)
        if slot.start.minute == 0 and slot.start.hour % every == 0
    ]
    series = [
        Series(form, palette[i], total)
        for i, (form, total) in enumerate(zip(timeline.forms, timeline.form_totals, strict=True))
    ]
    return {
        "width": LEFT + len(timeline.slots) * width + RIGHT,
        "height": PLOT_HEIGHT + AXIS_HEIGHT,
        "left": LEFT,
        "right": LEFT + len(timeline.slots) * width,
        "plot_height": PLOT_HEIGHT,
        "label_y": PLOT_HEIGHT + AXIS_HEIGHT - 4,
        # A pixel between neighbouring bars once they are wide enough to spare one.
        "bar_width": width - 1 if width > 3 else width,
        "bars": _bars(timeline, palette, peak),
        "ticks": ticks,
        "peak": peak,
        "series": series,
    }

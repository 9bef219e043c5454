"""Where an election stands in its calendar, read against the election's own clock.

Shared by the web pages and the API. Always pass `election.now()` as `now`: it is
the scenario clock when one is pinned (demos, rehearsals), so a demo stays on the
eve of the vote. Never pass Django's `timezone.now()` directly.

Phases may overlap (counting starts while polling stations abroad still vote), so
"the current phase" is a list. Both functions read `election.phases.all()`: prefetch
the phases (`prefetch_related("phases")`) to call them several times for one query.
"""

import datetime as dt

from pollwatch.elections.models import CalendarPhase, Election


def _ordered(election: Election) -> list[CalendarPhase]:
    return sorted(election.phases.all(), key=lambda phase: (phase.starts_at, phase.ends_at))


def current_phases(election: Election, now: dt.datetime) -> list[CalendarPhase]:
    """Every phase that contains `now` (start included, end excluded), earliest first."""
    return [phase for phase in _ordered(election) if phase.contains(now)]


def next_phase(election: Election, now: dt.datetime) -> CalendarPhase | None:
    """The first phase that starts after `now`, or None when no phase is still to come.

    A phase starting exactly at `now` is already current, not next.
    """
    return next((phase for phase in _ordered(election) if phase.starts_at > now), None)


def time_until(phase: CalendarPhase, now: dt.datetime) -> dt.timedelta:
    """How long until the phase starts; negative once it has started."""
    return phase.starts_at - now

import datetime as dt

import pytest

from pollwatch.elections.calendar import current_phases, next_phase, time_until
from pollwatch.elections.models import CalendarPhase
from pollwatch.testing import factories as f

Kind = CalendarPhase.Kind


def utc(day, hour=0, minute=0):
    return dt.datetime(2017, 10, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def calendar(election):
    """Bishkek is UTC+6: the campaign ends at local midnight on the 13th (18:00 UTC)."""

    def phase(kind, starts_at, ends_at):
        return f.CalendarPhaseFactory(
            election=election, kind=kind, starts_at=starts_at, ends_at=ends_at
        )

    return {
        "campaign": phase(Kind.CAMPAIGN, dt.datetime(2017, 9, 10, 18, tzinfo=dt.UTC), utc(13, 18)),
        "silence": phase(Kind.SILENCE, utc(13, 18), utc(14, 18)),
        "polling": phase(Kind.POLLING, utc(15, 2), utc(15, 14)),
        "counting": phase(Kind.COUNTING, utc(15, 14), utc(16, 2)),
        # Tabulation overlaps counting: the first protocols arrive while others still count.
        "tabulation": phase(Kind.TABULATION, utc(15, 20), utc(30, 18)),
    }


def kinds(phases):
    return [phase.kind for phase in phases]


def upcoming(election, now) -> CalendarPhase:
    phase = next_phase(election, now)
    assert phase is not None
    return phase


def test_current_phase_on_the_eve_of_the_vote(election, calendar):
    assert kinds(current_phases(election, utc(14, 6))) == [Kind.SILENCE]


def test_overlapping_phases_are_all_current_earliest_first(election, calendar):
    assert kinds(current_phases(election, utc(15, 21))) == [Kind.COUNTING, Kind.TABULATION]


def test_a_phase_starts_at_its_start_and_is_over_at_its_end(election, calendar):
    # Local midnight between the 13th and the 14th: the campaign is over, silence begins.
    assert kinds(current_phases(election, utc(13, 18))) == [Kind.SILENCE]
    assert kinds(current_phases(election, utc(13, 17, 59))) == [Kind.CAMPAIGN]


def test_a_gap_between_phases_has_no_current_phase(election, calendar):
    # The night before polling opens: silence is over, polling has not begun.
    assert current_phases(election, utc(14, 20)) == []
    assert upcoming(election, utc(14, 20)).kind == Kind.POLLING


def test_next_phase_is_the_first_one_still_to_start(election, calendar):
    assert upcoming(election, utc(14, 6)).kind == Kind.POLLING
    # A phase that starts exactly now is current, so the next one is after it.
    assert upcoming(election, utc(15, 2)).kind == Kind.COUNTING


def test_no_next_phase_once_the_calendar_is_over(election, calendar):
    assert next_phase(election, utc(31)) is None
    assert current_phases(election, utc(31)) == []


def test_an_election_without_phases(election):
    assert current_phases(election, utc(14)) == []
    assert next_phase(election, utc(14)) is None


def test_time_until_the_next_phase(election, calendar):
    now = utc(14, 6)
    assert time_until(upcoming(election, now), now) == dt.timedelta(hours=20)


def test_the_scenario_clock_decides_the_phase(election, calendar):
    election.scenario_clock = utc(14, 6)
    assert kinds(current_phases(election, election.now())) == [Kind.SILENCE]


def test_prefetched_phases_are_read_without_queries(election, calendar, django_assert_num_queries):
    election = type(election).objects.prefetch_related("phases").get(pk=election.pk)
    with django_assert_num_queries(0):
        current_phases(election, utc(14, 6))
        next_phase(election, utc(14, 6))

"""Flags raised on arrival: quality checks, the silence rule, conflicts; and review."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from pollwatch.elections.models import CalendarPhase
from pollwatch.reports.models import Channel, Flag, Report, ReviewDecision
from pollwatch.reports.services import add_note, decide_report, submit_report
from pollwatch.reports.testing import make_form, question, report_payload
from pollwatch.testing import factories as f

pytestmark = pytest.mark.usefixtures("observer_row")
UTC = dt.UTC
COUNT = {"opened": "yes", "ballots_found": 500, "invalid": 10}


def submit(user, body):
    return submit_report(user=user, payload=body, channel=Channel.API)


# --- quality checks -------------------------------------------------------------------


def test_a_failing_check_raises_a_quality_flag(observer, voting):
    result = submit(observer, report_payload(voting, answers=COUNT | {"votes_total": 480}))
    flag = Flag.objects.get()
    assert (flag.kind, flag.code, flag.version) == (
        Flag.Kind.QUALITY_CHECK,
        "ballots_add_up",
        result.version,
    )
    assert flag.message == "Votes and invalid ballots must add up to the ballots found."
    assert result.report.status == Report.Status.FLAGGED
    assert result.flags == ["quality_check"]


def test_a_passing_check_raises_nothing(observer, voting):
    result = submit(observer, report_payload(voting, answers=COUNT | {"votes_total": 490}))
    assert Flag.objects.count() == 0
    assert result.report.status == Report.Status.NEW and result.flags == []


def test_an_edit_that_fixes_the_count_resolves_the_check(observer, voting):
    wrong = submit(observer, report_payload(voting, answers=COUNT | {"votes_total": 480}))
    fixed = submit(
        observer,
        report_payload(
            voting, replaces=str(wrong.instance_id), answers=COUNT | {"votes_total": 490}
        ),
    )
    assert Flag.objects.get().resolved_at is not None
    assert fixed.flags == []


# --- the silence rule -----------------------------------------------------------------


@pytest.fixture
def silence(election):
    return f.CalendarPhaseFactory(
        election=election,
        kind=CalendarPhase.Kind.SILENCE,
        starts_at=dt.datetime(2017, 10, 13, 18, tzinfo=UTC),
        ends_at=dt.datetime(2017, 10, 15, 2, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("observed_at", "category", "flagged"),
    [
        ("2017-10-14T12:00:00+06:00", "campaigning", True),
        # The phase starts at 18:00 UTC, which is midnight in Bishkek.
        ("2017-10-14T00:00:00+06:00", "campaigning", True),
        ("2017-10-13T23:59:00+06:00", "campaigning", False),
        ("2017-10-15T07:59:00+06:00", "campaigning", True),
        ("2017-10-15T07:59:00+06:00", "violence", False),
        # The end is excluded, whatever the offset it is written with.
        ("2017-10-15T08:00:00+06:00", "campaigning", False),
        ("2017-10-15T09:00:00+07:00", "campaigning", False),
    ],
)
def test_campaigning_in_the_silence_period_is_flagged(
    observer, incident, silence, observed_at, category, flagged
):
    body = report_payload(incident, observed_at=observed_at, answers={"category": category})
    result = submit(observer, body)
    kinds = list(Flag.objects.values_list("kind", flat=True))
    assert kinds == (["silence_campaigning"] if flagged else [])
    assert (result.report.status == Report.Status.FLAGGED) is flagged


def test_the_silence_rule_reads_a_multiple_choice_category(observer, mission, silence):
    form = make_form(
        mission,
        "campaign_event",
        question("category", "select_multiple", choices=["rally", "campaigning"]),
    )
    body = report_payload(form, answers={"category": ["rally", "campaigning"]})
    body["observed_at"] = "2017-10-14T12:00:00+06:00"
    assert submit(observer, body).flags == ["silence_campaigning"]


def test_checklists_are_not_read_for_the_silence_rule(observer, mission, silence):
    form = make_form(
        mission, "opening", question("category", "select_one", choices=["campaigning"])
    )
    body = report_payload(form, answers={"category": "campaigning"})
    body["observed_at"] = "2017-10-14T12:00:00+06:00"
    assert submit(observer, body).flags == []


# --- conflicts ------------------------------------------------------------------------


def test_two_observers_who_disagree_are_both_in_conflict(observer, second_observer, voting):
    mine = submit(observer, report_payload(voting, answers={"opened": "yes", "voters": 420}))
    theirs = submit(
        second_observer.user,
        report_payload(voting, answers={"opened": "no", "voters": 420, "comment": "late"}),
    )
    for result, other_code in [(mine, "5678"), (theirs, "1234")]:
        report = Report.objects.get(pk=result.report.pk)
        assert report.in_conflict and report.status == Report.Status.FLAGGED
        flag = report.flags.get(kind=Flag.Kind.CONFLICT)
        assert flag.code == other_code
        assert "opened" in flag.message and "voters" not in flag.message
    assert theirs.flags == ["conflict"]


def test_two_observers_who_agree_are_not_in_conflict(observer, second_observer, voting):
    submit(observer, report_payload(voting, answers={"opened": "yes", "comment": "calm"}))
    # Different free text, and questions only one answered, are not disagreements.
    submit(
        second_observer.user,
        report_payload(voting, answers={"opened": "yes", "voters": 3, "comment": "quiet"}),
    )
    assert not Report.objects.filter(in_conflict=True).exists()
    assert Flag.objects.count() == 0


def test_a_conflict_is_flagged_once_however_often_it_is_sent(observer, second_observer, voting):
    submit(observer, report_payload(voting, answers={"opened": "yes"}))
    for comment in ["first", "second"]:
        answers = {"opened": "no", "comment": comment}
        assert submit(second_observer.user, report_payload(voting, answers=answers)).flags
    assert Flag.objects.filter(kind=Flag.Kind.CONFLICT).count() == 2
    assert Report.objects.get(observer=second_observer).versions.count() == 2


# --- review ---------------------------------------------------------------------------


def test_the_core_team_decides_and_notes_with_who_and_when(observer, coordinator, voting):
    report = submit(observer, report_payload(voting)).report
    decide_report(
        report, status=Report.Status.VERIFIED, note=" Called the team. ", user=coordinator
    )
    add_note(report, note="Photo received.", user=coordinator)
    report.refresh_from_db()
    assert report.status == Report.Status.VERIFIED
    decisions = list(ReviewDecision.objects.values_list("status", "note", "decided_by"))
    assert decisions == [
        ("verified", "Called the team.", coordinator.pk),
        ("verified", "Photo received.", coordinator.pk),
    ]


@pytest.mark.parametrize("persona", ["observer", "data_clerk", "viewer"])
def test_only_the_core_team_reviews(request, persona, observer, voting):
    report = submit(observer, report_payload(voting)).report
    with pytest.raises(PermissionDenied):
        decide_report(report, status=Report.Status.REJECTED, user=request.getfixturevalue(persona))
    assert ReviewDecision.objects.count() == 0

"""What submitting a report costs, and the shortcuts taken for it staying right.

The answer of a new report names its flags without reading them back, and the
lookups are a fixed handful of queries (the report API benchmark depends on both).
"""

import dataclasses

import pytest
from django.db import connection

from pollwatch.reports import access
from pollwatch.reports.models import Channel, Flag, Report, ReportVersion, Submission
from pollwatch.reports.services import ReportRefused, submit_report
from pollwatch.reports.testing import report_payload

pytestmark = pytest.mark.usefixtures("observer_row")

COUNT = {"opened": "yes", "ballots_found": 500, "invalid": 10}


def submit(user, body):
    return submit_report(user=user, payload=body, channel=Channel.API)


def stored_open_flags(report: Report) -> list[str]:
    kinds = Flag.objects.filter(report=report, resolved_at=None).values_list("kind", flat=True)
    return sorted(set(kinds))


def test_a_new_checklist_takes_a_fixed_number_of_queries(
    observer, voting, django_assert_max_num_queries
):
    submit(observer, report_payload(voting))  # the form's spec is now cached
    # One query resolves who, what, where and whether the instance id is known; then
    # savepoint, the station's checklists, the rows, release. SQLite inserts the
    # report, its version and its submission, then points the report at its version;
    # PostgreSQL locks the station's row first and inserts the three rows at once.
    budget = 6 if connection.vendor == "postgresql" else 8
    with django_assert_max_num_queries(budget):
        result = submit(observer, report_payload(voting, visit=2))
    assert result.status == "created"


def test_a_retry_is_answered_in_one_query_after_resolving(
    observer, voting, django_assert_num_queries
):
    body = report_payload(voting)
    first = submit(observer, body)
    submit(observer, body)  # PostgreSQL prepares the lookup once per connection
    # The resolving query, then the earlier submission with its report's open flags:
    # no transaction, no lock (a recorded submission never changes).
    with django_assert_num_queries(2):
        again = submit(observer, body)
    assert (again.status, again.report, again.version) == ("duplicate", first.report, first.version)
    assert again.receipt == first.receipt


def test_a_retry_of_a_flagged_report_names_its_open_flags(observer, voting):
    body = report_payload(voting, answers=COUNT | {"votes_total": 480})
    first = submit(observer, body)
    again = submit(observer, body)
    assert again.flags == first.flags == stored_open_flags(first.report) == ["quality_check"]


def test_a_new_report_names_the_flags_it_raised(observer, voting):
    result = submit(observer, report_payload(voting, answers=COUNT | {"votes_total": 480}))
    assert result.flags == stored_open_flags(result.report) == ["quality_check"]
    assert Report.objects.get().status == Report.Status.FLAGGED


def test_a_new_report_in_conflict_names_the_conflict(observer, second_observer, voting):
    submit(observer, report_payload(voting, answers=COUNT | {"votes_total": 480}))
    theirs = submit(
        second_observer.user, report_payload(voting, answers={"opened": "no", "voters": 3})
    )
    assert theirs.flags == stored_open_flags(theirs.report) == ["conflict"]
    # Sent again with the same content: a duplicate reads the flags back, the same.
    again = submit(
        second_observer.user, report_payload(voting, answers={"opened": "no", "voters": 3})
    )
    assert again.status == "duplicate" and again.flags == ["conflict"]


def test_a_clean_new_report_is_new_with_no_flags(observer, voting):
    result = submit(observer, report_payload(voting, answers=COUNT | {"votes_total": 490}))
    assert result.flags == stored_open_flags(result.report) == []
    assert Report.objects.get().status == Report.Status.NEW


def test_a_new_reports_rows_point_at_each_other_as_stored(observer, voting):
    # On PostgreSQL the three rows are one statement with ids drawn beforehand; the
    # answer's objects and the stored rows must agree with each other.
    body = report_payload(voting, answers=COUNT | {"votes_total": 490})
    result = submit(observer, body)
    report = Report.objects.get()
    version = ReportVersion.objects.get()
    submission = Submission.objects.get()
    assert (result.report.pk, result.version.pk) == (report.pk, version.pk)
    assert report.current_id == version.pk and version.report_id == report.pk
    assert (
        submission.version_id == version.pk and str(submission.instance_id) == body["instance_id"]
    )
    assert (version.number, version.answers["votes_total"]) == (1, 490)
    assert result.report.current_id == version.pk and result.version.report_id == report.pk


@pytest.fixture
def stale_hint(monkeypatch):
    """The resolving query says every instance id is new, as when a racing request
    records it between that query and the transaction."""
    resolve = access.submission_target

    def unaware(*args, **kwargs):
        return dataclasses.replace(resolve(*args, **kwargs), instance_seen=False)

    monkeypatch.setattr(access, "submission_target", unaware)


def rows() -> tuple[int, int, int]:
    return (Report.objects.count(), ReportVersion.objects.count(), Submission.objects.count())


def test_a_retry_missed_by_the_hint_is_still_a_duplicate(observer, voting, stale_hint):
    body = report_payload(voting)
    first = submit(observer, body)
    again = submit(observer, body)
    assert (again.status, again.report, again.version) == ("duplicate", first.report, first.version)
    assert rows() == (1, 1, 1)


def test_other_content_missed_by_the_hint_is_still_a_409(observer, voting, incident, stale_hint):
    body = report_payload(voting)
    submit(observer, body)
    with pytest.raises(ReportRefused) as caught:
        submit(observer, dict(body, answers={"opened": "no"}))
    assert caught.value.status == 409
    incident_body = report_payload(incident)
    submit(observer, incident_body)
    assert submit(observer, incident_body).status == "duplicate"
    assert rows() == (2, 2, 2)

"""The station question: one convention for the station on every channel."""

import pytest

from pollwatch.reports.models import Channel
from pollwatch.reports.services import ReportRefused, submit_report
from pollwatch.reports.testing import make_form, question, report_payload

pytestmark = pytest.mark.usefixtures("observer_row")


@pytest.fixture
def opening(mission):
    """A checklist whose first question names the station, as ODK Collect sends it."""
    return make_form(
        mission,
        "opening",
        question("station", "text", required=True),
        question("opened", "select_one", required=True, choices=["yes", "no"]),
        question("voters", "integer"),
    )


def submit(user, body, channel=Channel.API):
    return submit_report(user=user, payload=body, channel=channel)


def test_the_payloads_station_fills_the_answer(observer, opening):
    result = submit(observer, report_payload(opening))
    assert result.report.station.code == "1001"
    assert result.version.answers == {"station": "1001", "opened": "yes", "voters": 420}


def test_the_answer_names_the_station_when_the_payload_does_not(observer, opening):
    body = report_payload(opening, station=None, answers={"station": " 1001 ", "opened": "no"})
    result = submit(observer, body, Channel.ODK)
    assert result.report.station.code == "1001"
    assert result.version.answers["opened"] == "no"


def test_the_same_checklist_by_either_way_is_a_duplicate(observer, opening):
    first = submit(observer, report_payload(opening))
    again = submit(
        observer,
        report_payload(
            opening, station=None, answers={"station": "1001", "opened": "yes", "voters": 420}
        ),
        Channel.ODK,
    )
    assert (again.status, again.report) == ("duplicate", first.report)


def test_a_station_answer_that_is_not_the_payloads_is_a_422(observer, opening):
    body = report_payload(opening, answers={"station": "1002", "opened": "yes"})
    with pytest.raises(ReportRefused) as caught:
        submit(observer, body)
    assert caught.value.status == 422
    assert [error["field"] for error in caught.value.errors] == ["station"]


def test_an_unknown_station_in_the_answer_is_a_404_on_station(observer, opening):
    body = report_payload(opening, station=None, answers={"station": "9999", "opened": "yes"})
    with pytest.raises(ReportRefused) as caught:
        submit(observer, body)
    assert caught.value.status == 404
    assert caught.value.errors[0]["field"] == "station"


def test_the_answers_station_is_held_to_the_deployment(observer, opening):
    body = report_payload(opening, station=None, answers={"station": "2001", "opened": "yes"})
    with pytest.raises(ReportRefused) as caught:
        submit(observer, body)
    assert caught.value.status == 403


def test_a_form_without_the_question_keeps_its_answers(observer, voting):
    result = submit(observer, report_payload(voting))
    assert "station" not in result.version.answers
    body = report_payload(voting, station=None, answers={"station": "1001", "opened": "yes"})
    with pytest.raises(ReportRefused) as caught:
        submit(observer, body)
    # The answer is no station here: the checklist still lacks one.
    assert caught.value.status == 422
    assert caught.value.errors[0]["field"] == "station"

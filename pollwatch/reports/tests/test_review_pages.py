"""The core team's review pages: who may open them, filters, one report, decisions.

Reports are written straight into the tables here (the submission path has tests of
its own); the pages only read them, except the decision form.
"""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from pollwatch.reports.models import Flag, Report, ReportVersion, ReviewDecision, Submission
from pollwatch.reports.testing import make_form, make_observer, question
from pollwatch.testing import factories as f

UTC = dt.UTC
RECEIVED = dt.datetime(2017, 10, 15, 3, 5, tzinfo=UTC)  # 09:05 in Bishkek


@pytest.fixture
def voting(mission):
    form_version = make_form(
        mission,
        "voting",
        question("queue", "integer", label="Voters queuing"),
        question("overall", "select_one", choices=["good", "bad"], label="Overall"),
    )
    # Labels in two languages, as an XLSForm upload makes them.
    spec = form_version.spec
    spec["questions"][1]["choices"] = [
        {"value": "good", "label": {"en": "Good", "ru": "Хорошо"}},
        {"value": "bad", "label": {"en": "Bad", "ru": "Плохо"}},
    ]
    form_version.save(update_fields=["spec"])
    return form_version


@pytest.fixture
def incident(mission):
    return make_form(mission, "incident", question("description", "text"))


@pytest.fixture
def areas(election):
    north = f.AreaFactory(election=election, code="N", name="North")
    south = f.AreaFactory(election=election, code="S", name="South")
    district = f.AreaFactory(election=election, code="N-1", name="North 1", parent=north)
    return north, south, district


def add_report(form_version, observer, station, *answers, **fields):
    """A report with one version per answers dict, each behind one submission."""
    form = form_version.form
    report = Report.objects.create(
        mission=form.mission,
        form=form,
        observer=observer,
        station=station,
        is_checklist=form.is_checklist,
        observed_at=RECEIVED,
        created_at=RECEIVED,
        **fields,
    )
    previous = None
    for number, content in enumerate(answers, start=1):
        previous = ReportVersion.objects.create(
            report=report,
            number=number,
            form_version=form_version,
            answers=content,
            content_hash=f"hash-{number}",
            observed_at=RECEIVED,
            channel="web" if number == 1 else "sms",
            replaces=previous,
            created_at=RECEIVED + dt.timedelta(minutes=number),
        )
        Submission.objects.create(
            instance_id=uuid.uuid4(), version=previous, content_hash=f"hash-{number}", channel="web"
        )
    report.current = previous
    report.save(update_fields=["current"])
    return report


@pytest.fixture
def reports(mission, voting, incident, areas):
    north, south, district = areas
    near = f.PollingStationFactory(area=district, code="1001")
    far = f.PollingStationFactory(area=south, code="2001")
    anna = make_observer(mission, code="4001", name="Anna")
    boris = make_observer(mission, code="4002", name="Boris")
    return {
        "near": add_report(
            voting, anna, near, {"queue": 3, "overall": "good"}, {"queue": 7, "overall": "bad"}
        ),
        "far": add_report(
            voting, boris, far, {"queue": 0, "overall": "good"}, status=Report.Status.FLAGGED
        ),
        "incident": add_report(incident, boris, None, {"description": "A crowd outside"}),
    }


def list_url(mission):
    return reverse("review:list", args=[mission.code])


def report_url(report):
    return reverse("review:report", args=[report.mission.code, report.uuid])


def listed(response):
    return {report.pk for report in response.context["page"].object_list}


@pytest.mark.parametrize("persona", ["coordinator", "analyst"])
def test_core_team_sees_every_report(request, as_user, mission, reports, persona):
    response = as_user(request.getfixturevalue(persona)).get(list_url(mission))
    assert response.status_code == 200
    assert listed(response) == {r.pk for r in reports.values()}
    page = response.content.decode()
    assert "09:05" in page  # received time in the election's time zone, not UTC's 03:05
    assert "Asia/Bishkek" in page


@pytest.mark.parametrize("persona", ["observer", "viewer", "data_clerk"])
def test_other_roles_are_refused(request, as_user, mission, reports, persona):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(list_url(mission)).status_code == 403
    assert client.get(report_url(reports["near"])).status_code == 403


def test_another_missions_coordinator_gets_404(as_user, other_coordinator, mission, reports):
    client = as_user(other_coordinator)
    assert client.get(list_url(mission)).status_code == 404
    assert client.get(report_url(reports["near"])).status_code == 404
    # Nor through their own mission's address.
    other = reverse(
        "review:report",
        args=[other_coordinator.memberships.get().mission.code, reports["near"].uuid],
    )
    assert client.get(other).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, mission, reports):
    response = client.get(list_url(mission))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"form": "voting"}, {"near", "far"}),
        ({"form": "incident"}, {"incident"}),
        ({"area": "N"}, {"near"}),  # the whole subtree of North
        ({"area": "S"}, {"far"}),
        ({"area": "nowhere"}, set()),
        ({"status": "flagged"}, {"far"}),
        ({"status": "new"}, {"near", "incident"}),
        ({"observer": "4002"}, {"far", "incident"}),
        ({"station": "100"}, {"near"}),
        ({"form": "voting", "observer": "4002"}, {"far"}),
    ],
)
def test_filters(as_user, coordinator, mission, reports, params, expected):
    response = as_user(coordinator).get(list_url(mission), params)
    assert listed(response) == {reports[key].pk for key in expected}


def test_flag_filter_and_conflict_marker(as_user, coordinator, mission, reports):
    far = reports["far"]
    Flag.objects.create(report=far, version=far.current, kind=Flag.Kind.QUALITY_CHECK, code="x")
    near = reports["near"]
    Report.objects.filter(pk=near.pk).update(in_conflict=True)
    Flag.objects.create(
        report=near, kind=Flag.Kind.QUALITY_CHECK, resolved_at=RECEIVED
    )  # resolved: no longer counts
    client = as_user(coordinator)
    assert listed(client.get(list_url(mission), {"flag": "quality_check"})) == {far.pk}
    response = client.get(list_url(mission), {"flag": "conflict"})
    assert listed(response) == {near.pk}
    assert "In conflict" in response.content.decode()


def test_list_is_paginated(as_user, coordinator, mission, voting):
    observer = make_observer(mission)
    for _ in range(55):
        add_report(voting, observer, f.PollingStationFactory(), {"queue": 1})
    client = as_user(coordinator)
    first = client.get(list_url(mission))
    assert len(first.context["page"].object_list) == 50
    second = client.get(list_url(mission), {"page": 2})
    assert len(second.context["page"].object_list) == 5


def test_report_page_shows_labelled_answers_raw_json_and_history(as_user, coordinator, reports):
    report = reports["near"]
    response = as_user(coordinator).get(report_url(report))
    assert response.status_code == 200
    page = response.content.decode()
    rows = {row.name: row for row in response.context["answer_rows"]}
    assert (rows["queue"].label, rows["queue"].value) == ("Voters queuing", "7")
    assert rows["overall"].value == "Bad"  # the choice's label, not its value
    assert "&quot;overall&quot;: &quot;bad&quot;" in page  # the raw answers
    history = response.context["history"]
    assert [version.number for version, _changes in history] == [1, 2]
    changes = {c.label: (c.before, c.after) for c in history[1][1]}
    assert changes == {"Voters queuing": ("3", "7"), "Overall": ("Good", "Bad")}
    for version in report.versions.all():
        for submission in version.submissions.all():
            assert str(submission.instance_id) in page
    assert "SMS" in page and "Web" in page  # each version's channel


def test_report_page_in_russian_uses_the_russian_labels(client, coordinator, reports):
    client.force_login(coordinator)
    client.cookies["django_language"] = "ru"
    response = client.get(report_url(reports["near"]), HTTP_ACCEPT_LANGUAGE="ru")
    rows = {row.name: row for row in response.context["answer_rows"]}
    assert rows["overall"].value == "Плохо"


def test_flags_and_decisions_are_listed(as_user, coordinator, reports):
    report = reports["far"]
    Flag.objects.create(
        report=report, kind=Flag.Kind.QUALITY_CHECK, code="votes_add_up", message="Sums differ"
    )
    ReviewDecision.objects.create(
        report=report, status=Report.Status.FLAGGED, note="Call the team", decided_by=coordinator
    )
    page = as_user(coordinator).get(report_url(report)).content.decode()
    assert "votes_add_up" in page and "Sums differ" in page
    assert "Call the team" in page and "coordinator" in page


def test_decision_is_recorded_with_who_and_when(as_user, analyst, reports):
    report = reports["far"]
    client = as_user(analyst)
    url = reverse("review:decide", args=[report.mission.code, report.uuid])
    response = client.post(url, {"status": "verified", "note": "Checked by phone"})
    assert response.status_code == 302
    assert response["Location"] == report_url(report)
    decision = ReviewDecision.objects.get(report=report)
    assert (decision.status, decision.note, decision.decided_by) == (
        "verified",
        "Checked by phone",
        analyst,
    )
    assert decision.decided_at is not None
    report.refresh_from_db()
    assert report.status == Report.Status.VERIFIED
    page = client.get(report_url(report)).content.decode()
    assert "Checked by phone" in page


def test_decision_refused_for_a_bad_status_and_for_other_roles(
    as_user, coordinator, observer, reports
):
    report = reports["far"]
    url = reverse("review:decide", args=[report.mission.code, report.uuid])
    assert as_user(coordinator).post(url, {"status": "approved"}).status_code == 400
    assert as_user(observer).post(url, {"status": "verified"}).status_code == 403
    assert as_user(coordinator).get(url).status_code == 405
    assert not ReviewDecision.objects.filter(report=report).exists()
    report.refresh_from_db()
    assert report.status == Report.Status.FLAGGED


def test_unknown_report_is_404(as_user, coordinator, mission, reports):
    client = as_user(coordinator)
    assert (
        client.get(reverse("review:report", args=[mission.code, uuid.uuid4()])).status_code == 404
    )
    assert (
        client.get(reverse("review:report", args=[mission.code, "not-a-uuid"])).status_code == 404
    )

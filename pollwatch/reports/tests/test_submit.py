"""submit_report: deduplication, versions, edits, who may report and where."""

import uuid

import pytest

from pollwatch.missions.models import Mission
from pollwatch.reports.models import Channel, Flag, Report, ReportVersion, Submission
from pollwatch.reports.services import ReportRefused, receipt_for, submit_report
from pollwatch.reports.testing import deploy, make_form, make_observer, question, report_payload
from pollwatch.testing import factories as f

pytestmark = pytest.mark.usefixtures("observer_row")


def submit(user, body, channel=Channel.API):
    return submit_report(user=user, payload=body, channel=channel)


def refused(user, body, channel=Channel.API) -> ReportRefused:
    with pytest.raises(ReportRefused) as caught:
        submit(user, body, channel)
    return caught.value


def counts():
    return (Report.objects.count(), ReportVersion.objects.count(), Submission.objects.count())


def test_a_new_checklist_is_one_report_version_and_submission(observer, observer_row, voting):
    body = report_payload(voting)
    result = submit(observer, body)
    assert (result.status, result.http_status, result.version.number) == ("created", 201, 1)
    assert counts() == (1, 1, 1)
    report = result.report
    assert (report.observer, report.station.code, report.visit) == (observer_row, "1001", 1)
    assert report.is_checklist and report.status == Report.Status.NEW
    assert report.current == result.version
    assert result.version.answers == {"opened": "yes", "voters": 420}
    assert result.version.entered_by == observer
    submission = Submission.objects.get()
    assert str(submission.instance_id) == body["instance_id"]
    assert result.receipt == receipt_for(submission.content_hash)
    assert len(result.receipt) == 8 and result.receipt.isalnum()


def test_a_retry_is_acknowledged_without_a_new_row(observer, voting):
    body = report_payload(voting)
    first = submit(observer, body)
    again = submit(observer, dict(body, answers={"voters": "420", "opened": "yes"}))
    assert (again.status, again.http_status) == ("duplicate", 200)
    assert (again.report, again.version, again.receipt) == (
        first.report,
        first.version,
        first.receipt,
    )
    assert counts() == (1, 1, 1)


def test_the_same_instance_id_with_other_content_is_a_409_naming_it(observer, voting):
    body = report_payload(voting)
    submit(observer, body)
    error = refused(observer, dict(body, answers={"opened": "no"}))
    assert error.status == 409
    assert body["instance_id"] in error.detail
    assert counts() == (1, 1, 1)


@pytest.mark.parametrize("instance_id", [None, "", "not-a-uuid", 42, ["x"]])
def test_a_missing_or_malformed_instance_id_is_a_400(observer, voting, instance_id):
    body = report_payload(voting, instance_id=instance_id)
    if instance_id is not None:
        body["instance_id"] = instance_id
    error = refused(observer, body)
    assert error.status == 400
    assert error.errors[0]["field"] == "instance_id"
    assert counts() == (0, 0, 0)


def test_an_identical_checklist_from_another_channel_is_a_duplicate(observer, voting):
    web = submit(observer, report_payload(voting), Channel.WEB)
    # Another instance id, another clock: the same answers for the same key.
    body = report_payload(voting, observed_at="2017-10-15T08:20:00+06:00")
    api = submit(observer, body)
    assert (api.status, api.http_status) == ("duplicate", 200)
    assert api.report == web.report and api.version == web.version
    assert counts() == (1, 1, 2)
    assert Flag.objects.count() == 0
    # Its own retry is acknowledged too.
    assert submit(observer, body).status == "duplicate"
    assert counts() == (1, 1, 2)


def test_a_changed_checklist_is_a_new_flagged_version(observer, voting):
    web = submit(observer, report_payload(voting), Channel.WEB)
    api = submit(observer, report_payload(voting, answers={"opened": "yes", "voters": 421}))
    assert (api.status, api.http_status, api.version.number) == ("created", 201, 2)
    assert api.report == web.report
    report = Report.objects.get()
    current = report.versions.get(number=2)
    assert report.current == current and current.answers["voters"] == 421
    assert report.status == Report.Status.FLAGGED
    flag = Flag.objects.get()
    assert (flag.kind, flag.version) == (Flag.Kind.CHANGED_RESUBMISSION, current)
    assert api.flags == ["changed_resubmission"]
    assert counts() == (1, 2, 2)


def test_a_second_visit_is_another_report(observer, voting):
    submit(observer, report_payload(voting))
    second = submit(observer, report_payload(voting, visit=2, answers={"opened": "no"}))
    assert second.status == "created" and second.report.visit == 2
    assert counts() == (2, 2, 2)
    assert Flag.objects.count() == 0


def test_incidents_are_never_merged(observer, incident):
    first = submit(observer, report_payload(incident))
    second = submit(observer, report_payload(incident))
    assert first.report != second.report
    assert not first.report.is_checklist
    assert counts() == (2, 2, 2)


def test_an_edit_is_a_new_version_of_the_same_report_not_flagged(observer, incident):
    original = submit(observer, report_payload(incident))
    edit = submit(
        observer,
        report_payload(
            incident,
            replaces=str(original.instance_id),
            answers={"category": "other", "description": "A crowd."},
        ),
    )
    assert (edit.status, edit.http_status, edit.version.number) == ("created", 201, 2)
    assert edit.report == original.report
    assert edit.version.replaces == original.version
    assert edit.report.current == edit.version
    assert Flag.objects.count() == 0
    assert counts() == (1, 2, 2)


def test_an_edit_of_an_unknown_instance_id_is_a_404(observer, incident):
    error = refused(observer, report_payload(incident, replaces=str(uuid.uuid4())))
    assert (error.status, error.errors[0]["field"]) == (404, "replaces")
    assert counts() == (0, 0, 0)


def test_an_edit_cannot_move_a_report_to_another_key(observer, voting, mission):
    mission.report_scope = Mission.ReportScope.AREA
    mission.save()
    original = str(submit(observer, report_payload(voting)).instance_id)
    for key, value in [("station", "1002"), ("visit", 2)]:
        error = refused(observer, report_payload(voting, replaces=original, **{key: value}))
        assert (error.status, error.errors[0]["field"]) == (422, key)
    assert counts() == (1, 1, 1)


def test_an_edit_of_another_missions_report_is_a_404(
    observer, voting, other_mission, other_mission_observer, election
):
    other_form = make_form(
        other_mission, "voting", question("opened", "select_one", choices=["yes"])
    )
    station = f.PollingStationFactory(area=f.AreaFactory(election=election), code="3001")
    deploy(make_observer(other_mission, user=other_mission_observer), station)
    theirs = submit(
        other_mission_observer,
        report_payload(other_form, station="3001", answers={"opened": "yes"}),
    )
    error = refused(observer, report_payload(voting, replaces=str(theirs.instance_id)))
    assert error.status == 404


# --- scope ----------------------------------------------------------------------------


def test_a_station_outside_the_deployment_is_a_403_with_the_reason(observer, voting):
    error = refused(observer, report_payload(voting, station="1002"))
    assert error.status == 403
    assert "1002" in error.detail and "deployment" in error.detail
    assert counts() == (0, 0, 0)


def test_the_area_setting_allows_any_station_of_the_deployment_area(observer, voting, mission):
    mission.report_scope = Mission.ReportScope.AREA
    mission.save()
    assert submit(observer, report_payload(voting, station="1002")).status == "created"
    # 2001 lies in D2, outside the deployment's area D1.
    assert refused(observer, report_payload(voting, station="2001")).status == 403


def test_an_area_only_deployment_covers_its_area(mission, voting, stations, areas):
    user = f.MembershipFactory(mission=mission).user
    deploy(make_observer(mission, user=user), area=areas["R"])
    assert submit(user, report_payload(voting, station="2001")).status == "created"


def test_an_observer_without_a_deployment_may_not_report_for_a_station(mission, voting, stations):
    user = f.MembershipFactory(mission=mission).user
    make_observer(mission, user=user, team=None)
    assert refused(user, report_payload(voting)).status == 403


def test_a_station_of_another_election_is_a_404(observer, voting):
    f.PollingStationFactory(code="9999")
    error = refused(observer, report_payload(voting, station="9999"))
    assert (error.status, error.errors[0]["field"]) == (404, "station")


def test_another_missions_member_gets_404(other_mission_observer, voting):
    error = refused(other_mission_observer, report_payload(voting))
    assert (error.status, error.errors[0]["field"]) == (404, "mission")


def test_a_form_of_another_mission_is_a_404(observer, voting, other_mission):
    make_form(other_mission, "counting", question("x"))
    error = refused(observer, report_payload(voting, form="counting"))
    assert (error.status, error.errors[0]["field"]) == (404, "form")


def test_an_unknown_form_version_is_a_422_naming_it(observer, voting):
    error = refused(observer, report_payload(voting, form_version="7"))
    assert (error.status, error.errors[0]["field"]) == (422, "form_version")


def test_answers_for_another_version_are_refused(observer, voting, mission):
    make_form(
        mission, "voting", question("opened", "select_one", choices=["yes", "no"]), version="2"
    )
    error = refused(
        observer, report_payload(voting, form_version="2", answers={"opened": "yes", "voters": 4})
    )
    assert error.status == 422
    assert [(e["field"], e["code"]) for e in error.errors] == [("voters", "unknown")]
    assert counts() == (0, 0, 0)


def test_every_version_is_kept_with_the_report(observer, voting, mission):
    make_form(
        mission, "voting", question("opened", "select_one", choices=["yes", "no"]), version="2"
    )
    first = submit(observer, report_payload(voting))
    second = submit(observer, report_payload(voting, form_version="2", answers={"opened": "no"}))
    assert first.version.form_version.version == "1"
    assert second.version.form_version.version == "2"


# --- who ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "data_clerk"])
def test_a_clerk_or_coordinator_enters_on_an_observers_behalf(
    request, persona, observer_row, voting
):
    user = request.getfixturevalue(persona)
    result = submit(user, report_payload(voting, observer="1234"))
    assert result.status == "created"
    assert result.report.observer == observer_row
    assert result.version.entered_by == user
    assert Submission.objects.get().entered_by == user


def test_entry_on_behalf_is_checked_against_the_observers_deployment(data_clerk, voting):
    error = refused(data_clerk, report_payload(voting, observer="1234", station="2001"))
    assert error.status == 403 and "1234" in error.detail


def test_a_clerk_must_name_a_known_observer(data_clerk, voting):
    assert refused(data_clerk, report_payload(voting)).status == 403
    error = refused(data_clerk, report_payload(voting, observer="9876"))
    assert (error.status, error.errors[0]["field"]) == (422, "observer")


@pytest.mark.parametrize("persona", ["viewer", "analyst"])
def test_roles_that_may_not_report_get_403(request, persona, voting):
    error = refused(request.getfixturevalue(persona), report_payload(voting, observer="1234"))
    assert error.status == 403
    assert "role" in error.detail


def test_an_observer_may_not_report_for_another(observer, voting, second_observer):
    error = refused(observer, report_payload(voting, observer="5678"))
    assert error.status == 403 and "themselves" in error.detail


def test_an_observer_naming_themselves_is_fine(observer, voting):
    assert submit(observer, report_payload(voting, observer="1234")).status == "created"


# --- the payload ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("form", 12),
        ("visit", "two"),
        ("visit", 0),
        ("visit", True),
        ("observed_at", "2017-10-15T08:05:00"),
        ("observed_at", "yesterday"),
        ("answers", ["opened", "yes"]),
        ("replaces", "nope"),
        ("colour", "blue"),
    ],
)
def test_a_wrong_type_is_a_422_naming_the_key(observer, voting, key, value):
    error = refused(observer, report_payload(voting, **{key: value}))
    assert error.status == 422
    assert [e["field"] for e in error.errors] == [key]
    assert counts() == (0, 0, 0)


def test_a_checklist_needs_a_station(observer, voting):
    error = refused(observer, report_payload(voting, station=None))
    assert (error.status, error.errors[0]["field"]) == (422, "station")


def test_an_incident_needs_no_station(observer, incident):
    assert submit(observer, report_payload(incident)).report.station is None


def test_invalid_answers_name_each_question(observer, voting):
    error = refused(observer, report_payload(voting, answers={"voters": 6000, "nope": 1}))
    assert error.status == 422
    assert {e["field"] for e in error.errors} == {"voters", "nope", "opened"}
    assert counts() == (0, 0, 0)

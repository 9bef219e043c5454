"""The SMS guide (every member) and the test console (core team only)."""

import pytest
from django.urls import reverse

from pollwatch.channels.models import InboundMessage
from pollwatch.reports.models import Report
from pollwatch.reports.testing import deploy, make_form, make_observer, question
from pollwatch.testing import factories as f


def tagged(q, tag):
    return {**q, "compact_tag": tag}


@pytest.fixture
def checklist(mission):
    return make_form(
        mission,
        "voting",
        tagged(question("opened", "select_one", required=True, choices=["yes", "no"]), "A"),
        tagged(question("voters", "integer"), "B"),
        question("remarks", "text", label="Remarks"),
        code="ps",
    )


@pytest.fixture
def sender(mission, election):
    station = f.PollingStationFactory(area=f.AreaFactory(election=election), code="1001")
    row = make_observer(mission, code="1234", phone="+996555000111")
    deploy(row, station)
    return row


def guide_url(mission):
    return reverse("sms_pages:guide", args=[mission.code])


def console_url(mission):
    return reverse("sms_pages:console", args=[mission.code])


@pytest.mark.parametrize("persona", ["observer", "viewer", "coordinator"])
def test_every_member_sees_the_guide(request, as_user, mission, checklist, persona):
    response = as_user(request.getfixturevalue(persona)).get(guide_url(mission))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>PS</code>" in page
    assert "PS 1234 0457 A1 B12 @..." in page  # the worked example, made by compose()
    assert "Remarks" in page  # named as not sent by SMS


def test_outsiders_do_not_see_the_guide(
    as_user, mission, checklist, outsider, other_mission_observer
):
    assert as_user(outsider).get(guide_url(mission)).status_code == 404
    assert as_user(other_mission_observer).get(guide_url(mission)).status_code == 404


@pytest.mark.parametrize("persona", ["observer", "viewer", "data_clerk"])
def test_the_console_is_for_the_core_team(request, as_user, mission, persona):
    response = as_user(request.getfixturevalue(persona)).get(console_url(mission))
    assert response.status_code == 403


def test_console_dry_run_shows_the_parse_and_the_reply(
    as_user, analyst, mission, checklist, sender
):
    response = as_user(analyst).post(
        console_url(mission), {"text": "ps 1234 1001 a2 b7", "sender": "+996555000111"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "opened=no" in page and "voters=7" in page
    assert "nothing stored" in page
    assert not Report.objects.exists() and not InboundMessage.objects.exists()


def test_console_shows_problems(as_user, coordinator, mission, checklist, sender):
    page = as_user(coordinator).post(console_url(mission), {"text": "PS 1234 1001 A5"})
    assert "A: choose 1-2" in page.content.decode()


def test_console_can_record(as_user, coordinator, mission, checklist, sender):
    response = as_user(coordinator).post(
        console_url(mission), {"text": "PS 1234 1001 A1", "sender": "+996555000111", "record": "on"}
    )
    report = Report.objects.get()
    assert str(report.uuid) in response.content.decode()

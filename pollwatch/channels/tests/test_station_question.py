"""The station question (reports/services.py STATION_QUESTION) on ODK Collect and SMS."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pollwatch.channels.models import Gateway, InboundMessage
from pollwatch.channels.openrosa import services as openrosa
from pollwatch.channels.sms import syntax
from pollwatch.channels.sms.services import handle_inbound
from pollwatch.checklists.services import import_form
from pollwatch.demo.reports import FORMS_DIR
from pollwatch.reports.models import Channel, Report
from pollwatch.reports.testing import deploy, make_form, make_observer, question
from pollwatch.testing import factories as f

PHONE = "+996555000111"
# The demo's opening checklist, answered as an observer would.
OPENING_ANSWERS = {
    "arrival_time": "07:40",
    "members_present": 9,
    "materials_present": "yes",
    "box_shown_empty": "yes",
    "box_sealed": "yes",
    "observers_allowed": "yes",
    "opened_on_time": "yes",
    "unauthorised_present": "no",
    "overall_opening": "good",
}


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def station(election):
    return f.PollingStationFactory(area=f.AreaFactory(election=election), code="0457")


@pytest.fixture
def observer_row(mission, observer, station):
    row = make_observer(mission, user=observer, code="1234", phone=PHONE)
    deploy(row, station)
    return row


@pytest.fixture
def demo_opening(mission):
    data = (FORMS_DIR / "opening.xlsx").read_bytes()
    return import_form(mission, data, "opening.xlsx").version


def instance_xml(form_version, answers, instance_id):
    """The instance as ODK Collect writes it: every element of the form, meta last."""
    spec = form_version.spec
    times = {item["name"] for item in spec["questions"] if item["type"] == "time"}
    text = {
        name: f"{value}:00.000+06:00" if name in times else str(value)
        for name, value in answers.items()
    }
    body = []
    open_groups: list[str] = []
    for item in spec["questions"]:
        parts = item["path"].split("/")[2:]
        groups = parts[:-1]
        while open_groups and open_groups != groups[: len(open_groups)]:
            body.append(f"</{open_groups.pop()}>")
        for name in groups[len(open_groups) :]:
            body.append(f"<{name}>")
            open_groups.append(name)
        body.append(f"<{parts[-1]}>{text.get(item['name'], '')}</{parts[-1]}>")
    body.extend(f"</{name}>" for name in reversed(open_groups))
    return (
        f'<?xml version="1.0" ?><{spec["root"]} xmlns:orx="http://openrosa.org/xforms"'
        f' id="{form_version.form.code}" version="{form_version.version}">'
        + "".join(body)
        + f"<meta><instanceID>uuid:{instance_id}</instanceID>"
        "<timeEnd>2017-10-15T08:05:00.000+06:00</timeEnd></meta>"
        f"</{spec['root']}>"
    ).encode()


def test_odk_collect_sends_the_demo_opening_checklist_with_its_station(
    client, mission, observer_row, station, demo_opening
):
    assert demo_opening.spec["questions"][0]["name"] == "station"
    _app_user, key = openrosa.create_app_user(observer_row)
    xml_bytes = instance_xml(demo_opening, {"station": "0457", **OPENING_ANSWERS}, uuid.uuid4())
    target = reverse("openrosa:key_submission", args=[mission.code, key])
    upload = SimpleUploadedFile("submission.xml", xml_bytes, "text/xml")
    response = client.post(target, {"xml_submission_file": upload})
    assert response.status_code == 201, response.content
    report = Report.objects.select_related("current").get()
    assert (report.station, report.observer, report.form.code) == (station, observer_row, "opening")
    assert report.current is not None and report.current.channel == Channel.ODK
    assert report.current.answers["station"] == "0457"
    assert report.current.answers["members_present"] == 9


def test_the_demo_forms_keep_their_sms_codes_and_give_the_station_none(demo_opening):
    grammar = syntax.sms_form(demo_opening.spec)
    assert "station" not in grammar.by_name and "station" not in grammar.unsendable
    # The first question after the station keeps the code it had before.
    assert grammar.questions[0].name == "arrival_time" and grammar.questions[0].code == "A"


@pytest.fixture
def sms_checklist(mission):
    return make_form(
        mission,
        "opening",
        question("station", "text", required=True, label="Polling station code"),
        {
            **question("opened", "select_one", required=True, choices=["yes", "no"]),
            "compact_tag": "A",
        },
        code="ps",
    )


def test_an_sms_fills_the_station_question_from_its_station_code(
    mission, observer_row, station, sms_checklist
):
    gateway = Gateway.objects.create(
        mission=mission, kind=Gateway.Kind.SMSSYNC, name="g", secret="s"
    )
    result = handle_inbound(gateway, sender=PHONE, text="PS 1234 0457 A2")
    assert result.outcome == InboundMessage.Outcome.ACCEPTED, result.reply
    report = Report.objects.select_related("current").get()
    assert report.station == station
    assert report.current is not None and report.current.answers == {
        "station": "0457",
        "opened": "no",
    }


def test_the_sms_guide_gives_the_station_question_no_code(
    as_user, observer, mission, observer_row, sms_checklist
):
    page = as_user(observer).get(reverse("sms_pages:guide", args=[mission.code]))
    text = page.content.decode()
    assert page.status_code == 200 and "<code>PS</code>" in text
    # Neither a code nor "not sent by SMS": the station code fills it.
    assert "Polling station code" not in text

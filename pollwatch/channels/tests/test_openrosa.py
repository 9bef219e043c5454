"""OpenRosa endpoints as ODK Collect uses them: XForms written by pyxform, instance XML
shaped like Collect's, multipart posts through the Django test client."""

import base64
import hashlib
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - parses the server's own answers

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pollwatch.channels.openrosa import services
from pollwatch.checklists.services import import_form
from pollwatch.checklists.testing import make_xlsform
from pollwatch.reports.models import Channel, Report, ReportVersion, Submission
from pollwatch.reports.testing import deploy, make_observer
from pollwatch.testing import factories as f

LIST_NS = "{http://openrosa.org/xforms/xformsList}"
RESPONSE_NS = "{http://openrosa.org/http/response}"
XFORMS_NS = "{http://www.w3.org/2002/xforms}"

OPENING_SURVEY = [
    {"type": "text", "name": "station", "label::English (en)": "Station", "required": "yes"},
    {"type": "begin group", "name": "opening", "label::English (en)": "Opening"},
    {
        "type": "select_one yn",
        "name": "opened",
        "label::English (en)": "Opened on time?",
        "label::Russian (ru)": "Открыт вовремя?",
        "required": "yes",
    },
    {"type": "select_multiple problems", "name": "problems", "label::English (en)": "Problems"},
    {"type": "integer", "name": "voters", "label::English (en)": "Voters in the queue"},
    {"type": "time", "name": "opened_at", "label::English (en)": "Opened at"},
    {"type": "note", "name": "thanks", "label::English (en)": "Thank you"},
    {"type": "end group"},
    {"type": "calculate", "name": "double", "calculation": "${voters} * 2"},
]
CHOICES = [
    {"list_name": "yn", "name": "yes", "label::English (en)": "Yes", "label::Russian (ru)": "Да"},
    {"list_name": "yn", "name": "no", "label::English (en)": "No", "label::Russian (ru)": "Нет"},
    {"list_name": "problems", "name": "queue", "label::English (en)": "Queue"},
    {"list_name": "problems", "name": "ink", "label::English (en)": "No ink"},
    {"list_name": "problems", "name": "seals", "label::English (en)": "Seals"},
]


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def station(election):
    return f.PollingStationFactory(area=f.AreaFactory(election=election), code="0457")


@pytest.fixture
def observer_row(mission, observer, station):
    row = make_observer(mission, user=observer, code="1234")
    deploy(row, station)
    return row


@pytest.fixture
def opening(mission):
    """A checklist with a settings version; the XForm carries version="2017101401"."""
    settings = {"form_id": "opening", "form_title": "Opening", "version": "2017101401"}
    data = make_xlsform(OPENING_SURVEY, CHOICES, {**settings, "kind": "opening"})
    return import_form(mission, data, "opening.xlsx").version


@pytest.fixture
def incident(mission):
    """An incident form without a settings version (pyxform writes no version attribute)."""
    survey = [
        {"type": "select_one cat", "name": "category", "label": "Category", "required": "yes"},
        {"type": "text", "name": "description", "label": "What happened"},
    ]
    choices = [
        {"list_name": "cat", "name": "violence", "label": "Violence"},
        {"list_name": "cat", "name": "other", "label": "Other"},
    ]
    data = make_xlsform(survey, choices, {"form_id": "incident", "kind": "incident"})
    return import_form(mission, data, "incident.xlsx").version


@pytest.fixture
def token(observer_row):
    _app_user, raw = services.create_app_user(observer_row)
    return raw


def url(name, mission_code, token=None, *args):
    if token is None:
        return reverse(f"openrosa:{name}", args=[mission_code, *args])
    return reverse(f"openrosa:key_{name}", args=[mission_code, token, *args])


def opening_xml(
    instance_id,
    *,
    voters="120",
    problems="queue seals",
    deprecated=None,
    version="2017101401",
    form_id="opening",
):
    """An instance as ODK Collect writes it: namespaces declared, meta last."""
    deprecated_tag = f"<deprecatedID>uuid:{deprecated}</deprecatedID>" if deprecated else ""
    return (
        '<?xml version="1.0" ?>'
        f'<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms"'
        f' id="{form_id}" version="{version}">'
        "<station>0457</station>"
        f"<opening><opened>yes</opened><problems>{problems}</problems>"
        f"<voters>{voters}</voters><opened_at>07:58:00.000+06:00</opened_at><thanks/></opening>"
        "<double>999</double>"
        f"<meta><instanceID>uuid:{instance_id}</instanceID>{deprecated_tag}"
        "<timeEnd>2017-10-15T08:05:00.000+06:00</timeEnd></meta>"
        "</data>"
    ).encode()


def post(client, target, xml_bytes, **attachments):
    files = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml_bytes, "text/xml")}
    for name, content in attachments.items():
        files[name] = SimpleUploadedFile(name, content, "image/jpeg")
    return client.post(target, files)


def message_of(response):
    root = ET.fromstring(response.content)  # noqa: S314 - the server's own document
    assert root.tag == f"{RESPONSE_NS}OpenRosaResponse"
    return root.find(f"{RESPONSE_NS}message")


def result_receipt(submission):
    from pollwatch.reports.services import receipt_for

    return receipt_for(submission.content_hash)


def current(report: Report) -> ReportVersion:
    assert report.current is not None
    return report.current


def counts():
    return Report.objects.count(), ReportVersion.objects.count(), Submission.objects.count()


# --- form list and download ------------------------------------------------------------


def test_form_list_names_each_form_with_version_hash_and_download_url(
    client, mission, token, opening, incident
):
    response = client.get(url("form_list", mission.code, token))
    assert response.status_code == 200
    assert response["X-OpenRosa-Version"] == "1.0"
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == f"{LIST_NS}xforms"
    forms = {item.findtext(f"{LIST_NS}formID"): item for item in root}
    assert set(forms) == {"opening", "incident"}
    item = forms["opening"]
    assert item.findtext(f"{LIST_NS}version") == "2017101401"
    assert item.findtext(f"{LIST_NS}name") == "Opening"
    download = item.findtext(f"{LIST_NS}downloadUrl") or ""
    assert download.startswith(f"http://testserver/odk/odihr-test/key/{token}/forms/opening/")
    served = client.get(download.removeprefix("http://testserver"))
    assert served.status_code == 200
    digest = hashlib.md5(served.content, usedforsecurity=False).hexdigest()
    assert item.findtext(f"{LIST_NS}hash") == f"md5:{digest}"


def test_the_download_is_pyxforms_xform_with_every_language_and_the_listed_version(
    client, mission, token, opening, incident
):
    for version in (opening, incident):
        response = client.get(
            url("form_xml", mission.code, token, version.form.code, version.version)
        )
        assert response.status_code == 200 and response["X-OpenRosa-Version"] == "1.0"
        document = ET.fromstring(response.content)  # noqa: S314
        primary = document.findall(f".//{XFORMS_NS}model/{XFORMS_NS}instance")[0][0]
        assert (primary.get("id"), primary.get("version")) == (version.form.code, version.version)
    text = client.get(url("form_xml", mission.code, token, "opening", "2017101401")).content
    assert b'lang="English (en)"' in text and b'lang="Russian (ru)"' in text
    assert "Открыт вовремя?".encode() in text
    # pyxform's own text is served unchanged when it carries the version already.
    assert text.decode() == opening.xform


def test_an_unknown_form_or_version_is_404_with_an_openrosa_message(
    client, mission, token, opening
):
    for form_code, version in (("nope", "1"), ("opening", "999")):
        response = client.get(url("form_xml", mission.code, token, form_code, version))
        assert response.status_code == 404
        assert message_of(response).text


# --- authentication -----------------------------------------------------------------------


def test_a_revoked_or_unknown_key_is_401_and_stores_nothing(
    client, mission, observer_row, token, opening
):
    app_user = observer_row.app_users.get()
    services.revoke_app_user(app_user)
    for key in (token, "not-a-key"):
        assert client.get(url("form_list", mission.code, key)).status_code == 401
        response = post(client, url("submission", mission.code, key), opening_xml(uuid.uuid4()))
        assert response.status_code == 401
        assert "WWW-Authenticate" not in response
    assert counts() == (0, 0, 0)


def test_a_key_of_another_mission_is_refused(client, mission, other_mission, token, opening):
    assert client.get(url("form_list", other_mission.code, token)).status_code == 403
    response = post(client, url("submission", other_mission.code, token), opening_xml(uuid.uuid4()))
    assert response.status_code == 403
    assert counts() == (0, 0, 0)


def basic(username, password="correct horse battery"):  # noqa: S107 - the factories' test password
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}


def test_basic_auth_accepts_the_observers_login_and_challenges_without_it(
    client, mission, observer_row, opening
):
    bare = client.get(url("form_list", mission.code))
    assert bare.status_code == 401 and bare["WWW-Authenticate"].startswith("Basic ")
    assert (
        client.get(url("form_list", mission.code), **basic("observer", "wrong")).status_code == 401
    )
    listed = client.get(url("form_list", mission.code), **basic("observer"))
    assert listed.status_code == 200
    assert b"/odk/odihr-test/forms/opening/2017101401/form.xml" in listed.content
    target = url("submission", mission.code)
    response = client.post(
        target,
        {"xml_submission_file": SimpleUploadedFile("s.xml", opening_xml(uuid.uuid4()))},
        **basic("observer"),
    )
    assert response.status_code == 201
    assert Report.objects.get().observer == observer_row


def test_basic_auth_of_a_member_without_an_observer_row_is_403(client, mission, coordinator):
    assert client.get(url("form_list", mission.code), **basic("coordinator")).status_code == 403


# --- submission ------------------------------------------------------------------------


def test_head_on_submission_is_204_with_the_accepted_length(client, mission, token):
    response = client.head(url("submission", mission.code, token))
    assert response.status_code == 204
    assert response["X-OpenRosa-Version"] == "1.0"
    assert int(response["X-OpenRosa-Accept-Content-Length"]) == services.ACCEPT_CONTENT_LENGTH


def test_a_submission_becomes_a_report_through_submit_report(
    client, mission, observer, observer_row, station, token, opening, var_dir
):
    instance = uuid.uuid4()
    response = post(client, url("submission", mission.code, token), opening_xml(instance))
    assert response.status_code == 201, response.content
    assert response["X-OpenRosa-Version"] == "1.0"
    message = message_of(response)
    assert message.get("nature") == "submit_success"
    report = Report.objects.get()
    assert (report.observer, report.station, report.visit) == (observer_row, station, 1)
    assert report.observed_at.isoformat() == "2017-10-15T02:05:00+00:00"
    version = current(report)
    assert version.channel == Channel.ODK and version.entered_by == observer
    assert version.answers == {
        "station": "0457",
        "opened": "yes",
        "problems": ["queue", "seals"],
        "voters": 120,
        "opened_at": "07:58",
        "double": "240",  # computed by the server's engine, never taken from the device
    }
    submission = Submission.objects.get()
    assert submission.instance_id == instance
    assert result_receipt(submission) in message.text
    stored = var_dir / "attachments" / str(report.uuid) / f"{instance}.xml"
    assert stored.read_bytes() == opening_xml(instance)


def test_a_retry_of_the_same_xml_is_201_one_report_and_adds_new_attachments(
    client, mission, token, opening
):
    instance = uuid.uuid4()
    target = url("submission", mission.code, token)
    data = opening_xml(instance)
    assert post(client, target, data, **{"a.jpg": b"first"}).status_code == 201
    again = post(client, target, data, **{"a.jpg": b"other", "b.jpg": b"second"})
    assert again.status_code == 201
    assert counts() == (1, 1, 1)
    report = Report.objects.get()
    assert services.attachment_names(report.uuid, instance) == ["a.jpg", "b.jpg"]


def test_the_same_instance_id_with_other_xml_is_409_and_changes_nothing(
    client, mission, token, opening
):
    instance = uuid.uuid4()
    target = url("submission", mission.code, token)
    assert post(client, target, opening_xml(instance)).status_code == 201
    response = post(client, target, opening_xml(instance, voters="121"))
    assert response.status_code == 409
    assert str(instance) in message_of(response).text
    assert counts() == (1, 1, 1)
    assert current(Report.objects.get()).answers["voters"] == 120


def test_a_deprecated_id_makes_a_new_version_of_that_report(client, mission, token, opening):
    first, edit = uuid.uuid4(), uuid.uuid4()
    target = url("submission", mission.code, token)
    assert post(client, target, opening_xml(first)).status_code == 201
    response = post(client, target, opening_xml(edit, voters="130", deprecated=first))
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert current(report).number == 2 and current(report).answers["voters"] == 130
    assert current(report).replaces == ReportVersion.objects.get(number=1)
    assert Submission.objects.count() == 2


def test_an_incident_without_a_station_or_settings_version_is_accepted(
    client, mission, token, incident
):
    data = (
        f'<data id="incident" version="{incident.version}"><category>violence</category>'
        "<description>  stones thrown  </description>"
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    ).encode()
    response = post(client, url("submission", mission.code, token), data)
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.station is None
    assert current(report).answers == {"category": "violence", "description": "  stones thrown  "}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<data id="opening" version="2017101401"><station>&lol3;</station>
<meta><instanceID>uuid:9b0c8a1e-2f43-4d0a-9d57-0c3f6f1a2b3c</instanceID></meta></data>"""


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (BILLION_LAUGHS, 400),
        (b"<data id='opening'><station>", 400),
        (b"\xff\xfe not xml", 400),
        (
            b"<data><meta><instanceID>uuid:9b0c8a1e-2f43-4d0a-9d57-0c3f6f1a2b3c</instanceID></meta></data>",
            400,
        ),
        (b"<data id='opening' version='2017101401'><station>0457</station></data>", 400),
        (b"<data id='opening' version='1'><meta><instanceID>x</instanceID></meta></data>", 400),
    ],
    ids=["entities", "malformed", "bytes", "no-form-id", "no-instance-id", "bad-instance-id"],
)
def test_bad_xml_is_400_with_a_message_and_stores_nothing(
    client, mission, token, opening, var_dir, data, status
):
    response = post(client, url("submission", mission.code, token), data)
    assert response.status_code == status
    assert response["X-OpenRosa-Version"] == "1.0"
    assert message_of(response).text
    assert counts() == (0, 0, 0)
    assert not (var_dir / "attachments").exists()


def test_an_unknown_form_or_version_is_404_and_stores_nothing(client, mission, token, opening):
    target = url("submission", mission.code, token)
    assert post(client, target, opening_xml(uuid.uuid4(), form_id="nope")).status_code == 404
    assert post(client, target, opening_xml(uuid.uuid4(), version="1999")).status_code == 404
    assert counts() == (0, 0, 0)


def test_invalid_answers_are_400_naming_the_question(client, mission, token, opening):
    response = post(
        client, url("submission", mission.code, token), opening_xml(uuid.uuid4(), problems="fire")
    )
    assert response.status_code == 400
    assert "problems" in message_of(response).text
    assert counts() == (0, 0, 0)


def test_an_attachment_over_the_limit_is_413_and_stores_nothing(
    client, mission, token, opening, settings, monkeypatch, var_dir
):
    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 1000)
    response = post(
        client,
        url("submission", mission.code, token),
        opening_xml(uuid.uuid4()),
        **{"big.jpg": b"x" * 1001},
    )
    assert response.status_code == 413
    assert "big.jpg" in message_of(response).text
    assert counts() == (0, 0, 0)
    assert not (var_dir / "attachments").exists()


def test_a_post_without_the_instance_part_is_400(client, mission, token):
    target = url("submission", mission.code, token)
    response = client.post(target, {"other": SimpleUploadedFile("x.xml", b"<data/>")})
    assert response.status_code == 400
    raw = client.post(target, opening_xml(uuid.uuid4()), content_type="text/xml")
    assert raw.status_code == 400


def test_an_attachment_name_with_a_path_is_refused(client, mission, token, opening):
    response = post(
        client,
        url("submission", mission.code, token),
        opening_xml(uuid.uuid4()),
        **{".htaccess": b"x"},
    )
    assert response.status_code == 400
    assert counts() == (0, 0, 0)


def test_an_observer_without_a_login_reports_with_the_app_users_key(
    client, mission, station, opening
):
    row = make_observer(mission, code="7777")
    deploy(row, station)
    _app_user, raw = services.create_app_user(row)
    assert client.get(url("form_list", mission.code, raw)).status_code == 200
    response = post(client, url("submission", mission.code, raw), opening_xml(uuid.uuid4()))
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.observer == row and current(report).entered_by is None


def test_a_station_outside_the_observers_deployment_is_403(client, mission, election, opening):
    row = make_observer(mission, code="7778")
    deploy(row, f.PollingStationFactory(area=f.AreaFactory(election=election), code="9999"))
    f.PollingStationFactory(area=f.AreaFactory(election=election), code="0457")
    _app_user, raw = services.create_app_user(row)
    response = post(client, url("submission", mission.code, raw), opening_xml(uuid.uuid4()))
    assert response.status_code == 403
    assert counts() == (0, 0, 0)


def test_another_observers_device_cannot_resend_a_submission_as_its_own(
    client, mission, station, token, opening
):
    data = opening_xml(uuid.uuid4())
    assert post(client, url("submission", mission.code, token), data).status_code == 201
    other = make_observer(mission, code="7779")
    deploy(other, station)
    _app_user, raw = services.create_app_user(other)
    response = post(client, url("submission", mission.code, raw), data, **{"x.jpg": b"x"})
    assert response.status_code == 409
    report = Report.objects.get()
    assert services.attachment_names(report.uuid, Submission.objects.get().instance_id) == []

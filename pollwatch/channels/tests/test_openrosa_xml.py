"""The XML intake: instance documents to answers, served XForms, and fuzzing."""

import uuid
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pollwatch.channels.openrosa import services, xml
from pollwatch.checklists.testing import group, make_spec, question
from pollwatch.reports.testing import deploy, make_form, make_observer
from pollwatch.reports.testing import question as report_question
from pollwatch.testing import factories as f

SPEC = make_spec(
    [
        question("station"),
        question("opened", "select_one", group="opening", choices=["yes", "no"]),
        question("problems", "select_multiple", group="opening", choices=["queue", "ink"]),
        question("when", "time", group="opening/inner"),
        question("note1", "note", group="opening"),
        question("total", "calculate", calculation="1 + 1"),
    ],
    groups=[group("opening"), group("inner", parent="opening")],
)
IID = "uuid:6f1c2f9e-8d5a-4a43-9a3b-1b2c3d4e5f60"


def doc(body: str, attrs: str = 'id="opening" version="3"', meta: str = "") -> bytes:
    return f"<data {attrs}>{body}<meta><instanceID>{IID}</instanceID>{meta}</meta></data>".encode()


def test_answers_follow_the_spec_paths_through_nested_groups():
    data = doc(
        "<station>0457</station><opening><opened>yes</opened><problems>queue  ink</problems>"
        "<inner><when>08:05:00.000+06:00</when></inner><note1>x</note1></opening>"
        "<total>5</total><extra>ignored</extra>"
    )
    instance = xml.parse_instance(data)
    assert (instance.form_id, instance.version, instance.instance_id) == ("opening", "3", IID)
    assert xml.answers_from(SPEC, instance.root) == {
        "station": "0457",
        "opened": "yes",
        "problems": ["queue", "ink"],
        "when": "08:05:00",  # the engine keeps HH:MM
    }


def test_an_element_outside_its_group_is_not_an_answer_and_empty_ones_are_unanswered():
    data = doc("<station/><opened>yes</opened><opening><problems>  </problems></opening>")
    assert xml.answers_from(SPEC, xml.parse_instance(data).root) == {}


def test_namespaced_meta_and_elements_are_read_by_their_local_names():
    data = (
        '<d:data xmlns:d="http://example.org/x" xmlns:orx="http://openrosa.org/xforms"'
        ' id="opening"><d:station>12</d:station><orx:meta>'
        f"<orx:instanceID>{IID}</orx:instanceID><orx:deprecatedID>uuid:x</orx:deprecatedID>"
        "<orx:timeEnd>2017-10-15T08:05:00+06:00</orx:timeEnd></orx:meta></d:data>"
    ).encode()
    instance = xml.parse_instance(data)
    assert instance.version is None
    assert (instance.deprecated_id, instance.time_end) == ("uuid:x", "2017-10-15T08:05:00+06:00")
    assert xml.answers_from(SPEC, instance.root) == {"station": "12"}


@pytest.mark.parametrize(
    "data",
    [
        b'<!DOCTYPE d [<!ENTITY e "x">]><data id="a">&e;</data>',
        b'<!DOCTYPE d SYSTEM "http://example.org/d.dtd"><data id="a"/>',
        b"<data id='a'>",
        b"",
        b"<data>" + IID.encode() + b"</data>",
        b"<data id='opening'><meta/></data>",
    ],
)
def test_what_is_not_an_instance_is_invalid(data):
    with pytest.raises(xml.InstanceInvalid):
        xml.parse_instance(data)


def test_station_and_visit_follow_the_naming_convention():
    assert xml.station_and_visit({"station": " 0457 ", "visit": "2"}) == ("0457", 2)
    assert xml.station_and_visit({}) == (None, 1)
    assert xml.station_and_visit({"visit": "two"}) == (None, "two")  # refused by submit_report


def test_served_xform_adds_the_version_only_when_pyxform_left_it_out():
    without = '<h:html><model><instance>\n  <data id="f">\n<a/></data></instance><instance id="x"><root/></instance>'
    served = xml.served_xform(without, '3"<')
    assert '<data id="f" version="3&quot;&lt;">' in served
    assert "<root/>" in served and served.count("version=") == 1
    already = '<instance><data id="f" version="7"><a/></data></instance>'
    assert xml.served_xform(already, "9") == already
    empty_root = "<instance><data/></instance>"
    assert xml.served_xform(empty_root, "2") == '<instance><data version="2"/></instance>'


def test_documents_for_collect_are_well_formed():
    listed = xml.form_list(
        [xml.ListedForm("a&b", "<Title>", "1", "md5:00", "http://x/forms/a/1/form.xml")]
    )
    assert b"<formID>a&amp;b</formID>" in listed and b"&lt;Title&gt;" in listed
    response = xml.openrosa_response("ok & <done>", nature="submit_success")
    assert b'nature="submit_success">ok &amp; &lt;done&gt;</message>' in response


# --- fuzzing the whole intake through the endpoint -----------------------------------------

NAMES = st.sampled_from(
    [
        "data",
        "station",
        "opened",
        "problems",
        "meta",
        "instanceID",
        "deprecatedID",
        "timeEnd",
        "opening",
        "x",
    ]
)
TEXTS = st.one_of(
    st.sampled_from(["yes", "no", "queue ink", "0457", IID, "uuid:zz", "2017-10-15T08:05:00Z"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20),
)


def _element(children):
    return st.tuples(NAMES, st.one_of(TEXTS, st.lists(children, max_size=4)))


TREES = st.recursive(st.tuples(NAMES, TEXTS), _element, max_leaves=12)


def _render(node) -> str:
    name, content = node
    inner = escape(content) if isinstance(content, str) else "".join(map(_render, content))
    return f"<{name}>{inner}</{name}>"


def _instance(tree, form_id: str, version: str) -> bytes:
    rendered = _render(tree)
    name_end = rendered.index(">")
    attrs = f' id="{escape(form_id)}" version="{escape(version)}"'
    return f"<data{attrs}>{rendered[name_end + 1 :].rsplit('<', 1)[0]}</data>".encode()


@pytest.fixture
def endpoint(settings_var, mission, observer):
    station = f.PollingStationFactory(area=f.AreaFactory(election=mission.election), code="0457")
    row = make_observer(mission, user=observer, code="1234")
    deploy(row, station)
    make_form(
        mission,
        "voting",
        report_question("station", "text"),
        report_question("opened", "select_one", choices=["yes", "no"]),
        code="opening",
        version="3",
    )
    _app_user, raw = services.create_app_user(row)
    return reverse("openrosa:key_submission", args=[mission.code, raw])


@pytest.fixture
def settings_var(settings, tmp_path):
    settings.VAR_DIR = tmp_path


FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _post(client, target, data: bytes, **files):
    parts = {"xml_submission_file": SimpleUploadedFile("s.xml", data, "text/xml")}
    parts.update({name: SimpleUploadedFile(name, body) for name, body in files.items()})
    return client.post(target, parts)


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_never_crash_the_endpoint(client, endpoint, data):
    response = _post(client, endpoint, data)
    assert response.status_code in (400, 404)


@FUZZ
@given(
    tree=TREES,
    form_id=st.sampled_from(["opening", "nope", ""]),
    version=st.sampled_from(["3", "4", ""]),
    instance=st.uuids(),
)
def test_random_element_trees_never_crash_the_endpoint(
    client, endpoint, tree, form_id, version, instance
):
    body = _instance(tree, form_id, version)
    # Half the time, a valid instance id so that the answers and the key are reached.
    meta = f"<meta><instanceID>uuid:{instance}</instanceID></meta>".encode()
    data = body.replace(b"</data>", meta + b"</data>") if instance.int % 2 else body
    response = _post(client, endpoint, data)
    assert response.status_code < 500, response.content
    assert response["X-OpenRosa-Version"] == "1.0"


def test_a_fuzzed_valid_instance_reaches_a_report(client, endpoint):
    data = (
        f'<data id="opening" version="3"><station>0457</station><opened>no</opened>'
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    ).encode()
    response = _post(client, endpoint, data)
    assert response.status_code == 201, response.content

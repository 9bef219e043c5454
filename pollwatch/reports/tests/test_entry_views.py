"""The observers' entry pages: scope, the stations list, the form as HTML, /sw.js."""

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from pollwatch.checklists.testing import group
from pollwatch.checklists.testing import question as grouped_question
from pollwatch.reports.entry_views import form_tree
from pollwatch.reports.testing import deploy, make_form, make_observer, question
from pollwatch.testing import factories as f


@pytest.fixture
def entry(mission, observer):
    """The observer on the roster, deployed to two stations; a checklist and an incident form."""
    record = make_observer(mission, observer, code="1001")
    area = f.AreaFactory(election=mission.election)
    stations: list[Any] = [
        f.PollingStationFactory(area=area, code="S1", name="School 1"),
        f.PollingStationFactory(area=area, code="S2", name="School 2"),
    ]
    f.PollingStationFactory(area=area, code="S3", name="Not deployed")
    deploy(record, *stations)
    opening = make_form(
        mission,
        "opening",
        question("opened", "select_one", required=True, choices=["yes", "no"]),
        question("voters", "integer", relevant="/data/opened = 'yes'", constraint=". <= 3000"),
    )
    incident = make_form(mission, "incident", question("what", "text", required=True))
    return {"observer": record, "stations": stations, "opening": opening, "incident": incident}


def stations_url(mission):
    return reverse("entry:stations", args=[mission.code])


def checklist_url(mission, station, form):
    return reverse("entry:checklist", args=[mission.code, station, form])


def test_my_stations_lists_deployment_stations_and_forms(as_user, observer, mission, entry):
    response = as_user(observer).get(stations_url(mission))
    assert response.status_code == 200
    page = response.content.decode()
    assert "School 1" in page and "School 2" in page
    assert "Not deployed" not in page
    assert checklist_url(mission, "S1", "opening") in page
    assert reverse("entry:report", args=[mission.code, "incident"]) in page
    config = response.context["entry_config"]
    assert checklist_url(mission, "S2", "opening") in config["offline"]
    assert any(url.endswith("openrosa-xpath-evaluator-3.1.0.js") for url in config["offline"])
    # Every script and stylesheet the page loads is kept for offline use.
    loaded = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', page)
    assert loaded and set(loaded) <= set(config["offline"])


def test_sent_checklists_are_marked(as_user, observer, mission, entry):
    from pollwatch.reports.models import Report, ReportVersion

    report = Report.objects.create(
        mission=mission,
        form=entry["opening"].form,
        observer=entry["observer"],
        station=entry["stations"][0],
        is_checklist=True,
        observed_at="2017-10-15T08:00:00+06:00",
    )
    ReportVersion.objects.create(
        report=report,
        number=1,
        form_version=entry["opening"],
        answers={"opened": "no"},
        content_hash="x",
        observed_at=report.observed_at,
        channel="web",
    )
    rows = as_user(observer).get(stations_url(mission)).context["rows"]
    sent = {row["station"].code: row["forms"][0][1] for row in rows}
    assert sent == {"S1": True, "S2": False}


def test_form_page_renders_the_spec(as_user, observer, mission, entry):
    response = as_user(observer).get(checklist_url(mission, "S1", "opening"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="radio" name="opened" value="yes"' in page
    assert 'name="voters" type="number"' in page
    assert 'data-station="S1"' in page
    assert 'id="entry-spec"' in page
    assert "openrosa-xpath-evaluator-3.1.0.js" in page


def test_form_for_a_station_outside_the_deployment_is_404(as_user, observer, mission, entry):
    assert as_user(observer).get(checklist_url(mission, "S3", "opening")).status_code == 404
    assert as_user(observer).get(checklist_url(mission, "S1", "nope")).status_code == 404


def test_another_missions_observer_gets_404(as_user, other_mission_observer, mission, entry):
    client = as_user(other_mission_observer)
    assert client.get(stations_url(mission)).status_code == 404
    assert client.get(checklist_url(mission, "S1", "opening")).status_code == 404


def test_a_viewer_has_no_stations(as_user, viewer, mission, entry):
    assert as_user(viewer).get(stations_url(mission)).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, mission, entry):
    response = client.get(stations_url(mission))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_labels_follow_the_language_with_the_form_default_as_fallback():
    spec = {
        "default_language": "en",
        "languages": ["en", "ru"],
        "groups": [group("outer"), group("inner", parent="outer")],
        "questions": [
            grouped_question(
                "q1", "integer", group="outer", label={"en": "Voters", "ru": "Избиратели"}
            ),
            grouped_question("q2", "text", group="outer/inner", label={"en": "Only English"}),
            grouped_question("q3", "text", label={"en": "Top"}),
        ],
    }
    spec["groups"][0]["label"] = {"en": "Outer", "ru": "Внешняя"}
    tree = form_tree(spec, "ru")
    outer, top = tree
    assert outer.label == "Внешняя"
    assert outer.children[0].label == "Избиратели"
    assert outer.children[1].children[0].label == "Only English"
    assert top.name == "q3"


def test_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert b"precache" in response.content


def test_entry_config_points_at_the_report_api(as_user, observer, mission, entry):
    response = as_user(observer).get(checklist_url(mission, "S1", "opening"))
    config = json.loads(
        response.content.decode()
        .split('id="entry-config" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert config["api"] == "/api/v1/reports"
    assert config["mission"] == mission.code


# --- the page without JavaScript posts to itself -------------------------------------


def post_checklist(client, mission, entry, **answers):
    return client.post(
        checklist_url(mission, "S1", "opening"),
        {
            "instance_id": "5b0f5e2c-4a8e-4c57-9a53-0e7d1f4f6a01",
            "form_version": entry["opening"].version,
            "observed_at": "2017-10-15T08:00:00+06:00",
            **answers,
        },
    )


def test_posted_form_goes_through_the_reports_service(as_user, observer, mission, entry):
    from pollwatch.reports.models import Submission

    client = as_user(observer)
    response = post_checklist(client, mission, entry, opened="yes", voters="812")
    assert response.status_code == 302
    assert response["Location"] == stations_url(mission)
    submission = Submission.objects.get()
    assert submission.channel == "web"
    assert submission.version.answers == {"opened": "yes", "voters": 812}
    assert submission.version.report.station == entry["stations"][0]
    # The same page posted twice (a double tap) is one report.
    assert post_checklist(client, mission, entry, opened="yes", voters="812").status_code == 302
    assert Submission.objects.count() == 1


def test_refused_post_shows_the_reason_and_keeps_the_answers(as_user, observer, mission, entry):
    from pollwatch.reports.models import Report

    response = post_checklist(as_user(observer), mission, entry, opened="yes", voters="5000")
    assert response.status_code == 422
    page = response.content.decode()
    assert "Check this answer." in page
    assert 'value="5000"' in page
    assert 'value="yes" checked' in page
    assert Report.objects.count() == 0


def test_label_references_become_outputs_and_stay_escaped():
    from pollwatch.reports.entry_views import with_outputs

    html = with_outputs("Turnout <b>so far</b>: ${turnout} % of ${registered}")
    assert html == (
        'Turnout &lt;b&gt;so far&lt;/b&gt;: <output data-ref="turnout"></output> % of '
        '<output data-ref="registered"></output>'
    )


# --- the station question (reports/services.py STATION_QUESTION) ----------------------


@pytest.fixture
def station_forms(mission, entry):
    """The checklist and the incident form, each with a `station` question."""
    make_form(
        mission,
        "opening",
        question("station", "text", required=True, label="Polling station code"),
        question("opened", "select_one", required=True, choices=["yes", "no"]),
        version="2",
    )
    make_form(
        mission,
        "incident",
        question("station", "text", label="Polling station code"),
        question("what", "text", required=True),
        version="2",
    )


def test_a_stations_page_leaves_the_station_question_out(
    as_user, observer, mission, entry, station_forms
):
    response = as_user(observer).get(checklist_url(mission, "S1", "opening"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-station="S1"' in page
    assert 'name="station"' not in page
    assert "Polling station code" not in page.split('id="entry-spec"')[0]


def test_a_stations_page_posted_fills_the_station_answer(
    as_user, observer, mission, entry, station_forms
):
    from pollwatch.reports.models import Submission

    response = post_checklist(as_user(observer), mission, entry, form_version="2", opened="no")
    assert response.status_code == 302
    version = Submission.objects.get().version
    assert version.answers == {"station": "S1", "opened": "no"}
    assert version.report.station == entry["stations"][0]


def test_without_a_station_the_question_takes_the_pickers_place(
    as_user, observer, mission, entry, station_forms
):
    from pollwatch.reports.models import Report

    client = as_user(observer)
    url = reverse("entry:report", args=[mission.code, "incident"])
    page = client.get(url).content.decode()
    assert 'id="entry-station"' not in page
    assert page.count('name="station"') == 1 and 'id="id_station"' in page
    body = {
        "instance_id": "5b0f5e2c-4a8e-4c57-9a53-0e7d1f4f6a02",
        "form_version": "2",
        "observed_at": "2017-10-15T08:00:00+06:00",
        "station": "S2",
        "what": "A fight",
    }
    assert client.post(url, body).status_code == 302
    assert Report.objects.get().station == entry["stations"][1]

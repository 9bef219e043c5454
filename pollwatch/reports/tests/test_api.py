"""The report API: every status code of the contract, and nothing stored on a refusal."""

import json
import uuid

import pytest
from django.test import Client

from pollwatch.accounts.services import create_api_token
from pollwatch.reports.models import Flag, Report, ReportVersion, Submission
from pollwatch.reports.services import add_note, decide_report, submit_report
from pollwatch.reports.testing import report_payload

API = "/api/v1/reports"
pytestmark = pytest.mark.usefixtures("observer_row")


def post(client, body, **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(API, data=data, content_type="application/json", **extra)


def stored():
    return (Report.objects.count(), ReportVersion.objects.count(), Submission.objects.count())


def test_a_new_report_is_201_with_its_receipt(as_user, observer, voting):
    body = report_payload(voting)
    response = post(as_user(observer), body)
    assert response.status_code == 201
    answer = response.json()
    report = Report.objects.get()
    assert answer == {
        "instance_id": body["instance_id"],
        "report": str(report.uuid),
        "version": 1,
        "status": "created",
        "flags": [],
        "receipt": answer["receipt"],
    }
    assert len(answer["receipt"]) == 8
    # Through a session: the web entry page.
    assert ReportVersion.objects.get().channel == "web"


def test_a_retry_is_200_with_the_same_answer(as_user, observer, voting):
    client = as_user(observer)
    body = report_payload(voting)
    first = post(client, body).json()
    response = post(client, body)
    assert response.status_code == 200
    assert response.json() == first | {"status": "duplicate"}
    assert stored() == (1, 1, 1)


def test_a_token_is_the_api_channel(observer, voting):
    _, raw = create_api_token(observer, "phone")
    response = post(Client(), report_payload(voting), headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 201
    assert ReportVersion.objects.get().channel == "api"


def test_unauthenticated_is_401(voting):
    response = post(Client(), report_payload(voting))
    assert response.status_code == 401
    assert "detail" in response.json()
    assert stored() == (0, 0, 0)


def test_the_same_id_with_other_content_is_409(as_user, observer, voting):
    client = as_user(observer)
    body = report_payload(voting)
    post(client, body)
    response = post(client, body | {"answers": {"opened": "no"}})
    assert response.status_code == 409
    assert body["instance_id"] in response.json()["detail"]
    assert stored() == (1, 1, 1)


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"instance_id": None}, 400, "instance_id"),
        ({"instance_id": "123"}, 400, "instance_id"),
        ({"station": "1002"}, 403, None),
        ({"station": "0000"}, 404, "station"),
        ({"form": "counting"}, 404, "form"),
        ({"mission": "cis-test"}, 404, "mission"),
        ({"mission": None}, 422, "mission"),
        ({"form_version": "9"}, 422, "form_version"),
        ({"visit": "1"}, 422, "visit"),
        ({"answers": {"voters": "many", "opened": "yes"}}, 422, "voters"),
        ({"answers": {"opened": "maybe"}}, 422, "opened"),
        ({"answers": {"opened": "yes", "nobody": 1}}, 422, "nobody"),
    ],
)
def test_refusals_name_the_field_and_store_nothing(
    as_user, observer, voting, other_mission, change, status, field
):
    body = report_payload(voting)
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    response = post(as_user(observer), body)
    assert response.status_code == status, response.json()
    answer = response.json()
    assert answer["detail"]
    if status == 422:
        assert field in [error["field"] for error in answer["errors"]]
        assert {"field", "code", "message"} <= set(answer["errors"][0])
    elif field:
        assert answer["errors"][0]["field"] == field
    assert stored() == (0, 0, 0)


def test_a_viewer_gets_403_with_the_reason(as_user, viewer, voting):
    response = post(as_user(viewer), report_payload(voting, observer="1234"))
    assert response.status_code == 403
    assert "role" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"instance_id": "x",',
        b"[1, 2]",
        b"\xff\xfe not utf-8",
        b'{"answers": NaN}',
        b"[" * 100_000,
        b'{"instance_id": "\x00"}',
    ],
)
def test_malformed_bodies_are_400(as_user, observer, voting, body):
    response = post(as_user(observer), body)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ({"comment": "a\u0000b"}, "NUL"),
        ({"a\u0000b": "x"}, "NUL"),
        ({"comment": "\ud83d"}, "surrogate"),
        ({"comment": "\udc00 and more"}, "surrogate"),
    ],
)
def test_unstorable_text_anywhere_is_400(as_user, observer, voting, where, reason):
    body = report_payload(voting, answers={"opened": "yes"} | where)
    response = post(as_user(observer), json.dumps(body))
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert stored() == (0, 0, 0)


def test_a_body_over_a_megabyte_is_413(as_user, observer, voting):
    body = report_payload(voting, answers={"opened": "yes", "comment": "x" * 1_100_000})
    response = post(as_user(observer), body)
    assert response.status_code == 413
    assert response.json()["detail"]
    # Past Django's own limit (2.5 MB) the answer is the same.
    response = post(as_user(observer), json.dumps(body) + " " * 3_000_000)
    assert response.status_code == 413
    assert stored() == (0, 0, 0)


# --- reading --------------------------------------------------------------------------


@pytest.fixture
def two_reports(observer, second_observer, voting, coordinator):
    mine = submit_report(
        user=observer, payload=report_payload(voting, answers={"opened": "yes"}), channel="api"
    )
    theirs = submit_report(
        user=second_observer.user,
        payload=report_payload(voting, answers={"opened": "no"}),
        channel="web",
    )
    return mine.report, theirs.report


def test_the_core_team_lists_a_missions_reports_with_filters(as_user, analyst, two_reports):
    client = as_user(analyst)
    page = client.get(API, {"mission": "odihr-test"}).json()
    assert page["count"] == 2
    item = page["items"][0]
    assert item["observer"] == "5678" and item["flags"] == ["conflict"]
    assert item["station"] == "1001" and item["form"] == "voting" and item["version"] == 1
    assert item["observed_at"].endswith("+06:00")
    by_observer = client.get(API, {"mission": "odihr-test", "observer": "1234"}).json()
    assert [r["observer"] for r in by_observer["items"]] == ["1234"]
    assert client.get(API, {"mission": "odihr-test", "flag": "quality_check"}).json()["count"] == 0
    assert client.get(API, {"mission": "odihr-test", "status": "flagged"}).json()["count"] == 2
    assert client.get(API, {"mission": "odihr-test", "station": "1002"}).json()["count"] == 0
    assert client.get(API, {"mission": "odihr-test", "form": "voting"}).json()["count"] == 2


def test_a_bad_filter_is_a_422_naming_it(as_user, analyst, two_reports):
    client = as_user(analyst)
    for params, field in [({"mission": "odihr-test", "status": "lost"}, "status"), ({}, "mission")]:
        response = client.get(API, params)
        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.mark.parametrize(("persona", "status"), [("observer", 403), ("other_coordinator", 404)])
def test_others_may_not_list_reports(request, as_user, persona, status, two_reports):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(API, {"mission": "odihr-test"}).status_code == status


def test_a_report_shows_its_versions_flags_and_decisions(as_user, coordinator, two_reports):
    mine, _ = two_reports
    decide_report(mine, status="verified", note="ok", user=coordinator)
    add_note(mine, note="seen", user=coordinator)
    body = as_user(coordinator).get(f"{API}/{mine.uuid}").json()
    assert body["status"] == "verified" and body["in_conflict"] is True
    [version] = body["versions"]
    assert version["answers"] == {"opened": "yes"}
    assert version["entered_by"] == "observer" and version["channel"] == "api"
    assert version["instance_ids"] == [
        str(Submission.objects.get(version=mine.current).instance_id)
    ]
    assert [flag["kind"] for flag in body["flag_history"]] == [Flag.Kind.CONFLICT]
    assert [(d["status"], d["note"]) for d in body["decisions"]] == [
        ("verified", "ok"),
        ("verified", "seen"),
    ]


def test_a_report_for_its_observer_and_nobody_else(as_user, observer, viewer, two_reports):
    mine, theirs = two_reports
    client = as_user(observer)
    assert client.get(f"{API}/{mine.uuid}").status_code == 200
    assert client.get(f"{API}/{theirs.uuid}").status_code == 403
    assert as_user(viewer).get(f"{API}/{mine.uuid}").status_code == 403


def test_another_missions_report_is_404(as_user, other_coordinator, two_reports):
    mine, _ = two_reports
    client = as_user(other_coordinator)
    assert client.get(f"{API}/{mine.uuid}").status_code == 404
    assert client.get(f"{API}/{uuid.uuid4()}").status_code == 404
    assert client.get(f"{API}/not-a-uuid").status_code == 404

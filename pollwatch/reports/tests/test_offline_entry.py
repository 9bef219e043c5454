"""Entry on a phone with no network (issue 3, acceptance 5), in Debian's Chromium.

A real server (pytest-django's live_server, on the test database) and a real
browser: the service worker keeps the pages, the outbox keeps the reports, and
both reach the server once the network is back.
"""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from pollwatch.reports.models import Report, Submission
from pollwatch.reports.testing import deploy, make_form, make_observer, question
from pollwatch.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 10_000  # ms; every wait is for something that takes well under a second


@pytest.fixture
def setup(mission, observer):
    record = make_observer(mission, observer, code="1001")
    area = f.AreaFactory(election=mission.election)
    stations: list[Any] = [
        f.PollingStationFactory(area=area, code="S1", name="School 1"),
        f.PollingStationFactory(area=area, code="S2", name="School 2"),
    ]
    deploy(record, *stations)
    make_form(
        mission,
        "opening",
        question("opened", "select_one", required=True, choices=["yes", "no"]),
        question(
            "voters",
            "integer",
            required=True,
            relevant="/data/opened = 'yes'",
            constraint=". <= 3000",
        ),
    )
    return record


def signed_in_page(browser, live_server, user):
    """A page whose browser carries the user's session (made by Django's test client)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT)
    # Any uncaught script error fails the test (see script_errors()).
    context.errors = []
    context.on("weberror", lambda error: context.errors.append(str(error.error)))
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return context, context.new_page()


def checklist(mission, station):
    return reverse("entry:checklist", args=[mission.code, station, "opening"])


def outbox_states(page):
    return page.eval_on_selector_all(
        "#outbox .outbox-item", "items => items.map(item => item.dataset.state)"
    )


def wait_for_states(page, expected):
    page.wait_for_function(
        "expected => JSON.stringify([...document.querySelectorAll('#outbox .outbox-item')]"
        ".map(item => item.dataset.state).sort()) === JSON.stringify(expected)",
        arg=sorted(expected),
    )


def test_two_reports_made_offline_survive_a_reload_and_are_sent_once(
    browser, live_server, mission, observer, setup
):
    context, page = signed_in_page(browser, live_server, observer)
    page.goto(checklist(mission, "S1"))
    # The service worker has stored the observer's pages and assets.
    page.wait_for_selector("html[data-offline-ready='true']")

    context.set_offline(True)
    page.check("input[name=opened][value=yes]")
    assert page.is_visible("#q-voters")
    page.fill("input[name=voters]", "812")
    page.click("#entry-form button[type=submit]")
    wait_for_states(page, ["waiting"])

    # Another station's page, never opened before, comes from the worker's cache.
    response = page.goto(checklist(mission, "S2"))
    assert response is not None and response.from_service_worker
    page.check("input[name=opened][value=no]")
    assert not page.is_visible("#q-voters")
    page.click("#entry-form button[type=submit]")
    wait_for_states(page, ["waiting", "waiting"])

    response = page.reload()
    assert response is not None and response.from_service_worker
    wait_for_states(page, ["waiting", "waiting"])
    # The worker itself has no network: a page it never stored gets its offline answer.
    missing = page.goto(checklist(mission, "S9"))
    assert missing is not None and missing.status == 503
    page.go_back()
    wait_for_states(page, ["waiting", "waiting"])

    context.set_offline(False)
    wait_for_states(page, ["sent", "sent"])
    receipts = page.eval_on_selector_all(".outbox-receipt", "nodes => nodes.length")
    assert receipts == 2
    assert context.errors == []
    context.close()

    assert Report.objects.count() == 2
    assert Submission.objects.count() == 2
    answers = sorted(Report.objects.values_list("current__answers", flat=True), key=len)
    assert answers == [{"opened": "no"}, {"opened": "yes", "voters": 812}]


def fake_api(page, status, body):
    page.route(
        "**/api/v1/reports",
        lambda route: route.fulfill(status=status, json=body),
    )


def send_one(page, voters):
    page.check("input[name=opened][value=yes]")
    page.fill("input[name=voters]", voters)
    page.click("#entry-form button[type=submit]")


def test_a_refusal_shows_the_reason_and_an_expired_session_keeps_the_report(
    browser, live_server, mission, observer, setup
):
    context, page = signed_in_page(browser, live_server, observer)
    page.goto(checklist(mission, "S1"))
    page.wait_for_selector("html[data-entry-ready='true']")

    fake_api(
        page,
        422,
        {
            "detail": "The answers are not valid.",
            "errors": [{"field": "voters", "code": "constraint", "message": "Too many voters."}],
        },
    )
    send_one(page, "100")
    wait_for_states(page, ["refused"])
    assert "Too many voters." in page.inner_text("#outbox .outbox-item.refused")

    page.unroute("**/api/v1/reports")
    fake_api(page, 401, {"detail": "Authentication required."})
    send_one(page, "200")
    page.wait_for_selector("#outbox .signin-again:not([hidden])")
    assert sorted(outbox_states(page)) == ["refused", "waiting"]
    link = page.get_attribute("#outbox .signin-again a", "href")
    assert link.startswith(reverse("accounts:login") + "?next=")

    # A 5xx keeps it waiting too; nothing reached the real server.
    page.unroute("**/api/v1/reports")
    fake_api(page, 503, {"detail": "Busy."})
    page.reload()
    page.wait_for_selector("html[data-entry-ready='true']")
    assert sorted(outbox_states(page)) == ["refused", "waiting"]
    assert context.errors == []
    context.close()
    assert Report.objects.count() == 0


def test_constraint_and_required_messages_block_the_report(
    browser, live_server, mission, observer, setup
):
    context, page = signed_in_page(browser, live_server, observer)
    page.goto(checklist(mission, "S1"))
    page.wait_for_selector("html[data-entry-ready='true']")
    page.click("#entry-form button[type=submit]")
    assert page.is_visible("#q-opened .message")
    page.check("input[name=opened][value=yes]")
    page.fill("input[name=voters]", "5000")
    assert page.inner_text("#q-voters .message") == "Check this answer."
    page.fill("input[name=voters]", "50")
    assert not page.is_visible("#q-voters .message")
    assert outbox_states(page) == []
    assert context.errors == []
    context.close()


def test_a_stations_page_answers_a_required_station_question(
    browser, live_server, mission, observer, setup
):
    make_form(
        mission,
        "opening",
        question("station", "text", required=True),
        question("opened", "select_one", required=True, choices=["yes", "no"]),
        version="2",
    )
    context, page = signed_in_page(browser, live_server, observer)
    page.goto(checklist(mission, "S2"))
    page.wait_for_selector("html[data-entry-ready='true']")
    page.check("input[name=opened][value=no]")
    page.click("#entry-form button[type=submit]")
    wait_for_states(page, ["sent"])
    assert context.errors == []
    context.close()

    report = Report.objects.select_related("station", "current").get()
    assert report.station is not None and report.station.code == "S2"
    assert report.current is not None
    assert report.current.answers == {"station": "S2", "opened": "no"}

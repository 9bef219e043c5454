"""The mission's navigation in Debian's Chromium: folded behind a Menu button on a phone,
every link in view on a wide screen, and every link in view without JavaScript."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}


def election_page(browser, live_server, user, *, viewport, javascript=True):
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(reverse("elections:election", args=[user.memberships.get().mission.code]))
    return page, errors


def test_on_a_phone_the_links_fold_behind_a_button_that_names_the_page(
    live_server, browser, coordinator
):
    page, errors = election_page(browser, live_server, coordinator, viewport=PHONE)
    menu = page.locator("#menu-toggle")
    stations = page.locator("#mission-nav").get_by_role("link", name="Stations")
    assert menu.is_visible() and menu.inner_text() == "Menu · Election"
    assert not stations.is_visible()
    # The page's own heading is on the first screen, not below a wall of links.
    assert page.locator("main h1").bounding_box()["y"] < 250
    menu.click()
    assert stations.is_visible() and menu.get_attribute("aria-expanded") == "true"
    menu.click()
    assert not stations.is_visible() and menu.get_attribute("aria-expanded") == "false"
    stations_url = reverse("elections:stations", args=["odihr-test"])
    menu.click()
    stations.click()
    page.wait_for_url(f"**{stations_url}")
    assert page.locator("#menu-toggle").inner_text() == "Menu · Stations"
    assert errors == []


def test_on_a_wide_screen_every_link_shows_and_no_button(live_server, browser, coordinator):
    page, errors = election_page(browser, live_server, coordinator, viewport=WIDE)
    assert not page.locator("#menu-toggle").is_visible()
    nav = page.locator("#mission-nav")
    assert nav.get_by_role("link", name="Stations").is_visible()
    assert nav.get_by_role("link", name="Quick count").is_visible()
    assert errors == []


def test_without_javascript_a_phone_shows_every_link(live_server, browser, coordinator):
    page, _errors = election_page(
        browser, live_server, coordinator, viewport=PHONE, javascript=False
    )
    assert not page.locator("#menu-toggle").is_visible()
    assert page.locator("#mission-nav").get_by_role("link", name="Stations").is_visible()

"""The live map in Debian's Chromium with no tile server: Leaflet draws the outlines and
one circle marker per station with coordinates, and asks no outside server for tiles."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from pollwatch.findings.tests.live_world import build, observers, submit

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 10_000  # ms; the page is ready well within a second


def square(lon: float, lat: float, size: float) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def signed_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    outside: list[str] = []
    context.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else outside.append(request.url)
        ),
    )
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return context.new_page(), errors, outside


def test_the_map_draws_stations_and_outlines_without_tiles(
    live_server, browser, mission, observer, coordinator, settings
):
    settings.MAP_TILE_URL = ""
    world = build(mission)
    observers(world, mission, observer)
    submit(observer, world["forms"]["opening"], station="1001", answers={"opened": "yes"})
    outlines = {
        "R": square(73.9, 42.4, 0.8),
        "D1": square(74.5, 42.8, 0.2),
        "D2": square(73.95, 42.45, 0.2),
    }
    for code, outline in outlines.items():
        area = world["districts"].get(code) or world["region"]
        area.outline = outline
        area.save()

    page, errors, outside = signed_in_page(browser, live_server, coordinator)
    page.goto(reverse("findings_live:map", args=[mission.code]) + "?form=opening")
    page.wait_for_selector("#live-map[data-ready='true']")

    # Assigned: 1001-1004, 2001, 2002; 2002 has no coordinates, so five markers.
    markers = page.locator("#live-map svg path.station-marker")
    assert markers.count() == 5
    assert page.locator("path.station-marker.status-reported").count() == 1
    assert page.locator("path.station-marker.status-missing").count() == 4
    assert page.locator("#live-map svg path.area-outline").count() == 3
    assert page.locator("img.leaflet-tile").count() == 0
    assert "1 station has no coordinates" in page.locator("#map-counts").inner_text()
    markers.first.click()
    assert "1001" in page.locator(".leaflet-popup-content").inner_text()
    assert errors == [] and outside == []

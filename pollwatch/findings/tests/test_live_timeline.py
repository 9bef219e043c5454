"""Reports received per quarter hour and form: the timeline page, its fragment, the dashboard."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from pollwatch.findings import live
from pollwatch.findings.tests.live_world import build, observers, submit

OPENED = {"opened": "yes"}
INCIDENT = {"category": "violence", "severity": "low"}


@pytest.fixture
def world(mission, observer):
    found = build(mission)
    found["observers"] = observers(found, mission, observer)
    return found


def at(zone: str, hour: int, minute: int, second: int = 0, micro: int = 0) -> dt.datetime:
    return dt.datetime(2017, 10, 15, hour, minute, second, micro, tzinfo=zoneinfo.ZoneInfo(zone))


def counts_by_label(timeline) -> dict[str, dict[str, int]]:
    codes = [form.code for form in timeline.forms]
    return {slot.label: dict(zip(codes, slot.counts, strict=True)) for slot in timeline.slots}


# Kathmandu is UTC+05:45: its quarter hours are quarter hours of UTC too.
@pytest.mark.parametrize("zone", ["Asia/Bishkek", "Asia/Kathmandu"])
def test_reports_fall_in_the_quarter_hour_of_their_reception(
    zone, world, mission, observer, coordinator, as_user, monkeypatch
):
    mission.election.time_zone = zone
    mission.election.save()
    forms = world["forms"]
    receptions = [
        ("1001", at(zone, 8, 14, 59, 999_000)),  # the last instant of 08:00-08:15
        ("1002", at(zone, 8, 15)),  # the first of 08:15-08:30
        ("1003", at(zone, 8, 29, 59)),
        ("1004", at(zone, 7, 59, 59)),
        ("2001", at(zone, 6, 14, 59)),  # before the three hours shown
    ]
    for station, received in receptions:
        submit(observer, forms["opening"], station=station, answers=OPENED, received=received)
    submit(observer, forms["incident"], answers=INCIDENT, received=at(zone, 8, 15, 30))
    monkeypatch.setattr(live, "clock", lambda: at(zone, 9, 5))

    response = as_user(coordinator).get(
        reverse("findings_live:timeline", args=[mission.code]), {"hours": 3}
    )

    assert response.status_code == 200
    timeline = response.context["timeline"]
    labels = [slot.label for slot in timeline.slots]
    assert (len(labels), labels[0], labels[-1]) == (12, "06:15", "09:00")
    counts = counts_by_label(timeline)
    assert counts["07:45"]["opening"] == 1
    assert counts["08:00"]["opening"] == 1
    assert (counts["08:15"]["opening"], counts["08:15"]["incident"]) == (2, 1)
    assert timeline.total == 5
    assert (
        sum(
            sum(c.values())
            for label, c in counts.items()
            if label not in {"07:45", "08:00", "08:15"}
        )
        == 0
    )


def test_the_table_shows_the_busy_quarter_hours_in_the_election_time(
    world, mission, observer, coordinator, as_user, monkeypatch
):
    zone = mission.election.time_zone
    forms = world["forms"]
    submit(observer, forms["opening"], station="1001", answers=OPENED, received=at(zone, 7, 31))
    submit(observer, forms["opening"], station="1002", answers=OPENED, received=at(zone, 7, 44))
    monkeypatch.setattr(live, "clock", lambda: at(zone, 8, 0))

    response = as_user(coordinator).get(reverse("findings_live:timeline", args=[mission.code]))

    rows = response.context["timeline"].busy
    assert [(slot.label, slot.total) for slot in rows] == [("07:30", 2)]
    html = response.content.decode()
    assert "07:30</time>" in html
    assert html.count("<rect ") == 1  # one bar: one form in one quarter hour


def test_the_fragment_is_the_panel_alone_and_caches_tell_it_apart(
    world, mission, coordinator, as_user
):
    url = reverse("findings_live:timeline", args=[mission.code])
    client = as_user(coordinator)

    fragment = client.get(url, {"hours": 6}, headers={"HX-Request": "true"})
    page = client.get(url, {"hours": 6})

    body = fragment.content.decode().strip()
    assert body.startswith("<section") and body.endswith("</section>")
    assert 'hx-trigger="every 30s"' in body and "hours=6" in body
    assert "<html" in page.content.decode() and "<html" not in body
    assert "HX-Request" in fragment["Vary"] and "HX-Request" in page["Vary"]


def test_the_window_is_clamped(world, mission, coordinator, as_user):
    url = reverse("findings_live:timeline", args=[mission.code])
    client = as_user(coordinator)
    assert client.get(url, {"hours": 1000}).context["hours"] == live.MAX_HOURS
    assert client.get(url, {"hours": "x"}).context["hours"] == 24
    assert len(client.get(url, {"hours": 0}).context["timeline"].slots) == 4


def test_the_dashboard_polls_the_timeline_and_its_own_status(
    world, mission, observer, coordinator, as_user, monkeypatch
):
    zone = mission.election.time_zone
    forms = world["forms"]
    submit(observer, forms["opening"], station="1001", answers=OPENED, received=at(zone, 7, 31))
    submit(
        observer,
        forms["incident"],
        answers={"category": "violence", "severity": "critical", "description": "A fight."},
        received=at(zone, 7, 40),
    )
    monkeypatch.setattr(live, "clock", lambda: at(zone, 8, 0))
    url = reverse("findings_live:dashboard", args=[mission.code])
    client = as_user(coordinator)

    page = client.get(url)
    status = client.get(url, headers={"HX-Request": "true"})

    html = page.content.decode()
    assert 'id="timeline-panel"' in html and 'id="status-panel"' in html
    assert reverse("findings_live:timeline", args=[mission.code]) in html
    assert reverse("findings_live:map", args=[mission.code]) in html
    # Coverage: 1 of the 6 assigned stations has opened; none has voted yet.
    headline = {form.code: (c.reported, c.assigned) for form, c in page.context["headline"]}
    assert headline == {"opening": (1, 6), "voting": (0, 6)}
    assert [row.description for row in page.context["critical"]] == ["A fight."]
    fragment = status.content.decode().strip()
    assert fragment.startswith('<div class="live-grid" id="status-panel"')
    assert "A fight." in fragment and 'id="timeline-panel"' not in fragment


def test_a_mission_without_forms_or_reports(mission, coordinator, as_user):
    client = as_user(coordinator)
    dashboard = client.get(reverse("findings_live:dashboard", args=[mission.code]))
    assert dashboard.status_code == 200
    assert "The mission has no checklist form yet." in dashboard.content.decode()
    assert "No critical incident so far." in dashboard.content.decode()
    assert "No report was received in this period." in dashboard.content.decode()
    page = client.get(reverse("findings_live:map", args=[mission.code]))
    assert page.status_code == 200 and page.context["form"] is None
    incidents = client.get(reverse("findings_live:incidents", args=[mission.code]))
    assert "No incident matches." in incidents.content.decode()


def test_days_after_the_election_the_timeline_shows_the_day_itself(
    world, mission, observer, coordinator, as_user, monkeypatch
):
    zone = mission.election.time_zone
    submit(
        observer,
        world["forms"]["opening"],
        station="1001",
        answers=OPENED,
        received=at(zone, 8, 20),
    )
    monkeypatch.setattr(live, "clock", lambda: at(zone, 8, 0) + dt.timedelta(days=30))

    response = as_user(coordinator).get(
        reverse("findings_live:timeline", args=[mission.code]), {"hours": 3}
    )

    slots = response.context["timeline"].slots
    assert slots[-1].label == "08:15"
    assert sum(sum(slot.counts) for slot in slots) == 1


def test_on_the_day_the_timeline_follows_the_clock_through_a_silence(
    world, mission, observer, coordinator, as_user, monkeypatch
):
    zone = mission.election.time_zone
    submit(
        observer,
        world["forms"]["opening"],
        station="1001",
        answers=OPENED,
        received=at(zone, 8, 20),
    )
    monkeypatch.setattr(live, "clock", lambda: at(zone, 10, 5))

    response = as_user(coordinator).get(
        reverse("findings_live:timeline", args=[mission.code]), {"hours": 3}
    )

    assert response.context["timeline"].slots[-1].label == "10:00"

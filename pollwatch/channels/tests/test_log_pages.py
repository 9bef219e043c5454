"""The message log with its traffic chart, the broadcast page, and the gateway admin."""

import datetime as dt

import pytest
from django.utils import timezone

from pollwatch.channels.models import Gateway, InboundMessage, OutboundMessage
from pollwatch.channels.sms import log_views, outbox
from pollwatch.missions.models import Deployment, Observer
from pollwatch.testing import factories as f


@pytest.fixture
def gateway(mission):
    return Gateway.objects.create(
        mission=mission, kind=Gateway.Kind.TWILIO, name="Main line", secret="token-xyz-secret"
    )


@pytest.fixture
def other_gateway(other_mission):
    return Gateway.objects.create(
        mission=other_mission, kind=Gateway.Kind.JSON, name="Their line", secret="k"
    )


def inbound(gateway, at, sender="+996555000111", text="OP 1234 0457 A1", outcome="accepted"):
    return InboundMessage.objects.create(
        gateway=gateway, sender=sender, text=text, received_at=at, outcome=outcome
    )


def sent(gateway, at, to="+996555000111", text="Accepted"):
    return OutboundMessage.objects.create(
        gateway=gateway, to=to, text=text, status="sent", sent_at=at, created_at=at
    )


def url(mission, page=""):
    return f"/m/{mission.code}/messages/{page}"


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "analyst", "data_clerk"])
def test_core_team_and_clerks_see_the_log(persona, request, as_user, mission, gateway):
    inbound(gateway, timezone.now(), text="OP 1234 0457 A1 hello-log")
    response = as_user(request.getfixturevalue(persona)).get(url(mission))
    assert response.status_code == 200
    assert b"hello-log" in response.content


@pytest.mark.parametrize("persona", ["observer", "viewer"])
def test_observers_and_viewers_are_refused(persona, request, as_user, mission, gateway):
    assert as_user(request.getfixturevalue(persona)).get(url(mission)).status_code == 403


def test_other_missions_log_is_404(as_user, mission, other_coordinator, outsider, client):
    assert as_user(other_coordinator).get(url(mission)).status_code == 404
    assert as_user(outsider).get(url(mission)).status_code == 404
    assert client.get(url(mission)).status_code == 302  # to the sign-in page


def test_log_shows_only_the_missions_messages(
    as_user, coordinator, mission, gateway, other_gateway
):
    inbound(gateway, timezone.now(), text="ours-text")
    inbound(other_gateway, timezone.now(), text="theirs-text")
    OutboundMessage.objects.create(gateway=other_gateway, to="+1", text="their-reply")
    content = as_user(coordinator).get(url(mission)).content
    assert b"ours-text" in content
    assert b"theirs-text" not in content and b"their-reply" not in content
    assert b"Their line" not in content


# --- the log's filters ----------------------------------------------------------------


def test_filters(as_user, analyst, mission, gateway):
    now = timezone.now()
    second = Gateway.objects.create(
        mission=mission, kind=Gateway.Kind.SMSSYNC, name="Phone", secret="s"
    )
    inbound(gateway, now, sender="+996555000111", text="in-one")
    inbound(second, now, sender="+996555000222", text="in-two", outcome="refused")
    sent(gateway, now, to="+996555000111", text="out-one")
    failed = OutboundMessage.objects.create(
        gateway=second,
        to="+996555000333",
        text="out-failed",
        status="failed",
        attempts=6,
        last_error="ConnectionError: down",
    )
    client = as_user(analyst)

    def shown(**params):
        content = client.get(url(mission), params).content.decode()
        return {t for t in ("in-one", "in-two", "out-one", "out-failed") if t in content}

    assert shown() == {"in-one", "in-two", "out-one", "out-failed"}
    assert shown(direction="in") == {"in-one", "in-two"}
    assert shown(direction="out") == {"out-one", "out-failed"}
    assert shown(gateway=str(second.uuid)) == {"in-two", "out-failed"}
    assert shown(gateway="not-a-uuid") == set()
    assert shown(status="failed") == {"out-failed"}
    assert shown(status="refused") == {"in-two"}
    assert shown(phone="000111") == {"in-one", "out-one"}
    assert (
        "ConnectionError: down" in client.get(url(mission), {"status": "failed"}).content.decode()
    )
    assert failed.attempts == 6


# --- the traffic chart ----------------------------------------------------------------


def test_traffic_counts_per_minute_in_the_database(mission, gateway):
    now = dt.datetime(2024, 11, 5, 12, 30, 40, tzinfo=dt.UTC)
    for second in (1, 20, 59):
        inbound(gateway, now.replace(minute=25, second=second))
    inbound(gateway, now.replace(minute=28, second=0))
    inbound(gateway, now - dt.timedelta(hours=3, minutes=1))  # before the window
    sent(gateway, now.replace(minute=28, second=30))
    sent(gateway, now.replace(minute=28, second=31))
    OutboundMessage.objects.create(gateway=gateway, to="+1", text="queued, not traffic")
    ins = InboundMessage.objects.filter(gateway__mission=mission)
    outs = OutboundMessage.objects.filter(gateway__mission=mission)

    minutes = log_views.traffic(ins, outs, now, hours=3)
    assert len(minutes) == 180
    assert minutes[-1].at == now.replace(second=0)
    busy = {
        (m.at.strftime("%H:%M"), m.inbound, m.outbound) for m in minutes if m.inbound or m.outbound
    }
    assert busy == {("12:25", 3, 0), ("12:28", 1, 2)}


def test_traffic_is_one_query_per_direction(mission, gateway, django_assert_num_queries):
    now = timezone.now()
    for i in range(40):
        inbound(gateway, now - dt.timedelta(minutes=i % 7))
    ins = InboundMessage.objects.filter(gateway__mission=mission)
    outs = OutboundMessage.objects.filter(gateway__mission=mission)
    with django_assert_num_queries(2):
        minutes = log_views.traffic(ins, outs, now, hours=1)
    assert sum(m.inbound for m in minutes) == 40


def test_chart_bars_scale_to_the_peak():
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    minutes = [log_views.Minute(at, 4, 0), log_views.Minute(at, 0, 2), log_views.Minute(at, 0, 0)]
    chart = log_views.chart(minutes)
    assert [(b["kind"], b["h"], b["x"]) for b in chart["bars"]] == [("in", 120, 0), ("out", 60, 6)]
    assert (chart["total_in"], chart["total_out"], len(chart["busy"])) == (4, 2, 2)


def test_log_page_renders_the_chart_and_its_table(as_user, coordinator, mission, gateway):
    inbound(gateway, timezone.now())
    sent(gateway, timezone.now())
    content = as_user(coordinator).get(url(mission), {"hours": "2"}).content.decode()
    assert content.count('class="bar-in"') == 1 and content.count('class="bar-out"') == 1
    assert 'viewBox="0 0 480 120"' in content  # 120 minutes, 4 units each
    assert "1 received, 1 sent." in content


# --- broadcasts -----------------------------------------------------------------------


@pytest.fixture
def roster(mission, election):
    region = f.AreaFactory.create(election=election, code="CHU", name="Chui")
    other_region = f.AreaFactory.create(election=election, code="OSH", name="Osh")
    north = f.TeamFactory.create(mission=mission, code="N")
    south = f.TeamFactory.create(mission=mission, code="S")
    day = dt.date(2024, 11, 5)
    Deployment.objects.create(mission=mission, team=north, area=region, date=day)
    station = f.PollingStationFactory.create(area=other_region, election=election)
    south_deployment = Deployment.objects.create(mission=mission, team=south, date=day)
    south_deployment.stations.add(station)
    short = Observer.ObserverRole.SHORT_TERM
    long = Observer.ObserverRole.LONG_TERM
    return {
        "n1": f.ObserverFactory(mission=mission, team=north, role=short, phone="+996555100001"),
        "n2": f.ObserverFactory(mission=mission, team=north, role=long, phone="+996555100002"),
        "s1": f.ObserverFactory(mission=mission, team=south, role=short, phone="+996555100003"),
        "nophone": f.ObserverFactory(mission=mission, team=south, role=short, phone=""),
        "loose": f.ObserverFactory(mission=mission, team=None, role=short, phone="+996555100005"),
        "theirs": f.ObserverFactory(phone="+996555100006"),  # another mission
    }


def post_broadcast(client, mission, gateway, **filters):
    data = {"gateway": str(gateway.uuid), "text": "Polls close in one hour", **filters}
    return client.post(url(mission, "broadcast/"), data, follow=True)


def queued_to():
    return set(OutboundMessage.objects.values_list("to", flat=True))


def test_broadcast_to_everyone_with_a_phone(as_user, coordinator, mission, gateway, roster):
    response = post_broadcast(as_user(coordinator), mission, gateway)
    assert response.status_code == 200
    assert "4 messages queued." in response.content.decode()
    assert queued_to() == {roster[k].phone for k in ("n1", "n2", "s1", "loose")}
    assert OutboundMessage.objects.values("broadcast").distinct().count() == 1
    assert OutboundMessage.objects.filter(broadcast__isnull=True).count() == 0


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"role": "long_term"}, {"n2"}),
        ({"team": "S"}, {"s1"}),
        ({"area": "CHU"}, {"n1", "n2"}),  # deployed to the area itself
        ({"area": "OSH"}, {"s1"}),  # deployed to a station in the area
        ({"area": "OSH", "role": "long_term"}, set()),
    ],
)
def test_broadcast_to_a_filtered_set(
    as_user, coordinator, mission, gateway, roster, filters, expected
):
    post_broadcast(as_user(coordinator), mission, gateway, **filters)
    assert queued_to() == {roster[k].phone for k in expected}


def test_broadcast_is_for_coordinators(
    as_user, analyst, observer, other_coordinator, mission, gateway
):
    assert as_user(analyst).get(url(mission, "broadcast/")).status_code == 403
    assert post_broadcast(as_user(observer), mission, gateway).status_code == 403
    assert post_broadcast(as_user(other_coordinator), mission, gateway).status_code == 404
    assert not OutboundMessage.objects.exists()


def test_broadcast_cannot_use_another_missions_gateway(
    as_user, coordinator, mission, other_gateway, roster
):
    response = as_user(coordinator).post(
        url(mission, "broadcast/"), {"gateway": str(other_gateway.uuid), "text": "hi"}
    )
    assert response.status_code == 400
    assert not OutboundMessage.objects.exists()


def test_broadcast_text_over_the_limit_is_refused(as_user, coordinator, mission, gateway, roster):
    response = as_user(coordinator).post(
        url(mission, "broadcast/"), {"gateway": str(gateway.uuid), "text": "x" * 1601}
    )
    assert response.status_code == 400
    assert not OutboundMessage.objects.exists()


def test_broadcast_page_shows_the_form(as_user, coordinator, mission, gateway, roster):
    content = as_user(coordinator).get(url(mission, "broadcast/")).content.decode()
    assert "Main line" in content and "Chui" in content


# --- the admin keeps secrets write-only -----------------------------------------------


def test_admin_never_shows_a_gateways_secret(as_user, operator, gateway):
    client = as_user(operator)
    page = client.get(f"/admin/channels/gateway/{gateway.pk}/change/")
    assert page.status_code == 200
    assert b"token-xyz-secret" not in page.content
    assert f"/sms/{gateway.uuid}/twilio".encode() in page.content
    data = {
        "mission": gateway.mission_id,
        "kind": "twilio",
        "name": "Renamed",
        "secret": "",
        "account_sid": "",
        "phone_number": "",
        "public_url": "",
        "messages_per_minute": 30,
        "is_active": "on",
    }
    assert client.post(f"/admin/channels/gateway/{gateway.pk}/change/", data).status_code == 302
    gateway.refresh_from_db()
    assert (gateway.name, gateway.secret, gateway.messages_per_minute) == (
        "Renamed",
        "token-xyz-secret",
        30,
    )
    outbox.queue_message(gateway, "+1", "x")
    assert client.get("/admin/channels/outboundmessage/").status_code == 200

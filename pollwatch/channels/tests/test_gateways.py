"""The gateways' webhooks: signatures and secrets, payload parsing, and the responses.

The SMS core (services.handle_inbound) is replaced here by a small stand-in that
records the message, so that these tests pin down the gateway layer alone; the
end-to-end tests with the real core are in test_gateways_end_to_end below.
"""

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.utils import timezone
from twilio.request_validator import RequestValidator

from pollwatch.channels.models import Gateway, InboundMessage, OutboundMessage
from pollwatch.channels.sms import gateways, outbox, services

TOKEN = "twilio-auth-token-123"
SID = "AC" + "0" * 32


def make_gateway(mission, kind, **extra) -> Gateway:
    values = {"name": f"{kind} gateway", "secret": "s3cret-" + kind, "phone_number": "+15005550006"}
    return Gateway.objects.create(mission=mission, kind=kind, **(values | extra))


@dataclass
class FakeResult:
    reply: str
    outcome: str
    message: InboundMessage


@pytest.fixture
def core(monkeypatch):
    """A stand-in for services.handle_inbound: stores the message, dedups by id."""
    calls = []

    def handle_inbound(gateway, *, sender, text, message_id="", received_at=None, queue_reply=True):
        calls.append(
            {
                "sender": sender,
                "text": text,
                "message_id": message_id,
                "received_at": received_at,
                "queue_reply": queue_reply,
            }
        )
        if message_id:
            old = InboundMessage.objects.filter(gateway=gateway, message_id=message_id).first()
            if old:
                return FakeResult(old.reply, InboundMessage.Outcome.REDELIVERED, old)
        message = InboundMessage.objects.create(
            gateway=gateway,
            sender=sender,
            text=text,
            message_id=message_id,
            received_at=received_at or timezone.now(),
            outcome="accepted",
            reply="Thanks <1234> & goodbye",
        )
        return FakeResult(message.reply, InboundMessage.Outcome.ACCEPTED, message)

    monkeypatch.setattr(services, "handle_inbound", handle_inbound)
    return calls


# --- Twilio ---------------------------------------------------------------------------


def twilio_params(**extra):
    return {
        "From": "+996555000111",
        "To": "+15005550006",
        "Body": "OP 1234 0457 A1",
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": SID,
        "NumMedia": "0",
    } | extra


def post_twilio(client, gateway, params, *, signed_url=None, token=TOKEN, **headers):
    path = f"/sms/{gateway.uuid}/twilio"
    url = signed_url or f"http://testserver{path}"
    # Signed the way Twilio does, over every value of a repeated parameter.
    signed = QueryDict(urlencode(params, doseq=True))
    signature = RequestValidator(token).compute_signature(url, signed)
    return client.post(path, params, headers={"X-Twilio-Signature": signature} | headers)


@pytest.fixture
def twilio_gateway(mission):
    return make_gateway(mission, Gateway.Kind.TWILIO, secret=TOKEN, account_sid=SID)


def test_twilio_valid_signature_gets_twiml_reply(client, twilio_gateway, core):
    response = post_twilio(client, twilio_gateway, twilio_params())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    body = response.content.decode()
    assert "<Response><Message>Thanks &lt;1234&gt; &amp; goodbye</Message></Response>" in body
    assert core[0] | {"received_at": None} == {
        "sender": "+996555000111",
        "text": "OP 1234 0457 A1",
        "message_id": "SM" + "a" * 32,
        "received_at": None,
        "queue_reply": False,
    }
    # The reply travelled in the TwiML; the log has it as sent, not queued again.
    logged = OutboundMessage.objects.get()
    assert (logged.status, logged.to, logged.in_reply_to) == (
        "sent",
        "+996555000111",
        InboundMessage.objects.get(),
    )


def test_twilio_bad_signature_is_refused_and_nothing_stored(client, twilio_gateway, core):
    response = post_twilio(client, twilio_gateway, twilio_params(), token="not-the-token")
    assert response.status_code == 403
    assert core == [] and not InboundMessage.objects.exists()
    # Missing header, and a signed body that was tampered with afterwards.
    assert client.post(f"/sms/{twilio_gateway.uuid}/twilio", twilio_params()).status_code == 403
    path = f"/sms/{twilio_gateway.uuid}/twilio"
    good = RequestValidator(TOKEN).compute_signature(f"http://testserver{path}", twilio_params())
    tampered = twilio_params(Body="OP 9999 0457 A2")
    assert client.post(path, tampered, headers={"X-Twilio-Signature": good}).status_code == 403
    assert not InboundMessage.objects.exists() and not OutboundMessage.objects.exists()


def test_twilio_other_account_is_refused(client, mission, core):
    gateway = make_gateway(mission, Gateway.Kind.TWILIO, secret=TOKEN, account_sid="AC" + "1" * 32)
    assert post_twilio(client, gateway, twilio_params()).status_code == 403


def test_twilio_signature_with_and_without_port(client, twilio_gateway, core):
    path = f"/sms/{twilio_gateway.uuid}/twilio"
    with_port = post_twilio(
        client, twilio_gateway, twilio_params(), signed_url=f"http://testserver:80{path}"
    )
    assert with_port.status_code == 200
    # The request reached us on an explicit port; Twilio signed the URL without it.
    params = twilio_params(MessageSid="SM2")
    signature = RequestValidator(TOKEN).compute_signature(f"http://testserver{path}", params)
    response = client.post(
        path,
        params,
        headers={"X-Twilio-Signature": signature},
        SERVER_PORT="80",
        HTTP_HOST="testserver:80",
    )
    assert response.status_code == 200
    assert InboundMessage.objects.count() == 2


def test_twilio_behind_a_proxy_uses_the_public_url(client, twilio_gateway, core):
    public = f"https://sms.example.org/sms/{twilio_gateway.uuid}/twilio"
    # Twilio signed the public https URL; the app sees http://testserver/…
    assert (
        post_twilio(client, twilio_gateway, twilio_params(), signed_url=public).status_code == 403
    )
    twilio_gateway.public_url = public
    twilio_gateway.save()
    assert (
        post_twilio(client, twilio_gateway, twilio_params(), signed_url=public).status_code == 200
    )
    # …and once configured, a signature over the internal URL no longer passes.
    assert post_twilio(client, twilio_gateway, twilio_params(MessageSid="SM3")).status_code == 403


def test_twilio_multi_value_parameters_are_signed_sorted(client, twilio_gateway, core):
    params = twilio_params(MediaUrl0=["https://b.example/2", "https://a.example/1"])
    assert post_twilio(client, twilio_gateway, params).status_code == 200


def test_twilio_no_reply_gives_an_empty_response(client, twilio_gateway, core, monkeypatch):
    monkeypatch.setattr(
        services,
        "handle_inbound",
        lambda gateway, **kw: FakeResult("", "refused", InboundMessage(gateway=gateway)),
    )
    response = post_twilio(client, twilio_gateway, twilio_params())
    assert response.status_code == 200
    assert response.content.decode().endswith("<Response />")
    assert not OutboundMessage.objects.exists()


def test_twilio_redelivery_is_acknowledged_with_the_same_reply_and_logged_once(
    client, twilio_gateway, core
):
    first = post_twilio(client, twilio_gateway, twilio_params())
    again = post_twilio(client, twilio_gateway, twilio_params())
    assert first.content == again.content and again.status_code == 200
    assert InboundMessage.objects.count() == 1 and OutboundMessage.objects.count() == 1


def test_inactive_or_unknown_gateway_is_404(client, twilio_gateway, core):
    twilio_gateway.is_active = False
    twilio_gateway.save()
    assert post_twilio(client, twilio_gateway, twilio_params()).status_code == 404
    assert client.post(f"/sms/{uuid.uuid4()}/twilio", twilio_params()).status_code == 404
    # A gateway's uuid under another kind's URL is unknown too.
    assert client.post(f"/sms/{twilio_gateway.uuid}/json", {}).status_code == 404
    assert core == []


def test_twilio_text_over_1600_characters_gets_a_reply_and_nothing_stored(
    client, twilio_gateway, core
):
    response = post_twilio(client, twilio_gateway, twilio_params(Body="A1 " * 600))
    assert response.status_code == 200
    assert b"too long" in response.content
    assert core == [] and not InboundMessage.objects.exists()


def test_oversized_body_is_413(client, twilio_gateway, core):
    params = twilio_params(Body="x" * 70_000)
    assert post_twilio(client, twilio_gateway, params).status_code == 413
    assert core == []


def test_get_is_not_allowed_on_twilio(client, twilio_gateway):
    assert client.get(f"/sms/{twilio_gateway.uuid}/twilio").status_code == 405


# --- SMSSync --------------------------------------------------------------------------


@pytest.fixture
def smssync_gateway(mission):
    return make_gateway(mission, Gateway.Kind.SMSSYNC, secret="phone-secret")


def smssync_params(**extra):
    return {
        "from": "+996555000222",
        "message": "OP 1234 0457 A1",
        "message_id": "m-1",
        "sent_to": "+996700000000",
        "secret": "phone-secret",
        "device_id": "dev1",
        "sent_timestamp": "1508054700000",
    } | extra


def test_smssync_good_secret_answers_with_the_reply_as_a_send_task(client, smssync_gateway, core):
    response = client.post(f"/sms/{smssync_gateway.uuid}/smssync", smssync_params())
    assert response.status_code == 200
    payload = response.json()["payload"]
    logged = OutboundMessage.objects.get()
    assert payload == {
        "success": True,
        "error": None,
        "task": "send",
        "secret": "phone-secret",
        "messages": [
            {
                "to": "+996555000222",
                "message": "Thanks <1234> & goodbye",
                "uuid": outbox.task_uuid(logged),
            }
        ],
    }
    assert core[0]["received_at"] == dt.datetime(2017, 10, 15, 8, 5, tzinfo=dt.UTC)
    assert core[0]["message_id"] == "m-1" and core[0]["queue_reply"] is False


def test_smssync_bad_secret_is_403_and_nothing_stored(client, smssync_gateway, core):
    response = client.post(f"/sms/{smssync_gateway.uuid}/smssync", smssync_params(secret="guess"))
    assert response.status_code == 403
    assert response.json()["payload"]["success"] is False
    no_secret = smssync_params()
    del no_secret["secret"]
    assert client.post(f"/sms/{smssync_gateway.uuid}/smssync", no_secret).status_code == 403
    assert core == [] and not InboundMessage.objects.exists()


def test_smssync_poll_hands_out_queued_messages_and_task_sent_marks_them(
    client, smssync_gateway, mission
):
    url = f"/sms/{smssync_gateway.uuid}/smssync"
    first = outbox.queue_message(smssync_gateway, "+996555000001", "Polls close in one hour")
    second = outbox.queue_message(smssync_gateway, "+996555000002", "Polls close in one hour")
    other = make_gateway(mission, Gateway.Kind.SMSSYNC, name="other phone", secret="x")
    outbox.queue_message(other, "+996555000003", "not for this phone")

    assert client.get(url, {"task": "send", "secret": "wrong"}).status_code == 403
    payload = client.get(url, {"task": "send", "secret": "phone-secret"}).json()["payload"]
    assert payload["task"] == "send" and payload["secret"] == "phone-secret"
    assert [(m["to"], m["uuid"]) for m in payload["messages"]] == [
        ("+996555000001", outbox.task_uuid(first)),
        ("+996555000002", outbox.task_uuid(second)),
    ]
    # Handed over but not yet confirmed: not handed over again on the next poll.
    again = client.get(url, {"task": "send", "secret": "phone-secret"}).json()["payload"]
    assert again["messages"] == []

    body = json.dumps({"queued_messages": [outbox.task_uuid(first), "not-a-uuid"]})
    confirmed = client.post(
        f"{url}?task=sent&secret=phone-secret", body, content_type="application/json"
    )
    assert confirmed.json() == {"message_uuids": [outbox.task_uuid(first)]}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("sent", "queued")
    assert first.sent_at is not None


def test_smssync_confirmation_cannot_touch_another_gateways_messages(
    client, smssync_gateway, mission
):
    other = make_gateway(mission, Gateway.Kind.SMSSYNC, name="other phone", secret="x")
    theirs = outbox.queue_message(other, "+996555000003", "hello")
    body = json.dumps({"queued_messages": [outbox.task_uuid(theirs)]})
    url = f"/sms/{smssync_gateway.uuid}/smssync?task=sent&secret=phone-secret"
    assert client.post(url, body, content_type="application/json").json() == {"message_uuids": []}
    theirs.refresh_from_db()
    assert theirs.status == "queued"


def test_smssync_unconfirmed_messages_come_back_after_the_lease(smssync_gateway):
    message = outbox.queue_message(smssync_gateway, "+996555000001", "hello")
    now = timezone.now()
    assert outbox.hand_to_phone(smssync_gateway, now) == [message]
    assert outbox.hand_to_phone(smssync_gateway, now + dt.timedelta(minutes=1)) == []
    assert outbox.hand_to_phone(smssync_gateway, now + outbox.SMSSYNC_LEASE) == [message]


def test_smssync_result_task_is_answered(client, smssync_gateway):
    url = f"/sms/{smssync_gateway.uuid}/smssync"
    assert client.get(url, {"task": "result", "secret": "phone-secret"}).json() == {
        "message_uuids": []
    }


def test_smssync_too_long_and_malformed(client, smssync_gateway, core):
    url = f"/sms/{smssync_gateway.uuid}/smssync"
    long = client.post(url, smssync_params(message="x" * 1601)).json()["payload"]
    assert long["success"] is True and "too long" in long["messages"][0]["message"]
    assert client.post(url, smssync_params(**{"from": ""})).status_code == 400
    assert core == [] and not InboundMessage.objects.exists()


# --- JSON webhook ---------------------------------------------------------------------


@pytest.fixture
def json_gateway(mission):
    return make_gateway(mission, Gateway.Kind.JSON, secret="hmac-key")


def post_json(client, gateway, data, *, key="hmac-key", raw=None):
    body = raw if raw is not None else json.dumps(data).encode()
    signature = gateways.json_signature(key, body)
    return client.post(
        f"/sms/{gateway.uuid}/json",
        body,
        content_type="application/json",
        headers={"X-Pollwatch-Signature": signature},
    )


def test_json_good_signature(client, json_gateway, core):
    data = {
        "from": "+996555000333",
        "text": "OP 1234 0457 A1",
        "id": "j-1",
        "received_at": "2017-10-15T14:05:00+06:00",
    }
    response = post_json(client, json_gateway, data)
    assert response.status_code == 200
    assert response.json() == {"reply": "Thanks <1234> & goodbye", "status": "accepted"}
    assert core[0]["received_at"] == dt.datetime(2017, 10, 15, 8, 5, tzinfo=dt.UTC)
    assert core[0]["message_id"] == "j-1"


def test_json_signature_matches_an_independent_hmac(json_gateway):
    import hashlib
    import hmac

    body = b'{"from": "+1", "text": "x"}'
    expected = hmac.new(b"hmac-key", body, hashlib.sha256).hexdigest()
    assert gateways.json_signature("hmac-key", body) == "sha256=" + expected


def test_json_bad_signature_is_403_and_nothing_stored(client, json_gateway, core):
    data = {"from": "+996555000333", "text": "OP 1234 0457 A1"}
    assert post_json(client, json_gateway, data, key="wrong").status_code == 403
    unsigned = client.post(f"/sms/{json_gateway.uuid}/json", data, content_type="application/json")
    assert unsigned.status_code == 403
    assert core == [] and not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b'{"from": "+1"}',
        b'{"from": 5, "text": "x"}',
        b'{"from": "+1", "text": "x", "received_at": "yesterday"}',
    ],
)
def test_json_malformed_bodies_are_400(client, json_gateway, core, raw):
    assert post_json(client, json_gateway, None, raw=raw).status_code == 400
    assert core == []


def test_json_text_over_the_limit(client, json_gateway, core):
    response = post_json(client, json_gateway, {"from": "+1555", "text": "y" * 1601})
    assert response.status_code == 422
    assert response.json()["status"] == "refused" and "1600" in response.json()["reply"]
    assert core == []


def test_smssync_timestamps():
    assert gateways._from_millis("1508054700") == dt.datetime(2017, 10, 15, 8, 5, tzinfo=dt.UTC)
    assert gateways._from_millis("") is None
    assert gateways._from_millis("99999999999999999999999") is None


def test_urlencoded_twilio_body_roundtrip_matches_django_parsing(rf, twilio_gateway):
    # The validator receives Django's QueryDict; a repeated key keeps all its values.
    params = {"From": "+1", "Body": "a", "X": ["2", "1"]}
    request = rf.post(
        f"/sms/{twilio_gateway.uuid}/twilio",
        urlencode(params, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )
    url = request.build_absolute_uri()
    signed = QueryDict(urlencode(params, doseq=True))
    request.META["HTTP_X_TWILIO_SIGNATURE"] = RequestValidator(TOKEN).compute_signature(url, signed)
    twilio_gateway.account_sid = ""
    assert gateways.verify_twilio(twilio_gateway, request)


# --- end to end, with the real SMS core -----------------------------------------------


@pytest.fixture
def checklist_sender(mission, election):
    from pollwatch.reports.testing import deploy, make_form, make_observer, question
    from pollwatch.testing import factories as f

    station = f.PollingStationFactory(area=f.AreaFactory(election=election), code="1001")
    opened = question("opened", "select_one", required=True, choices=["yes", "no"])
    make_form(mission, "voting", {**opened, "compact_tag": "A"}, code="ps")
    observer = make_observer(mission, code="1234", phone="+996555000111")
    deploy(observer, station)
    return observer


def test_end_to_end_twilio_redelivery_is_acknowledged_and_stored_once(
    client, twilio_gateway, checklist_sender
):
    from pollwatch.reports.models import Report, ReportVersion

    params = twilio_params(Body="PS 1234 1001 A1")
    first = post_twilio(client, twilio_gateway, params)
    again = post_twilio(client, twilio_gateway, params)
    assert first.status_code == again.status_code == 200
    assert b"<Message>" in first.content and first.content == again.content
    assert Report.objects.count() == 1 and ReportVersion.objects.count() == 1
    stored = InboundMessage.objects.get()
    assert stored.outcome == "accepted" and stored.message_id == params["MessageSid"]
    # The reply travelled in the TwiML once: logged as sent, nothing left queued.
    assert list(OutboundMessage.objects.values_list("status", "in_reply_to")) == [
        ("sent", stored.pk)
    ]


def test_end_to_end_smssync_and_json(client, smssync_gateway, json_gateway, checklist_sender):
    from pollwatch.reports.models import Channel, Flag, Report

    # Sent from a phone other than the observer's registered one: stored, but flagged.
    response = client.post(
        f"/sms/{smssync_gateway.uuid}/smssync", smssync_params(message="PS 1234 1001 A2")
    )
    payload = response.json()["payload"]
    assert payload["success"] is True and payload["messages"][0]["to"] == "+996555000222"
    report = Report.objects.get()
    assert report.current is not None and report.current.channel == Channel.SMS
    assert report.flags.filter(kind=Flag.Kind.UNREGISTERED_PHONE).exists()

    unknown = post_json(client, json_gateway, {"from": "+996555000999", "text": "PS 9999 1001 A1"})
    assert unknown.status_code == 200
    assert unknown.json()["status"] == "refused" and "9999" in unknown.json()["reply"]
    assert Report.objects.count() == 1
    assert InboundMessage.objects.count() == 2
    assert not OutboundMessage.objects.filter(status="queued").exists()

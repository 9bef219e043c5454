"""The outbox: rate limit per gateway, back-off, giving up, and the Twilio transport.

The Twilio transport runs the real twilio REST client against a tiny HTTP server on
127.0.0.1 that imitates the one endpoint it calls (no network).
"""

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command
from django.utils import timezone

from pollwatch.channels.models import Gateway, OutboundMessage
from pollwatch.channels.sms import outbox

SID = "AC" + "0" * 32
NOW = dt.datetime(2024, 11, 5, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def gateway(mission):
    return Gateway.objects.create(
        mission=mission,
        kind=Gateway.Kind.TWILIO,
        name="Twilio",
        secret="token",
        account_sid=SID,
        phone_number="+15005550006",
        messages_per_minute=60,
    )


class Recorder:
    """A transport that records what it sends, and fails while told to."""

    def __init__(self, failures: int = 0):
        self.sent: list[str] = []
        self.failures = failures

    def __call__(self, gateway, message):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("gateway unreachable")
        self.sent.append(message.to)


def queue(gateway, n, *, at=NOW):
    messages = [outbox.queue_message(gateway, f"+99655500{i:04d}", "hello") for i in range(n)]
    OutboundMessage.objects.filter(gateway=gateway).update(next_attempt_at=at, created_at=at)
    return messages


def test_queue_message_fields(gateway):
    message = outbox.queue_message(gateway, "+996555000001", "Polls close in one hour")
    assert (message.status, message.attempts, message.to) == ("queued", 0, "+996555000001")
    assert message.next_attempt_at <= timezone.now()


def test_the_61st_message_in_a_minute_waits(gateway):
    queue(gateway, 61)
    transport = Recorder()
    counts = outbox.send_due(NOW, transport=transport)
    assert counts == {"sent": 60, "retried": 0, "failed": 0, "waiting": 1}
    assert len(transport.sent) == 60
    # Still inside the same rolling minute: nothing more goes out.
    assert outbox.send_due(NOW + dt.timedelta(seconds=59), transport=transport)["sent"] == 0
    # A minute later the window has moved on.
    assert outbox.send_due(NOW + dt.timedelta(seconds=61), transport=transport)["sent"] == 1
    assert OutboundMessage.objects.filter(status="sent").count() == 61


def test_rate_is_per_gateway_setting(gateway):
    gateway.messages_per_minute = 5
    gateway.save()
    queue(gateway, 8)
    assert outbox.send_due(NOW, transport=Recorder())["sent"] == 5


def test_backoff_after_a_transport_failure(gateway):
    (message,) = queue(gateway, 1)
    counts = outbox.send_due(NOW, transport=Recorder(failures=1))
    assert counts["retried"] == 1
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 1
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=30)
    assert "gateway unreachable" in message.last_error
    # Not due yet: nothing happens before the back-off has passed.
    transport = Recorder()
    assert outbox.send_due(NOW + dt.timedelta(seconds=29), transport=transport)["sent"] == 0
    assert outbox.send_due(NOW + dt.timedelta(seconds=30), transport=transport)["sent"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


def test_backoff_doubles_and_is_capped():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff(30) == outbox.MAX_DELAY


def test_failed_after_the_last_attempt(gateway):
    (message,) = queue(gateway, 1)
    transport = Recorder(failures=100)
    now = NOW
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.send_due(now, transport=transport)
        message.refresh_from_db()
        now = message.next_attempt_at
    assert message.status == "failed" and message.attempts == outbox.MAX_ATTEMPTS
    assert outbox.send_due(now + dt.timedelta(days=1), transport=transport) == {
        "sent": 0,
        "retried": 0,
        "failed": 0,
        "waiting": 0,
    }


def test_permanent_errors_fail_at_once(gateway):
    (message,) = queue(gateway, 1)

    def refuse(gateway, message):
        raise outbox.PermanentError("invalid number")

    assert outbox.send_due(NOW, transport=refuse)["failed"] == 1
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 1


def test_inactive_and_non_push_gateways_are_left_alone(gateway, mission):
    queue(gateway, 1)
    gateway.is_active = False
    gateway.save()
    phone = Gateway.objects.create(
        mission=mission, kind=Gateway.Kind.SMSSYNC, name="phone", secret="x"
    )
    outbox.queue_message(phone, "+996555000001", "waits for the phone's poll")
    transport = Recorder()
    assert outbox.send_due(timezone.now(), transport=transport)["sent"] == 0
    assert transport.sent == []


def test_broadcast_queues_one_message_per_number(gateway):
    batch, count = outbox.queue_broadcast(gateway, ["+1555001", "+1555002", "+1555001"], "hi")
    assert count == 2
    assert set(OutboundMessage.objects.values_list("to", "broadcast")) == {
        ("+1555001", batch),
        ("+1555002", batch),
    }


# --- the Twilio transport against a local imitation of Twilio's API -------------------


class FakeTwilio(BaseHTTPRequestHandler):
    requests: list[dict] = []
    status = 201

    def do_POST(self):  # noqa: N802 (the http.server API)
        length = int(self.headers["Content-Length"])
        form = parse_qs(self.rfile.read(length).decode())
        auth = base64.b64decode(self.headers["Authorization"].split()[1]).decode()
        self.requests.append({"path": self.path, "form": form, "auth": auth})
        body: dict[str, object]
        if self.status == 201:
            body = {
                "sid": "SM" + "f" * 32,
                "status": "queued",
                "to": form["To"][0],
                "from": form["From"][0],
                "body": form["Body"][0],
                "account_sid": SID,
            }
        else:
            body = {
                "code": 21211,
                "message": "The 'To' number is not valid.",
                "status": self.status,
                "more_info": "",
            }
        data = json.dumps(body).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_twilio():
    FakeTwilio.requests = []
    FakeTwilio.status = 201
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield FakeTwilio, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_twilio_transport_posts_to_from_and_body(gateway, fake_twilio):
    fake, base_url = fake_twilio
    outbox.queue_message(gateway, "+996555000001", "Polls close in one hour: send your count")
    counts = outbox.send_due(transport=outbox.TwilioTransport(api_base_url=base_url))
    assert counts["sent"] == 1
    (request,) = fake.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["form"] == {
        "To": ["+996555000001"],
        "From": ["+15005550006"],
        "Body": ["Polls close in one hour: send your count"],
    }
    assert request["auth"] == f"{SID}:token"


def test_twilio_transport_refusal_fails_the_message(gateway, fake_twilio):
    fake, base_url = fake_twilio
    fake.status = 400
    message = outbox.queue_message(gateway, "+1", "hello")
    assert outbox.send_due(transport=outbox.TwilioTransport(api_base_url=base_url))["failed"] == 1
    message.refresh_from_db()
    assert message.status == "failed" and "not valid" in message.last_error


def test_twilio_transport_server_error_is_retried(gateway, fake_twilio):
    fake, base_url = fake_twilio
    fake.status = 503
    message = outbox.queue_message(gateway, "+996555000001", "hello")
    assert outbox.send_due(transport=outbox.TwilioTransport(api_base_url=base_url))["retried"] == 1
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 1


def test_worker_command_once(gateway, fake_twilio, settings):
    fake, base_url = fake_twilio
    outbox.queue_message(gateway, "+996555000001", "hello")
    out = StringIO()
    call_command("sms_outbox", "--once", "--twilio-base-url", base_url, stdout=out)
    assert "sent 1" in out.getvalue()
    assert len(fake.requests) == 1

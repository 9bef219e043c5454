"""The rate-limited outbox: replies and broadcasts wait here until a gateway carries them.

How each kind of gateway carries queued messages:

- Twilio: pushed by `send_due` (the `pollwatch sms_outbox` worker) through Twilio's REST
  API, at most `gateway.messages_per_minute` per rolling minute, retried with
  exponential back-off, FAILED after MAX_ATTEMPTS.
- SMSSync: never pushed. The phone polls `?task=send` and receives the due messages
  (`hand_to_phone`); it confirms with `?task=sent` (`confirm_sent`), which marks them
  sent. A message handed over but never confirmed is handed over again after
  SMSSYNC_LEASE (so enable SMSSync's "Message Results API").
- JSON webhook: no push channel at all; replies travel in the webhook's HTTP response.
  Messages queued for such a gateway (broadcasts) stay queued and show in the log.

Replies that travel in a webhook's response are recorded as already sent
(`record_sent`) so that the message log shows every message.
"""

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from pollwatch.channels.models import Gateway, InboundMessage, OutboundMessage

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
MAX_ATTEMPTS = 6
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)
RATE_WINDOW = dt.timedelta(seconds=60)
SMSSYNC_LEASE = dt.timedelta(minutes=5)
PUSH_KINDS = (Gateway.Kind.TWILIO,)

# A transport sends one message through its gateway, raising on failure.
Transport = Callable[[Gateway, OutboundMessage], object]


class PermanentError(Exception):
    """A failure that retrying cannot fix (e.g. an invalid number): FAILED at once."""


def queue_message(
    gateway: Gateway,
    to: str,
    text: str,
    *,
    in_reply_to: InboundMessage | None = None,
    broadcast: uuid.UUID | None = None,
) -> OutboundMessage:
    """Queue one message for the gateway; the worker or the phone's poll sends it."""
    with transaction.atomic():
        return OutboundMessage.objects.create(
            gateway=gateway, to=to, text=text, in_reply_to=in_reply_to, broadcast=broadcast
        )


def queue_broadcast(gateway: Gateway, phones: Iterable[str], text: str) -> tuple[uuid.UUID, int]:
    """Queue one message per phone number (once per number), all under one new broadcast id."""
    batch = uuid.uuid4()
    unique = list(dict.fromkeys(phones))
    with transaction.atomic():
        for phone in unique:
            queue_message(gateway, phone, text, broadcast=batch)
    return batch, len(unique)


def record_sent(
    gateway: Gateway, to: str, text: str, *, in_reply_to: InboundMessage | None = None
) -> OutboundMessage:
    """Log a reply that travelled in the webhook's own HTTP response, as sent."""
    now = timezone.now()
    with transaction.atomic():
        return OutboundMessage.objects.create(
            gateway=gateway,
            to=to,
            text=text,
            in_reply_to=in_reply_to,
            status=Status.SENT,
            attempts=1,
            sent_at=now,
            next_attempt_at=now,
        )


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try, after `attempts` failed tries (30 s, 60 s, 120 s …)."""
    return min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


# --- transports -----------------------------------------------------------------------


class TwilioTransport:
    """Sends through the twilio REST client.

    `api_base_url` and `http_client` exist for tests and for regional set-ups: the
    client's own code runs, only the host it talks to changes.
    """

    def __init__(
        self, *, api_base_url: str | None = None, http_client: HttpClient | None = None
    ) -> None:
        self.api_base_url = api_base_url
        self.http_client = http_client

    def __call__(self, gateway: Gateway, message: OutboundMessage) -> str:
        client = Client(gateway.account_sid, gateway.secret, http_client=self.http_client)
        if self.api_base_url:
            client.api.base_url = self.api_base_url
        try:
            sent = client.messages.create(
                to=message.to, from_=gateway.phone_number, body=message.text
            )
        except TwilioRestException as error:
            # 4xx other than throttling means the request itself is wrong.
            if 400 <= error.status < 500 and error.status != 429:
                raise PermanentError(str(error)) from error
            raise
        return str(sent.sid)


def default_transport(gateway: Gateway, message: OutboundMessage) -> object:
    if gateway.kind == Gateway.Kind.TWILIO:
        return TwilioTransport()(gateway, message)
    raise PermanentError(f"gateway kind {gateway.kind} has no push transport")


# --- the worker -----------------------------------------------------------------------


def sent_in_window(gateway: Gateway, now: dt.datetime) -> int:
    return OutboundMessage.objects.filter(
        gateway=gateway, status=Status.SENT, sent_at__gt=now - RATE_WINDOW, sent_at__lte=now
    ).count()


def _due(gateway: Gateway, now: dt.datetime) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(
        gateway=gateway, status=Status.QUEUED, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "pk")


def _mark_failure(message: OutboundMessage, error: Exception, now: dt.datetime) -> str:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if isinstance(error, PermanentError) or message.attempts >= MAX_ATTEMPTS:
        message.status = Status.FAILED
    else:
        message.next_attempt_at = now + backoff(message.attempts)
    message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    return "failed" if message.status == Status.FAILED else "retried"


def _attempt(message: OutboundMessage, gateway: Gateway, transport: Transport, now) -> str:
    try:
        transport(gateway, message)
    except Exception as error:  # any failure of one message must not stop the worker
        logger.warning("sms outbox: message %s via %s failed: %s", message.pk, gateway, error)
        return _mark_failure(message, error, now)
    message.attempts += 1
    message.status = Status.SENT
    message.sent_at = now
    message.last_error = ""
    message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return "sent"


def _send_for_gateway(gateway: Gateway, now: dt.datetime, transport: Transport) -> Counter:
    """Send what the gateway's rate allows; the gateway row is locked so that two
    workers never share one gateway's budget."""
    counts: Counter = Counter()
    with transaction.atomic():
        locked = Gateway.objects.select_for_update(skip_locked=True).filter(pk=gateway.pk)
        if locked.first() is None:
            return counts  # another worker is sending for this gateway
        budget = gateway.messages_per_minute - sent_in_window(gateway, now)
        due = _due(gateway, now)
        batch = list(due.select_for_update(skip_locked=True)[: max(budget, 0)])
        for message in batch:
            counts[_attempt(message, gateway, transport, now)] += 1
        counts["waiting"] += due.count()
    return counts


def send_due(now: dt.datetime | None = None, *, transport: Transport | None = None) -> dict:
    """One pass of the worker over every active push gateway.

    Returns counts: sent, retried (failed, will try again), failed (for good), waiting
    (due but over the rate limit, or locked by another worker).
    """
    now = now or timezone.now()
    transport = transport or default_transport
    totals: Counter = Counter()
    for gateway in Gateway.objects.filter(is_active=True, kind__in=PUSH_KINDS):
        totals.update(_send_for_gateway(gateway, now, transport))
    return {key: totals[key] for key in ("sent", "retried", "failed", "waiting")}


# --- SMSSync's poll -------------------------------------------------------------------


def task_uuid(message: OutboundMessage) -> str:
    """The id SMSSync carries for a message and sends back to confirm it."""
    return str(message.uuid)


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    """The well-formed ids among those a phone sent back; the rest are ignored."""
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


def hand_to_phone(gateway: Gateway, now: dt.datetime | None = None) -> list[OutboundMessage]:
    """The due messages for an SMSSync phone's `task=send` poll, within the rate limit.

    Each is leased for SMSSYNC_LEASE: handed over again only if the phone never
    confirms it with `task=sent`.
    """
    now = now or timezone.now()
    with transaction.atomic():
        budget = max(gateway.messages_per_minute - sent_in_window(gateway, now), 0)
        batch = list(_due(gateway, now).select_for_update(skip_locked=True)[:budget])
        for message in batch:
            message.attempts += 1
            if message.attempts >= MAX_ATTEMPTS:
                message.status = Status.FAILED
                message.last_error = "never confirmed by the phone"
            message.next_attempt_at = now + SMSSYNC_LEASE
            message.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])
    return [m for m in batch if m.status == Status.QUEUED]


def confirm_sent(gateway: Gateway, uuids: Iterable[str], now: dt.datetime | None = None) -> list:
    """Mark the phone's `queued_messages` as sent; returns the uuids that were ours."""
    now = now or timezone.now()
    with transaction.atomic():
        mine = OutboundMessage.objects.select_for_update().filter(
            gateway=gateway, uuid__in=_uuids(uuids)
        )
        confirmed = list(mine)
        mine.filter(status=Status.QUEUED).update(status=Status.SENT, sent_at=now, last_error="")
    return [task_uuid(m) for m in confirmed]

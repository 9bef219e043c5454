"""What each kind of SMS gateway sends us, how it proves who it is, and what it expects back.

Three kinds (Gateway.Kind):
- Twilio: form posts signed with X-Twilio-Signature, checked by the twilio package's
  RequestValidator against the URL Twilio called (gateway.public_url behind a proxy);
  answered with TwiML.
- SMSSync (Ushahidi's Android gateway app): form posts carrying a shared `secret`;
  answered with its JSON `payload`, whose `send` task carries replies. The phone also
  polls `?task=send` for queued messages and confirms them with `?task=sent`.
- JSON webhook: a JSON body signed with X-Pollwatch-Signature: sha256=<hex HMAC-SHA256
  of the raw body, keyed with gateway.secret>; answered with {"reply", "status"}.

Nothing here touches reports: the views hand the parsed message to
pollwatch.channels.sms.services.handle_inbound.
"""

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from twilio.request_validator import RequestValidator, get_signature_algorithm
from twilio.twiml.messaging_response import MessagingResponse

from pollwatch.channels.models import Gateway, InboundMessage, OutboundMessage
from pollwatch.channels.sms.outbox import task_uuid

# The longest concatenated SMS gateways deliver is about 1,600 characters; the body
# limit leaves room for a gateway's other fields and for percent-encoding.
MAX_TEXT_LENGTH = 1600
MAX_BODY_BYTES = 64 * 1024
JSON_SIGNATURE_HEADER = "X-Pollwatch-Signature"
SENDER_MAX = InboundMessage._meta.get_field("sender").max_length or 20
MESSAGE_ID_MAX = InboundMessage._meta.get_field("message_id").max_length or 100


class BadRequest(Exception):
    """The gateway's request is malformed (400): nothing is stored."""


@dataclass(frozen=True)
class Inbound:
    """One text message as a gateway delivered it."""

    sender: str
    text: str
    message_id: str = ""
    received_at: dt.datetime | None = None

    @property
    def too_long(self) -> bool:
        return len(self.text) > MAX_TEXT_LENGTH


def get_active_gateway(gateway_uuid: object, kind: str) -> Gateway:
    """The active gateway of that kind behind a webhook URL; Http404 for anything else."""
    try:
        key = uuid.UUID(str(gateway_uuid))
    except ValueError:
        raise Http404 from None
    gateway = Gateway.objects.filter(uuid=key, kind=kind, is_active=True).first()
    if gateway is None:
        raise Http404
    return gateway


def body_too_large(request: HttpRequest) -> bool:
    """True when the declared body exceeds MAX_BODY_BYTES (a body without a length is
    bounded by Django's DATA_UPLOAD_MAX_MEMORY_SIZE, and the text by MAX_TEXT_LENGTH)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > MAX_BODY_BYTES


def _inbound(sender: str, text: str, message_id: str, received_at=None) -> Inbound:
    sender, message_id = sender.strip(), message_id.strip()
    if not sender or len(sender) > SENDER_MAX:
        raise BadRequest("sender missing or too long")
    if len(message_id) > MESSAGE_ID_MAX:
        raise BadRequest("message id too long")
    return Inbound(sender=sender, text=text, message_id=message_id, received_at=received_at)


# --- Twilio ---------------------------------------------------------------------------


def twilio_url(gateway: Gateway, request: HttpRequest) -> str:
    """The URL Twilio signed: the configured public one behind a proxy, else this request's."""
    return gateway.public_url or request.build_absolute_uri()


def verify_twilio(gateway: Gateway, request: HttpRequest) -> bool:
    """Check X-Twilio-Signature with the twilio package (sorted multi-value parameters,
    URL with and without its port, JSON bodies signed through bodySHA256)."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not gateway.secret:
        return False
    url = twilio_url(gateway, request)
    is_json = "bodySHA256" in request.GET
    params = request.body.decode("utf-8", "replace") if is_json else request.POST
    algorithm = get_signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
    valid = RequestValidator(gateway.secret).validate(url, params, signature, algorithm)
    if valid and gateway.account_sid and not is_json:
        return hmac.compare_digest(request.POST.get("AccountSid", ""), gateway.account_sid)
    return bool(valid)


def parse_twilio(request: HttpRequest) -> Inbound:
    data = request.POST
    message_id = data.get("MessageSid") or data.get("SmsSid") or ""
    return _inbound(data.get("From", ""), data.get("Body", ""), message_id)


def twilio_response(reply: str) -> HttpResponse:
    """TwiML: one <Message> with the reply (escaped by the library), or an empty <Response/>."""
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return HttpResponse(str(twiml), content_type="text/xml; charset=utf-8")


# --- SMSSync --------------------------------------------------------------------------


def verify_smssync(gateway: Gateway, secret: str) -> bool:
    return bool(gateway.secret) and hmac.compare_digest(
        secret.encode("utf-8"), gateway.secret.encode("utf-8")
    )


def smssync_secret(request: HttpRequest) -> str:
    """The secret of an SMSSync request: the form field, or the query string on polls."""
    return request.POST.get("secret") or request.GET.get("secret") or ""


def _from_millis(value: str) -> dt.datetime | None:
    """SMSSync's sent_timestamp: milliseconds since the epoch (older versions: seconds)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    seconds = number / 1000 if number > 10**11 else number
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_smssync(request: HttpRequest) -> Inbound:
    data = request.POST
    return _inbound(
        data.get("from", ""),
        data.get("message", ""),
        data.get("message_id", ""),
        _from_millis(data.get("sent_timestamp", "")),
    )


def smssync_task(to: str, text: str, task_uuid: str) -> dict:
    return {"to": to, "message": text, "uuid": task_uuid}


def smssync_response(
    gateway: Gateway, tasks: Iterable[dict] = (), *, error: str | None = None, status: int = 200
) -> JsonResponse:
    """SMSSync's answer: success and error, plus a `send` task when there is something to send.

    The secret travels back so that the phone can tell its server from an impostor.
    """
    payload: dict = {"success": error is None, "error": error}
    messages = list(tasks)
    if messages:
        payload.update(task="send", secret=gateway.secret, messages=messages)
    return JsonResponse({"payload": payload}, status=status)


def smssync_poll_response(gateway: Gateway, messages: Iterable[OutboundMessage]) -> JsonResponse:
    """The answer to `GET ?task=send`: the queued messages the phone should send."""
    tasks = [smssync_task(m.to, m.text, task_uuid(m)) for m in messages]
    return JsonResponse({"payload": {"task": "send", "secret": gateway.secret, "messages": tasks}})


def parse_queued_uuids(request: HttpRequest) -> list[str]:
    """The uuids of `POST ?task=sent`: a JSON body {"queued_messages": [...]} or form fields."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError as error:
            raise BadRequest("malformed JSON") from error
        values = data.get("queued_messages", []) if isinstance(data, dict) else []
        if not isinstance(values, list):
            raise BadRequest("queued_messages must be a list")
        return [str(v) for v in values]
    return request.POST.getlist("queued_messages")


# --- generic JSON webhook -------------------------------------------------------------


def json_signature(secret: str, body: bytes) -> str:
    """The header value a JSON gateway sends: sha256=<hex HMAC-SHA256 of the raw body>."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_json(gateway: Gateway, request: HttpRequest) -> bool:
    given = request.headers.get(JSON_SIGNATURE_HEADER, "")
    if not given or not gateway.secret:
        return False
    expected = json_signature(gateway.secret, request.body)
    return hmac.compare_digest(given.strip().lower().encode(), expected.encode())


def _aware(value: object) -> dt.datetime | None:
    if value in (None, ""):
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise BadRequest("received_at is not an ISO 8601 date and time")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


def parse_json(request: HttpRequest) -> Inbound:
    try:
        data = json.loads(request.body)
    except ValueError as error:
        raise BadRequest("malformed JSON") from error
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    sender, text, message_id = data.get("from"), data.get("text"), data.get("id", "")
    if not isinstance(sender, str) or not isinstance(text, str):
        raise BadRequest("from and text must be strings")
    if not isinstance(message_id, str | int) or isinstance(message_id, bool):
        raise BadRequest("id must be a string")
    return _inbound(sender, text, str(message_id), _aware(data.get("received_at")))


def json_response(reply: str, outcome: str, status: int = 200) -> JsonResponse:
    return JsonResponse({"reply": reply, "status": outcome}, status=status)

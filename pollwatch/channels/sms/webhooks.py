"""The gateways' webhooks, under /sms/<gateway uuid>/<kind>.

Authenticated by each gateway's signature or secret, so exempt from CSRF. The order
of checks is the same for every kind: unknown or inactive gateway 404, oversized body
413, bad signature or secret 403, malformed request 400 (none of them stores
anything), a text over 1,600 characters gets a reply and nothing stored; only then
does services.handle_inbound record and process the message.

Replies travel in the HTTP response (TwiML, SMSSync's payload, the JSON answer), so
handle_inbound is told not to queue them; they are logged as sent instead.
"""

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from pollwatch.channels.models import Gateway, InboundMessage, OutboundMessage
from pollwatch.channels.sms import gateways, outbox, services
from pollwatch.channels.sms.gateways import BadRequest, Inbound

Kind = Gateway.Kind


def _too_long_reply() -> str:
    return _("Message too long: send at most %(limit)d characters.") % {
        "limit": gateways.MAX_TEXT_LENGTH
    }


def _handle(gateway: Gateway, inbound: Inbound) -> tuple[Any, OutboundMessage | None]:
    """Pass the message to the SMS core and log the reply that the response will carry.

    Returns handle_inbound's result and the logged reply (None when there is none).
    """
    result = services.handle_inbound(
        gateway,
        sender=inbound.sender,
        text=inbound.text,
        message_id=inbound.message_id,
        received_at=inbound.received_at,
        queue_reply=False,
    )
    # A redelivery repeats the original reply, which is already in the log.
    if not result.reply or result.outcome == InboundMessage.Outcome.REDELIVERED:
        return result, None
    logged = outbox.record_sent(gateway, inbound.sender, result.reply, in_reply_to=result.message)
    return result, logged


def _payload_too_large() -> HttpResponse:
    return HttpResponse(_("Request body too large."), status=413, content_type="text/plain")


# --- Twilio ---------------------------------------------------------------------------


@csrf_exempt
@require_POST
def twilio(request: HttpRequest, gateway_uuid: uuid.UUID) -> HttpResponse:
    gateway = gateways.get_active_gateway(gateway_uuid, Kind.TWILIO)
    if gateways.body_too_large(request):
        return _payload_too_large()
    if not gateways.verify_twilio(gateway, request):
        return HttpResponse(status=403)
    try:
        inbound = gateways.parse_twilio(request)
    except BadRequest as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    if inbound.too_long:
        return gateways.twilio_response(_too_long_reply())
    return gateways.twilio_response(_handle(gateway, inbound)[0].reply)


# --- SMSSync --------------------------------------------------------------------------


def _smssync_inbound(gateway: Gateway, request: HttpRequest) -> HttpResponse:
    try:
        inbound = gateways.parse_smssync(request)
    except BadRequest as error:
        return gateways.smssync_response(gateway, error=str(error), status=400)
    if inbound.too_long:
        task = gateways.smssync_task(inbound.sender, _too_long_reply(), str(uuid.uuid4()))
        return gateways.smssync_response(gateway, [task])
    result, logged = _handle(gateway, inbound)
    if not result.reply:
        return gateways.smssync_response(gateway)
    task_id = outbox.task_uuid(logged) if logged else str(uuid.uuid4())
    return gateways.smssync_response(
        gateway, [gateways.smssync_task(inbound.sender, result.reply, task_id)]
    )


def _smssync_sent(gateway: Gateway, request: HttpRequest) -> HttpResponse:
    try:
        uuids = gateways.parse_queued_uuids(request)
    except BadRequest as error:
        return gateways.smssync_response(gateway, error=str(error), status=400)
    return JsonResponse({"message_uuids": outbox.confirm_sent(gateway, uuids)})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def smssync(request: HttpRequest, gateway_uuid: uuid.UUID) -> HttpResponse:
    """SMSSync's one Sync URL: incoming messages (POST), and with the "task checking"
    setting the `task=send` poll (GET), its `task=sent` confirmation and `task=result`."""
    gateway = gateways.get_active_gateway(gateway_uuid, Kind.SMSSYNC)
    if gateways.body_too_large(request):
        return _payload_too_large()
    if not gateways.verify_smssync(gateway, gateways.smssync_secret(request)):
        return JsonResponse(
            {"payload": {"success": False, "error": "bad secret"}},
            status=403,
        )
    task = request.GET.get("task", "")
    if request.method == "GET":
        if task == "send":
            return gateways.smssync_poll_response(gateway, outbox.hand_to_phone(gateway))
        # task=result asks which delivery reports the server wants: none.
        return JsonResponse({"message_uuids": []})
    if task == "sent":
        return _smssync_sent(gateway, request)
    if task == "result":
        return gateways.smssync_response(gateway)
    return _smssync_inbound(gateway, request)


# --- generic JSON webhook -------------------------------------------------------------


@csrf_exempt
@require_POST
def json_webhook(request: HttpRequest, gateway_uuid: uuid.UUID) -> HttpResponse:
    gateway = gateways.get_active_gateway(gateway_uuid, Kind.JSON)
    if gateways.body_too_large(request):
        return _payload_too_large()
    if not gateways.verify_json(gateway, request):
        return JsonResponse({"error": "bad signature"}, status=403)
    try:
        inbound = gateways.parse_json(request)
    except BadRequest as error:
        return JsonResponse({"error": str(error)}, status=400)
    if inbound.too_long:
        return gateways.json_response(_too_long_reply(), InboundMessage.Outcome.REFUSED, 422)
    result, _logged = _handle(gateway, inbound)
    return gateways.json_response(result.reply, result.outcome)

"""Reports by text message: one inbound SMS in, a report (or a refusal) and a reply out.

handle_inbound is what every gateway calls. The steps, in one transaction:
1. A redelivery (the gateway's message id seen before; without an id, the same sender
   and text within 12 hours) is answered with the first reply, nothing stored again.
   Two deliveries racing with one id meet at the unique constraint on
   (gateway, message_id): the loser answers as a redelivery.
2. A message over 1,600 characters is refused with a reply, nothing stored.
3. The InboundMessage is recorded, the text parsed (syntax.py) against the mission's
   forms (each form's current version: SMS carries no version), the observer found
   by code in the gateway's mission.
4. The report goes through reports.services.submit_report(channel="sms") with the
   observer as reporter (the gateway and the observer code authenticate the sender,
   not a login); a phone other than the observer's registered one raises an
   unregistered_phone flag. The instance id derives from the gateway and message id
   (else from the stored message's row), so a retry after a crash finds its report.
5. The reply, in the observer's language, is stored on the message and queued
   through the outbox unless the gateway carries it in its HTTP response.

run_console is the test console's path: the same parsing, checks and replies for a
mission without a gateway. By default a dry run (resolve_submission: every check,
nothing written); asked to record, it submits the report, still storing no message.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pollwatch.channels.models import Gateway, InboundMessage
from pollwatch.channels.sms import replies, syntax
from pollwatch.channels.sms.syntax import ParseResult, SmsForm
from pollwatch.checklists.models import CHECKLIST_KINDS, Form, FormVersion
from pollwatch.missions.models import Mission, Observer
from pollwatch.reports.models import Channel, Flag, Report
from pollwatch.reports.services import (
    ReportRefused,
    SubmitResult,
    receipt_for,
    resolve_submission,
    submit_report,
)

REDELIVERY_WINDOW = dt.timedelta(hours=12)
NAMESPACE = uuid.UUID("0b6f3c8e-6a4e-5d1c-9a57-5f1d2b7a9c41")
Outcome = InboundMessage.Outcome


@dataclass
class InboundResult:
    reply: str
    outcome: str
    # None when nothing was stored (a message over 1,600 characters, the console).
    message: InboundMessage | None
    parsed: ParseResult | None = None
    report: Report | None = None
    flags: tuple[str, ...] = ()


# --- the mission's SMS forms -------------------------------------------------------------

_forms_lock = threading.Lock()
# Current version uuid -> (form code, its SMS grammar). A version never changes, and a
# new version is a new key, so nothing needs invalidating (bounded by clearing).
_sms_forms: dict[uuid.UUID, tuple[str, SmsForm]] = {}
MAX_CACHED = 500


def mission_forms(mission: Mission) -> dict[str, tuple[str, SmsForm]]:
    """The mission's SMS-able forms by prefix (upper case): (form code, grammar)."""
    rows = Form.objects.filter(mission=mission, current_version__isnull=False).values_list(
        "pk", "code", "kind", "current_version__uuid"
    )
    forms: dict[str, tuple[str, SmsForm]] = {}
    for pk, code, kind, version_uuid in rows:
        with _forms_lock:
            entry = _sms_forms.get(version_uuid)
        if entry is None:
            entry = (code, _build(pk, kind, version_uuid))
            with _forms_lock:
                if len(_sms_forms) >= MAX_CACHED:
                    _sms_forms.clear()
                _sms_forms[version_uuid] = entry
        if re.fullmatch("[A-Z]+", entry[1].prefix):
            forms[entry[1].prefix] = entry
    return forms


def _build(form_pk: int, kind: str, version_uuid: uuid.UUID) -> SmsForm:
    specs = dict(FormVersion.objects.filter(form=form_pk).values_list("uuid", "spec"))
    current = specs.pop(version_uuid)
    needs_station = kind in CHECKLIST_KINDS
    return syntax.sms_form(current, needs_station=needs_station, older_specs=list(specs.values()))


# --- the gateways' entry -----------------------------------------------------------------


def handle_inbound(
    gateway: Gateway,
    *,
    sender: str,
    text: str,
    message_id: str = "",
    received_at: dt.datetime | None = None,
    queue_reply: bool = True,
) -> InboundResult:
    """Record and answer one inbound SMS (see the module docstring)."""
    received_at = received_at or timezone.now()
    message_id = (message_id or "")[:100]
    sender = (sender or "")[:20]
    text = text.replace("\x00", "")
    with transaction.atomic():
        earlier = _earlier(gateway, sender, text, message_id, received_at)
        if earlier is not None:
            return _redelivered(earlier)
        if len(text) > syntax.MAX_LENGTH:
            refusal = InboundResult(
                _in(gateway.mission, None, replies.too_long), Outcome.REFUSED, None
            )
            if queue_reply:
                _queue(gateway, sender, refusal.reply, None)
            return refusal
        message = InboundMessage(
            gateway=gateway,
            message_id=message_id,
            sender=sender,
            text=text,
            received_at=received_at,
            outcome=Outcome.REFUSED,
        )
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            # Another delivery of the same message id won the race and committed.
            return _redelivered(InboundMessage.objects.get(gateway=gateway, message_id=message_id))
        instance_id = uuid.uuid5(NAMESPACE, f"{gateway.uuid}:{message_id or message.pk}")
        result = _process(gateway.mission, sender, text, received_at, instance_id, dry_run=False)
        message.outcome = result.outcome
        message.reply = result.reply
        message.observer = result.parsed_observer
        message.report = result.report
        message.save(update_fields=["outcome", "reply", "observer", "report"])
        if queue_reply and result.reply:
            _queue(gateway, sender, result.reply, message)
    return InboundResult(
        result.reply, result.outcome, message, result.parsed, result.report, result.flags
    )


def _earlier(
    gateway: Gateway, sender: str, text: str, message_id: str, received_at: dt.datetime
) -> InboundMessage | None:
    found = InboundMessage.objects.filter(gateway=gateway)
    if message_id:
        return found.filter(message_id=message_id).first()
    return (
        found.filter(
            sender=sender,
            text=text,
            received_at__gt=received_at - REDELIVERY_WINDOW,
            received_at__lte=received_at,
        )
        .order_by("received_at")
        .first()
    )


def _redelivered(earlier: InboundMessage) -> InboundResult:
    return InboundResult(earlier.reply, Outcome.REDELIVERED, earlier, report=earlier.report)


def _queue(gateway: Gateway, to: str, text: str, message: InboundMessage | None) -> None:
    from pollwatch.channels.sms.outbox import queue_message

    queue_message(gateway, to, text, in_reply_to=message)


# --- the test console --------------------------------------------------------------------


def run_console(mission: Mission, *, sender: str, text: str, record: bool = False) -> InboundResult:
    """The console's path: parse, check and answer without a gateway or a stored message.

    A dry run unless `record`: then the report is submitted (channel sms) like a real one.
    """
    now = timezone.now()
    if len(text) > syntax.MAX_LENGTH:
        return InboundResult(_in(mission, None, replies.too_long), Outcome.REFUSED, None)
    with transaction.atomic():
        result = _process(
            mission, sender, text.replace("\x00", ""), now, uuid.uuid4(), dry_run=not record
        )
    return InboundResult(
        result.reply, result.outcome, None, result.parsed, result.report, result.flags
    )


# --- one message -------------------------------------------------------------------------


@dataclass
class _Processed:
    reply: str
    outcome: str
    parsed: ParseResult
    parsed_observer: Observer | None = None
    report: Report | None = None
    flags: tuple[str, ...] = ()


def _process(
    mission: Mission,
    sender: str,
    text: str,
    received_at: dt.datetime,
    instance_id: uuid.UUID,
    *,
    dry_run: bool,
) -> _Processed:
    forms = mission_forms(mission)
    parsed = syntax.parse(text, {prefix: entry[1] for prefix, entry in forms.items()})
    observer = None
    if parsed.observer:
        observer = Observer.objects.filter(mission=mission, code=parsed.observer).first()
    if observer is None and parsed.form is not None and parsed.observer:
        reply = _in(mission, None, replies.unknown_observer, parsed.observer)
        return _Processed(reply, Outcome.REFUSED, parsed)
    if parsed.problems or parsed.form is None:
        reply = _in(mission, observer, replies.for_problems, parsed.problems)
        return _Processed(reply, Outcome.REFUSED, parsed, observer)
    assert observer is not None  # noqa: S101 - a parse without problems names one
    form_code = forms[parsed.prefix][0]
    payload = _payload(form_code, parsed, observer, received_at, instance_id)
    try:
        if dry_run:
            return _dry_run(mission, observer, payload, parsed)
        submitted = _submit(mission, observer, sender, payload)
    except ReportRefused as refusal:
        reply = _in(mission, observer, _refusal_reply, refusal, parsed)
        return _Processed(reply, Outcome.REFUSED, parsed, observer)
    return _accepted(mission, observer, parsed, submitted)


def _payload(
    form_code: str,
    parsed: ParseResult,
    observer: Observer,
    received_at: dt.datetime,
    instance_id: uuid.UUID,
) -> dict[str, Any]:
    version = (
        Form.objects.filter(mission=observer.mission_id, code=form_code)
        .values_list("current_version__version", flat=True)
        .first()
    )
    return {
        "instance_id": str(instance_id),
        "form": form_code,
        "form_version": version,
        "station": parsed.station,
        "visit": parsed.visit,
        "observer": observer.code,
        "observed_at": received_at.astimezone(dt.UTC).isoformat(),
        "answers": parsed.answers,
    }


def _submit(
    mission: Mission, observer: Observer, sender: str, payload: Mapping[str, Any]
) -> SubmitResult:
    flags = []
    if not _same_phone(observer.phone, sender):
        message = _("Sent from %(sender)s, not the observer's registered phone.") % {
            "sender": sender or "?"
        }
        flags.append((Flag.Kind.UNREGISTERED_PHONE, "", message))
    return submit_report(
        user=None,
        payload=payload,
        channel=Channel.SMS,
        mission=mission,
        reporter=observer,
        extra_flags=flags,
    )


def _same_phone(registered: str, sender: str) -> bool:
    """Whether the sender is the registered number (gateways drop or keep the +)."""
    digits = re.sub(r"\D", "", sender)
    return bool(registered) and re.sub(r"\D", "", registered) == digits


def _dry_run(
    mission: Mission, observer: Observer, payload: Mapping[str, Any], parsed: ParseResult
) -> _Processed:
    submitted = resolve_submission(
        user=None, payload=payload, channel=Channel.SMS, mission=mission, reporter=observer
    )
    reply = _in(mission, observer, replies.would_accept)
    reply += " " + _in(mission, observer, replies.accepted, receipt_for(submitted.submission_hash))
    return _Processed(reply, Outcome.ACCEPTED, parsed, observer)


def _accepted(
    mission: Mission, observer: Observer, parsed: ParseResult, submitted: SubmitResult
) -> _Processed:
    if submitted.status == "duplicate":
        reply = _in(mission, observer, replies.duplicate, submitted.receipt)
        outcome = Outcome.DUPLICATE
    else:
        reply = _in(mission, observer, replies.accepted, submitted.receipt)
        outcome = Outcome.ACCEPTED
    return _Processed(reply, outcome, parsed, observer, submitted.report, tuple(submitted.flags))


def _refusal_reply(refusal: ReportRefused, parsed: ParseResult) -> str:
    """The refusal in the observer's terms: question codes, not field names."""
    codes = {name: code for code, name in parsed.codes.items()}
    if parsed.form is not None:
        codes = {question.name: question.code for question in parsed.form.questions} | codes
    errors = refusal.errors
    if any(e.get("field") == "station" and e.get("code") == "not_found" for e in errors):
        return replies.unknown_station(parsed.station or "")
    if refusal.status == 403 and not errors:
        # The only refusal of a trusted reporter without a field: the deployment scope.
        return replies.out_of_deployment(parsed.station or "")
    missing = [codes.get(e["field"], e["field"]) for e in errors if e.get("code") == "required"]
    if missing:
        return replies.missing(missing)
    invalid = [
        (codes[e["field"]], _allowed(parsed, e["field"])) for e in errors if e.get("field") in codes
    ]
    if invalid:
        return replies.invalid(invalid)
    return replies.refused(refusal.detail)


def _allowed(parsed: ParseResult, name: str) -> str:
    question = parsed.form.by_name.get(name) if parsed.form else None
    return question.allowed if question else ""


def _in(mission: Mission, observer: Observer | None, reply: Any, *args: Any) -> str:
    """The reply in the observer's language (else the default), cut to one message."""
    language = observer.preferred_language if observer else None
    with translation.override(language or translation.get_language() or "en"):
        return replies.short(str(reply(*args)))

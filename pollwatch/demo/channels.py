"""The demo's SMS gateways, one of each kind per mission, and its reports by text message.

The gateways are examples of configuration, nothing more: their secrets, account
SIDs and phone numbers are made up from the demo's seed (scenario.SEED), belong to
no account anywhere, and the example public URL is on example.org (RFC 2606). A
deployment replaces them with its own in the admin.

The reports by SMS take the path a gateway's webhook takes (sms/webhooks.py):
the message is composed from the form's current SMS grammar (syntax.compose, as an
observer would type it from the printed guide), handed to
sms.services.handle_inbound with the reply not queued, and the reply logged as
sent, since Twilio, SMSSync and the JSON webhook all carry it in their HTTP
response. What the message log then shows, by counted turns so that even the few
teams the tests load show each of them:
- reports accepted, some sent from a phone that is not the observer's registered
  one (flagged unregistered_phone);
- a message with a typing mistake, refused with a reply saying what is wrong,
  followed by the corrected message;
- a redelivery by the gateway (the same message id), answered with the first reply
  and stored once;
- a checklist the observer already sent from the web and texts again: a duplicate.
"""

import datetime as dt
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from pollwatch.channels.models import AppUser, Gateway, InboundMessage, OutboundMessage
from pollwatch.channels.sms import outbox, services, syntax
from pollwatch.channels.sms.syntax import SmsForm
from pollwatch.demo import scenario as sc
from pollwatch.elections.models import Election
from pollwatch.missions.models import Mission, Observer

Kind = Gateway.Kind
Outcome = InboundMessage.Outcome

# (kind, name, messages per minute). A Twilio long code sends about one message a
# second; an Android phone running SMSSync is held back by the phone's own limit on
# outgoing SMS; a JSON webhook's provider usually allows more.
GATEWAYS = (
    (Kind.TWILIO, "Twilio (demo)", 60),
    (Kind.SMSSYNC, "SMSSync phone (demo)", 20),
    (Kind.JSON, "JSON webhook (demo)", 120),
)
# Which gateway an observer's message reaches: most missions run a Twilio number,
# with an Android phone and an aggregator's webhook beside it.
GATEWAY_WEIGHTS = ((Kind.TWILIO, 0.6), (Kind.SMSSYNC, 0.3), (Kind.JSON, 0.1))
# Only an example: where Twilio would reach the ODIHR mission's server behind a proxy.
EXAMPLE_HOST = "https://pollwatch.example.org"
EXAMPLE_PUBLIC_URL_MISSION = "odihr-kg-2017"

# Counted turns (the n-th SMS of a mission, the n-th checklist sent from the web).
EVERY = 40
TYPO_TURN = 1
REDELIVERY_TURN = 2
OTHER_PHONE_TURN = 3
WEB_THEN_SMS_TURN = 5  # of every WEB_THEN_SMS_EVERY
WEB_THEN_SMS_EVERY = 100


# --- gateways ----------------------------------------------------------------------------


def create_gateways(missions: list[Mission]) -> int:
    """One example gateway of each kind in every mission; how many were made."""
    rng = random.Random(f"{sc.SEED}-gateways")
    gateways = []
    for number, mission in enumerate(missions, start=1):
        for index, (kind, name, per_minute) in enumerate(GATEWAYS, start=1):
            gateway_uuid = uuid.UUID(int=rng.getrandbits(128), version=4)
            gateways.append(
                Gateway(
                    uuid=gateway_uuid,
                    mission=mission,
                    kind=kind,
                    name=name,
                    # "demo-" marks the secret as made up; it signs nothing real.
                    secret=f"demo-{rng.getrandbits(128):032x}",
                    # A Twilio SID is "AC" and hex digits: "demo" makes this one visibly fake.
                    account_sid=f"ACdemo{rng.getrandbits(104):026x}" if kind == Kind.TWILIO else "",
                    phone_number=f"+99655500{number}{index:02d}",
                    public_url=_public_url(mission, kind, gateway_uuid),
                    messages_per_minute=per_minute,
                    created_at=dt.datetime(2017, 9, 1, 10, tzinfo=dt.UTC),
                )
            )
    Gateway.objects.bulk_create(gateways)
    return len(gateways)


def _public_url(mission: Mission, kind: str, gateway_uuid: uuid.UUID) -> str:
    if mission.code != EXAMPLE_PUBLIC_URL_MISSION or kind != Kind.TWILIO:
        return ""
    return EXAMPLE_HOST + reverse("sms_webhooks:twilio", kwargs={"gateway_uuid": gateway_uuid})


def delete_channels(elections: QuerySet[Election]) -> None:
    """The demo missions' messages, gateways and ODK app users (before the missions)."""
    missions = Mission.objects.filter(election__in=elections)
    OutboundMessage.objects.filter(gateway__mission__in=missions).delete()
    InboundMessage.objects.filter(gateway__mission__in=missions).delete()
    Gateway.objects.filter(mission__in=missions).delete()
    AppUser.objects.filter(observer__mission__in=missions).delete()


# --- reports by SMS ----------------------------------------------------------------------


class SmsRefused(Exception):
    """handle_inbound refused a message the demo meant to be accepted (a demo bug)."""


@dataclass
class Phone:
    """One mission's observers texting its gateways; composes and delivers messages."""

    mission: Mission
    rng: random.Random
    gateways: dict[str, Gateway]
    grammars: dict[str, SmsForm]
    texts: int = 0
    web_checklists: int = 0
    # Deliveries the gateway repeated (the same message id).
    redeliveries: int = 0
    sent_log: list[tuple[OutboundMessage, dt.datetime]] = field(default_factory=list)

    @classmethod
    def for_mission(cls, mission: Mission, rng: random.Random) -> "Phone":
        gateways = {g.kind: g for g in Gateway.objects.filter(mission=mission, is_active=True)}
        grammars = dict(services.mission_forms(mission).values())
        return cls(mission, rng, gateways, grammars)

    def can_carry(self, form: str, answers: Mapping[str, Any]) -> bool:
        """Whether a text message can carry these answers (no free text but a comment)."""
        grammar = self.grammars.get(form)
        if grammar is None or not self.gateways:
            return False
        return set(answers) <= set(grammar.by_name)

    def send(
        self,
        form: str,
        observer: Observer,
        station_code: str | None,
        observed_at: dt.datetime,
        answers: Mapping[str, Any],
        *,
        expect: str = Outcome.ACCEPTED,
    ) -> str:
        """Text the report as the observer, with the turn's twist; its instance id."""
        self.texts += 1
        turn = self.texts % EVERY
        grammar = self.grammars[form]
        gateway = self._gateway()
        sender = observer.phone
        if turn == OTHER_PHONE_TURN:
            # A borrowed phone: accepted, but flagged for the core team to check.
            sender = f"+996700{self.rng.randint(100000, 999999)}"
        received_at = observed_at + dt.timedelta(minutes=self.rng.randint(2, 12))
        text = syntax.compose(grammar, answers, observer.code, station_code)
        if turn == TYPO_TURN:
            typo = _typo(grammar, answers, observer.code, station_code)
            self._deliver(gateway, sender, typo, received_at, expect=Outcome.REFUSED)
            received_at += dt.timedelta(minutes=3)
        message_id = self._deliver(gateway, sender, text, received_at, expect=expect)
        if turn == REDELIVERY_TURN:
            # The gateway missed our answer and delivers the same message again.
            later = received_at + dt.timedelta(minutes=1)
            self._deliver(
                gateway, sender, text, later, expect=Outcome.REDELIVERED, message_id=message_id
            )
        return str(uuid.uuid5(services.NAMESPACE, f"{gateway.uuid}:{message_id}"))

    def also_texts(self, form: str, answers: Mapping[str, Any]) -> bool:
        """Whether this checklist, sent from the web, is texted again by the observer."""
        if not self.can_carry(form, answers):
            return False
        self.web_checklists += 1
        return self.web_checklists % WEB_THEN_SMS_EVERY == WEB_THEN_SMS_TURN

    def finish(self) -> None:
        """Date the logged replies when they were sent, not when the demo was loaded."""
        for message, moment in self.sent_log:
            message.created_at = message.sent_at = message.next_attempt_at = moment
        OutboundMessage.objects.bulk_update(
            [message for message, _moment in self.sent_log],
            ["created_at", "sent_at", "next_attempt_at"],
            batch_size=500,
        )
        self.sent_log.clear()

    def _gateway(self) -> Gateway:
        kinds = [kind for kind, _weight in GATEWAY_WEIGHTS if kind in self.gateways]
        weights = [weight for kind, weight in GATEWAY_WEIGHTS if kind in self.gateways]
        return self.gateways[self.rng.choices(kinds, weights)[0]]

    def _message_id(self, gateway: Gateway) -> str:
        """An id shaped like the gateway's own (Twilio's MessageSid, SMSSync's uuid)."""
        bits = self.rng.getrandbits(128)
        if gateway.kind == Kind.TWILIO:
            return f"SM{bits:032x}"
        if gateway.kind == Kind.SMSSYNC:
            return str(uuid.UUID(int=bits, version=4))
        return f"msg-{bits:032x}"

    def _deliver(
        self,
        gateway: Gateway,
        sender: str,
        text: str,
        received_at: dt.datetime,
        *,
        expect: str,
        message_id: str = "",
    ) -> str:
        """What a webhook does with one message (see sms/webhooks.py); its message id."""
        message_id = message_id or self._message_id(gateway)
        result = services.handle_inbound(
            gateway,
            sender=sender,
            text=text,
            message_id=message_id,
            received_at=received_at,
            queue_reply=False,
        )
        if result.outcome != expect:
            raise SmsRefused(f"{text!r}: {result.outcome}, expected {expect}: {result.reply}")
        self.redeliveries += result.outcome == Outcome.REDELIVERED
        if result.reply and result.outcome != Outcome.REDELIVERED:
            logged = outbox.record_sent(gateway, sender, result.reply, in_reply_to=result.message)
            self.sent_log.append((logged, received_at + dt.timedelta(seconds=2)))
        return message_id


def _typo(grammar: SmsForm, answers: Mapping[str, Any], observer: str, station: str | None) -> str:
    """The message with one choice number out of range, as a slip of the thumb makes it."""
    question = next(q for q in grammar.questions if q.type == "select_one" and q.name in answers)
    rest = {name: value for name, value in answers.items() if name != question.name}
    text = syntax.compose(grammar, rest, observer, station)
    return f"{text} {question.code} {len(question.values) + 1}"

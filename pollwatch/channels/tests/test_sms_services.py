"""handle_inbound: one SMS in, a report or a refusal, and a reply in the observer's language."""

import datetime as dt

import pytest
from django.utils import timezone

from pollwatch.channels.models import Gateway, InboundMessage, OutboundMessage
from pollwatch.channels.sms.services import handle_inbound, run_console
from pollwatch.reports.models import Channel, Flag, Report, ReportVersion
from pollwatch.reports.services import submit_report
from pollwatch.reports.testing import deploy, make_form, make_observer, question, report_payload
from pollwatch.testing import factories as f

Outcome = InboundMessage.Outcome
PHONE = "+996555000111"


def tagged(q, tag):
    return {**q, "compact_tag": tag}


@pytest.fixture
def stations(election):
    area = f.AreaFactory(election=election, code="D1")
    return {code: f.PollingStationFactory(area=area, code=code) for code in ("1001", "2001")}


@pytest.fixture
def checklist(mission):
    return make_form(
        mission,
        "voting",
        tagged(question("opened", "select_one", required=True, choices=["yes", "no"]), "A"),
        tagged(question("voters", "integer", constraint=". <= 5000"), "B"),
        question("comment", "text"),
        code="ps",
    )


@pytest.fixture
def incident(mission):
    return make_form(
        mission,
        "incident",
        tagged(question("category", "select_one", required=True, choices=["a", "b", "c"]), "A"),
        code="ev",
    )


@pytest.fixture
def sender(mission, stations):
    row = make_observer(mission, code="1234", phone=PHONE)
    deploy(row, stations["1001"])
    return row


@pytest.fixture
def gateway(mission):
    return Gateway.objects.create(mission=mission, kind=Gateway.Kind.SMSSYNC, name="g", secret="s")


def sms(gateway, text, *, sender=PHONE, message_id="", **extra):
    return handle_inbound(gateway, sender=sender, text=text, message_id=message_id, **extra)


def test_accepted_with_receipt_and_queued_reply(gateway, checklist, sender):
    result = sms(gateway, "PS 1234 1001 A1 B420 @door broken", message_id="m1")
    assert result.outcome == Outcome.ACCEPTED
    report = Report.objects.select_related("current", "station").get()
    version = report.current
    assert version is not None and report.station is not None
    assert (report.observer, report.station.code, version.channel) == (sender, "1001", Channel.SMS)
    assert version.answers == {"opened": "yes", "voters": 420, "comment": "door broken"}
    assert version.entered_by is None
    stored = InboundMessage.objects.get()
    assert (stored.outcome, stored.report, stored.observer) == (Outcome.ACCEPTED, report, sender)
    assert "Receipt" in result.reply and stored.reply == result.reply
    assert list(OutboundMessage.objects.values_list("to", "text", "in_reply_to")) == [
        (PHONE, result.reply, stored.pk)
    ]
    assert not report.flags.exists()


def test_queue_reply_false_queues_nothing(gateway, checklist, sender):
    result = sms(gateway, "PS 1234 1001 A1", queue_reply=False)
    assert result.outcome == Outcome.ACCEPTED
    assert not OutboundMessage.objects.exists()


def test_redelivery_by_message_id_is_not_stored_twice(gateway, checklist, sender):
    first = sms(gateway, "PS 1234 1001 A1", message_id="m1")
    again = sms(gateway, "PS 1234 1001 A1", message_id="m1")
    assert again.outcome == Outcome.REDELIVERED
    assert again.reply == first.reply and again.message == first.message
    assert InboundMessage.objects.count() == 1
    assert ReportVersion.objects.count() == 1
    assert OutboundMessage.objects.count() == 1


def test_redelivery_without_id_within_12_hours_only(gateway, incident, sender):
    start = timezone.now()
    sms(gateway, "EV 1234 A1", received_at=start)
    later = sms(gateway, "EV 1234 A1", received_at=start + dt.timedelta(hours=11))
    assert later.outcome == Outcome.REDELIVERED
    assert Report.objects.count() == 1
    next_day = sms(gateway, "EV 1234 A1", received_at=start + dt.timedelta(hours=13))
    assert next_day.outcome == Outcome.ACCEPTED
    # An incident is never merged: a new message a day later is a new report.
    assert Report.objects.count() == 2
    assert InboundMessage.objects.count() == 2


def test_unknown_observer_is_refused_without_a_report(gateway, checklist, sender):
    result = sms(gateway, "PS 9999 1001 A1")
    assert result.outcome == Outcome.REFUSED
    assert "9999" in result.reply
    assert InboundMessage.objects.get().observer is None
    assert not Report.objects.exists()


def test_station_outside_the_deployment_is_refused(gateway, checklist, sender):
    result = sms(gateway, "PS 1234 2001 A1")
    assert (result.outcome, Report.objects.count()) == (Outcome.REFUSED, 0)
    assert "2001" in result.reply and "deployment" in result.reply


def test_unknown_station(gateway, checklist, sender):
    result = sms(gateway, "PS 1234 7777 A1")
    assert result.outcome == Outcome.REFUSED
    assert "7777" in result.reply


def test_missing_and_invalid_answers_name_the_codes(gateway, checklist, sender):
    missing = sms(gateway, "PS 1234 1001 B3")
    assert missing.outcome == Outcome.REFUSED
    assert "Missing" in missing.reply and "A" in missing.reply
    invalid = sms(gateway, "PS 1234 1001 A3")
    assert "A: choose 1-2" in invalid.reply
    constraint = sms(gateway, "PS 1234 1001 A1 B9999")
    assert "B:" in constraint.reply
    unknown = sms(gateway, "PS 1234 1001 A1 Z5")
    assert "Z" in unknown.reply
    assert not Report.objects.exists()


def test_a_code_of_an_older_version_says_the_form_was_updated(gateway, mission, sender):
    make_form(mission, "voting", tagged(question("gone", "integer"), "K"), code="ps")
    make_form(mission, "voting", tagged(question("opened", "integer"), "A"), code="ps", version="2")
    result = sms(gateway, "PS 1234 1001 K5")
    assert result.outcome == Outcome.REFUSED
    assert "updated" in result.reply


def test_unregistered_phone_is_accepted_and_flagged(gateway, checklist, sender):
    result = sms(gateway, "PS 1234 1001 A1", sender="+996700999999")
    assert result.outcome == Outcome.ACCEPTED
    report = Report.objects.get()
    assert report.status == Report.Status.FLAGGED
    assert list(report.flags.values_list("kind", flat=True)) == [Flag.Kind.UNREGISTERED_PHONE]


def test_registered_phone_without_plus_is_not_flagged(gateway, checklist, sender):
    sms(gateway, "PS 1234 1001 A1", sender=PHONE.lstrip("+"))
    assert not Flag.objects.exists()


def test_replies_in_russian_for_a_russian_observer(gateway, checklist, sender):
    sender.preferred_language = "ru"
    sender.save()
    result = sms(gateway, "PS 1234 1001 A1")
    assert result.outcome == Outcome.ACCEPTED
    assert any("а" <= char <= "я" for char in result.reply.lower())


def test_too_long_is_refused_and_nothing_stored(gateway, checklist, sender):
    result = sms(gateway, "PS 1234 1001 A1 " + "x" * 1600)
    assert result.outcome == Outcome.REFUSED and result.message is None
    assert "1600" in result.reply
    assert not InboundMessage.objects.exists() and not Report.objects.exists()


def test_same_checklist_from_the_web_then_by_sms_counts_once(
    gateway, checklist, sender, observer, mission
):
    sender.user = observer
    sender.save()
    body = report_payload(checklist, station="1001", answers={"opened": "yes"}, observer="1234")
    submit_report(user=observer, payload=body, channel=Channel.API, mission=mission)
    same = sms(gateway, "PS 1234 1001 A1")
    assert same.outcome == Outcome.DUPLICATE
    assert "Already" in same.reply
    assert ReportVersion.objects.count() == 1
    changed = sms(gateway, "PS 1234 1001 A2")
    assert changed.outcome == Outcome.ACCEPTED
    report = Report.objects.get()
    assert report.versions.count() == 2
    assert report.flags.filter(kind=Flag.Kind.CHANGED_RESUBMISSION).exists()


def test_instance_id_derives_from_the_message_id(gateway, checklist, sender):
    """A message row lost after its report was stored: the retry finds the same report."""
    sent = timezone.now()
    sms(gateway, "PS 1234 1001 A1", message_id="m7", received_at=sent)
    InboundMessage.objects.all().delete()
    again = sms(gateway, "PS 1234 1001 A1", message_id="m7", received_at=sent)
    assert again.outcome == Outcome.DUPLICATE
    assert ReportVersion.objects.count() == 1


def test_console_dry_run_stores_nothing(mission, checklist, sender):
    result = run_console(mission, sender=PHONE, text="PS 1234 1001 A1")
    assert result.outcome == Outcome.ACCEPTED and "nothing stored" in result.reply
    assert result.parsed is not None and result.parsed.answers == {"opened": "yes"}
    assert not Report.objects.exists() and not InboundMessage.objects.exists()
    recorded = run_console(mission, sender=PHONE, text="PS 1234 1001 A1", record=True)
    assert recorded.outcome == Outcome.ACCEPTED and Report.objects.count() == 1


def test_other_missions_observer_code_is_unknown(gateway, checklist, sender, other_mission):
    make_observer(other_mission, code="4321")
    result = sms(gateway, "PS 4321 1001 A1")
    assert result.outcome == Outcome.REFUSED and not Report.objects.exists()


def test_forms_are_built_once_per_version(
    gateway, checklist, sender, django_assert_max_num_queries
):
    sms(gateway, "PS 1234 1001 A1", message_id="warm")
    with django_assert_max_num_queries(30):
        sms(gateway, "PS 1234 1001 A2", message_id="second")

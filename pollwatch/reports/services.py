"""Submitting reports from every channel, and reviewing them.

`submit_report` is the single entry for the web, the API, SMS, ODK Collect and imports.
It takes the payload of the report API (see pollwatch/reports/api.py), refuses it with
`ReportRefused` (an HTTP status, a message and the fields at fault; nothing stored),
or records it and answers a `SubmitResult`.

Deduplication (the instance id is the client-made UUID):
- The *submission hash* is the sha256 of the canonical JSON (sorted keys, no
  whitespace) of mission, form, form version, station, visit, observer, observed-at
  time (UTC, ISO 8601), the validated canonical answers and the instance id it
  replaces. It is what one instance id carries: the same id with an equal hash is a
  retry (acknowledged, nothing written); with another hash, a 409.
- The *version hash* is the same without the observed-at time and `replaces`: what
  the report says. A checklist sent again for its key (form, observer, station,
  visit) with an equal version hash is a duplicate, even from another channel whose
  clock differs (SMS stamps the time a message arrives, the web the time the form
  was filled); the first time is kept. Another content becomes a new version of the
  report, flagged `changed_resubmission` for review. Incidents and campaign events
  are never merged: every instance id is its own report.
- An edit names the instance id it `replaces`: a new version of that report
  (not flagged as a changed resubmission); its form, observer, station and visit
  must be the report's.
- The receipt is the first 8 characters of the base32 form of the submission hash:
  a short code an observer can read back over the phone.

The station question (one convention for every channel): a form whose spec has a
question named `station` carries the station code in its answers too, because ODK
Collect sends nothing outside the instance. When the payload names no station, the
answer names it; when the answers lack it, the payload's station code is put into
them (so that validation, hashes and exports see it); when both are there and
differ, the report is refused (422 on "station"). Forms without such a question
take the station from the payload only. A station named by the answer alone is
looked up by a second submission_target query (the form's spec says whether it
may be); the usual payloads, ODK Collect's included, name it in the payload.

Flags raised on arrival (each sets the report's status to flagged):
- `quality_check`: one per failing check of the form (FormVersion.spec["checks"]).
  A new version resolves the quality flags of the versions before it.
- `silence_campaigning`: an incident or campaign-event form whose select question
  named `category` has the reserved choice value `campaigning` selected, with the
  observed-at time inside one of the election's silence phases.
- `conflict`: a checklist version compared with the current version of every other
  observer's report of the same form at the same station (any visit), on the
  questions both answered among select_one, select_multiple, integer and decimal
  questions (text, dates and times differ between honest observers). Any
  difference marks both reports in conflict, with a flag on each naming the
  questions. Agreement later clears nothing: a reviewer resolves conflicts.

Concurrency: the recording runs in one transaction. On SQLite the settings open
transactions with BEGIN IMMEDIATE, so writers queue (no row lock is taken: SQLite has
none). On PostgreSQL the station's row is locked first (so reports for one station
queue, and the conflict check of each sees the other's report), and an insert that
loses a race on a unique constraint (Submission.instance_id, the checklist key) is
rolled back to its savepoint and the whole decision is taken again against the
committed rows. The unique constraints are the judges: an instance id that the
resolving query found unused is not looked up again in the transaction (a request
that records it meanwhile makes our insert fail, and the next attempt looks). An
instance id the resolving query found used is a retry: a recorded submission never
changes, so it is answered (duplicate or 409) from the committed rows, in one query
and without the transaction (on SQLite, without taking the write lock).

Cost: this is the report API's hot path (see bench/report_api.py). Everything read
before writing (membership, observer, form version, station, deployment, whether the
instance id is known) is one hand-written query (access.submission_target, held to
the ORM access functions' answers by tests); the form version's spec comes from a
per-process cache (checklists/access.py); in the transaction, plain statements find
the checklists the submission is compared with (usually none) and insert the rows
(_insert and _update: what save() does, without building the SQL each time; on
PostgreSQL a new report's three rows are one statement, _insert_new_report); a new
report answers the flags it raised without reading them back. On PostgreSQL these statements are prepared once per
connection (pollwatch/prepared.py): planning the resolving query cost more than
running it.
"""

import base64
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import Field, Model
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from pollwatch import prepared
from pollwatch.accounts.models import User
from pollwatch.checklists import access as form_access
from pollwatch.checklists.engine import AnswersInvalid, validate_and_check
from pollwatch.checklists.models import Form, FormVersion
from pollwatch.checklists.spec import Check, label_in, questions_by_name
from pollwatch.elections.models import CalendarPhase, PollingStation
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import CORE_TEAM, Membership, Mission, Observer
from pollwatch.rawsql import converted, from_row
from pollwatch.reports import access
from pollwatch.reports.models import (
    Channel,
    Flag,
    Report,
    ReportVersion,
    ReviewDecision,
    Submission,
)

PAYLOAD_KEYS = frozenset(
    {
        "instance_id",
        "mission",
        "form",
        "form_version",
        "station",
        "visit",
        "observer",
        "observed_at",
        "answers",
        "replaces",
    }
)
MAX_VISITS = 99
# The silence rule's reserved convention (see the module docstring).
CATEGORY_QUESTION = "category"
# The question that carries the station code in the answers (see the module docstring).
STATION_QUESTION = "station"
CAMPAIGNING = "campaigning"
SILENCE_KINDS = frozenset({Form.Kind.INCIDENT, Form.Kind.CAMPAIGN_EVENT})
COMPARED_TYPES = frozenset({"select_one", "select_multiple", "integer", "decimal"})
RACE_ATTEMPTS = 3
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A flag to raise: its kind, code and message.
FlagSpec = tuple[str, str, str]


class ReportRefused(Exception):
    """A report the server will not record, with the HTTP status that says why.

    `errors` lists {"field", "code", "message"} for the payload keys or questions at
    fault (empty when the refusal is about the report as a whole).
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        code: str = "invalid",
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or (
            [{"field": field, "code": code, "message": detail}] if field else []
        )


@dataclass
class SubmitResult:
    status: str  # "created" or "duplicate"
    instance_id: uuid.UUID
    report: Report
    version: ReportVersion
    flags: list[str]
    receipt: str

    @property
    def http_status(self) -> int:
        return 201 if self.status == "created" else 200


@dataclass(frozen=True)
class Payload:
    """The report API's payload with its types checked (answers not yet validated)."""

    instance_id: uuid.UUID
    mission: str | None
    form: str
    form_version: str
    station: str | None
    visit: int
    observer: str | None
    observed_at: dt.datetime
    answers: dict[str, Any]
    replaces: uuid.UUID | None


@dataclass
class Submitted:
    """Everything resolved and validated about one submission, before any write."""

    payload: Payload
    channel: str
    user: User | None
    mission: Mission
    form: Form
    form_version: FormVersion
    station: PollingStation | None
    observer: Observer
    answers: dict[str, Any]
    failed_checks: list[Check] = field(default_factory=list)
    submission_hash: str = ""
    version_hash: str = ""
    # Whether a submission had the instance id when resolved (a hint; see _record).
    seen_before: bool = True
    # Flags the channel raises on arrival (an SMS from an unregistered phone).
    extra_flags: list[FlagSpec] = field(default_factory=list)


# --- the payload ---------------------------------------------------------------------


def unstorable_text(value: Any) -> str | None:
    """The first string, key or value at any depth, that no database can store as text.

    That is a NUL character (PostgreSQL refuses it) or half of a surrogate pair (JSON
    may escape one, UTF-8 cannot encode it). Iterative: a deeply nested payload must
    not exhaust the interpreter's stack.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return item
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return None


def parse_instance_id(value: Any, key: str = "instance_id") -> uuid.UUID:
    """A UUID string, optionally with ODK's `uuid:` prefix; ReportRefused(400) otherwise."""
    if isinstance(value, str):
        text = value.removeprefix("uuid:")
        try:
            if len(text) <= 45:
                return uuid.UUID(text)
        except ValueError:
            pass
    if value is None:
        message = _("The report has no instance id: send a UUID made by the client.")
    else:
        message = _("The instance id is not a UUID.")
    raise ReportRefused(400, message, field=key, code="instance_id")


class _Errors:
    """Collects the payload's faults so that one answer names all of them."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, key: str, code: str, message: str) -> None:
        self.errors.append({"field": key, "code": code, "message": message})

    def raise_any(self) -> None:
        if self.errors:
            detail = _("The report is not valid: %(fields)s.") % {
                "fields": ", ".join(error["field"] for error in self.errors)
            }
            raise ReportRefused(422, detail, errors=self.errors)


def _text(payload: Mapping[str, Any], key: str, errors: _Errors, required: bool) -> str | None:
    value = payload.get(key)
    if value is None:
        if required:
            errors.add(key, "required", _("This field is required."))
        return None
    if isinstance(value, int) and not isinstance(value, bool) and key == "form_version":
        return str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        errors.add(key, "type", _("Send a non-empty string of at most 200 characters."))
        return None
    return value.strip()


def _visit(payload: Mapping[str, Any], errors: _Errors) -> int:
    value = payload.get("visit", 1)
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VISITS:
        message = _("Send a whole number from 1 to %(max)d.") % {"max": MAX_VISITS}
        errors.add("visit", "type", message)
        return 1
    return value


def parse_moment(value: Any) -> dt.datetime | None:
    """An aware datetime in UTC from ISO 8601 text with an offset; None if it is not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None or moment.utcoffset() is None:
            return None
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None


def _observed_at(payload: Mapping[str, Any], errors: _Errors) -> dt.datetime:
    value = payload.get("observed_at")
    moment = parse_moment(value)
    if value is None:
        errors.add("observed_at", "required", _("This field is required."))
    elif moment is None:
        message = _(
            "Send an ISO 8601 date and time with its offset, e.g. 2017-10-15T08:05:00+06:00."
        )
        errors.add("observed_at", "type", message)
    return moment or timezone.now()


def _answers(payload: Mapping[str, Any], errors: _Errors) -> dict[str, Any]:
    value = payload.get("answers")
    if value is None:
        errors.add("answers", "required", _("This field is required."))
    elif not isinstance(value, Mapping):
        errors.add("answers", "type", _("Send an object of question names and answers."))
    else:
        return dict(value)
    return {}


def _replaces(payload: Mapping[str, Any], errors: _Errors) -> uuid.UUID | None:
    value = payload.get("replaces")
    if value is None:
        return None
    try:
        return parse_instance_id(value, "replaces")
    except ReportRefused:
        errors.add("replaces", "type", _("Send the instance id (a UUID) of the report edited."))
        return None


def parse_payload(payload: Any) -> Payload:
    """Check the payload's keys and types; ReportRefused (400 or 422) naming the key."""
    if not isinstance(payload, Mapping):
        raise ReportRefused(400, _("The report must be a JSON object."))
    bad = unstorable_text(payload)
    if bad is not None:
        if "\x00" in bad:
            raise ReportRefused(400, _("The report contains a NUL character."))
        raise ReportRefused(400, _("The report contains an unpaired surrogate (not UTF-8)."))
    instance_id = parse_instance_id(payload.get("instance_id"))
    errors = _Errors()
    for key in sorted(str(key) for key in payload.keys() - PAYLOAD_KEYS):
        errors.add(key, "unknown", _("The report API has no such field."))
    parsed = Payload(
        instance_id=instance_id,
        mission=_text(payload, "mission", errors, required=False),
        form=_text(payload, "form", errors, required=True) or "",
        form_version=_text(payload, "form_version", errors, required=True) or "",
        station=_text(payload, "station", errors, required=False),
        visit=_visit(payload, errors),
        observer=_text(payload, "observer", errors, required=False),
        observed_at=_observed_at(payload, errors),
        answers=_answers(payload, errors),
        replaces=_replaces(payload, errors),
    )
    errors.raise_any()
    return parsed


# --- resolving who, what and where, through the access layer ----------------------------


def _mission_code(mission: Mission | str | None, payload: Payload) -> str:
    code = mission.code if isinstance(mission, Mission) else (mission or payload.mission)
    if code is None:
        raise ReportRefused(422, _("Name the mission."), field="mission", code="required")
    if payload.mission is not None and payload.mission != code:
        message = _("The report names another mission than the one it was sent to.")
        raise ReportRefused(422, message, field="mission", code="mismatch")
    return code


def _membership(target: access.SubmissionTarget, code: str) -> Membership:
    if target.membership is None:
        message = _("No mission %(code)s among yours.") % {"code": code}
        raise ReportRefused(404, message, field="mission", code="not_found")
    return target.membership


def _reporter(target: access.SubmissionTarget, code: str | None) -> Observer:
    try:
        return target.reporter(code)
    except PermissionDenied as exc:
        raise ReportRefused(403, str(exc)) from None
    except Http404:
        message = _("No observer with the code %(code)s in this mission.") % {"code": code}
        raise ReportRefused(422, message, field="observer", code="not_found") from None


def _form_version(target: access.SubmissionTarget, code: str, version: str) -> FormVersion:
    """The version with its form and spec; an unknown form is a 404, a version a 422."""
    if target.form is None:
        message = _("No form %(code)s in this mission.") % {"code": code}
        raise ReportRefused(404, message, field="form", code="not_found")
    if target.form_version is None:
        message = _("The form %(form)s has no version %(version)s.") % {
            "form": target.form.code,
            "version": version,
        }
        raise ReportRefused(422, message, field="form_version", code="unknown")
    found = target.form_version
    found.spec = form_access.cached_spec(found)
    return found


def _station(
    target: access.SubmissionTarget, observer: Observer, form: Form, code: str | None
) -> tuple[PollingStation | None, bool]:
    """The station named, and whether the observer's deployment allows it."""
    if code is None:
        if form.is_checklist:
            message = _("A checklist is made at a polling station: name it.")
            raise ReportRefused(422, message, field="station", code="required")
        return None, True
    if target.station is None:
        message = _("No polling station %(code)s in this election.") % {"code": code}
        raise ReportRefused(404, message, field="station", code="not_found")
    return target.station, target.in_scope(observer)


def _target(
    user: User | None, reporter: Observer | None, code: str, data: Payload
) -> access.SubmissionTarget:
    """What the checks decide on, in one query (see access.submission_target)."""
    if reporter is not None:
        return access.channel_submission_target(
            reporter, code, data.form, data.form_version, data.station, data.instance_id
        )
    assert user is not None
    return access.submission_target(
        user, code, data.form, data.form_version, data.station, data.observer, data.instance_id
    )


def _has_station_question(spec: Mapping[str, Any]) -> bool:
    return any(question["name"] == STATION_QUESTION for question in spec["questions"])


def _station_answer(spec: Mapping[str, Any], data: Payload) -> str | None:
    """The station code the answers carry, when the form has the station question.

    ReportRefused(422) when the payload names another station.
    """
    if not _has_station_question(spec):
        return None
    value = data.answers.get(STATION_QUESTION)
    # Another type is left to the validation of the answers to refuse.
    answered = value.strip() if isinstance(value, str) else ""
    if not answered:
        return None
    if data.station is not None and data.station != answered:
        message = _(
            "The station question's answer (%(answer)s) is not the report's station (%(station)s)."
        ) % {"answer": answered[:200], "station": data.station}
        raise ReportRefused(422, message, field="station", code="mismatch")
    return answered


def _check_scope(observer: Observer, station: PollingStation | None, in_scope: bool) -> None:
    if station is not None and not in_scope:
        message = _("Station %(station)s is not in the deployment of observer %(observer)s.") % {
            "station": station.code,
            "observer": observer.code,
        }
        raise ReportRefused(403, message, code="scope")


def _validate(
    submitted_version: FormVersion, answers: Mapping[str, Any], today: dt.date
) -> tuple[dict[str, Any], list[Check]]:
    """The canonical answers and the quality checks they fail; ReportRefused(422)."""
    try:
        return validate_and_check(submitted_version.spec, answers, today=today)
    except AnswersInvalid as exc:
        errors = [
            {"field": error.field, "code": error.code, "message": str(error.message)}
            for error in exc.errors
        ]
        detail = _("The answers are not valid: %(fields)s.") % {
            "fields": ", ".join(error["field"] for error in errors)
        }
        raise ReportRefused(422, detail, errors=errors) from None


# --- hashes and receipts ----------------------------------------------------------------


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _hashes(submitted: Submitted) -> tuple[str, str]:
    """The submission hash and the version hash (see the module docstring)."""
    payload = submitted.payload
    content: dict[str, Any] = {
        "mission": submitted.mission.code,
        "form": submitted.form.code,
        "form_version": submitted.form_version.version,
        "station": submitted.station.code if submitted.station else None,
        "visit": payload.visit,
        "observer": submitted.observer.code,
        "answers": submitted.answers,
    }
    version_hash = hashlib.sha256(canonical_json(content).encode()).hexdigest()
    content["observed_at"] = payload.observed_at.isoformat()
    content["replaces"] = str(payload.replaces) if payload.replaces else None
    submission_hash = hashlib.sha256(canonical_json(content).encode()).hexdigest()
    return submission_hash, version_hash


def receipt_for(content_hash: str) -> str:
    """8 characters of base32 (A-Z, 2-7): easy to read back over a phone line."""
    return base64.b32encode(bytes.fromhex(content_hash)).decode()[:8]


# --- the entry point --------------------------------------------------------------------


def submit_report(
    *,
    user: User | None,
    payload: Any,
    channel: str,
    mission: Mission | str | None = None,
    reporter: Observer | None = None,
    extra_flags: Sequence[FlagSpec] = (),
) -> SubmitResult:
    """Record one report from any channel, or refuse it (ReportRefused) storing nothing.

    `mission` is the mission the channel received it for; when None, the payload's
    "mission" names it. See the module docstring for deduplication and flags.

    `reporter` is for channels that authenticate the observer themselves (an SMS
    gateway and the observer code): the report is the observer's own, without a
    membership check (the deployment scope still applies), and `user`, who entered
    it, may be None. `extra_flags` are (kind, code, message) flags the channel
    raises on arrival, with the content's own.
    """
    submitted = resolve_submission(
        user=user, payload=payload, channel=channel, mission=mission, reporter=reporter
    )
    submitted.extra_flags = list(extra_flags)
    if submitted.seen_before:
        # A retry: a recorded submission never changes, so it is answered from the
        # committed rows, without the transaction and its write lock.
        earlier = _earlier_submission(submitted.payload.instance_id)
        if earlier is not None:
            return _acknowledge(earlier, submitted)
    for attempt in range(RACE_ATTEMPTS):
        try:
            with transaction.atomic():
                # A new instance id needs no second look: if another request records it
                # meanwhile, the unique constraint refuses ours and the next attempt looks.
                return _record(submitted, check_earlier=attempt > 0)
        except IntegrityError:
            # Another request recorded the same instance id or checklist key first;
            # decide again against what it committed.
            if attempt == RACE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def resolve_submission(
    *,
    user: User | None,
    payload: Any,
    channel: str,
    mission: Mission | str | None = None,
    reporter: Observer | None = None,
) -> Submitted:
    """Everything submit_report checks before writing: types, scope, answers."""
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    data = parse_payload(payload)
    code = _mission_code(mission, data)
    if reporter is not None and data.observer not in (None, reporter.code):
        message = _("Observers may submit reports only for themselves.")
        raise ReportRefused(403, message, field="observer", code="forbidden")
    if reporter is None and user is None:
        raise ValueError("submit_report needs a user or a reporter")
    target = _target(user, reporter, code, data)
    membership = _membership(target, code)
    observer = _reporter(target, data.observer)
    form_version = _form_version(target, data.form, data.form_version)
    answered = _station_answer(form_version.spec, data)
    if answered is not None and data.station is None:
        # The answer names the station (ODK Collect): look it up as if the payload had.
        data = replace(data, station=answered)
        target = _target(user, reporter, code, data)
    form = form_version.form
    station, in_scope = _station(target, observer, form, data.station)
    if (
        station is not None
        and data.answers.get(STATION_QUESTION) in (None, "")
        and _has_station_question(form_version.spec)
    ):
        data = replace(data, answers={**data.answers, STATION_QUESTION: station.code})
    _check_scope(observer, station, in_scope)
    election = membership.mission.election
    today = election.local(election.now()).date()
    answers, failed_checks = _validate(form_version, data.answers, today)
    submitted = Submitted(
        payload=data,
        channel=channel,
        user=user,
        mission=membership.mission,
        form=form,
        form_version=form_version,
        station=station,
        observer=observer,
        answers=answers,
        failed_checks=failed_checks,
        seen_before=target.instance_seen,
    )
    submitted.submission_hash, submitted.version_hash = _hashes(submitted)
    return submitted


def _record(submitted: Submitted, *, check_earlier: bool = True) -> SubmitResult:
    if submitted.station is not None and connection.features.has_select_for_update:
        # Reports for one station queue here on PostgreSQL, so that the conflict check
        # of one sees the other's report. The lock is a statement of its own: a
        # statement that waits for a lock still reads what was committed when it
        # began, so one that locked and looked at once would miss the report it waited
        # for. SQLite has no row locks: its transactions begin IMMEDIATE (see
        # settings), which queues every writer already.
        _execute(LOCK_STATION_SQL, [submitted.station.pk])
    earlier = _earlier_submission(submitted.payload.instance_id) if check_earlier else None
    if earlier is not None:
        return _acknowledge(earlier, submitted)
    if submitted.payload.replaces is not None:
        return _edit(submitted)
    if submitted.form.is_checklist:
        mine, others = _checklists_at_station(submitted)
        if mine is not None:
            return _resubmit(mine, submitted, changed_flag=True, others=others)
        return _create(submitted, others)
    return _create(submitted, [])


@dataclass
class Earlier:
    """A submission already recorded under an instance id, with its report's open flags.

    The version and report carry the columns the answer needs; their other fields are
    deferred (reading one costs a query, never a wrong value).
    """

    submission: Submission
    open_flags: set[str]


def _earlier_submission(instance_id: uuid.UUID) -> Earlier | None:
    """The submission already recorded under the instance id, if any: one query."""
    key = Submission._meta.get_field("instance_id").get_db_prep_value(instance_id, connection)
    with prepared.cursor() as cursor:
        cursor.execute(EARLIER_SUBMISSION_SQL, [key])
        rows = cursor.fetchall()
    if not rows:
        return None
    submission_id, content_hash, version_id, number, report_id, report_uuid = rows[0][:6]
    report = from_row(
        Report, ("id", "uuid"), (report_id, converted(Report._meta.get_field("uuid"), report_uuid))
    )
    version = from_row(
        ReportVersion, ("id", "report_id", "number"), (version_id, report_id, number)
    )
    version.report = report
    submission = from_row(
        Submission,
        ("id", "instance_id", "version_id", "content_hash"),
        (submission_id, instance_id, version_id, content_hash),
    )
    submission.version = version
    return Earlier(submission, {row[6] for row in rows if row[6] is not None})


def _checklists_at_station(submitted: Submitted) -> tuple[Report | None, list[Report]]:
    """The checklist of the submission's key (unique), and the other observers' ones.

    Locked on PostgreSQL (the station's lock queues their writers anyway; the rows'
    lock keeps a review decision from interleaving with a conflict flag's update).
    """
    assert submitted.station is not None
    ids = access.checklist_ids_at_station(
        submitted.form,
        submitted.station,
        submitted.observer,
        submitted.payload.visit,
        lock=connection.features.has_select_for_update,
    )
    if not ids:  # the usual case: nothing to read
        return None, []
    rows = access.checklists_at_station(submitted.form, submitted.station).filter(pk__in=ids)
    mine, others = None, []
    for report in rows.order_by("-created_at", "pk"):
        if report.observer_id != submitted.observer.pk:
            others.append(report)
        else:
            mine = report
    return mine, others


def _acknowledge(found: Earlier, submitted: Submitted) -> SubmitResult:
    """A retry of an instance id already accepted: the same answer, nothing written."""
    instance_id = submitted.payload.instance_id
    earlier = found.submission
    if earlier.content_hash != submitted.submission_hash:
        message = _(
            "The instance id %(id)s was already used for a report with other content. "
            'Send an edit with a new instance id and "replaces": "%(id)s".'
        ) % {"id": instance_id}
        raise ReportRefused(409, message, field="instance_id", code="conflict")
    version = earlier.version
    return _result("duplicate", submitted, version.report, version, open_flags=found.open_flags)


def _edit(submitted: Submitted) -> SubmitResult:
    replaces = submitted.payload.replaces
    assert replaces is not None
    try:
        edited = access.get_submission(submitted.mission, replaces)
    except Http404:
        message = _("No report with the instance id %(id)s to replace.") % {"id": replaces}
        raise ReportRefused(404, message, field="replaces", code="not_found") from None
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("current")
        .get(pk=edited.version.report_id)
    )
    _check_same_report(report, submitted)
    return _resubmit(report, submitted, changed_flag=False, replaces=edited.version)


def _check_same_report(report: Report, submitted: Submitted) -> None:
    """An edit changes answers, never which report it is."""
    same = {
        "form": report.form_id == submitted.form.pk,
        "observer": report.observer_id == submitted.observer.pk,
        "station": report.station_id == (submitted.station.pk if submitted.station else None),
        "visit": report.visit == submitted.payload.visit,
    }
    for key, equal in same.items():
        if not equal:
            message = _("An edit must keep the %(field)s of the report it replaces.") % {
                "field": key
            }
            raise ReportRefused(422, message, field=key, code="edit_mismatch")


def _create(submitted: Submitted, others: list[Report]) -> SubmitResult:
    payload = submitted.payload
    flags = _arrival_flags(submitted)
    # Flagged from the start when a flag is due: no second write of the status.
    report = Report(
        mission=submitted.mission,
        form=submitted.form,
        observer=submitted.observer,
        station=submitted.station,
        visit=payload.visit,
        is_checklist=submitted.form.is_checklist,
        observed_at=payload.observed_at,
        status=Report.Status.FLAGGED if flags else Report.Status.NEW,
    )
    if connection.vendor == "postgresql":
        version = _new_version(report, submitted, number=1, replaces=None)
        _insert_new_report(report, version, _new_submission(version, submitted))
    else:
        _insert(report)
        version = _write_version(report, submitted, number=1, replaces=None)
    kinds = _raise_flags(report, version, flags)
    if _conflict_flags(report, version, submitted, others):
        kinds.add(Flag.Kind.CONFLICT)
    # A new report has no flags but those just raised: no need to read them back.
    return _result("created", submitted, report, version, open_flags=kinds)


def _resubmit(
    report: Report,
    submitted: Submitted,
    *,
    changed_flag: bool,
    replaces: ReportVersion | None = None,
    others: list[Report] | None = None,
) -> SubmitResult:
    """The same report again: a duplicate of its current content, or a new version.

    `others` are the other observers' checklists at the station, when already read.
    """
    current = report.current
    assert current is not None
    if current.content_hash == submitted.version_hash:
        _write_submission(current, submitted)
        return _result("duplicate", submitted, report, current)
    last = report.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = _write_version(report, submitted, number=last + 1, replaces=replaces)
    flags: list[FlagSpec] = []
    if changed_flag:
        message = _("Submitted again with other answers (version %(number)d).") % {
            "number": version.number
        }
        flags.append((Flag.Kind.CHANGED_RESUBMISSION, "", message))
    _resolve_quality_flags(report, version)
    _raise_flags(report, version, flags + _arrival_flags(submitted))
    if report.is_checklist:
        if others is None:
            others = list(access.reports_at_station(report))
        _conflict_flags(report, version, submitted, others)
    return _result("created", submitted, report, version)


def _new_version(
    report: Report, submitted: Submitted, *, number: int, replaces: ReportVersion | None
) -> ReportVersion:
    return ReportVersion(
        report=report,
        number=number,
        form_version=submitted.form_version,
        answers=submitted.answers,
        content_hash=submitted.version_hash,
        observed_at=submitted.payload.observed_at,
        channel=submitted.channel,
        entered_by=submitted.user,
        replaces=replaces,
    )


def _new_submission(version: ReportVersion, submitted: Submitted) -> Submission:
    return Submission(
        instance_id=submitted.payload.instance_id,
        version=version,
        content_hash=submitted.submission_hash,
        channel=submitted.channel,
        entered_by=submitted.user,
    )


def _write_version(
    report: Report, submitted: Submitted, *, number: int, replaces: ReportVersion | None
) -> ReportVersion:
    """A new version of a saved report, with its submission; the report points to it."""
    version = _new_version(report, submitted, number=number, replaces=replaces)
    _insert(version)
    _insert(_new_submission(version, submitted))
    report.current = version
    report.observed_at = submitted.payload.observed_at
    report.updated_at = timezone.now()
    _update(report, ("current", "observed_at", "updated_at"))
    return version


def _write_submission(version: ReportVersion, submitted: Submitted) -> Submission:
    submission = _new_submission(version, submitted)
    _insert(submission)
    return submission


# --- plain statements for the hot path ----------------------------------------------------
# Building an INSERT or UPDATE through save() costs more than the database takes to run
# it. These write a model instance as save() would (defaults set by the constructor,
# each field's pre_save and database preparation), with the SQL made once per model.
# The unique constraints stay the judges of races: a losing insert raises IntegrityError.

LOCK_STATION_SQL = "SELECT id FROM elections_pollingstation WHERE id = %s FOR UPDATE"
# One row per open flag of the report (at least one row).
EARLIER_SUBMISSION_SQL = """
SELECT s.id, s.content_hash, v.id, v.number, r.id, r.uuid, f.kind
FROM reports_submission s
INNER JOIN reports_reportversion v ON v.id = s.version_id
INNER JOIN reports_report r ON r.id = v.report_id
LEFT JOIN reports_flag f ON f.report_id = r.id AND f.resolved_at IS NULL
WHERE s.instance_id = %s
"""
_statements: dict[tuple[str, str, tuple[str, ...]], str] = {}


def _execute(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with prepared.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _insert_sql(model: type[Model], fields: list[Field]) -> str:
    key = (connection.vendor, model._meta.db_table, ("insert",))
    sql = _statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        # Identifiers from the model's metadata only; every value is a parameter.
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {quote(model._meta.pk.column)}"
        _statements[key] = sql
    return sql


def _insert(obj: Model) -> None:
    """INSERT the new instance as obj.save() would, and set its primary key."""
    meta = obj._meta
    fields = _saved_fields(type(obj))
    with prepared.cursor() as cursor:
        cursor.execute(_insert_sql(type(obj), fields), _values(obj, fields))
        if connection.features.can_return_columns_from_insert:
            key = cursor.fetchone()[0]
        else:
            key = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    _stored(obj, key)


# A new report's rows, each pointing to the others, as one PostgreSQL statement: its
# ids are drawn from the tables' sequences first, so the report names its current
# version as it is inserted (foreign keys are checked at commit: Django makes them
# DEFERRABLE INITIALLY DEFERRED). Values are parameters in VALUES lists, where each
# takes its column's type. One statement instead of four (three INSERTs and the
# UPDATE that pointed the report at its version): one round trip instead of four.
_LINKS = {
    Report: {"current_id": "(SELECT version FROM ids)"},
    ReportVersion: {"report_id": "(SELECT report FROM ids)"},
    Submission: {"version_id": "(SELECT version FROM ids)"},
}
_IDS = {Report: "(SELECT report FROM ids)", ReportVersion: "(SELECT version FROM ids)"}


def _new_report_sql() -> str:
    key = ("postgresql", "new_report", ())
    sql = _statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        inserts = []
        for alias, model in (("r", Report), ("v", ReportVersion), ("s", Submission)):
            table, pk = model._meta.db_table, model._meta.pk.column
            columns, marks = ([pk], [_IDS[model]]) if model in _IDS else ([], [])
            for field in _saved_fields(model):
                columns.append(field.column)
                marks.append(_LINKS[model].get(field.column, "%s"))
            returning = f" RETURNING {quote(pk)}" if model is Submission else ""
            insert = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))})"
            inserts.append(f"{alias} AS ({insert} VALUES ({', '.join(marks)}){returning})")
        sequences = ", ".join(
            f"nextval(pg_get_serial_sequence('{model._meta.db_table}', "
            f"'{model._meta.pk.column}')) AS {name}"
            for name, model in (("report", Report), ("version", ReportVersion))
        )
        # Identifiers from the models' metadata only; every value is a parameter.
        sql = (
            f"WITH ids AS (SELECT {sequences}), {', '.join(inserts)} "  # noqa: S608
            "SELECT ids.report, ids.version, s.id FROM ids, s"
        )
        _statements[key] = sql
    return sql


def _insert_new_report(report: Report, version: ReportVersion, submission: Submission) -> None:
    """INSERT a new report, its first version and that version's submission (PostgreSQL)."""
    params: list[Any] = []
    for obj in (report, version, submission):
        fields = [f for f in _saved_fields(type(obj)) if f.column not in _LINKS[type(obj)]]
        params += _values(obj, fields)
    rows = _execute(_new_report_sql(), params)
    report_id, version_id, submission_id = rows[0]
    _stored(report, report_id)
    _stored(version, version_id)
    _stored(submission, submission_id)
    # The foreign keys copied their targets' ids when assigned: assign again.
    version.report = report
    report.current = version
    submission.version = version


def _saved_fields(model: type[Model]) -> list[Field]:
    return [field for field in model._meta.concrete_fields if field is not model._meta.pk]


def _values(obj: Model, fields: list[Field], *, add: bool = True) -> list[Any]:
    """The fields' values as save() sends them (pre_save, then the database's form)."""
    return [field.get_db_prep_save(field.pre_save(obj, add), connection) for field in fields]


def _stored(obj: Model, key: Any) -> None:
    """Mark a new instance as saved under its primary key."""
    setattr(obj, obj._meta.pk.attname, key)
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS


def _update(obj: Model, names: tuple[str, ...]) -> None:
    """UPDATE the named fields of the saved instance, as obj.save(update_fields=names)."""
    meta = obj._meta
    fields = [cast(Field, meta.get_field(name)) for name in names]
    key = (connection.vendor, meta.db_table, names)
    sql = _statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608
        _statements[key] = sql
    values = _values(obj, fields, add=False)
    with prepared.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])


def _result(
    status: str,
    submitted: Submitted,
    report: Report,
    version: ReportVersion,
    *,
    open_flags: set[str] | None = None,
) -> SubmitResult:
    """The answer; `open_flags` are the report's open flag kinds when the caller knows them."""
    # Every path gets here with the submission hash of the stored Submission row.
    if open_flags is None:
        kinds = report.flags.filter(resolved_at__isnull=True).values_list("kind", flat=True)
        open_flags = set(kinds)
    return SubmitResult(
        status=status,
        instance_id=submitted.payload.instance_id,
        report=report,
        version=version,
        flags=sorted(open_flags),
        receipt=receipt_for(submitted.submission_hash),
    )


# --- flags ----------------------------------------------------------------------------


def _flag(
    report: Report, version: ReportVersion | None, kind: str, code: str, message: str
) -> None:
    """Raise a flag on the report, which then waits for review as flagged."""
    _raise_flags(report, version, [(kind, code, message)])


def _raise_flags(report: Report, version: ReportVersion | None, flags: list[FlagSpec]) -> set[str]:
    """Raise the flags (one insert) and mark the report flagged; the kinds raised."""
    if not flags:
        return set()
    Flag.objects.bulk_create(
        Flag(report=report, version=version, kind=kind, code=code, message=message)
        for kind, code, message in flags
    )
    if report.status != Report.Status.FLAGGED:
        report.status = Report.Status.FLAGGED
        report.updated_at = timezone.now()
        report.save(update_fields=["status", "updated_at"])
    return {kind for kind, _code, _message in flags}


def _resolve_quality_flags(report: Report, version: ReportVersion) -> None:
    """Checks of superseded content no longer describe the report."""
    report.flags.filter(kind=Flag.Kind.QUALITY_CHECK, resolved_at__isnull=True).exclude(
        version=version
    ).update(resolved_at=timezone.now())


def _arrival_flags(submitted: Submitted) -> list[FlagSpec]:
    """The flags a version raises by its content alone: quality checks, silence."""
    return _quality_flags(submitted) + _silence_flag(submitted) + submitted.extra_flags


def _quality_flags(submitted: Submitted) -> list[FlagSpec]:
    spec = submitted.form_version.spec
    language = spec.get("default_language", "en")
    flags: list[FlagSpec] = []
    for check in submitted.failed_checks:
        message = label_in(check.get("message") or {}, language, language) or check["name"]
        flags.append((Flag.Kind.QUALITY_CHECK, check["name"], message))
    return flags


def _says_campaigning(submitted: Submitted) -> bool:
    question = questions_by_name(submitted.form_version.spec).get(CATEGORY_QUESTION)
    if question is None or question["type"] not in ("select_one", "select_multiple"):
        return False
    answer = submitted.answers.get(CATEGORY_QUESTION)
    chosen = answer if isinstance(answer, list) else [answer]
    return CAMPAIGNING in chosen


def _silence_flag(submitted: Submitted) -> list[FlagSpec]:
    if submitted.form.kind not in SILENCE_KINDS or not _says_campaigning(submitted):
        return []
    moment = submitted.payload.observed_at
    in_silence = CalendarPhase.objects.filter(
        election=submitted.mission.election_id,
        kind=CalendarPhase.Kind.SILENCE,
        starts_at__lte=moment,
        ends_at__gt=moment,
    ).exists()
    if not in_silence:
        return []
    message = _("Campaigning reported during the silence period.")
    return [(Flag.Kind.SILENCE_CAMPAIGNING, CAMPAIGNING, message)]


def _differences(spec: Mapping[str, Any], mine: Mapping[str, Any], theirs: Any) -> list[str]:
    """Questions both answered, of the compared types, with different answers."""
    if not isinstance(theirs, Mapping):
        return []
    return [
        question["name"]
        for question in spec["questions"]
        if question["type"] in COMPARED_TYPES
        and question["name"] in mine
        and question["name"] in theirs
        and mine[question["name"]] != theirs[question["name"]]
    ]


def _conflict_flags(
    report: Report, version: ReportVersion, submitted: Submitted, others: list[Report]
) -> bool:
    """Flag the report and every other observer's (`others`) it disagrees with; whether any."""
    found = False
    for other in others:
        assert other.current is not None
        names = _differences(submitted.form_version.spec, version.answers, other.current.answers)
        if not names:
            continue
        found = True
        questions = ", ".join(names)
        for flagged, flagged_version, against in (
            (report, version, other.observer),
            (other, other.current, report.observer),
        ):
            message = _("Observer %(observer)s answered differently: %(questions)s.") % {
                "observer": against.code,
                "questions": questions,
            }
            _conflict_flag(flagged, flagged_version, against.code, message)
    return found


def _conflict_flag(report: Report, version: ReportVersion, code: str, message: str) -> None:
    if not report.in_conflict:
        report.in_conflict = True
        report.save(update_fields=["in_conflict"])
    same = report.flags.filter(
        kind=Flag.Kind.CONFLICT, code=code, message=message, resolved_at__isnull=True
    )
    if not same.exists():
        _flag(report, version, Flag.Kind.CONFLICT, code, message)


# --- review -----------------------------------------------------------------------------


def _require_core_team(report: Report, user: User) -> None:
    membership = mission_access.get_membership(user, report.mission.code)
    mission_access.require_role(membership, CORE_TEAM)


def decide_report(report: Report, *, status: str, note: str = "", user: User) -> ReviewDecision:
    """Set a report's review status (core team only), recording who decided and when."""
    _require_core_team(report, user)
    if status not in Report.Status.values:
        raise ValueError(f"unknown status {status!r}")
    with transaction.atomic():
        decision = ReviewDecision.objects.create(
            report=report, status=status, note=note.strip(), decided_by=user
        )
        report.status = status
        report.updated_at = timezone.now()
        report.save(update_fields=["status", "updated_at"])
    return decision


def add_note(report: Report, *, note: str, user: User) -> ReviewDecision:
    """A reviewer's note that leaves the status as it is (core team only)."""
    _require_core_team(report, user)
    if not note.strip():
        raise ValueError("an empty note")
    with transaction.atomic():
        return ReviewDecision.objects.create(
            report=report, status=report.status, note=note.strip(), decided_by=user
        )

"""The report API: submit a report from any client, and read reports back.

POST /reports is the API face of reports.services.submit_report: the body is read and
checked here (size, NUL bytes, JSON) before the service checks the payload, the
caller's scope and the answers. Every refusal stores nothing and answers a JSON body
with "detail"; a 422 also lists "errors", each naming the payload key or question.
Reading reports is for the mission's core team, and a report for its own observer.
"""

import datetime as dt
import json
import uuid
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import paginate

from pollwatch.accounts.api_auth import ErrorOut, caller
from pollwatch.checklists.models import Form
from pollwatch.elections.api import LimitOffset, one_of
from pollwatch.missions import access as mission_access
from pollwatch.reports import access, services
from pollwatch.reports.models import Channel, Flag, Report, ReportVersion, ReviewDecision

router = Router(tags=["reports"])

# One report, however long its answers, is a few kilobytes; a megabyte is an error.
MAX_BODY_BYTES = 1024 * 1024


class FieldErrorOut(Schema):
    field: str = Field(description="The payload key or question name at fault.")
    code: str
    message: str


class RefusalOut(Schema):
    """Why a report was refused; `errors` names the fields at fault, if any."""

    detail: str
    errors: list[FieldErrorOut] = Field(default_factory=list)


class ValidationErrorOut(Schema):
    """The body of a 422: the reason, and each field at fault."""

    detail: str
    errors: list[FieldErrorOut]


class ReportIn(Schema):
    """A report as a client sends it (documentation: the body is checked by hand)."""

    instance_id: uuid.UUID = Field(
        description="A UUID made by the client for this submission; a retry sends it again."
    )
    mission: str = Field(description="The mission's code.")
    form: str = Field(description="The form's code.")
    form_version: str = Field(description="The version string of the form the answers follow.")
    station: str | None = Field(
        None, description="The polling station's code; required for checklists."
    )
    visit: int = Field(1, ge=1, le=services.MAX_VISITS, description="A second visit is 2.")
    observer: str | None = Field(
        None,
        description="The observer's code, when a data clerk or coordinator reports "
        "on an observer's behalf; otherwise the caller is the observer.",
    )
    observed_at: dt.datetime = Field(description="ISO 8601 with its offset.")
    answers: dict[str, Any] = Field(
        description="Question name to answer: integers as numbers, decimals as numbers "
        "or strings, select_one a choice value, select_multiple a list of choice values, "
        'dates "YYYY-MM-DD", times "HH:MM". Notes and calculates are not sent.'
    )
    replaces: uuid.UUID | None = Field(
        None, description="For an edit: the instance id of the submission it replaces."
    )


class ReportAck(Schema):
    """The answer to an accepted submission (201 created, 200 duplicate)."""

    instance_id: uuid.UUID
    report: uuid.UUID = Field(description="The report's UUID.")
    version: int = Field(description="The number of the report's version this submission is.")
    status: str = Field(
        description="created: a new report or version; duplicate: already recorded.",
        json_schema_extra={"enum": ["created", "duplicate"]},
    )
    flags: list[str] = Field(description="Kinds of the report's open flags.")
    receipt: str = Field(description="A short code to read back: 8 characters of A-Z, 2-7.")


class ReportFilters(Schema):
    mission: str = Field(description="The mission's code.")
    form: str | None = Field(None, description="A form's code.")
    status: str | None = Field(None, json_schema_extra={"enum": list(Report.Status.values)})
    station: str | None = Field(None, description="A polling station's code.")
    observer: str | None = Field(None, description="An observer's code.")
    flag: str | None = Field(
        None,
        description="Reports with an open flag of this kind.",
        json_schema_extra={"enum": list(Flag.Kind.values)},
    )


class ReportOut(Schema):
    uuid: uuid.UUID
    mission: str
    form: str = Field(description="The form's code.")
    form_kind: str = one_of(Form.Kind)
    station: str | None = Field(description="The polling station's code.")
    observer: str = Field(description="The observer's code.")
    visit: int
    status: str = one_of(Report.Status)
    in_conflict: bool
    version: int = Field(description="The number of the current version.")
    flags: list[str] = Field(description="Kinds of the open flags.")
    observed_at: dt.datetime = Field(description="In the election's time zone.")
    received_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_mission(obj: Report) -> str:
        return obj.mission.code

    @staticmethod
    def resolve_form(obj: Report) -> str:
        return obj.form.code

    @staticmethod
    def resolve_form_kind(obj: Report) -> str:
        return obj.form.kind

    @staticmethod
    def resolve_station(obj: Report) -> str | None:
        return obj.station.code if obj.station else None

    @staticmethod
    def resolve_observer(obj: Report) -> str:
        return obj.observer.code

    @staticmethod
    def resolve_version(obj: Report) -> int:
        return obj.current.number if obj.current else 0

    @staticmethod
    def resolve_flags(obj: Report) -> list[str]:
        return sorted({flag.kind for flag in obj.open_flags})  # type: ignore[attr-defined]

    @staticmethod
    def resolve_observed_at(obj: Report) -> dt.datetime:
        return obj.mission.election.local(obj.observed_at)

    @staticmethod
    def resolve_received_at(obj: Report) -> dt.datetime:
        return obj.created_at


class VersionOut(Schema):
    number: int
    form_version: str = Field(description="The version string of the form used.")
    answers: dict[str, Any] = Field(description="The canonical answers, as validated.")
    observed_at: dt.datetime
    received_at: dt.datetime
    channel: str = one_of(Channel)
    entered_by: str | None = Field(description="The username of who entered it.")
    replaces: int | None = Field(description="For an edit: the number of the version edited.")
    instance_ids: list[uuid.UUID] = Field(description="Every submission recorded as this version.")

    @staticmethod
    def resolve_form_version(obj: ReportVersion) -> str:
        return obj.form_version.version

    @staticmethod
    def resolve_received_at(obj: ReportVersion) -> dt.datetime:
        return obj.created_at

    @staticmethod
    def resolve_entered_by(obj: ReportVersion) -> str | None:
        return obj.entered_by.username if obj.entered_by else None

    @staticmethod
    def resolve_replaces(obj: ReportVersion) -> int | None:
        return obj.replaces.number if obj.replaces else None

    @staticmethod
    def resolve_instance_ids(obj: ReportVersion) -> list[uuid.UUID]:
        return [submission.instance_id for submission in obj.submissions.all()]


class FlagOut(Schema):
    kind: str = one_of(Flag.Kind)
    code: str
    message: str
    version: int | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None

    @staticmethod
    def resolve_version(obj: Flag) -> int | None:
        return obj.version.number if obj.version else None


class DecisionOut(Schema):
    status: str = one_of(Report.Status)
    note: str
    decided_by: str
    decided_at: dt.datetime

    @staticmethod
    def resolve_decided_by(obj: ReviewDecision) -> str:
        return obj.decided_by.username


class ReportDetailOut(ReportOut):
    versions: list[VersionOut]
    flag_history: list[FlagOut] = Field(description="Every flag, resolved or not.")
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_versions(obj: Report) -> list[ReportVersion]:
        versions = obj.versions.select_related("form_version", "entered_by", "replaces")
        return list(versions.prefetch_related("submissions").order_by("number"))

    @staticmethod
    def resolve_flag_history(obj: Report) -> list[Flag]:
        return list(obj.flags.select_related("version"))

    @staticmethod
    def resolve_decisions(obj: Report) -> list[ReviewDecision]:
        return list(obj.decisions.select_related("decided_by"))


# --- submitting -------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def read_json_body(request: HttpRequest) -> Any:
    """The request's JSON, refused (ReportRefused 400 or 413) before any parsing it fails."""
    too_big = services.ReportRefused(
        413, _("The body is larger than %(size)d bytes.") % {"size": MAX_BODY_BYTES}
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise too_big
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_big from None
    if len(body) > MAX_BODY_BYTES:
        raise too_big
    if b"\x00" in body:
        raise services.ReportRefused(400, _("The body contains a NUL byte."))
    try:
        # NaN and Infinity are not JSON, though Python's parser takes them.
        return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise services.ReportRefused(400, _("The body is not valid JSON in UTF-8.")) from None


def _ack(result: services.SubmitResult) -> dict[str, Any]:
    return {
        "instance_id": result.instance_id,
        "report": result.report.uuid,
        "version": result.version.number,
        "status": result.status,
        "flags": result.flags,
        "receipt": result.receipt,
    }


def _refusal(refused: services.ReportRefused) -> Status:
    return Status(refused.status, {"detail": refused.detail, "errors": refused.errors})


REFUSALS: dict[int, Any] = {
    400: RefusalOut,
    403: RefusalOut,
    404: RefusalOut,
    409: RefusalOut,
    413: RefusalOut,
    422: ValidationErrorOut,
}


@router.post(
    "",
    response={200: ReportAck, 201: ReportAck, **REFUSALS},
    summary="Submit a report",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ReportIn.model_json_schema()}},
        }
    },
)
def submit_report(request: HttpRequest) -> Status:
    """Record a report: 201 when new (a report or a version), 200 when already recorded.

    A retry with the same instance id and content is acknowledged again; the same id
    with other content is a 409. A checklist is one report per observer, station,
    form and visit: sent again with other answers it becomes a new, flagged version.
    """
    # A token is a client program; a session is the web entry page.
    channel = Channel.API if "Authorization" in request.headers else Channel.WEB
    try:
        payload = read_json_body(request)
        result = services.submit_report(user=caller(request), payload=payload, channel=channel)
    except services.ReportRefused as refused:
        return _refusal(refused)
    return Status(result.http_status, _ack(result))


# --- reading ----------------------------------------------------------------------------


def _open_flags() -> Prefetch:
    return Prefetch(
        "flags", queryset=Flag.objects.filter(resolved_at__isnull=True), to_attr="open_flags"
    )


def _invalid(key: str, value: str) -> ValidationError:
    message = _("%(value)s is not one of the choices.") % {"value": value}
    return ValidationError([{"loc": ("query", key), "msg": message, "type": "choice"}])


def _filtered(reports: QuerySet[Report], filters: ReportFilters) -> QuerySet[Report]:
    if filters.status is not None:
        if filters.status not in Report.Status.values:
            raise _invalid("status", filters.status)
        reports = reports.filter(status=filters.status)
    if filters.flag is not None:
        if filters.flag not in Flag.Kind.values:
            raise _invalid("flag", filters.flag)
        open_flags = Flag.objects.filter(kind=filters.flag, resolved_at__isnull=True)
        reports = reports.filter(pk__in=open_flags.values("report"))
    if filters.form is not None:
        reports = reports.filter(form__code=filters.form)
    if filters.station is not None:
        reports = reports.filter(station__code=filters.station)
    if filters.observer is not None:
        reports = reports.filter(observer__code=filters.observer)
    return reports


@router.get(
    "",
    response={200: list[ReportOut], 403: ErrorOut, 404: ErrorOut},
    summary="A mission's reports",
)
@paginate(LimitOffset)
def list_reports(request: HttpRequest, filters: Query[ReportFilters]) -> QuerySet[Report]:
    """The newest first, for the mission's core team (coordinators and analysts)."""
    membership = mission_access.get_membership(caller(request), filters.mission)
    reports = access.reports_for_membership(membership).select_related("mission__election")
    reports = _filtered(reports, filters)
    return reports.prefetch_related(_open_flags()).order_by("-created_at", "-pk")


@router.get(
    "/{report_uuid}",
    response={200: ReportDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="A report with its versions",
)
def get_report(request: HttpRequest, report_uuid: str) -> Report:
    """For the mission's core team, and for the observer who made it."""
    report = access.get_report_for_user(caller(request), report_uuid)
    report.open_flags = list(report.flags.filter(resolved_at__isnull=True))  # type: ignore[attr-defined]
    return report

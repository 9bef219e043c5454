"""Export pages for the core team: CSV streamed at once, XLSX built in the background.

Reports hold every observer's answers, so only the core team (coordinators and
analysts) reaches any of these; coverage, which data clerks also watch, is the
exception. Objects come through findings/access.py, built on missions/access.py.
"""

import os

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from pollwatch.checklists import access as checklist_access
from pollwatch.findings import access, coverage, exports, releases, services
from pollwatch.findings.models import Export
from pollwatch.findings.questions import UnknownLevel, form_findings
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import Membership

RECENT_EXPORTS = 20
SECTION = "exports"


def _core_membership(request: HttpRequest, mission_code: str) -> Membership:
    membership = mission_access.get_membership(request.user, mission_code)
    access.require_core_team(membership)
    return membership


def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, request.POST.get(name, "")) in ("1", "true", "on", "yes")


def _attachment(filename: str) -> str:
    return f'attachment; filename="{filename}"'


@login_required
@require_GET
def index(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = _core_membership(request, mission_code)
    forms = checklist_access.forms_for_membership(membership).order_by("created_at", "code")
    context = mission_access.member_context(
        membership,
        SECTION,
        forms=forms,
        exports=access.exports_for_membership(membership)[:RECENT_EXPORTS],
    )
    return TemplateResponse(request, "findings/export_index.html", context)


@login_required
@require_GET
def reports_csv(request: HttpRequest, mission_code: str, form_code: str) -> HttpResponseBase:
    """Every report of the form as CSV, written while it is sent (never held whole).

    `labels=1` writes choice labels in the page's language instead of codes;
    `excel=1` adds the byte order mark Excel needs to read UTF-8.
    """
    membership = _core_membership(request, mission_code)
    form = access.get_form_for_core_team(membership, form_code)
    labels, excel = _flag(request, "labels"), _flag(request, "excel")
    layout = exports.layout_for(form, labels=labels, language=get_language() or "en")
    response = StreamingHttpResponse(
        exports.csv_chunks(form, layout, excel=excel), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _attachment(exports.csv_filename(form, labels=labels))
    return response


@login_required
@require_POST
def request_xlsx(request: HttpRequest, mission_code: str, form_code: str) -> HttpResponse:
    membership = _core_membership(request, mission_code)
    form = access.get_form_for_core_team(membership, form_code)
    export = services.request_export(
        form, membership.user, labels=_flag(request, "labels"), language=get_language() or "en"
    )
    return HttpResponseRedirect(
        reverse("findings_exports:export", args=[membership.mission.code, export.uuid])
    )


@login_required
@require_GET
def export_status(request: HttpRequest, mission_code: str, export_uuid: str) -> HttpResponse:
    """The export's progress; htmx asks for the fragment alone every two seconds."""
    membership = _core_membership(request, mission_code)
    export = access.get_export(membership, export_uuid)
    context = mission_access.member_context(
        membership,
        SECTION,
        export=export,
        working=export.working,
    )
    template = "findings/export_status.html"
    if request.headers.get("HX-Request"):
        template += "#progress"
    return TemplateResponse(request, template, context)


@login_required
@require_GET
def download(request: HttpRequest, mission_code: str, export_uuid: str) -> HttpResponseBase:
    """The finished spreadsheet, streamed from storage."""
    membership = _core_membership(request, mission_code)
    export = access.get_export(membership, export_uuid)
    if export.status != Export.Status.DONE or not export.file:
        raise Http404
    try:
        content = export.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(content, as_attachment=True, filename=os.path.basename(export.file.name))


@login_required
@require_GET
def statement(request: HttpRequest, mission_code: str) -> HttpResponse:
    """The live findings and coverage as printable tables (core team: under embargo)."""
    membership = _core_membership(request, mission_code)
    snapshot = releases.findings_snapshot(membership)
    context = mission_access.member_context(membership, SECTION, snapshot=snapshot, release=None)
    return TemplateResponse(request, "findings/statement.html", context)


@login_required
@require_GET
def coverage_csv(request: HttpRequest, mission_code: str, form_code: str) -> HttpResponse:
    """Every assigned station with whether it reported the form (coverage is not embargoed)."""
    membership = mission_access.get_membership(request.user, mission_code)
    form = access.get_form_for_coverage(membership, form_code)
    mission = membership.mission
    stations = coverage.stations_with_status(mission, form, access.assigned_stations(mission, form))
    rows = (
        (s.code, s.name, s.area.code, s.area.name, "yes" if s.reported else "no")  # type: ignore[attr-defined]
        for s in stations.iterator()
    )
    text = exports.table_csv(exports.COVERAGE_HEADER, rows, excel=_flag(request, "excel"))
    return _csv_response(text, f"{mission.code}-{form.code}-coverage.csv")


@login_required
@require_GET
def findings_csv(request: HttpRequest, mission_code: str, form_code: str) -> HttpResponse:
    """The form's findings per question, overall and by area, one row per answer."""
    membership = _core_membership(request, mission_code)
    form = access.get_form_for_core_team(membership, form_code)
    level = request.GET.get("level", "").strip() or None
    try:
        findings = form_findings(membership.mission, form, level)
    except UnknownLevel:
        raise Http404 from None
    rows = exports.findings_rows(findings, get_language() or "en")
    text = exports.table_csv(exports.FINDINGS_HEADER, rows, excel=_flag(request, "excel"))
    return _csv_response(text, f"{membership.mission.code}-{form.code}-findings.csv")


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _attachment(filename)
    return response

"""The live dashboard, included under /m/<mission_code>/live/.

The dashboard puts together the coverage of each checklist, reports received per
quarter hour, the latest critical incidents and links to the map. Its live parts
are htmx fragments of the same templates (django-template-partials) polled every 30
seconds; without JavaScript each is a plain page showing the same figures. Every
object comes through findings/live_access.py: the core team and the data clerks.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from pollwatch.checklists.models import CHECKLIST_KINDS, Form
from pollwatch.elections.models import Election
from pollwatch.findings import coverage, live, live_access, live_charts
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import Membership

SECTION = "live"
DEFAULT_HOURS = 24
HOUR_CHOICES = (3, 6, 12, 24, 48, 72)
LATEST_CRITICAL = 5
PAGE_SIZE = 50
# Forms in the order of election day: the checklists by phase, then incidents and events.
KIND_ORDER = list(Form.Kind.values)
GEOJSON = "application/geo+json"


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _respond(request: HttpRequest, template: str, partial: str, context: dict) -> HttpResponse:
    """The page, or only its live part when htmx asks for it; caches told the two apart."""
    name = f"{template}#{partial}" if _htmx(request) else template
    response = TemplateResponse(request, name, context)
    patch_vary_headers(response, ["HX-Request"])
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _context(membership: Membership, **extra: Any) -> dict[str, Any]:
    return mission_access.member_context(membership, SECTION, **extra)


def _in_day_order(forms: QuerySet[Form]) -> list[Form]:
    return sorted(forms, key=lambda form: (KIND_ORDER.index(form.kind), form.code))


def _checklists(membership: Membership) -> list[Form]:
    """The mission's checklist forms in phase order (opening, voting, counting, ...)."""
    return _in_day_order(live_access.live_forms(membership).filter(kind__in=CHECKLIST_KINDS))


# --- timeline ----------------------------------------------------------------------------


def _hours(params: QueryDict) -> int:
    try:
        return min(max(int(params.get("hours", DEFAULT_HOURS)), 1), live.MAX_HOURS)
    except ValueError:
        return DEFAULT_HOURS


def _timeline_context(membership: Membership, hours: int) -> dict[str, Any]:
    forms = _in_day_order(live_access.live_forms(membership))
    reports = live_access.live_reports(membership)
    found = live.timeline(
        reports,
        forms,
        end=live.timeline_end(reports, hours),
        hours=hours,
        tz=membership.mission.election.tz,
    )
    return {
        "timeline": found,
        "chart": live_charts.timeline_chart(found),
        "hours": hours,
        "hour_choices": HOUR_CHOICES,
    }


@login_required
@require_GET
def timeline(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Reports received per quarter hour and form: a page, or the dashboard's fragment."""
    membership = live_access.get_live_membership(request.user, mission_code)
    context = _context(membership, **_timeline_context(membership, _hours(request.GET)))
    return _respond(request, "findings/live_timeline.html", "timeline-panel", context)


# --- dashboard ---------------------------------------------------------------------------


def _critical(membership: Membership) -> list[live.IncidentRow]:
    forms = list(live_access.incident_forms(membership))
    words = live.vocabulary(forms, get_language() or "en")
    found = live.incidents(
        _incident_rows_query(live_access.live_reports(membership)),
        words,
        live.IncidentFilters(critical=True),
    )
    return live.incident_rows(found[:LATEST_CRITICAL], words)


def _status_context(membership: Membership) -> dict[str, Any]:
    checklists = _checklists(membership)
    totals = coverage.form_totals(membership.mission, checklists)
    return {
        "headline": [(form, totals[form.pk]) for form in checklists],
        "critical": _critical(membership),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Coverage per checklist, the timeline and the latest critical incidents."""
    membership = live_access.get_live_membership(request.user, mission_code)
    context = _context(membership, **_status_context(membership))
    if not _htmx(request):
        context.update(_timeline_context(membership, _hours(request.GET)))
    return _respond(request, "findings/live_dashboard.html", "status-panel", context)


# --- incidents ---------------------------------------------------------------------------


def _incident_rows_query(reports: QuerySet) -> QuerySet:
    return reports.select_related("form", "station__area", "observer", "current").defer(
        "station__area__outline"
    )


def _area_options(election: Election) -> list[tuple[str, str]]:
    """(code, label) for the area select, indented by depth."""
    areas = mission_access.areas_for_election(election).order_by("path")
    return [
        (code, "\u00a0\u00a0" * depth + name)
        for code, name, depth in areas.values_list("code", "name", "depth")
    ]


def _incident_filters(
    membership: Membership, forms: list[Form], params: QueryDict
) -> tuple[live.IncidentFilters, dict[str, str], bool]:
    """The filters asked for; an unknown form or area code matches nothing."""
    raw = {key: params.get(key, "").strip() for key in ("form", "category", "severity", "area")}
    raw["critical"] = "1" if params.get("critical") else ""
    chosen = live.IncidentFilters(
        category=raw["category"], severity=raw["severity"], critical=bool(raw["critical"])
    )
    nothing = False
    if raw["form"]:
        chosen.form = next((f for f in forms if f.code == raw["form"]), None)
        nothing = chosen.form is None
    if raw["area"]:
        election = membership.mission.election
        chosen.area = mission_access.areas_for_election(election).filter(code=raw["area"]).first()
        nothing = nothing or chosen.area is None
    return chosen, raw, nothing


@login_required
@require_GET
def incident_list(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Incident and campaign-event reports, newest first, filtered; critical ones marked."""
    membership = live_access.get_live_membership(request.user, mission_code)
    forms = _in_day_order(live_access.incident_forms(membership))
    words = live.vocabulary(forms, get_language() or "en")
    chosen, raw, nothing = _incident_filters(membership, forms, request.GET)
    reports = live_access.live_reports(membership)
    found = live.incidents(
        _incident_rows_query(reports.none() if nothing else reports), words, chosen
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _context(
        membership,
        page=page,
        rows=live.incident_rows(page.object_list, words),
        filters=raw,
        filtered=any(raw.values()),
        form_choices=forms,
        words=words,
        area_options=_area_options(membership.mission.election),
    )
    return TemplateResponse(request, "findings/live_incidents.html", context)


# --- map ---------------------------------------------------------------------------------


def _map_form(membership: Membership, params: QueryDict, forms: list[Form]) -> Form | None:
    """The form asked for, else the one most recently reported (the phase under way)."""
    code = params.get("form", "").strip()
    if code:
        return live_access.get_map_form(membership, code)
    return live.latest_reported_form(live_access.live_reports(membership), forms)


@login_required
@require_GET
def station_map(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Stations coloured by status for one checklist form, with the counts beside the map."""
    membership = live_access.get_live_membership(request.user, mission_code)
    forms = _checklists(membership)
    form = _map_form(membership, request.GET, forms)
    context = _context(
        membership,
        forms=forms,
        form=form,
        counts=live.status_counts(membership.mission, form) if form else None,
        tile_url=settings.MAP_TILE_URL,
        tile_attribution=settings.MAP_TILE_ATTRIBUTION,
    )
    return _respond(request, "findings/map.html", "map-counts", context)


def _geojson(data: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(data, content_type=GEOJSON, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_GET
def map_stations(request: HttpRequest, mission_code: str, form_code: str) -> JsonResponse:
    """The stations of the map as GeoJSON Points with their status and colour."""
    membership = live_access.get_live_membership(request.user, mission_code)
    form = live_access.get_map_form(membership, form_code)
    return _geojson(live.station_collection(membership.mission, form))


@login_required
@require_GET
def map_outlines(request: HttpRequest, mission_code: str) -> JsonResponse:
    """The outlines of the election's areas as GeoJSON (empty when none were imported)."""
    membership = live_access.get_live_membership(request.user, mission_code)
    return _geojson(live.outline_collection(membership.mission.election))

"""Coverage pages: which deployed stations have reported each form, and whom to call.

Coverage is operational, not under embargo: coordinators, analysts and data clerks
see it (findings/access.py COVERAGE_ROLES), with the observers' phone numbers, and
record calls to the stations that have not reported. Every object comes through
findings/access.py.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Area, Election
from pollwatch.findings import access, coverage, services
from pollwatch.findings.models import CoverageCall
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import Membership

PAGE_SIZE = 100
# The chart draws this many rows at most; the table beside it has them all.
CHART_ROWS = 60
CHART_LABEL_WIDTH = 130
CHART_BAR_WIDTH = 220
CHART_ROW_HEIGHT = 18
SECTION = "coverage"


def _membership(request: HttpRequest, mission_code: str) -> Membership:
    membership = mission_access.get_membership(request.user, mission_code)
    access.require_coverage(membership)
    return membership


def _context(membership: Membership, **extra: Any) -> dict[str, Any]:
    return mission_access.member_context(membership, SECTION, **extra)


def _phases(membership: Membership) -> QuerySet[Form]:
    """The checklist forms in the order of election day (opening, voting, counting...)."""
    order = Case(
        *(When(kind=kind, then=Value(i)) for i, kind in enumerate(Form.Kind.values)),
        default=Value(len(Form.Kind.values)),
    )
    return access.checklist_forms(membership).order_by(order, "code")


# --- the forms --------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Every checklist form (one per phase) with its overall coverage."""
    membership = _membership(request, mission_code)
    forms_ = list(_phases(membership))
    totals = coverage.form_totals(membership.mission, forms_)
    rows = [(form, totals[form.pk]) for form in forms_]
    return TemplateResponse(
        request, "findings/coverage_index.html", _context(membership, form_rows=rows)
    )


# --- the drill-down ---------------------------------------------------------------------


def chart(rows: list[coverage.AreaRow]) -> dict[str, Any]:
    """Bar geometry for the inline SVG: one bar per area, the reported share filled."""
    shown = rows[:CHART_ROWS]
    bars = [
        {
            "y": i * CHART_ROW_HEIGHT,
            "label": row.area.name if row.area else "",
            "filled": round(CHART_BAR_WIDTH * row.reported / row.assigned, 2)
            if row.assigned
            else 0,
            "row": row,
        }
        for i, row in enumerate(shown)
    ]
    return {
        "bars": bars,
        "label_width": CHART_LABEL_WIDTH,
        "bar_width": CHART_BAR_WIDTH,
        "bar_height": CHART_ROW_HEIGHT - 4,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 50,
        "height": max(len(shown), 1) * CHART_ROW_HEIGHT,
        "cut": len(rows) > CHART_ROWS,
    }


def _drilldown_page(
    request: HttpRequest, membership: Membership, form: Form, node: Area | None
) -> HttpResponse:
    mission = membership.mission
    found = coverage.drilldown(mission, form, node)
    lines: list[coverage.StationLine] = []
    page = None
    if node is not None and found.direct.assigned:
        stations = coverage.direct_stations(mission, form, node)
        page = Paginator(stations, PAGE_SIZE).get_page(request.GET.get("page"))
        lines = coverage.station_lines(mission, form, page.object_list)
    context = _context(
        membership,
        form=form,
        forms=_phases(membership),
        node=node,
        sampled=access.sample_scope(mission, form) is not None,
        trail=coverage.ancestors(node) if node else [],
        drilldown=found,
        level=found.rows[0].area.level if found.rows and found.rows[0].area else "",
        chart=chart(found.rows),
        page=page,
        lines=lines,
        call_outcomes=CoverageCall.Outcome.choices,
        here=request.get_full_path(),
    )
    return TemplateResponse(request, "findings/coverage_form.html", context)


@login_required
@require_GET
def form_coverage(request: HttpRequest, mission_code: str, form_code: str) -> HttpResponse:
    """The form's coverage overall and by top-level area."""
    membership = _membership(request, mission_code)
    form = access.get_form_for_coverage(membership, form_code)
    return _drilldown_page(request, membership, form, None)


@login_required
@require_GET
def area_coverage(
    request: HttpRequest, mission_code: str, form_code: str, area_code: str
) -> HttpResponse:
    """The form's coverage in one area, by its children; at the bottom, its stations."""
    membership = _membership(request, mission_code)
    form = access.get_form_for_coverage(membership, form_code)
    node = access.get_area(membership, area_code)
    return _drilldown_page(request, membership, form, node)


# --- the missing stations ---------------------------------------------------------------


def _area_options(election: Election) -> list[tuple[str, str]]:
    """(code, label) for the area select, indented by depth so the tree stays readable."""
    areas = mission_access.areas_for_election(election).order_by("path")
    return [
        (code, "\u00a0\u00a0" * depth + name)
        for code, name, depth in areas.values_list("code", "name", "depth")
    ]


@login_required
@require_GET
def missing(request: HttpRequest, mission_code: str, form_code: str) -> HttpResponse:
    """Assigned stations without a report of the form, with whom to call; by area."""
    membership = _membership(request, mission_code)
    mission = membership.mission
    form = access.get_form_for_coverage(membership, form_code)
    area_code = request.GET.get("area", "").strip()
    node = access.get_area(membership, area_code) if area_code else None
    stations = coverage.missing_stations(mission, form, node)
    page = Paginator(stations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _context(
        membership,
        form=form,
        node=node,
        sampled=access.sample_scope(mission, form) is not None,
        filters={"area": area_code},
        area_options=_area_options(mission.election),
        page=page,
        lines=coverage.station_lines(mission, form, page.object_list),
        call_outcomes=CoverageCall.Outcome.choices,
        here=request.get_full_path(),
    )
    return TemplateResponse(request, "findings/coverage_missing.html", context)


# --- recording a call -------------------------------------------------------------------


class CallForm(forms.Form):
    station = forms.CharField(label=gettext_lazy("Station"), max_length=30)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=CoverageCall.Outcome)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


def _back(request: HttpRequest, fallback: str) -> str:
    """Where the call was recorded from, if it is a page of this site; else the fallback."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith("/") else fallback


@login_required
@require_POST
def record_call(request: HttpRequest, mission_code: str, form_code: str) -> HttpResponse:
    """Record 'called, no answer' or 'called, will report' for a station, then go back."""
    membership = _membership(request, mission_code)
    form = access.get_form_for_coverage(membership, form_code)
    call_form = CallForm(request.POST)
    station = None
    if call_form.is_valid():
        station = access.assigned_station_or_none(membership, call_form.cleaned_data["station"])
        if station is None:
            call_form.add_error("station", _("This station is not one of the mission's."))
    if station is None:
        context = _context(membership, form=form, call_form=call_form)
        return TemplateResponse(request, "findings/coverage_call_refused.html", context, status=400)
    services.record_call(
        membership.mission,
        form,
        station,
        call_form.cleaned_data["outcome"],
        membership.user,
        note=call_form.cleaned_data["note"],
    )
    messages.success(
        request,
        _("Call to station %(code)s recorded.") % {"code": station.code},
    )
    fallback = reverse("findings_coverage:missing", args=[mission_code, form.code])
    return HttpResponseRedirect(_back(request, fallback))

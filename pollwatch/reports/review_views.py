"""Review pages for the core team: the report list with filters, and one report.

A report page shows the current answers laid out with the labels of the form version
they were made with, the raw answers, every version with what it changed, the
submissions (instance ids) behind each version, flags and review decisions, and a
form to record a decision. Every object comes through reports/access.py and
review_access.py; only the core team gets past them.
"""

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pollwatch.checklists.spec import label_in
from pollwatch.elections.models import Election
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import Membership
from pollwatch.reports import access, review_access, services
from pollwatch.reports.models import Flag, Report, ReportVersion

PAGE_SIZE = 50
FILTER_KEYS = ("form", "area", "status", "flag", "observer", "station")


# --- the list -----------------------------------------------------------------------


def _flag_filter(reports: QuerySet[Report], kind: str) -> QuerySet[Report]:
    """Reports with an open flag of that kind (a conflict also counts by its marker)."""
    open_flag = Flag.objects.filter(report=OuterRef("pk"), kind=kind, resolved_at__isnull=True)
    if kind == Flag.Kind.CONFLICT:
        return reports.filter(Exists(open_flag) | Q(in_conflict=True))
    return reports.filter(Exists(open_flag))


def _filter_reports(
    membership: Membership, reports: QuerySet[Report], params: QueryDict
) -> tuple[QuerySet[Report], dict[str, str]]:
    """The reports matching the list's filters; an unknown code matches nothing."""
    filters = {key: params.get(key, "").strip() for key in FILTER_KEYS}
    if filters["form"]:
        reports = reports.filter(form__code=filters["form"])
    if filters["area"]:
        election = membership.mission.election
        area = mission_access.areas_for_election(election).filter(code=filters["area"]).first()
        reports = (
            reports.filter(station__area__path__startswith=area.path) if area else reports.none()
        )
    if filters["status"]:
        reports = reports.filter(status=filters["status"])
    if filters["flag"]:
        reports = _flag_filter(reports, filters["flag"])
    if filters["observer"]:
        reports = reports.filter(observer__code=filters["observer"])
    if filters["station"]:
        reports = reports.filter(station__code__istartswith=filters["station"])
    return reports, filters


def _area_options(election: Election) -> list[tuple[str, str]]:
    """(code, label) for the area select, indented by depth so the tree stays readable."""
    areas = mission_access.areas_for_election(election).order_by("path")
    return [
        (code, "\u00a0\u00a0" * depth + name)
        for code, name, depth in areas.values_list("code", "name", "depth")
    ]


def _list_rows(page_reports: QuerySet[Report]) -> QuerySet[Report]:
    open_flags = Flag.objects.filter(resolved_at__isnull=True).order_by("created_at")
    return page_reports.annotate(version_count=Count("versions")).prefetch_related(
        Prefetch("flags", queryset=open_flags, to_attr="open_flags")
    )


@login_required
@require_GET
def report_list(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = mission_access.get_membership(request.user, mission_code)
    everything = access.reports_for_membership(membership)
    found, filters = _filter_reports(membership, everything, request.GET)
    found = _list_rows(found.select_related("station")).order_by("-created_at", "-pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = mission_access.member_context(
        membership,
        "reports",
        page=page,
        filters=filters,
        filtered=any(filters.values()),
        form_choices=access.forms_for_mission(membership.mission).order_by("kind", "code"),
        status_choices=Report.Status.choices,
        flag_choices=Flag.Kind.choices,
        area_options=_area_options(membership.mission.election),
    )
    return TemplateResponse(request, "reports/review/list.html", context)


# --- one report ---------------------------------------------------------------------


@dataclass
class AnswerRow:
    name: str
    label: str
    group: str
    value: str
    answered: bool


def _display(question: dict[str, Any], value: Any, language: str, default: str) -> str:
    """An answer as a reader wants it: choice values shown as their labels."""
    labels = {c["value"]: c["label"] for c in question.get("choices") or []}
    if question["type"] == "select_one" and value in labels:
        return label_in(labels[value], language, default)
    if question["type"] == "select_multiple" and isinstance(value, list):
        return ", ".join(
            label_in(labels[v], language, default) if v in labels else str(v) for v in value
        )
    return str(value)


def _answer_rows(spec: dict[str, Any], answers: dict[str, Any], language: str) -> list[AnswerRow]:
    """Every question of the spec in form order (notes left out) with its answer."""
    default = spec.get("default_language") or "en"
    groups = {g["name"]: label_in(g["label"], language, default) for g in spec.get("groups", [])}
    rows = []
    for question in spec["questions"]:
        if question["type"] == "note":
            continue
        name = question["name"]
        answered = name in answers
        rows.append(
            AnswerRow(
                name=name,
                label=label_in(question["label"], language, default) or name,
                group=groups.get(question.get("group") or "", ""),
                value=_display(question, answers[name], language, default) if answered else "",
                answered=answered,
            )
        )
    return rows


@dataclass
class Change:
    label: str
    before: str
    after: str


def _changes(previous: ReportVersion | None, version: ReportVersion, language: str) -> list[Change]:
    """What a version changed against the one before, labelled with its own form version."""
    if previous is None:
        return []
    spec = version.form_version.spec
    default = spec.get("default_language") or "en"
    questions = {q["name"]: q for q in spec["questions"]}
    old, new = previous.answers, version.answers
    order = [q["name"] for q in spec["questions"]] + sorted(set(old) - set(questions))
    changes = []
    for name in order:
        if old.get(name) == new.get(name):
            continue
        question = questions.get(name, {"type": "text", "label": {}, "choices": None})
        shown = [
            _display(question, answers[name], language, default) if name in answers else "—"
            for answers in (old, new)
        ]
        label = label_in(question["label"], language, default) or name
        changes.append(Change(label, shown[0], shown[1]))
    return changes


def _history(report: Report, language: str) -> list[tuple[ReportVersion, list[Change]]]:
    versions = list(review_access.versions_of(report))
    previous: list[ReportVersion | None] = [None, *versions[:-1]]
    return [(v, _changes(p, v, language)) for p, v in zip(previous, versions, strict=True)]


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Report.Status.choices)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=5000, widget=forms.Textarea
    )


def _report_context(
    membership: Membership, report: Report, form: DecisionForm, language: str
) -> dict[str, Any]:
    current = report.current
    answers = current.answers if current else {}
    return mission_access.member_context(
        membership,
        "reports",
        report=report,
        answer_rows=_answer_rows(current.form_version.spec, answers, language) if current else [],
        raw_answers=json.dumps(answers, indent=2, ensure_ascii=False, sort_keys=True),
        history=_history(report, language),
        flags=review_access.flags_of(report),
        decisions=report.decisions.select_related("decided_by").order_by("decided_at"),
        decision_form=form,
    )


@login_required
@require_GET
def report_detail(request: HttpRequest, mission_code: str, report_uuid: str) -> HttpResponse:
    membership = mission_access.get_membership(request.user, mission_code)
    report = review_access.get_report_for_review(membership, report_uuid)
    form = DecisionForm(initial={"status": report.status})
    context = _report_context(membership, report, form, get_language() or "en")
    return TemplateResponse(request, "reports/review/report.html", context)


@login_required
@require_POST
def decide(request: HttpRequest, mission_code: str, report_uuid: str) -> HttpResponse:
    """Record a reviewer's decision (status and note); the page shows it with who and when."""
    membership = mission_access.get_membership(request.user, mission_code)
    report = review_access.get_report_for_review(membership, report_uuid)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        context = _report_context(membership, report, form, get_language() or "en")
        return TemplateResponse(request, "reports/review/report.html", context, status=400)
    services.decide_report(
        report,
        status=form.cleaned_data["status"],
        note=form.cleaned_data["note"],
        user=membership.user,
    )
    messages.success(request, _("Decision recorded."))
    url = reverse("review:report", args=[mission_code, report.uuid])
    return HttpResponseRedirect(url)

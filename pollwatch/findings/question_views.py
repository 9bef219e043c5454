"""Findings pages: the forms with their headlines, one form's questions, one question by area.

Findings are under embargo: only the core team reads them live (findings/access.py);
another role of the mission gets 403, another mission's member 404. The figures come
from findings/questions.py, computed in the database on each request; the pages render
its dict with templates/findings/_form_findings.html, the template a release renders
its frozen copy with.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from pollwatch.checklists import access as checklist_access
from pollwatch.checklists.models import Form
from pollwatch.findings import access, questions
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import Membership

SECTION = "findings"


def _membership(request: HttpRequest, mission_code: str) -> Membership:
    membership = mission_access.get_membership(request.user, mission_code)
    access.require_core_team(membership)
    return membership


def _level(request: HttpRequest) -> str | None:
    """The level asked for; blank means the default (the top level under the root)."""
    return request.GET.get("level", "").strip() or None


def _form_page(
    request: HttpRequest, mission_code: str, form_code: str, question: str | None
) -> tuple[Membership, Form, dict[str, Any]]:
    membership = _membership(request, mission_code)
    form = access.get_form_for_core_team(membership, form_code)
    try:
        findings = questions.form_findings(membership.mission, form, _level(request), question)
    except (questions.UnknownLevel, questions.UnknownQuestion):
        raise Http404 from None
    return membership, form, findings


@login_required
@require_GET
def index(request: HttpRequest, mission_code: str) -> HttpResponse:
    """The mission's forms, each with its assessment questions' headlines."""
    membership = _membership(request, mission_code)
    forms_ = (
        checklist_access.forms_for_membership(membership)
        .select_related("current_version")
        .order_by("created_at", "code")
    )
    rows = [(form, questions.form_headlines(membership.mission, form)) for form in forms_]
    context = mission_access.member_context(membership, SECTION, form_rows=rows)
    return TemplateResponse(request, "findings/questions_index.html", context)


@login_required
@require_GET
def form_findings(request: HttpRequest, mission_code: str, form_code: str) -> HttpResponse:
    """Every question of one form: a chart and its table, and a breakdown by area."""
    membership, form, findings = _form_page(request, mission_code, form_code, None)
    context = mission_access.member_context(membership, SECTION, form=form, findings=findings)
    return TemplateResponse(request, "findings/questions_form.html", context)


@login_required
@require_GET
def question_findings(
    request: HttpRequest, mission_code: str, form_code: str, question_name: str
) -> HttpResponse:
    """One question, by area at the chosen level."""
    membership, form, findings = _form_page(request, mission_code, form_code, question_name)
    context = mission_access.member_context(
        membership, SECTION, form=form, findings=findings, question=findings["questions"][0]
    )
    return TemplateResponse(request, "findings/questions_question.html", context)

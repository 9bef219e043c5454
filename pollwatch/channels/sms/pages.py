"""The SMS guide (every member; printable) and the test console (core team)."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from pollwatch.channels.sms import replies, services, syntax
from pollwatch.channels.sms.syntax import SmsForm, SmsQuestion
from pollwatch.checklists import access as form_access
from pollwatch.checklists.spec import label_in, questions_by_name
from pollwatch.missions import access
from pollwatch.missions.models import CORE_TEAM, Mission

EXAMPLE_OBSERVER = "1234"
EXAMPLE_STATION = "0457"
FORMAT_HINTS = {
    "integer": _("a number, e.g. 12"),
    "decimal": _("a number, e.g. 2.5"),
    "date": _("a date as YYYYMMDD, e.g. 20171015"),
    "time": _("a time as HHMM, e.g. 0805"),
}


@login_required
def guide(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Each SMS-able form: prefix, codes, labels, answer formats and an example message."""
    membership = access.get_membership(request.user, mission_code)
    context = access.member_context(
        membership, "sms_guide", guides=_guides(membership.mission, membership)
    )
    return TemplateResponse(request, "channels/sms/guide.html", context)


def _guides(mission: Mission, membership: Any) -> list[dict[str, Any]]:
    grammars = dict(services.mission_forms(mission).values())
    language = (get_language() or "en").split("-")[0]
    guides = []
    for form in form_access.forms_for_membership(membership).order_by("code"):
        grammar = grammars.get(form.code)
        if grammar is None or form.current_version is None:
            continue
        spec = form_access.cached_spec(form.current_version)
        guides.append(_guide(form, grammar, spec, language))
    return guides


def _guide(form: Any, grammar: SmsForm, spec: dict[str, Any], language: str) -> dict[str, Any]:
    default = spec["default_language"]
    by_name = questions_by_name(spec)
    rows = [
        {
            "code": question.code,
            "label": label_in(by_name[question.name]["label"], language, default),
            "choices": _choices(by_name[question.name], language, default),
            "format": _format(question),
        }
        for question in grammar.questions
    ]
    station = EXAMPLE_STATION if grammar.needs_station else None
    return {
        "form": form,
        "grammar": grammar,
        "rows": rows,
        "example": syntax.compose(
            grammar, _example_answers(grammar), EXAMPLE_OBSERVER, station, comment="..."
        ),
        "unsendable": [
            label_in(by_name[name]["label"], language, default) for name in grammar.unsendable
        ],
    }


def _choices(question: Any, language: str, default: str) -> list[tuple[int, str]]:
    return [
        (number, label_in(choice["label"], language, default) or choice["value"])
        for number, choice in enumerate(question["choices"] or [], start=1)
    ]


def _format(question: SmsQuestion) -> str:
    if question.type == "select_one":
        return str(_("one number from the list"))
    if question.type == "select_multiple":
        if question.one_digit_choices:
            return str(_("one digit per choice, e.g. 13 for choices 1 and 3"))
        return str(_("the choices' numbers separated by spaces, e.g. 1 12"))
    return str(FORMAT_HINTS.get(question.type, ""))


def _example_answers(grammar: SmsForm) -> dict[str, Any]:
    examples: dict[str, Any] = {
        "integer": 12,
        "decimal": "2.5",
        "date": dt.date(2017, 10, 15).isoformat(),
        "time": "08:05",
    }
    answers: dict[str, Any] = {}
    for question in grammar.questions[:6]:
        if question.type == "select_one" and question.values:
            answers[question.name] = question.values[0]
        elif question.type == "select_multiple" and question.values:
            answers[question.name] = list(question.values[:2])
        elif question.type in examples:
            answers[question.name] = examples[question.type]
    return answers


class ConsoleForm(forms.Form):
    text = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    sender = forms.CharField(label=_("Sender phone"), max_length=20, required=False)
    record = forms.BooleanField(
        label=_("Record the report (otherwise a dry run: nothing is stored)"), required=False
    )


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Send a message through the parser and the report checks, without a gateway."""
    membership = access.get_membership(request.user, mission_code)
    access.require_role(membership, CORE_TEAM)
    form = ConsoleForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.run_console(
            membership.mission,
            sender=form.cleaned_data["sender"],
            text=form.cleaned_data["text"],
            record=form.cleaned_data["record"],
        )
    context = access.member_context(
        membership,
        "sms_console",
        form=form,
        result=result,
        problems=_problem_rows(result.parsed.problems) if result and result.parsed else [],
    )
    return TemplateResponse(request, "channels/sms/console.html", context)


def _problem_rows(problems: list[syntax.Problem]) -> list[str]:
    return [replies.for_problems([problem]) for problem in problems]

"""Observers' entry pages: their stations and forms, a form page, and the service worker.

The pages are plain HTML; static/reports/entry.js adds show/hide and constraint
messages (Enketo's evaluator against the same instance layout as the server
engine), and static/reports/outbox.js keeps every report on the device until the
server has answered for good. static/reports/sw.js makes the pages work offline.
"""

import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pollwatch.accounts.models import User
from pollwatch.checklists.models import Form
from pollwatch.checklists.spec import NO_ANSWER_TYPES, label_in
from pollwatch.elections.models import PollingStation
from pollwatch.missions.models import Observer
from pollwatch.reports import entry_access, services
from pollwatch.reports.models import Channel

# What the entry pages load; the service worker precaches these (under their hashed
# names in production, so the list is built with static()).
ENTRY_ASSETS = (
    "css/pollwatch.css",
    "reports/entry.css",
    "vendor/openrosa-xpath-evaluator-3.1.0.js",
    "reports/outbox.js",
    "reports/entry.js",
    "js/menu.js",
)
INPUT_TYPES = {
    "select_one": "radio",
    "select_multiple": "checkbox",
    "integer": "number",
    "decimal": "number",
    "text": "text",
    "date": "date",
    "time": "time",
    "note": "note",
    "calculate": "hidden",
}


# --- the form, in the user's language -----------------------------------------------


@dataclass
class QuestionView:
    name: str
    type: str
    input: str
    label: SafeString
    hint: SafeString
    required: bool
    choices: list[tuple[str, str]]
    # What the page without JavaScript posted, shown again with the server's message.
    values: list[str] = field(default_factory=list)
    error: str = ""


@dataclass
class GroupView:
    name: str
    label: str
    children: list[Any] = field(default_factory=list)
    is_group: bool = True


def _language(spec: dict[str, Any]) -> str:
    """The user's language if the form has it, else the form's default language."""
    language = (get_language() or "").split("-")[0]
    return language if language in spec["languages"] else spec["default_language"]


REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def with_outputs(text: str) -> SafeString:
    """A label with its ${name} references as <output> elements the page's script fills.

    XLSForm labels may show answers ("Turnout so far: ${turnout} %"); without JavaScript
    the reference is simply left empty.
    """
    parts = REFERENCE.split(text)
    html = [
        conditional_escape(part)
        if i % 2 == 0
        else format_html('<output data-ref="{}"></output>', part)
        for i, part in enumerate(parts)
    ]
    return mark_safe("".join(html))  # noqa: S308 (every part is escaped above)


def _question_view(
    question: dict[str, Any], language: str, default: str, posted: Any, errors: dict[str, str]
) -> QuestionView:
    return QuestionView(
        name=question["name"],
        type=question["type"],
        input=INPUT_TYPES.get(question["type"], "text"),
        label=with_outputs(label_in(question["label"], language, default) or question["name"]),
        hint=with_outputs(label_in(question["hint"], language, default)),
        required=question["required"],
        choices=[
            (choice["value"], label_in(choice["label"], language, default) or choice["value"])
            for choice in question["choices"] or []
        ],
        values=posted.getlist(question["name"]) if posted is not None else [],
        error=errors.get(question["name"], ""),
    )


def _group_chain(name: str | None, groups: dict[str, dict[str, Any]]) -> list[str]:
    """The group and its ancestors, outermost first."""
    chain: list[str] = []
    while name is not None and name in groups and name not in chain:
        chain.insert(0, name)
        name = groups[name]["parent"]
    return chain


def form_tree(
    spec: dict[str, Any],
    language: str,
    posted: Any = None,
    errors: dict[str, str] | None = None,
    leave_out: Collection[str] = (),
) -> list[Any]:
    """The spec's flat question list nested back into its groups, in form order.

    `leave_out`: names of questions the page does not show.
    """
    default = spec["default_language"]
    groups = {group["name"]: group for group in spec["groups"]}
    root: list[Any] = []
    for question in spec["questions"]:
        if question["name"] in leave_out:
            continue
        container = root
        for name in _group_chain(question["group"], groups):
            last = container[-1] if container else None
            if not (isinstance(last, GroupView) and last.name == name):
                last = GroupView(name, label_in(groups[name]["label"], language, default))
                container.append(last)
            container = last.children
        container.append(_question_view(question, language, default, posted, errors or {}))
    return root


# --- pages --------------------------------------------------------------------------


def _offline_urls(
    observer: Observer, stations: list[PollingStation], forms: list[Form]
) -> list[str]:
    """Every page and asset the observer needs with no network, for the service worker."""
    code = observer.mission.code
    pages = [reverse("entry:stations", args=[code])]
    for form in forms:
        if form.is_checklist:
            pages += [reverse("entry:checklist", args=[code, s.code, form.code]) for s in stations]
        else:
            pages.append(reverse("entry:report", args=[code, form.code]))
    return pages + [static(asset) for asset in ENTRY_ASSETS]


def entry_strings() -> dict[str, str]:
    """What the scripts write on the page, translated here once."""
    return {
        "waiting": _("waiting"),
        "sending": _("sending"),
        "sent": _("sent"),
        "refused": _("refused"),
        "receipt": _("receipt"),
        "retry": _("Waiting for the network; tried again automatically."),
        "signin": _("Waiting until you sign in again."),
        "required": _("This question needs an answer."),
        "constraint": _("This answer is not allowed."),
        "station": _("Pick a station."),
        "queued": _("Saved on this device; it is sent as soon as the network allows."),
        "fix": _("Some answers need a look before the report can be sent."),
        "no_station": _("no station"),
    }


def _entry_context(observer: Observer, **extra: Any) -> dict[str, Any]:
    stations = list(entry_access.deployment_stations(observer))
    forms = list(entry_access.entry_forms(observer))
    return {
        "mission": observer.mission,
        "observer": observer,
        # For the mission navigation (templates/missions/_nav.html).
        "section": "entry",
        "can_report": True,
        "entry_config": {
            "mission": observer.mission.code,
            # Reports on a shared phone stay with the observer who made them.
            "owner": f"{observer.mission.code}/{observer.code}",
            "api": get_script_prefix() + "api/v1/reports",
            "login": reverse("accounts:login"),
            "sw": reverse("service_worker"),
            "offline": _offline_urls(observer, stations, forms),
            "scope": get_script_prefix(),
            "static": settings.STATIC_URL,
        },
        "entry_strings": entry_strings(),
        "stations": stations,
        "forms": forms,
        **extra,
    }


@login_required
@require_GET
def my_stations(request: HttpRequest, mission_code: str) -> HttpResponse:
    """The observer's stations with each checklist's state, and the forms to report on."""
    observer = entry_access.get_entry_observer(request.user, mission_code)
    context = _entry_context(observer)
    sent = entry_access.sent_checklists(observer)
    checklists = [form for form in context["forms"] if form.is_checklist]
    context["rows"] = [
        {
            "station": station,
            "forms": [(form, (form.pk, station.pk) in sent) for form in checklists],
        }
        for station in context["stations"]
    ]
    context["other_forms"] = [form for form in context["forms"] if not form.is_checklist]
    return TemplateResponse(request, "reports/entry/stations.html", context)


def _posted_payload(request: HttpRequest, form: Form, station: PollingStation | None) -> dict:
    """The report API's payload from the plain HTML form (the page without JavaScript)."""
    spec = form.current_version.spec if form.current_version else {"questions": []}
    answers: dict[str, Any] = {}
    for question in spec["questions"]:
        if question["type"] in NO_ANSWER_TYPES:
            continue
        if question["type"] == "select_multiple":
            value: Any = request.POST.getlist(question["name"])
        else:
            value = request.POST.get(question["name"], "").strip()
        if value:
            answers[question["name"]] = value
    payload = {
        "instance_id": request.POST.get("instance_id", ""),
        "mission": form.mission.code,
        "form": form.code,
        "form_version": request.POST.get("form_version", ""),
        # Set when the page was made, with the instance id: posting the page twice
        # sends the same report twice, which the service acknowledges once.
        "observed_at": request.POST.get("observed_at") or timezone.now().isoformat(),
        "answers": answers,
    }
    station_code = station.code if station else request.POST.get("station", "")
    if station_code:
        payload["station"] = station_code
    return payload


def _submit_posted(
    request: HttpRequest, observer: Observer, form: Form, station: PollingStation | None
) -> Any:
    """Send the posted form through the reports service; the errors by field, or None."""
    payload = _posted_payload(request, form, station)
    assert isinstance(request.user, User)  # login_required let only signed-in users here
    try:
        result = services.submit_report(
            user=request.user, payload=payload, channel=Channel.WEB, mission=observer.mission
        )
    except services.ReportRefused as refused:
        errors = {error["field"]: error["message"] for error in refused.errors}
        return {"detail": refused.detail, "fields": errors}
    messages.success(
        request, _("Report received. Receipt: %(receipt)s") % {"receipt": result.receipt}
    )
    return None


@login_required
@require_http_methods(["GET", "POST"])
def form_page(
    request: HttpRequest, mission_code: str, form_code: str, station_code: str | None = None
) -> HttpResponse:
    """One form to fill in: for a station (checklists) or with a station to pick.

    The page's script keeps reports in the outbox and posts them to the API; without
    JavaScript the form posts here and goes through the same service.
    """
    observer = entry_access.get_entry_observer(request.user, mission_code)
    form = entry_access.get_entry_form(observer, form_code)
    station = None
    if station_code is not None:
        station = entry_access.get_deployment_station(observer, station_code)
    elif form.is_checklist and not entry_access.deployment_stations(observer).exists():
        raise Http404
    refusal = None
    if request.method == "POST":
        refusal = _submit_posted(request, observer, form, station)
        if refusal is None:
            return redirect("entry:stations", observer.mission.code)
    version = form.current_version
    assert version is not None  # entry_forms() keeps only forms with a version
    language = _language(version.spec)
    # The station question (services.STATION_QUESTION): the station's page answers it
    # (the service fills it from the station); without a station, it takes the
    # picker's place.
    station_question = any(
        question["name"] == services.STATION_QUESTION for question in version.spec["questions"]
    )
    context = _entry_context(
        observer,
        form=form,
        version=version,
        station=station,
        language=language,
        tree=form_tree(
            version.spec,
            language,
            request.POST if refusal else None,
            refusal["fields"] if refusal else None,
            leave_out=(services.STATION_QUESTION,) if station else (),
        ),
        station_question=station_question,
        sent=station is not None
        and (form.pk, station.pk) in entry_access.sent_checklists(observer),
        refusal=refusal,
        instance_id=uuid.uuid4(),
        observed_at=timezone.now().isoformat(),
    )
    status = 422 if refusal else 200
    return TemplateResponse(request, "reports/entry/form.html", context, status=status)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the site root so that its scope covers every page.

    Browsers check it for updates on each visit; a long cache would pin old code.
    """
    path = finders.find("reports/sw.js")
    if not path:
        raise Http404
    with open(path, "rb") as source:
        response = HttpResponse(source.read(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache, max-age=0"
    return response

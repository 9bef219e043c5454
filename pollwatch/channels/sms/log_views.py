"""The message log with its per-minute traffic chart, and the broadcast page.

The log is for the core team and data clerks (access.ROSTER_ROLES: it shows observers'
phone numbers); broadcasting is for coordinators. Every row is reached through the
member's own mission.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.db.models.functions import TruncMinute
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from pollwatch.channels.models import Gateway, InboundMessage, OutboundMessage
from pollwatch.channels.sms import gateways as gateway_kinds
from pollwatch.channels.sms import outbox
from pollwatch.missions import access
from pollwatch.missions.models import Membership, Observer

PAGE_SIZE = 100
LOG_ROLES = access.ROSTER_ROLES
DEFAULT_HOURS = 3
MAX_HOURS = 24
# The chart's geometry, in SVG user units.
BAR_WIDTH = 4
CHART_HEIGHT = 120


# --- scoping --------------------------------------------------------------------------


def gateways_for_membership(membership: Membership) -> QuerySet[Gateway]:
    """The gateways of the member's own mission, for the roles that may see the log."""
    access.require_role(membership, LOG_ROLES)
    return Gateway.objects.filter(mission=membership.mission)


def inbound_for_membership(membership: Membership) -> QuerySet[InboundMessage]:
    return InboundMessage.objects.filter(gateway__in=gateways_for_membership(membership))


def outbound_for_membership(membership: Membership) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(gateway__in=gateways_for_membership(membership))


# --- the log --------------------------------------------------------------------------

FILTER_KEYS = ("gateway", "direction", "status", "phone")


def _filter(params: QueryDict, inbound: QuerySet, outbound: QuerySet) -> tuple:
    filters = {key: params.get(key, "").strip() for key in FILTER_KEYS}
    if filters["gateway"]:
        try:
            key = uuid.UUID(filters["gateway"])
        except ValueError:
            inbound, outbound = inbound.none(), outbound.none()
        else:
            inbound, outbound = (
                inbound.filter(gateway__uuid=key),
                outbound.filter(gateway__uuid=key),
            )
    if filters["direction"] == "in":
        outbound = outbound.none()
    elif filters["direction"] == "out":
        inbound = inbound.none()
    if filters["status"]:
        inbound = inbound.filter(outcome=filters["status"])
        outbound = outbound.filter(status=filters["status"])
    if filters["phone"]:
        inbound = inbound.filter(sender__contains=filters["phone"])
        outbound = outbound.filter(to__contains=filters["phone"])
    return inbound, outbound, filters


def _rows(inbound: QuerySet, outbound: QuerySet) -> QuerySet:
    """Both directions as one queryset of dicts (a SQL UNION), newest first."""
    text: CharField = CharField()
    ins = inbound.order_by().values(
        at=F("received_at"),
        direction=Value("in", output_field=text),
        phone=F("sender"),
        body=F("text"),
        state=F("outcome"),
        gateway_name=F("gateway__name"),
        tries=Value(0),
        error=Value("", output_field=text),
    )
    outs = outbound.order_by().values(
        at=F("created_at"),
        direction=Value("out", output_field=text),
        phone=F("to"),
        body=F("text"),
        state=F("status"),
        gateway_name=F("gateway__name"),
        tries=F("attempts"),
        error=F("last_error"),
    )
    return ins.union(outs, all=True).order_by("-at")


def _labelled(page_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    labels = dict(InboundMessage.Outcome.choices) | dict(OutboundMessage.Status.choices)
    return [row | {"state_label": labels.get(row["state"], row["state"])} for row in page_rows]


# --- the traffic chart ----------------------------------------------------------------


@dataclass(frozen=True)
class Minute:
    at: dt.datetime
    inbound: int
    outbound: int


def _per_minute(queryset: QuerySet, field: str, since: dt.datetime) -> dict[dt.datetime, int]:
    """Messages per minute, counted by the database."""
    rows = (
        queryset.filter(**{f"{field}__gte": since})
        .annotate(minute=TruncMinute(field, tzinfo=dt.UTC))
        .order_by()
        .values("minute")
        .annotate(n=Count("pk"))
    )
    return {row["minute"]: row["n"] for row in rows}


def traffic(inbound: QuerySet, outbound: QuerySet, now: dt.datetime, hours: int) -> list[Minute]:
    """Inbound (received) and outbound (sent) messages for each minute of the last hours."""
    end = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
    start = end - dt.timedelta(hours=hours) + dt.timedelta(minutes=1)
    ins = _per_minute(inbound, "received_at", start)
    outs = _per_minute(outbound.filter(status=OutboundMessage.Status.SENT), "sent_at", start)
    minutes = [start + dt.timedelta(minutes=i) for i in range(hours * 60)]
    return [Minute(m, ins.get(m, 0), outs.get(m, 0)) for m in minutes]


def chart(minutes: list[Minute]) -> dict[str, Any]:
    """Bar geometry for the inline SVG: one slot per minute, inbound left, outbound right."""
    peak = max((max(m.inbound, m.outbound) for m in minutes), default=0) or 1
    bars = []
    for i, m in enumerate(minutes):
        x = i * BAR_WIDTH
        for offset, count, kind in ((0, m.inbound, "in"), (BAR_WIDTH / 2, m.outbound, "out")):
            if count:
                height = round(CHART_HEIGHT * count / peak, 2)
                bars.append(
                    {
                        "x": x + offset,
                        "y": CHART_HEIGHT - height,
                        "h": height,
                        "kind": kind,
                        "count": count,
                        "at": m.at,
                    }
                )
    return {
        "bars": bars,
        "width": len(minutes) * BAR_WIDTH,
        "height": CHART_HEIGHT,
        "bar_width": BAR_WIDTH / 2,
        "peak": peak,
        "busy": [m for m in minutes if m.inbound or m.outbound],
        "total_in": sum(m.inbound for m in minutes),
        "total_out": sum(m.outbound for m in minutes),
    }


def _hours(params: QueryDict) -> int:
    try:
        return min(max(int(params.get("hours", DEFAULT_HOURS)), 1), MAX_HOURS)
    except ValueError:
        return DEFAULT_HOURS


@login_required
@require_GET
def message_log(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    inbound, outbound = inbound_for_membership(membership), outbound_for_membership(membership)
    hours = _hours(request.GET)
    minutes = traffic(inbound, outbound, timezone.now(), hours)
    found_in, found_out, filters = _filter(request.GET, inbound, outbound)
    page = Paginator(_rows(found_in, found_out), PAGE_SIZE).get_page(request.GET.get("page"))
    context = access.member_context(
        membership,
        "messages",
        page=page,
        rows=_labelled(list(page.object_list)),
        filters=filters,
        filtered=any(filters.values()),
        gateway_choices=gateways_for_membership(membership),
        status_choices=InboundMessage.Outcome.choices + OutboundMessage.Status.choices,
        hours=hours,
        chart=chart(minutes),
        queued=outbound.filter(status=OutboundMessage.Status.QUEUED).count(),
    )
    return TemplateResponse(request, "channels/sms/log.html", context)


# --- broadcasts -----------------------------------------------------------------------


class BroadcastForm(forms.Form):
    gateway = forms.ModelChoiceField(
        label=gettext_lazy("Gateway"), queryset=Gateway.objects.none(), to_field_name="uuid"
    )
    text = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=gateway_kinds.MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Observer role"),
        required=False,
        choices=[("", gettext_lazy("All roles")), *Observer.ObserverRole.choices],
    )
    team = forms.ChoiceField(label=gettext_lazy("Team"), required=False)
    area = forms.ChoiceField(label=gettext_lazy("Area of deployment"), required=False)

    def __init__(self, membership: Membership, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mission = membership.mission
        gateway_field = self.fields["gateway"]
        assert isinstance(gateway_field, forms.ModelChoiceField)
        gateway_field.queryset = gateways_for_membership(membership).filter(is_active=True)
        team_field, area_field = self.fields["team"], self.fields["area"]
        assert isinstance(team_field, forms.ChoiceField)
        assert isinstance(area_field, forms.ChoiceField)
        team_field.choices = [("", _("All teams"))] + [
            (t.code, str(t)) for t in mission.teams.order_by("code")
        ]
        areas = access.areas_for_election(mission.election).order_by("path")
        area_field.choices = [("", _("All areas"))] + [
            (code, "\u00a0\u00a0" * depth + name)
            for code, name, depth in areas.values_list("code", "name", "depth")
        ]


def recipients(membership: Membership, data: dict[str, Any]) -> QuerySet[Observer]:
    """The mission's observers with a phone who match the broadcast's filters."""
    observers = access.observers_for_membership(membership).exclude(phone="")
    if data.get("role"):
        observers = observers.filter(role=data["role"])
    if data.get("team"):
        observers = observers.filter(team__code=data["team"])
    if data.get("area"):
        election = membership.mission.election
        area = access.areas_for_election(election).filter(code=data["area"]).first()
        if area is None:
            return observers.none()
        deployments = Q(team__deployments__area__path__startswith=area.path) | Q(
            team__deployments__stations__area__path__startswith=area.path
        )
        observers = observers.filter(
            pk__in=Observer.objects.filter(deployments, mission=membership.mission).values("pk")
        )
    return observers.order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def broadcast(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    access.require_role(membership, access.MANAGE_ROLES)
    form = BroadcastForm(membership, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phones = list(recipients(membership, data).values_list("phone", flat=True))
        _batch, count = outbox.queue_broadcast(data["gateway"], phones, data["text"])
        message = ngettext("%(count)d message queued.", "%(count)d messages queued.", count) % {
            "count": count
        }
        messages.success(request, message)
        return HttpResponseRedirect(reverse("sms_log:broadcast", args=[mission_code]))
    context = access.member_context(membership, "messages", form=form)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "channels/sms/broadcast.html", context, status=status)

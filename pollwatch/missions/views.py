"""Mission pages: home with the calendar, invitations board, roster and its CSV."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.timesince import timeuntil
from django.views.decorators.http import require_GET

from pollwatch.elections import calendar
from pollwatch.elections.models import CalendarPhase, Election
from pollwatch.lib.countries import country_name
from pollwatch.missions import access
from pollwatch.missions import roster as tables
from pollwatch.missions.models import Invitation, Membership, Observer

ROSTER_PAGE_SIZE = 100


# --- mission home and its calendar ----------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    phase: CalendarPhase
    state: str  # "past", "current" or "future"
    left: float  # percentages of the whole calendar, for the bar
    width: float
    lane: int  # phases that overlap go on separate lanes of the bar


def _lanes(phases: list[CalendarPhase]) -> list[int]:
    """The first lane free at each phase's start, so overlapping phases do not hide each other."""
    lane_ends: list[dt.datetime] = []
    lanes = []
    for phase in phases:
        lane = next((i for i, end in enumerate(lane_ends) if end <= phase.starts_at), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(phase.ends_at)
        else:
            lane_ends[lane] = phase.ends_at
        lanes.append(lane)
    return lanes


def _state(phase: CalendarPhase, now: dt.datetime) -> str:
    if phase.contains(now):
        return "current"
    return "past" if phase.ends_at <= now else "future"


def _percent(part: dt.timedelta, whole: dt.timedelta) -> float:
    return round(100 * part / whole, 3)


def build_timeline(
    phases: list[CalendarPhase],
    now: dt.datetime,
    window: tuple[dt.datetime, dt.datetime] | None = None,
) -> dict[str, Any]:
    """Positions for the calendar bar and the "now" marker (None when now is off the bar).

    `window` (start, end) zooms in: phases are cut to it and those outside it left out.
    """
    if not phases:
        return {"entries": [], "lanes": 0, "now_left": None, "start": None, "end": None}
    start, end = window or (min(p.starts_at for p in phases), max(p.ends_at for p in phases))
    whole = end - start
    lanes = _lanes(phases)
    entries = [
        TimelineEntry(
            phase=p,
            state=_state(p, now),
            left=_percent(max(p.starts_at, start) - start, whole),
            width=_percent(min(p.ends_at, end) - max(p.starts_at, start), whole),
            lane=lane,
        )
        for p, lane in zip(phases, lanes, strict=True)
        if p.ends_at > start and p.starts_at < end
    ]
    now_left = _percent(now - start, whole) if start <= now <= end else None
    return {
        "entries": entries,
        "lanes": max(lanes) + 1,
        "now_left": now_left,
        "start": start,
        "end": end,
    }


# The close-up bar: short phases (silence, polling) are a sliver of a months-long calendar.
CLOSE_UP_BEFORE = dt.timedelta(days=3)
CLOSE_UP_AFTER = dt.timedelta(days=4)


def _close_up(phases: list[CalendarPhase], now: dt.datetime) -> dict[str, Any] | None:
    """The days around `now`, when `now` falls inside the calendar."""
    if not phases or not (phases[0].starts_at <= now <= max(p.ends_at for p in phases)):
        return None
    return build_timeline(phases, now, (now - CLOSE_UP_BEFORE, now + CLOSE_UP_AFTER))


def calendar_context(election: Election) -> dict[str, Any]:
    """The calendar as of the election's own clock (its scenario clock when pinned)."""
    now = election.now()
    # One query for the phases, shared by the timeline and the calendar functions.
    prefetch_related_objects([election], "phases")
    phases = sorted(election.phases.all(), key=lambda p: (p.starts_at, p.ends_at))
    upcoming = calendar.next_phase(election, now)
    return {
        "now": now,
        "timeline": build_timeline(phases, now),
        "close_up": _close_up(phases, now),
        "current_phases": calendar.current_phases(election, now),
        "next_phase": upcoming,
        "time_to_next": timeuntil(upcoming.starts_at, now) if upcoming else "",
    }


@login_required
@require_GET
def mission_home(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    context = access.member_context(
        membership, "home", **calendar_context(membership.mission.election)
    )
    return TemplateResponse(request, "missions/home.html", context)


# --- invitations ----------------------------------------------------------------------


def _invitation_groups(invitations: QuerySet[Invitation]) -> list[dict[str, Any]]:
    """Invitations grouped by status, in the order of the status choices, with counts."""
    by_status: dict[str, list[Invitation]] = {}
    for invitation in invitations.order_by("invitee__name"):
        by_status.setdefault(invitation.status, []).append(invitation)
    return [
        {"status": status, "label": label, "invitations": by_status.get(status, [])}
        for status, label in Invitation.Status.choices
    ]


@login_required
@require_GET
def invitations(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    groups = _invitation_groups(access.invitations_for_election(membership.mission.election))
    context = access.member_context(
        membership,
        "invitations",
        groups=groups,
        total=sum(len(g["invitations"]) for g in groups),
    )
    return TemplateResponse(request, "missions/invitations.html", context)


# --- roster ---------------------------------------------------------------------------


def _filter_roster(observers: QuerySet[Observer], params) -> tuple[QuerySet[Observer], dict]:
    """Apply the roster's filters from the query string; unknown values simply match nothing."""
    filters = {key: params.get(key, "").strip() for key in ("role", "nationality", "team", "q")}
    if filters["role"]:
        observers = observers.filter(role=filters["role"])
    if filters["nationality"]:
        observers = observers.filter(nationality=filters["nationality"].upper())
    if filters["team"]:
        observers = observers.filter(team__code=filters["team"])
    if filters["q"]:
        q = filters["q"]
        observers = observers.filter(
            Q(name__icontains=q) | Q(code=q) | Q(accreditation_number__iexact=q)
        )
    return observers, filters


def _roster_choices(observers: QuerySet[Observer], membership: Membership) -> dict[str, Any]:
    """Options for the filter selects, from what the mission's roster actually holds."""
    nationalities = observers.order_by().values("nationality").annotate(n=Count("pk"))
    return {
        "role_choices": Observer.ObserverRole.choices,
        "nationality_choices": sorted(
            (row["nationality"], country_name(row["nationality"])) for row in nationalities
        ),
        "team_choices": membership.mission.teams.order_by("code"),
    }


@login_required
@require_GET
def roster(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    everyone = access.observers_for_membership(membership)
    observers, filters = _filter_roster(everyone, request.GET)
    page = Paginator(observers, ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = access.member_context(
        membership,
        "roster",
        page=page,
        rows=[(o, country_name(o.nationality)) for o in page.object_list],
        filters=filters,
        filtered=any(filters.values()),
        role_headers=tables.role_headers(),
        by_nationality=tables.by_nationality(observers),
        by_seconding_body=tables.by_seconding_body(observers),
        by_role=tables.by_role(observers),
        **_roster_choices(everyone, membership),
    )
    return TemplateResponse(request, "missions/roster.html", context)


@login_required
@require_GET
def roster_csv(request: HttpRequest, mission_code: str) -> StreamingHttpResponse:
    membership = access.get_membership(request.user, mission_code)
    observers, _filters = _filter_roster(access.observers_for_membership(membership), request.GET)
    response = StreamingHttpResponse(
        tables.iter_roster_csv(observers), content_type="text/csv; charset=utf-8"
    )
    filename = f"roster-{membership.mission.code}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def observer_detail(request: HttpRequest, mission_code: str, observer_uuid: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    observer = access.get_observer(membership, observer_uuid)
    context = access.member_context(
        membership,
        "roster",
        observer=observer,
        nationality_name=country_name(observer.nationality),
    )
    return TemplateResponse(request, "missions/observer.html", context)

"""Pages for the public facts of the mission's election: the election, candidates, stations.

Every page sits under /m/<mission_code>/ and shows the election of that mission, so
a member of any role may see them and nobody reaches an election through a code of
their own choosing.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from pollwatch.elections.models import Area, Candidate, CandidateName, Election, PollingStation
from pollwatch.lib.countries import country_name
from pollwatch.missions import access

STATIONS_PAGE_SIZE = 50


def _station_totals(stations: QuerySet[PollingStation]) -> dict[str, int]:
    totals = stations.order_by().aggregate(count=Count("pk"), voters=Sum("registered_voters"))
    return {"count": totals["count"], "voters": totals["voters"] or 0}


def _candidate_summary(election: Election) -> list[tuple[str, str, int]]:
    """(status, label, count) for every candidate status, zeros included."""
    statuses = Candidate.Status
    counts = election.candidates.order_by().aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in statuses.values}
    )
    return [(status, str(label), counts[status]) for status, label in statuses.choices]


@login_required
@require_GET
def election_detail(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    election = membership.mission.election
    body = election.administered_by
    context = access.member_context(
        membership,
        "election",
        country=country_name(election.country),
        body=body,
        body_members=body.members.order_by("role", "name") if body else [],
        candidate_summary=_candidate_summary(election),
        totals=_station_totals(access.stations_for_election(election)),
        area_count=access.areas_for_election(election).count(),
    )
    return TemplateResponse(request, "elections/election.html", context)


@login_required
@require_GET
def candidates(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    rows = (
        membership.mission.election.candidates.select_related("party")
        .prefetch_related(Prefetch("names", queryset=CandidateName.objects.order_by("script")))
        .order_by("ballot_number", "name")
    )
    context = access.member_context(membership, "candidates", candidates=rows)
    return TemplateResponse(request, "elections/candidates.html", context)


def _area_options(areas: QuerySet[Area]) -> list[tuple[str, str]]:
    """(code, label) for the area select, indented by depth so the tree stays readable."""
    return [
        (code, "\u00a0\u00a0" * depth + name)
        for code, name, depth in areas.order_by("path").values_list("code", "name", "depth")
    ]


def _filter_stations(
    election: Election, params
) -> tuple[QuerySet[PollingStation], dict[str, str], Area | None]:
    """Stations of the election under the chosen area (its whole subtree) matching `q`."""
    filters = {key: params.get(key, "").strip() for key in ("area", "q")}
    stations = access.stations_for_election(election)
    area = None
    if filters["area"]:
        area = access.areas_for_election(election).filter(code=filters["area"]).first()
        # An unknown area code matches nothing rather than silently showing every station.
        stations = stations.filter(area__path__startswith=area.path) if area else stations.none()
    if filters["q"]:
        q = filters["q"]
        stations = stations.filter(Q(code__istartswith=q) | Q(name__icontains=q))
    return stations.order_by("code"), filters, area


@login_required
@require_GET
def stations(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    election = membership.mission.election
    found, filters, area = _filter_stations(election, request.GET)
    context = access.member_context(
        membership,
        "stations",
        page=Paginator(found, STATIONS_PAGE_SIZE).get_page(request.GET.get("page")),
        filters=filters,
        area=area,
        area_options=_area_options(access.areas_for_election(election)),
        totals=_station_totals(found),
    )
    return TemplateResponse(request, "elections/stations.html", context)


def _ancestors(election: Election, station: PollingStation) -> QuerySet[Area]:
    """The station's area and the areas above it, from the root down (one query)."""
    codes = [code for code in station.area.path.split("/") if code]
    return access.areas_for_election(election).filter(code__in=codes).order_by("depth")


@login_required
@require_GET
def station_detail(request: HttpRequest, mission_code: str, code: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    election = membership.mission.election
    station = access.get_station(election, code)
    context = access.member_context(
        membership, "stations", station=station, ancestors=_ancestors(election, station)
    )
    return TemplateResponse(request, "elections/station.html", context)

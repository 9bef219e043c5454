"""Coverage: which of the mission's deployed stations have reported a form.

A station is assigned when any of the mission's deployments lists it (for a sampled
form, such as the quick count's results form, only if the mission's active sample
holds it: findings/access.py), and reported when it has at least one report of the
form that was not rejected. Every count is one grouped query in the database: the
rows per area are grouped by the path of the child area each station falls under,
cut out of the station's own area path (Area.path, "/A/B/C/"), so a drill-down costs
one pass over the assigned stations and no join between areas.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import StrIndex, Substr
from django.db.models.lookups import Exact

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Area, PollingStation
from pollwatch.findings.access import assigned_stations, sample_scope
from pollwatch.findings.models import CoverageCall
from pollwatch.missions.models import Deployment, Mission
from pollwatch.reports.models import Report

ROOT_PATH = "/"


@dataclass
class Coverage:
    """k of n stations reported."""

    reported: int
    assigned: int

    @property
    def missing(self) -> int:
        return self.assigned - self.reported

    @property
    def percent(self) -> float | None:
        """Rounded down to a tenth, so 99.96 % is never shown as 100 %."""
        if not self.assigned:
            return None
        return math.floor(1000 * self.reported / self.assigned) / 10


@dataclass
class AreaRow(Coverage):
    area: Area | None = None


@dataclass
class Drilldown:
    """The coverage of a node of the area tree (None: the whole country) and its children."""

    node: Area | None
    total: Coverage
    rows: list[AreaRow]
    # Stations attached to the node itself rather than to one of its children.
    direct: Coverage = field(default_factory=lambda: Coverage(0, 0))


class Unindexed(Func):
    """A column compared without its indexes on SQLite; the plain column elsewhere.

    SQLite keeps no statistics here (nothing runs ANALYZE), so for a correlated
    subquery it prefers the index matching the most columns: (mission, form, status)
    for the reports of a station, which reads every report of the form for every
    station. `column + 0` keeps such an index out of its choice. PostgreSQL plans
    from its statistics, which an expression would only blur, so it gets the column.
    """

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s + 0)", **extra)


def _unindexed_equals(column: str, value: int) -> Exact:
    return Exact(Unindexed(column, output_field=IntegerField()), value)


def has_report(mission: Mission, form: Form) -> Exists:
    """Whether the station (the outer query's row) has a report of the form not rejected.

    On SQLite the station's own index finds its reports: a few rows per station.
    """
    reports = Report.objects.filter(
        _unindexed_equals("form_id", form.pk),
        _unindexed_equals("mission_id", mission.pk),
        station=OuterRef("pk"),
    ).exclude(status=Report.Status.REJECTED)
    return Exists(reports)


def _under(stations: QuerySet[PollingStation], node: Area | None) -> QuerySet[PollingStation]:
    return stations.filter(area__path__startswith=node.path) if node else stations


def _child_path(prefix: str) -> Substr:
    """The path of the child of `prefix` that contains the station's area, in SQL.

    For prefix "/A/" and a station in "/A/B/C/" that is "/A/B/": the prefix and the
    next code up to its slash. A station directly in the prefix's area gets the prefix.
    """
    rest = Substr("area__path", len(prefix) + 1)
    return Substr("area__path", 1, Value(len(prefix)) + StrIndex(rest, Value("/")))


def child_counts(mission: Mission, form: Form, node: Area | None) -> QuerySet[PollingStation, Any]:
    """The grouped query behind a drill-down: {child, assigned, reported} per child path.

    The child path is the node's own path for stations attached to the node itself.
    """
    prefix = node.path if node else ROOT_PATH
    return (
        _under(assigned_stations(mission, form), node)
        .order_by()
        .values(child=_child_path(prefix))
        .annotate(assigned=Count("pk"), reported=Count("pk", filter=has_report(mission, form)))
    )


def drilldown(mission: Mission, form: Form, node: Area | None) -> Drilldown:
    """Coverage of the form under the node, one row per child area with assigned stations.

    One grouped query over the assigned stations, then one to name the child areas.
    """
    prefix = node.path if node else ROOT_PATH
    groups = child_counts(mission, form, node)
    counts = {g["child"]: Coverage(g["reported"], g["assigned"]) for g in groups}
    direct = counts.pop(prefix, Coverage(0, 0))
    areas = (
        Area.objects.filter(election=mission.election, path__in=list(counts))
        .defer("outline")
        .order_by("path")
    )
    rows = [AreaRow(counts[a.path].reported, counts[a.path].assigned, a) for a in areas]
    total = Coverage(
        sum(c.reported for c in counts.values()) + direct.reported,
        sum(c.assigned for c in counts.values()) + direct.assigned,
    )
    return Drilldown(node=node, total=total, rows=rows, direct=direct)


def ancestors(node: Area) -> list[Area]:
    """The node's ancestors from the top, read from its path in one query."""
    codes = node.path.strip("/").split("/")[:-1]
    areas = Area.objects.filter(election_id=node.election_id, code__in=codes).defer("outline")
    found = {a.code: a for a in areas}
    return [found[code] for code in codes if code in found]


def form_totals(mission: Mission, forms: Iterable[Form]) -> dict[int, Coverage]:
    """Overall coverage of each form, by form id: one query, two counts per form.

    A sampled form counts only the deployed stations of its sample (access.sample_scope).
    """
    forms = list(forms)
    counts: dict[str, Any] = {}
    for form in forms:
        scope = sample_scope(mission, form)
        expected = Q() if scope is None else Q(pk__in=scope)
        counts[f"assigned_{form.pk}"] = Count("pk", filter=expected)
        counts[f"reported_{form.pk}"] = Count("pk", filter=expected & has_report(mission, form))
    found = assigned_stations(mission).aggregate(**counts) if counts else {}
    return {
        form.pk: Coverage(found[f"reported_{form.pk}"], found[f"assigned_{form.pk}"])
        for form in forms
    }


# --- stations: the bottom of the drill-down and the missing list ---------------------


def stations_with_status(
    mission: Mission, form: Form, stations: QuerySet[PollingStation]
) -> QuerySet[PollingStation]:
    """The stations, each annotated `reported` (True or False), by code."""
    return (
        stations.select_related("area")
        .defer("area__outline")
        .annotate(reported=has_report(mission, form))
        .order_by("code")
    )


def direct_stations(mission: Mission, form: Form, node: Area) -> QuerySet[PollingStation]:
    """The assigned stations attached to the node itself, with their status."""
    return stations_with_status(mission, form, assigned_stations(mission, form).filter(area=node))


def missing_stations(mission: Mission, form: Form, node: Area | None) -> QuerySet[PollingStation]:
    """Assigned stations under the node without a report of the form, by area and code."""
    stations = _under(assigned_stations(mission, form), node).filter(~has_report(mission, form))
    return (
        stations.select_related("area")
        .defer("area__outline")
        .annotate(reported=Value(False, output_field=BooleanField()))
        .order_by("area__path", "code")
    )


@dataclass
class StationLine:
    """A station as the coverage pages list it, with whom to call and the last call."""

    station: PollingStation
    reported: bool
    observers: list[dict[str, Any]]
    last_call: CoverageCall | None


def station_lines(mission: Mission, form: Form, stations: Iterable[Any]) -> list[StationLine]:
    """One page of stations with their observers and latest call: two more queries."""
    stations = list(stations)
    ids = [s.pk for s in stations]
    observers = _observers_at(mission, ids)
    calls = _latest_calls(mission, form, ids)
    return [
        StationLine(s, bool(s.reported), observers.get(s.pk, []), calls.get(s.pk)) for s in stations
    ]


def _observers_at(mission: Mission, station_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The observers of the teams deployed to each station: Observer.team.

    The deployments' station list must lead the query, through its index on the
    station; the missions are compared Unindexed, or SQLite would start from the
    mission's every deployment and observer.
    """
    observer = "deployment__team__observers__"
    through = Deployment.stations.through.objects.filter(
        _unindexed_equals("deployment__mission_id", mission.pk),
        _unindexed_equals(f"{observer}mission_id", mission.pk),
        pollingstation_id__in=station_ids,
    )
    rows = (
        through.values_list(
            "pollingstation_id",
            f"{observer}uuid",
            f"{observer}name",
            f"{observer}code",
            f"{observer}phone",
        )
        .distinct()
        .order_by(f"{observer}name", f"{observer}code")
    )
    by_station: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for station, uuid, name, code, phone in rows:
        by_station[station].append({"uuid": uuid, "name": name, "code": code, "phone": phone})
    return by_station


def _latest_calls(mission: Mission, form: Form, station_ids: list[int]) -> dict[int, CoverageCall]:
    """The most recent call to each station about this form."""
    newer = CoverageCall.objects.filter(
        mission=mission,
        form=form,
        station_id=OuterRef("station_id"),
        called_at__gt=OuterRef("called_at"),
    )
    latest = (
        CoverageCall.objects.filter(mission=mission, form=form, station_id__in=station_ids)
        .exclude(Exists(newer))
        .select_related("called_by")
        .order_by("station_id", "-pk")
    )
    calls: dict[int, CoverageCall] = {}
    for call in latest:
        calls.setdefault(call.station_id, call)
    return calls

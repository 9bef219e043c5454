"""Queries of the live dashboard: reports over time, incidents, stations by status.

Every count is made by the database; Python only lays out what comes back (a page of
incidents, the stations drawn on the map).

Timeline: reports are counted by the quarter hour of their reception (Report.created_at,
the first time any channel delivered them), per form, in one grouped query.

Incidents: reports of the forms of kind incident or campaign event. Two questions are
read by name, a convention of pollwatch's forms (the demo's incident form follows it):
`category`, a select_one saying what happened, and `severity`, a select_one whose
choices run from the least to the most serious. A report is critical when its
severity is `critical`, or, on a form without that choice, the form's last severity
choice. A form without these questions still lists its reports; they only cannot be
filtered by them.

Map: a station's status for one checklist form, with coverage's definitions
(findings/coverage.py): it is assigned when a deployment of the mission lists it (and,
for a sampled form, the mission's active sample holds it);
reported when it has a report of the form that was not rejected; flagged when one
of those reports is flagged or has an unresolved flag; missing when assigned and not
reported. Stations neither assigned nor reported are left off the map.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pollwatch.checklists.models import Form
from pollwatch.checklists.spec import label_in
from pollwatch.elections.models import Area, Election, PollingStation
from pollwatch.findings.access import deployed_station_ids, sample_scope
from pollwatch.missions.models import Mission
from pollwatch.reports.models import Flag, Report

SLOT_MINUTES = 15
SLOT_SECONDS = SLOT_MINUTES * 60
MAX_HOURS = 72

CATEGORY = "category"
SEVERITY = "severity"
CRITICAL = "critical"


def clock() -> dt.datetime:
    """The real time: receptions are stamped with it (never the election's scenario clock)."""
    return timezone.now()


def timeline_end(reports: QuerySet[Report], hours: int) -> dt.datetime:
    """Where the timeline stops: now, or the last reception once the day is over.

    On the day the window follows the clock, so a silence shows as empty slots; days
    later (the statement, a past election) it shows the day itself, not weeks of nothing.
    """
    now = clock()
    latest = reports.aggregate(latest=Max("created_at"))["latest"]
    if latest is None or now - latest < dt.timedelta(hours=hours):
        return now
    return latest


# --- timeline ----------------------------------------------------------------------------


class QuarterHour(Func):
    """The 15-minute slot of a moment, as whole slots since 1970-01-01 UTC.

    UTC quarter hours are quarter hours in every time zone in use (every offset is a
    whole number of quarter hours), so a slot reads 07:15 wherever the election is.
    """

    arity = 1
    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # strftime('%s') gives whole seconds since 1970 of Django's UTC text datetimes.
        # The '%' is doubled twice: once for Func's own formatting, once for the cursor.
        template = f"(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) / {SLOT_SECONDS})"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = f"CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s) / {SLOT_SECONDS}) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def slot_of(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // SLOT_SECONDS


def slot_start(slot: int, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(slot * SLOT_SECONDS, tz)


@dataclass(frozen=True)
class Slot:
    """One quarter hour: its start in the election's time zone and the count per form."""

    start: dt.datetime
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def label(self) -> str:
        return self.start.strftime("%H:%M")


@dataclass(frozen=True)
class Timeline:
    forms: list[Form]
    slots: list[Slot]
    hours: int

    @property
    def total(self) -> int:
        return sum(slot.total for slot in self.slots)

    @property
    def busy(self) -> list[Slot]:
        """The quarter hours with at least one report, for the table."""
        return [slot for slot in self.slots if slot.total]

    @property
    def form_totals(self) -> list[int]:
        return [sum(slot.counts[i] for slot in self.slots) for i in range(len(self.forms))]


def slot_counts(reports: QuerySet[Report], first: int, last: int) -> dict[tuple[int, int], int]:
    """Reports received per (form id, slot) for the slots first..last: one grouped query."""
    since = slot_start(first, zoneinfo.ZoneInfo("UTC"))
    until = slot_start(last + 1, zoneinfo.ZoneInfo("UTC"))
    rows = (
        reports.filter(created_at__gte=since, created_at__lt=until)
        .annotate(slot=QuarterHour("created_at"))
        .order_by()
        .values("form_id", "slot")
        .annotate(n=Count("pk"))
    )
    return {(row["form_id"], row["slot"]): row["n"] for row in rows}


def timeline(
    reports: QuerySet[Report],
    forms: list[Form],
    *,
    end: dt.datetime,
    hours: int,
    tz: zoneinfo.ZoneInfo,
) -> Timeline:
    """Reports received per quarter hour and form over the `hours` hours up to `end`.

    The last slot is the one holding `end`, so the current quarter hour fills as
    reports arrive.
    """
    last = slot_of(end)
    first = last - hours * 60 // SLOT_MINUTES + 1
    counts = slot_counts(reports, first, last)
    slots = [
        Slot(slot_start(k, tz), tuple(counts.get((form.pk, k), 0) for form in forms))
        for k in range(first, last + 1)
    ]
    return Timeline(forms=forms, slots=slots, hours=hours)


# --- incidents ---------------------------------------------------------------------------


def _select_question(form: Form, name: str) -> dict[str, Any] | None:
    version = form.current_version
    if version is None:
        return None
    for question in version.spec.get("questions", []):
        if question["name"] == name and question["type"] == "select_one":
            return question
    return None


@dataclass
class Vocabulary:
    """What the incident forms' `category` and `severity` questions offer, and their labels."""

    categories: list[tuple[str, str]] = field(default_factory=list)
    severities: list[tuple[str, str]] = field(default_factory=list)
    # Choice labels by form id, question name and value.
    labels: dict[int, dict[str, dict[str, str]]] = field(default_factory=dict)
    # The value that makes a report critical, by form id.
    critical: dict[int, str] = field(default_factory=dict)

    def label(self, form_id: int, question: str, value: Any) -> str:
        if value is None:
            return ""
        return self.labels.get(form_id, {}).get(question, {}).get(str(value), str(value))


def vocabulary(forms: Iterable[Form], language: str) -> Vocabulary:
    """The category and severity choices of the forms (current versions), in form order."""
    found = Vocabulary()
    seen: dict[str, set[str]] = {CATEGORY: set(), SEVERITY: set()}
    for form in forms:
        default = (
            form.current_version.spec.get("default_language") if form.current_version else ""
        ) or "en"
        for name, options in ((CATEGORY, found.categories), (SEVERITY, found.severities)):
            question = _select_question(form, name)
            if question is None:
                continue
            labels = {
                c["value"]: label_in(c["label"], language, default) or c["value"]
                for c in question.get("choices") or []
            }
            found.labels.setdefault(form.pk, {})[name] = labels
            options.extend((v, label) for v, label in labels.items() if v not in seen[name])
            seen[name].update(labels)
            if name == SEVERITY and labels:
                found.critical[form.pk] = CRITICAL if CRITICAL in labels else list(labels)[-1]
    return found


def critical_condition(words: Vocabulary) -> Q:
    """Reports whose severity is their form's critical value (nothing if no form has one)."""
    condition = Q(pk__in=[])
    for form_id, value in words.critical.items():
        condition |= Q(form_id=form_id, current__answers__severity=value)
    return condition


@dataclass
class IncidentFilters:
    category: str = ""
    severity: str = ""
    area: Area | None = None
    critical: bool = False
    form: Form | None = None


def incidents(reports: QuerySet[Report], words: Vocabulary, filters: IncidentFilters):
    """The incident reports matching the filters, newest reception first."""
    found = reports.filter(form__kind__in=(Form.Kind.INCIDENT, Form.Kind.CAMPAIGN_EVENT))
    if filters.form is not None:
        found = found.filter(form=filters.form)
    if filters.category:
        found = found.filter(current__answers__category=filters.category)
    if filters.severity:
        found = found.filter(current__answers__severity=filters.severity)
    if filters.area is not None:
        found = found.filter(station__area__path__startswith=filters.area.path)
    if filters.critical:
        found = found.filter(critical_condition(words))
    return found.order_by("-created_at", "-pk")


@dataclass(frozen=True)
class IncidentRow:
    report: Report
    category: str
    severity: str
    critical: bool
    description: str


def incident_rows(reports: Iterable[Report], words: Vocabulary) -> list[IncidentRow]:
    """One page of incident reports (current version loaded) with their labels."""
    rows = []
    for report in reports:
        answers = report.current.answers if report.current else {}
        severity = answers.get(SEVERITY)
        rows.append(
            IncidentRow(
                report=report,
                category=words.label(report.form_id, CATEGORY, answers.get(CATEGORY)),
                severity=words.label(report.form_id, SEVERITY, severity),
                critical=severity is not None and words.critical.get(report.form_id) == severity,
                description=str(answers.get("description") or ""),
            )
        )
    return rows


# --- map ---------------------------------------------------------------------------------


class StationStatus:
    REPORTED = "reported"
    FLAGGED = "flagged"
    MISSING = "missing"


STATUS_ORDER = (StationStatus.REPORTED, StationStatus.FLAGGED, StationStatus.MISSING)
STATUS_LABELS = {
    StationStatus.REPORTED: _("Reported"),
    StationStatus.FLAGGED: _("Flagged"),
    StationStatus.MISSING: _("Missing"),
}
# Told apart by more than hue: missing stations are drawn hollow (static/findings/map.js).
STATUS_COLOURS = {
    StationStatus.REPORTED: "#2b7a3d",
    StationStatus.FLAGGED: "#d97706",
    StationStatus.MISSING: "#a3261d",
}


def stations_by_status(mission: Mission, form: Form) -> QuerySet[PollingStation]:
    """The stations assigned to the mission or reported for the form, annotated `status`.

    Each station set is an uncorrelated `IN (subquery)`, which both databases build
    once per query (SQLite an ephemeral index, PostgreSQL a hashed subplan), rather
    than a subquery per station.
    """
    reported = (
        Report.objects.filter(mission=mission, form=form, station__isnull=False)
        .exclude(status=Report.Status.REJECTED)
        .order_by()
    )
    open_flag = Flag.objects.filter(report=OuterRef("pk"), resolved_at__isnull=True)
    flagged = reported.filter(Q(status=Report.Status.FLAGGED) | Exists(open_flag))
    expected = Q(pk__in=deployed_station_ids(mission))
    scope = sample_scope(mission, form)
    if scope is not None:
        expected &= Q(pk__in=scope)
    reported_ids = reported.values("station_id")
    return (
        PollingStation.objects.filter(election=mission.election)
        .filter(expected | Q(pk__in=reported_ids))
        .annotate(
            status=Case(
                When(pk__in=flagged.values("station_id"), then=Value(StationStatus.FLAGGED)),
                When(pk__in=reported_ids, then=Value(StationStatus.REPORTED)),
                default=Value(StationStatus.MISSING),
                output_field=CharField(),
            )
        )
    )


@dataclass
class StatusCount:
    status: str
    stations: int
    located: int

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.status]


@dataclass
class StatusCounts:
    rows: list[StatusCount]

    @property
    def total(self) -> int:
        return sum(row.stations for row in self.rows)

    @property
    def without_coordinates(self) -> int:
        return sum(row.stations - row.located for row in self.rows)


def status_counts(mission: Mission, form: Form) -> StatusCounts:
    """Stations per status, and how many of them have coordinates: one grouped query."""
    located = Q(latitude__isnull=False, longitude__isnull=False)
    rows = (
        stations_by_status(mission, form)
        .order_by()
        .values("status")  # type: ignore[misc]  # an annotation the stubs cannot see
        .annotate(stations=Count("pk"), located=Count("pk", filter=located))
    )
    found = {row["status"]: row for row in rows}
    return StatusCounts(
        [
            StatusCount(s, found.get(s, {}).get("stations", 0), found.get(s, {}).get("located", 0))
            for s in STATUS_ORDER
        ]
    )


def station_collection(mission: Mission, form: Form) -> dict[str, Any]:
    """The stations with coordinates as a GeoJSON FeatureCollection, one Point each.

    Its `properties` (a foreign member, which GeoJSON readers ignore) carry the counts
    by status and how many stations could not be drawn for want of coordinates.
    """
    rows = (
        stations_by_status(mission, form)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .annotate(area_name=F("area__name"))
        .order_by("code")
        .values_list("code", "name", "area_name", "latitude", "longitude", "status")
    )
    features = [_station_feature(*row) for row in rows]
    counts = status_counts(mission, form)
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {
            "form": form.code,
            "counts": {row.status: row.stations for row in counts.rows},
            "without_coordinates": counts.without_coordinates,
        },
    }


def _station_feature(
    code: str, name: str, area: str, latitude: Any, longitude: Any, status: str
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(longitude), float(latitude)]},
        "properties": {
            "code": code,
            "name": name,
            "area": area,
            "status": status,
            "status_label": str(STATUS_LABELS[status]),
            "colour": STATUS_COLOURS[status],
        },
    }


def outline_collection(election: Election) -> dict[str, Any]:
    """The election's area outlines as a GeoJSON FeatureCollection, the top areas first."""
    areas = (
        Area.objects.filter(election=election, outline__isnull=False)
        .order_by("depth", "path")
        .values_list("code", "name", "level", "depth", "outline")
    )
    features = [
        {
            "type": "Feature",
            "geometry": outline,
            "properties": {"code": code, "name": name, "level": level, "depth": depth},
        }
        for code, name, level, depth, outline in areas
    ]
    return {"type": "FeatureCollection", "features": features}


def latest_reported_form(reports: QuerySet[Report], forms: list[Form]) -> Form | None:
    """The checklist form of the most recently received report (the phase under way)."""
    form_id = (
        reports.filter(form__in=forms)
        .order_by("-created_at")
        .values_list("form_id", flat=True)
        .first()
    )
    return next((form for form in forms if form.pk == form_id), forms[0] if forms else None)

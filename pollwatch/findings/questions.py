"""Findings per question: how observers answered, overall and by area, in the database.

`form_findings(mission, form, level=None, question=None)` answers a plain dict (numbers,
strings, lists and label dicts keyed by language; no model object, no lazy string) that
templates/findings/_form_findings.html renders. A release stores the same dict, so the
template must never need more than the dict.

What counts (docs/findings.md, METHODS.md "Checklist findings"):

- Units. A form whose stations were not drawn at random (Form.is_sample False) counts
  every report that is not rejected, with its current version's answers: a station
  two teams visited counts twice. A sample form counts each sampled station once,
  through one report: its verified report, else its most recently received one
  (rejected reports never count).
- Shares. Answers in a category / answered units; answers whose choice the form marks
  no_answer or not_applicable (the choices sheet's `finding` column) leave the
  denominator. select_multiple: a selection that includes such a choice leaves it.
- Sample forms are estimated by stratum (Form.stratum_level; blank: one stratum), each
  stratum weighted by its number of the election's stations (findings/stats.py); by
  area, each area's part of each stratum is a stratum of its own.

Cost: every figure of a form comes from one statement over the reports (each answer
read once per unit, then conditional counts per choice, grouped by the area at the
chosen level and, for a sample, by stratum; see "SQL" below), plus small queries on
the area tree and, for a sample, one counting the election's stations per stratum.
The area of a station at a level is reached through the parent links (the tree is a
handful of levels deep): one join per level on primary keys, no string matching on
paths. The Python that follows loops over those grouped rows, never over reports.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import RowNumber
from django.utils import timezone

from pollwatch.checklists.models import Form
from pollwatch.elections.models import Area, Election, PollingStation
from pollwatch.findings import stats
from pollwatch.missions.models import Mission
from pollwatch.reports.models import Report

SNAPSHOT_VERSION = 1
CHOICE_TYPES = frozenset({"select_one", "select_multiple"})
NUMBER_TYPES = frozenset({"integer", "decimal"})
SUMMARISED_TYPES = CHOICE_TYPES | NUMBER_TYPES
EXCLUDED_FINDINGS = ("no_answer", "not_applicable")
ANSWERS = "current__answers"
STATION_AREA = "station__area"
# Names of the grouping columns (not a model field's name: the ORM refuses those).
AREA = "at_area"
STRATUM = "at_stratum"


class UnknownQuestion(LookupError):
    """The form has no question of that name that findings summarise."""


class UnknownLevel(LookupError):
    """The election's areas have no level of that name."""


# --- the area tree ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """How the election's area levels sit in the tree: depths, sizes, the default level."""

    # (depth, level) -> number of areas
    sizes: Mapping[tuple[int, str], int]

    @classmethod
    def of(cls, election: Election) -> Tree:
        rows = (
            Area.objects.filter(election=election)
            .order_by()
            .values_list("depth", "level")
            .annotate(total=Count("pk"))
        )
        return cls({(depth, level): total for depth, level, total in rows})

    @property
    def levels(self) -> list[str]:
        """Named levels, shallowest first."""
        first: dict[str, int] = {}
        for depth, level in sorted(self.sizes):
            if level:
                first.setdefault(level, depth)
        return sorted(first, key=lambda level: (first[level], level))

    def default_level(self) -> str | None:
        """The top level under the root: the shallowest level with more than one area."""
        for level in self.levels:
            if sum(n for (_, name), n in self.sizes.items() if name == level) > 1:
                return level
        return self.levels[0] if self.levels else None

    def ancestor(self, level: str, prefix: str) -> Case | Value:
        """The id of the area at `level` above (or at) the area `prefix` points to.

        One When per depth a station's area can have: the ancestor d levels up is
        `prefix__parent__parent...`, a join per level on primary keys. Where a depth
        mixes levels, the ancestor's own level is checked too.
        """
        depths = sorted({depth for depth, _ in self.sizes})
        at_level = sorted({depth for depth, name in self.sizes if name == level})
        mixed = {d for d in at_level if any(dd == d and n != level for dd, n in self.sizes)}
        whens = []
        for depth in depths:
            for target in (d for d in at_level if d <= depth):
                path = prefix + "__parent" * (depth - target)
                condition = Q(**{f"{prefix}__depth": depth})
                if target in mixed:
                    condition &= Q(**{f"{path}__level": level})
                whens.append(When(condition, then=F(f"{path}__id")))
        if not whens:
            return Value(None, output_field=IntegerField())
        return Case(*whens, default=Value(None), output_field=IntegerField())


# --- the questions summarised -----------------------------------------------------------


@dataclass
class Plan:
    """One question as the aggregate query counts it; `key` prefixes its columns."""

    key: str
    question: dict[str, Any]
    counted: list[dict[str, Any]] = field(default_factory=list)
    excluded: dict[str, list[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.question["name"]

    @property
    def type(self) -> str:
        return self.question["type"]

    @property
    def is_number(self) -> bool:
        return self.type in NUMBER_TYPES

    def values_with(self, finding: str) -> list[str]:
        return [c["value"] for c in self.counted if c.get("finding") == finding]

    @property
    def is_assessment(self) -> bool:
        """A select_one with a negative choice: its finding is the negative share."""
        return self.type == "select_one" and bool(self.values_with("negative"))


def plans(spec: Mapping[str, Any], names: Iterable[str] | None = None) -> list[Plan]:
    """The spec's questions that findings summarise, in form order (all, or those named)."""
    wanted = None if names is None else set(names)
    found: list[Plan] = []
    for question in spec.get("questions", []):
        if question["type"] not in SUMMARISED_TYPES:
            continue
        if wanted is not None and question["name"] not in wanted:
            continue
        plan = Plan(f"q{len(found)}", question)
        for choice in question.get("choices") or []:
            finding = choice.get("finding", "")
            if finding in EXCLUDED_FINDINGS:
                plan.excluded.setdefault(finding, []).append(choice["value"])
            else:
                plan.counted.append(choice)
        found.append(plan)
    return found


# --- SQL --------------------------------------------------------------------------------
#
# Two stages in one statement. The inner query (the ORM) picks the units and reads each
# question's answer once per unit, with Django's JSON key transforms, next to the unit's
# area and stratum; it is materialised (WITH ... AS MATERIALIZED) so that the joins, the
# choice of units and the JSON are done once. The outer query, written by hand, makes
# one pass over those rows: per group (area, stratum), a filtered count per choice and
# count, sum, sum of squares, min and max per number. It is portable to SQLite (3.30+)
# and PostgreSQL but for two places: a select_multiple's membership test, and reading
# a number that an older form version may have stored as text. (One GROUP BY answer per
# question, in UNION ALL branches, reads the rows once per question: slower on both.)


def units(mission: Mission, form: Form) -> QuerySet[Report]:
    """The reports findings count (see the module docstring), one per unit."""
    reports = Report.objects.filter(mission=mission, form=form, current__isnull=False).exclude(
        status=Report.Status.REJECTED
    )
    if not form.is_sample:
        return reports
    ranked = reports.filter(station__isnull=False).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("station_id")],
            order_by=[
                Case(When(status=Report.Status.VERIFIED, then=0), default=1).asc(),
                F("created_at").desc(),
                F("pk").desc(),
            ],
        )
    )
    return Report.objects.filter(pk__in=ranked.filter(rank=1).values("pk"))


def _json_extract(transform: KeyTransform, compiler: Any, connection: Any) -> Any:
    """SQLite's plain JSON_EXTRACT for a key transform.

    Django's SQLite version wraps it in a CASE on JSON_TYPE to tell JSON true, false
    and null from 1, 0 and NULL: three JSON calls per answer where one does, and
    answers never hold booleans (checklists/engine.py).
    """
    lhs, params, keys = transform.preprocess_lhs(compiler, connection)
    path = "$" + "".join(f".{json.dumps(key)}" for key in keys)
    return f"JSON_EXTRACT({lhs}, %s)", (*params, path)


class AnswerText(KeyTextTransform):
    """An answer as text (PostgreSQL ->>); a number stays a number on SQLite."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return _json_extract(self, compiler, connection)


class AnswerJson(KeyTransform):
    """An answer as JSON (PostgreSQL ->): a select_multiple's list."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return _json_extract(self, compiler, connection)


def _answer(plan: Plan) -> KeyTransform:
    """The answer as text, or as JSON for a select_multiple (a list)."""
    if plan.type == "select_multiple":
        return AnswerJson(plan.name, ANSWERS)
    return AnswerText(plan.name, ANSWERS)


@dataclass
class Sql:
    """The outer query's columns and parameters, for one database."""

    vendor: str
    columns: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, alias: str, sql: str, params: Sequence[Any] = ()) -> None:
        self.columns.append(f"{sql} AS {alias}")
        self.params.extend(params)

    def has(self, column: str, value: str) -> tuple[str, list[Any]]:
        """Whether the JSON list in `column` holds the string `value`."""
        if self.vendor == "postgresql":
            return f"({column} ? %s)", [value]
        # Only our own column names go into the text; the value is a parameter.
        return f"EXISTS (SELECT 1 FROM json_each({column}) AS j WHERE j.value = %s)", [value]  # noqa: S608

    def number(self, column: str) -> str:
        """The answer as a number, NULL when it is not one (the text of an older version)."""
        if self.vendor == "postgresql":
            return (
                f"(CASE WHEN {column} ~ '^ *-?[0-9]+([.][0-9]+)? *$' "
                f"THEN CAST({column} AS DOUBLE PRECISION) END)"
            )
        return (
            f"(CASE WHEN typeof({column}) IN ('integer', 'real') THEN {column} * 1.0 "
            f"WHEN typeof({column}) = 'text' AND trim({column}) <> '' "
            f"AND trim({column}) NOT GLOB '*[^0-9.-]*' THEN CAST({column} AS REAL) END)"
        )

    def is_one_of(self, plan: Plan, column: str, values: Sequence[str]) -> tuple[str, list[Any]]:
        """The answer is (select_one) or holds (select_multiple) one of the values."""
        if plan.type == "select_one":
            marks = ", ".join(["%s"] * len(values))
            return f"{column} IN ({marks})", list(values)
        parts = [self.has(column, value) for value in values]
        sql = "(" + " OR ".join(part for part, _ in parts) + ")"
        return sql, [param for _, params in parts for param in params]


def _count(condition: str) -> str:
    return f"COUNT(*) FILTER (WHERE {condition})"


def _question_columns(plan: Plan, sql: Sql) -> None:
    """The outer query's columns for one question (see `aggregate` for their names)."""
    column = f"u.{plan.key}"
    if plan.is_number:
        number = sql.number(column)
        sql.add(f"{plan.key}_n", f"COUNT({number})")
        sql.add(f"{plan.key}_sum", f"SUM({number})")
        sql.add(f"{plan.key}_sq", f"SUM({number} * {number})")
        sql.add(f"{plan.key}_min", f"MIN({number})")
        sql.add(f"{plan.key}_max", f"MAX({number})")
        return
    excluded = [value for values in plan.excluded.values() for value in values]
    counted, counted_params = f"{column} IS NOT NULL", list[Any]()
    if excluded:
        condition, counted_params = sql.is_one_of(plan, column, excluded)
        counted = f"{counted} AND NOT {condition}"
    sql.add(f"{plan.key}_n", _count(counted), counted_params)
    for index, choice in enumerate(plan.counted):
        chosen, params = sql.is_one_of(plan, column, [choice["value"]])
        if plan.type == "select_multiple":
            # A selection that also holds an excluded choice does not count.
            chosen, params = f"{counted} AND {chosen}", counted_params + params
        sql.add(f"{plan.key}_c{index}", _count(chosen), params)
    for finding, values in plan.excluded.items():
        chosen, params = sql.is_one_of(plan, column, values)
        sql.add(f"{plan.key}_{finding}", _count(f"{column} IS NOT NULL AND {chosen}"), params)


def aggregate(
    reports: QuerySet[Report], groups: Mapping[str, Any], chosen: Sequence[Plan]
) -> list[dict[str, Any]]:
    """One row per group (area, stratum): units, and per question its counts; one query.

    Columns: `units`; per question key k: `k_n` (answered and counted), for choices
    `k_c<i>` (the i-th counted choice) and `k_<finding>` (no_answer, not_applicable),
    for numbers `k_sum`, `k_sq` (sum of squares), `k_min`, `k_max`.
    """
    inner = reports.order_by().values(**groups, **{plan.key: _answer(plan) for plan in chosen})
    inner_sql, inner_params = inner.query.sql_with_params()
    sql = Sql(connection.vendor)
    keys = [key for key in (AREA, STRATUM) if key in groups]
    for key in keys:
        sql.add(key, f"u.{key}")
    sql.add("units", "COUNT(*)")
    for plan in chosen:
        _question_columns(plan, sql)
    group_by = f" GROUP BY {', '.join(f'u.{key}' for key in keys)}" if keys else ""
    # Every name in the text is ours (q0, at_area...); every value is a parameter.
    statement = (
        f"WITH u AS MATERIALIZED ({inner_sql}) "  # noqa: S608
        f"SELECT {', '.join(sql.columns)} FROM u{group_by}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*inner_params, *sql.params])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def station_counts(
    election: Election, groups: Mapping[str, Any]
) -> dict[tuple[int | None, int | None], int]:
    """Stations of the election per (area, stratum) group: the N of the estimators."""
    stations = PollingStation.objects.filter(election=election).order_by()
    if not groups:
        return {(None, None): stations.count()}
    rows = stations.values(**groups).annotate(total=Count("pk"))
    return {(row.get(AREA), row.get(STRATUM)): row["total"] for row in rows}


# --- assembling the dict ----------------------------------------------------------------


@dataclass
class Design:
    """What the estimates need: sample or not, strata, and N per (area, stratum)."""

    sample: bool
    stratified: bool
    populations: dict[tuple[int | None, int | None], int] = field(default_factory=dict)


Cells = dict[int | None, dict[str, Any]]  # stratum -> summed columns


def _plain(value: Any) -> Any:
    """A database number as int or float (PostgreSQL sums bigints as Decimal)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _add(target: dict[str, Any], row: Mapping[str, Any]) -> None:
    """Add a row's counts and sums into target; keep the smallest min and largest max."""
    for key, raw in row.items():
        value = _plain(raw)
        if key in (AREA, STRATUM) or value is None:
            continue
        if key.endswith("_min"):
            target[key] = value if target.get(key) is None else min(target[key], value)
        elif key.endswith("_max"):
            target[key] = value if target.get(key) is None else max(target[key], value)
        else:
            target[key] = target.get(key, 0) + value


@dataclass
class Group:
    """The units of the whole form or of one area: columns by stratum, and summed.

    `populations` is the number of the election's stations per stratum (in the area):
    every stratum there is listed, also one where no sampled station answered.
    """

    cells: Cells
    total: dict[str, Any]
    populations: dict[int | None, int]
    strata: list[int | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.strata = sorted(
            set(self.cells) | set(self.populations), key=lambda s: (s is None, s or 0)
        )

    @classmethod
    def of(cls, rows: Iterable[Mapping[str, Any]], populations: dict[int | None, int]) -> Group:
        cells: Cells = defaultdict(dict)
        total: dict[str, Any] = {}
        for row in rows:
            _add(cells[row.get(STRATUM)], row)
            _add(total, row)
        return cls(dict(cells), total, populations)

    def column(self, name: str) -> list[int]:
        """The column's value in every stratum (0 where none)."""
        return [int(self.cells.get(s, {}).get(name, 0)) for s in self.strata]

    def sizes(self) -> list[int]:
        return [self.populations.get(s, 0) for s in self.strata]


def _estimate(
    design: Design, group: Group, counts: Sequence[int], answered: Sequence[int]
) -> dict[str, Any] | None:
    """The weighted share of counts among answered (per stratum), with its interval."""
    if not design.sample:
        return None
    if design.stratified:
        return stats.stratified_proportion(group.sizes(), answered, counts).as_dict()
    return stats.srs_proportion(sum(counts), sum(answered), sum(group.sizes())).as_dict()


def _value(
    design: Design, group: Group, counts: Sequence[int], answered: Sequence[int]
) -> dict[str, Any] | None:
    """The weighted share alone (an area's choices: the table shows no interval for them)."""
    if not design.sample:
        return None
    if design.stratified:
        value = stats.stratified_value(group.sizes(), answered, counts)
    else:
        value = stats.share(sum(counts), sum(answered))
    return {"value": value}


def _mean_estimate(design: Design, group: Group, key: str) -> dict[str, Any] | None:
    """The weighted mean of a number; unstratified, the whole sample is one stratum."""
    if not design.sample:
        return None
    n, means, variances = [], [], []
    for stratum in group.strata:
        cell = group.cells.get(stratum, {})
        count = int(cell.get(f"{key}_n", 0))
        total, squares = float(cell.get(f"{key}_sum") or 0.0), float(cell.get(f"{key}_sq") or 0.0)
        mean = total / count if count else 0.0
        n.append(count)
        means.append(mean)
        # The sample variance from the sum and the sum of squares.
        variances.append(
            max(squares - count * mean * mean, 0.0) / (count - 1) if count > 1 else 0.0
        )
    return stats.stratified_mean(group.sizes(), n, means, variances).as_dict()


def _number(plan: Plan, design: Design, group: Group) -> dict[str, Any]:
    n = int(group.total.get(f"{plan.key}_n", 0))
    total = group.total.get(f"{plan.key}_sum")
    return {
        "count": n,
        "mean": total / n if n and total is not None else None,
        "min": group.total.get(f"{plan.key}_min"),
        "max": group.total.get(f"{plan.key}_max"),
        "estimate": _mean_estimate(design, group, plan.key),
    }


def _summary(plan: Plan, design: Design, group: Group, detailed: bool) -> dict[str, Any]:
    """One question's figures over a group (the whole form, or one area).

    `detailed`: an interval for every choice (the form's figures); an area gets the
    weighted share of each choice and an interval for the negative share only.
    """
    total = group.total
    n = int(total.get(f"{plan.key}_n", 0))
    summary: dict[str, Any] = {"answered": n, "units": int(total.get("units", 0))}
    if plan.is_number:
        summary["number"] = _number(plan, design, group)
        return summary
    answered = group.column(f"{plan.key}_n")
    estimate = _estimate if detailed else _value
    choices = []
    for index, choice in enumerate(plan.counted):
        count = int(total.get(f"{plan.key}_c{index}", 0))
        counts = group.column(f"{plan.key}_c{index}")
        choices.append(
            {
                "value": choice["value"],
                "count": count,
                "share": stats.share(count, n),
                "estimate": estimate(design, group, counts, answered),
            }
        )
    summary["choices"] = choices
    summary["excluded"] = {
        finding: int(total.get(f"{plan.key}_{finding}", 0)) for finding in plan.excluded
    }
    if plan.type == "select_one":
        # Answers given with a choice an older version of the form had.
        summary["other"] = max(n - sum(c["count"] for c in choices), 0)
    if plan.is_assessment:
        summary["negative"] = _negative(plan, design, group, answered)
    return summary


def _negative(plan: Plan, design: Design, group: Group, answered: Sequence[int]) -> dict[str, Any]:
    """The share of the negative choices together (one select_one answer: they exclude)."""
    indexes = [i for i, c in enumerate(plan.counted) if c.get("finding") == "negative"]
    columns = [group.column(f"{plan.key}_c{i}") for i in indexes]
    counts = [sum(values) for values in zip(*columns, strict=True)]
    count, n = sum(counts), int(group.total.get(f"{plan.key}_n", 0))
    found = {"count": count, "answered": n, "share": stats.share(count, n)}
    return found | {"estimate": _estimate(design, group, counts, answered)}


AREA_ESTIMATE_KEYS = ("value", "low", "high", "method")


def _trim(estimate: dict[str, Any] | None) -> dict[str, Any] | None:
    """An area's interval without the details: a release keeps many areas."""
    return None if estimate is None else {k: estimate[k] for k in AREA_ESTIMATE_KEYS}


def _question_entry(
    plan: Plan, design: Design, everything: Group, areas: list[tuple[dict[str, Any], Group]]
) -> dict[str, Any]:
    question = plan.question
    labelled = [
        {"value": c["value"], "label": dict(c.get("label") or {}), "finding": c.get("finding", "")}
        for c in plan.counted
    ]
    overall = _summary(plan, design, everything, detailed=True)
    for figures, choice in zip(overall.get("choices", []), labelled, strict=True):
        figures.update(label=choice["label"], finding=choice["finding"])
    by_area = []
    for area, group in areas:
        summary = _summary(plan, design, group, detailed=False)
        for part in ("negative", "number"):
            if part in summary:
                summary[part]["estimate"] = _trim(summary[part]["estimate"])
        by_area.append({"code": area["code"], "name": area["name"], **summary})
    return {
        "name": plan.name,
        "type": plan.type,
        "label": dict(question.get("label") or {}),
        "assessment": plan.is_assessment,
        "choices": labelled,
        "excluded_choices": [
            {"value": c["value"], "label": dict(c.get("label") or {}), "finding": c["finding"]}
            for c in question.get("choices") or []
            if c.get("finding") in EXCLUDED_FINDINGS
        ],
        "overall": overall,
        "areas": by_area,
    }


def _groups(
    design: Design, rows: list[dict[str, Any]], areas: list[dict[str, Any]]
) -> tuple[Group, list[tuple[dict[str, Any], Group]]]:
    """The whole form's group and each area's, built once for every question."""
    strata: dict[int | None, int] = defaultdict(int)
    by_area_population: dict[int | None, dict[int | None, int]] = defaultdict(dict)
    for (area_id, stratum), total in design.populations.items():
        strata[stratum] += total
        by_area_population[area_id][stratum] = total
    rows_by_area: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        rows_by_area[row.get(AREA)].append(row)
    everything = Group.of(rows, dict(strata))
    return everything, [
        (area, Group.of(rows_by_area.get(area["id"], []), by_area_population.get(area["id"], {})))
        for area in areas
    ]


def _areas_at(election: Election, level: str | None) -> list[dict[str, Any]]:
    if level is None:
        return []
    # values(): an area's GeoJSON outline can weigh megabytes, and nothing here needs it.
    found = Area.objects.filter(election=election, level=level).order_by("path")
    return [dict(area) for area in found.values("id", "code", "name")]


def _notes(form: Form, design: Design) -> list[dict[str, str]]:
    """Codes the template turns into sentences (a release keeps codes, not one language)."""
    notes = []
    if not design.sample:
        notes.append({"code": "not_random"})
    elif design.stratified:
        notes.append({"code": "stratified", "level": form.stratum_level})
    else:
        notes.append({"code": "simple_random"})
    if design.sample and form.stratum_level and not design.stratified:
        notes.append({"code": "unknown_strata", "level": form.stratum_level})
    return notes


def _measure(
    mission: Mission, form: Form, tree: Tree, level: str | None, chosen: list[Plan]
) -> tuple[Design, list[dict[str, Any]]]:
    """The design and the grouped rows: the one statement over reports, and for a
    sample the one counting the election's stations per area and stratum."""
    stratified = bool(form.is_sample and form.stratum_level in tree.levels)
    design = Design(sample=form.is_sample, stratified=stratified)
    levels = {AREA: level, STRATUM: form.stratum_level if stratified else None}
    groups = {key: tree.ancestor(name, STATION_AREA) for key, name in levels.items() if name}
    rows = aggregate(units(mission, form), groups, chosen)
    if design.sample:
        by_station = {key: tree.ancestor(name, "area") for key, name in levels.items() if name}
        design.populations = station_counts(mission.election, by_station)
    return design, rows


def _findings(
    mission: Mission,
    form: Form,
    level: str | None,
    names: Iterable[str] | None,
    by_area: bool,
) -> dict[str, Any]:
    election = mission.election
    version = form.current_version
    spec = version.spec if version is not None else {"questions": []}
    chosen = plans(spec, names)
    tree = Tree.of(election)
    if level is not None and level not in tree.levels:
        raise UnknownLevel(level)
    level = (level or tree.default_level()) if by_area else None
    design, rows = _measure(mission, form, tree, level, chosen)
    everything, areas = _groups(design, rows, _areas_at(election, level))
    units_outside = sum(int(row["units"]) for row in rows if row.get(AREA) is None)
    return {
        "version": SNAPSHOT_VERSION,
        "form": {
            "code": form.code,
            "title": form.title,
            "kind": form.kind,
            "is_sample": form.is_sample,
            "stratum_level": form.stratum_level,
        },
        "election": {"code": election.code, "name": election.name, "time_zone": election.time_zone},
        "computed_at": timezone.now().isoformat(),
        "default_language": spec.get("default_language") or "en",
        "sample": design.sample,
        "stratified": design.stratified,
        "level": level,
        "levels": tree.levels,
        "units": sum(int(row["units"]) for row in rows),
        # Units whose station lies in no area of the level (or that have no station).
        "outside_areas": units_outside if level else 0,
        "population": sum(everything.populations.values()) if design.sample else None,
        "notes": _notes(form, design),
        "questions": [_question_entry(plan, design, everything, areas) for plan in chosen],
    }


def form_findings(
    mission: Mission, form: Form, level: str | None = None, question: str | None = None
) -> dict[str, Any]:
    """Every summarised question of the form (or the one named), overall and by area.

    `level` is an Area.level of the election (default: the top level under the
    root); UnknownLevel or UnknownQuestion when the election or form has none such.
    """
    names = None
    if question is not None:
        version = form.current_version
        spec = version.spec if version is not None else {"questions": []}
        if not plans(spec, [question]):
            raise UnknownQuestion(question)
        names = [question]
    return _findings(mission, form, level, names, by_area=True)


def form_headlines(mission: Mission, form: Form) -> list[dict[str, Any]]:
    """The assessment questions' overall negative shares: the findings index's lines.

    Each: name, label (per language), default_language, sample, and the negative
    figures (count, answered, share, estimate) as in form_findings.
    """
    version = form.current_version
    spec = version.spec if version is not None else {"questions": []}
    names = [plan.name for plan in plans(spec) if plan.is_assessment]
    if not names:
        return []
    findings = _findings(mission, form, None, names, by_area=False)
    return [
        {
            "name": q["name"],
            "label": q["label"],
            "default_language": findings["default_language"],
            "sample": findings["sample"],
            **q["overall"]["negative"],
        }
        for q in findings["questions"]
    ]


def known_levels(election: Election) -> Sequence[str]:
    """The election's area levels, shallowest first (for the level selector)."""
    return Tree.of(election).levels

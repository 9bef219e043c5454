"""A form's reports as rows: streamed CSV, and the XLSX the background task writes.

One row per report, with its current version's answers: the fixed columns (report
uuid, station, area, observer, status, open flags, times in the election's time
zone, version number), then one column per question in form order. Questions that
only older versions of the form asked follow the current version's, so no answer
ever drops out of an export. A select_multiple answer is one column: its codes
separated by spaces, or its labels separated by "; " (labels contain spaces).

Nothing here holds every report: the rows come from the database in chunks and
leave as soon as they are written (a national election has 100,000 reports).
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any

from django.db.models import QuerySet

from pollwatch.checklists.models import Form
from pollwatch.checklists.spec import label_in
from pollwatch.reports.models import Flag, Report

CHUNK_SIZE = 1000
# Bytes of CSV text gathered before a streamed response sends them on.
CSV_FLUSH_BYTES = 64 * 1024
UTF8_BOM = "\ufeff"
# A spreadsheet reads a cell starting with one of these as a formula: text typed by
# an observer (an SMS comment) must never run as one on an analyst's machine.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FIXED_COLUMNS = (
    "report",
    "station",
    "area_code",
    "area",
    "observer",
    "status",
    "flags",
    "observed_at",
    "received_at",
    "version",
)
# What each report contributes besides its answers, in the order of FIXED_COLUMNS
# (the pk first: it orders the rows and finds each chunk's flags).
REPORT_FIELDS = (
    "pk",
    "uuid",
    "station__code",
    "station__area__code",
    "station__area__name",
    "observer__code",
    "status",
    "in_conflict",
    "observed_at",
    "created_at",
    "current__number",
    "current__answers",
)


@dataclass(frozen=True)
class Column:
    """One question's column: how to write its answers."""

    name: str
    type: str
    # choice value -> its labels by language
    choices: dict[str, dict[str, str]]


@dataclass(frozen=True)
class ExportLayout:
    """Everything a row needs besides the report itself."""

    columns: list[Column]
    labels: bool
    language: str
    default_language: str
    tz: dt.tzinfo

    @property
    def header(self) -> list[str]:
        return [*FIXED_COLUMNS, *(column.name for column in self.columns)]


def answer_columns(form: Form) -> tuple[list[Column], str]:
    """The question columns (current version first), and the form's default language."""
    specs = list(form.versions.order_by("-number").values_list("pk", "spec"))
    specs.sort(key=lambda row: row[0] != form.current_version_id)  # stable: current first
    columns: dict[str, Column] = {}
    for _pk, spec in specs:
        for question in spec["questions"]:
            if question["type"] == "note":  # a calculate's value is stored: keep it
                continue
            columns.setdefault(question["name"], _column(question))
    default = (specs[0][1].get("default_language") or "en") if specs else "en"
    return list(columns.values()), default


def _column(question: dict[str, Any]) -> Column:
    choices = {choice["value"]: choice["label"] for choice in question.get("choices") or []}
    return Column(question["name"], question["type"], choices)


def layout_for(form: Form, *, labels: bool, language: str) -> ExportLayout:
    columns, default = answer_columns(form)
    tz = form.mission.election.tz
    return ExportLayout(columns, labels, language, default, tz)


def report_values(form: Form) -> QuerySet[Report, tuple[Any, ...]]:
    """The export's fields of every report of the form, oldest first."""
    reports = Report.objects.filter(mission=form.mission_id, form=form)
    return reports.order_by("pk").values_list(*REPORT_FIELDS)


def open_flags(form: Form, first_pk: int, last_pk: int) -> dict[int, list[str]]:
    """The kinds of unresolved flags of the form's reports in a pk range, by report pk.

    A range rather than a list of pks: a chunk of thousands of reports would pass
    SQLite's limit on query parameters.
    """
    flags = Flag.objects.filter(
        report__form=form, report_id__gte=first_pk, report_id__lte=last_pk, resolved_at=None
    )
    found: dict[int, list[str]] = {}
    for report_id, kind in flags.order_by("report_id", "kind").values_list("report_id", "kind"):
        kinds = found.setdefault(report_id, [])
        if kind not in kinds:
            kinds.append(kind)
    return found


def chunked(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def streamed_rows(form: Form, chunk_size: int = CHUNK_SIZE) -> Iterator[list[tuple[Any, ...]]]:
    """Chunks of report_values from one cursor (server-side on PostgreSQL)."""
    return chunked(report_values(form).iterator(chunk_size=chunk_size), chunk_size)


def paged_rows(form: Form, chunk_size: int = CHUNK_SIZE) -> Iterator[list[tuple[Any, ...]]]:
    """Chunks of report_values, each its own query after the last pk seen.

    For the background task, which writes its progress between chunks: on SQLite a
    cursor left open across those writes would pin an old snapshot and fail them as
    soon as anybody else had written.
    """
    last_pk = 0
    while chunk := list(report_values(form).filter(pk__gt=last_pk)[:chunk_size]):
        yield chunk
        last_pk = chunk[-1][0]


def export_rows(
    form: Form, layout: ExportLayout, chunks: Iterable[list[tuple[Any, ...]]]
) -> Iterator[list[Any]]:
    """Each report as a list of cell values, in the header's order."""
    for chunk in chunks:
        flags = open_flags(form, chunk[0][0], chunk[-1][0])
        for values in chunk:
            yield _row(layout, values, flags.get(values[0], []))


def _row(layout: ExportLayout, values: tuple[Any, ...], flags: list[str]) -> list[Any]:
    (pk, uuid, station, area_code, area, observer, status, in_conflict) = values[:8]
    observed_at, received_at, version, answers = values[8:]
    if in_conflict and Flag.Kind.CONFLICT not in flags:
        flags = [*flags, Flag.Kind.CONFLICT]
    answers = answers or {}
    fixed = [
        str(uuid),
        station or "",
        area_code or "",
        area or "",
        observer,
        status,
        " ".join(flags),
        observed_at.astimezone(layout.tz),
        received_at.astimezone(layout.tz),
        version,
    ]
    return fixed + [_cell(layout, column, answers.get(column.name)) for column in layout.columns]


def _cell(layout: ExportLayout, column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.type == "select_one":
        return _choice(layout, column, value)
    if column.type == "select_multiple" and isinstance(value, list):
        shown = [_choice(layout, column, item) for item in value]
        return "; ".join(shown) if layout.labels else " ".join(shown)
    if column.type == "decimal":
        return _decimal(value)
    return value


def _choice(layout: ExportLayout, column: Column, value: Any) -> str:
    labels = column.choices.get(value)
    if not layout.labels or labels is None:
        return str(value)
    return label_in(labels, layout.language, layout.default_language) or str(value)


def _decimal(value: Any) -> Any:
    """Decimals are stored as exact text; a spreadsheet wants a number."""
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return value


# --- CSV --------------------------------------------------------------------------------


def csv_text(value: Any, *, excel: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    text = str(value)
    if excel and isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_chunks(
    form: Form,
    layout: ExportLayout,
    *,
    excel: bool = False,
    chunks: Iterable[list[tuple[Any, ...]]] | None = None,
) -> Iterator[bytes]:
    """The export as UTF-8 CSV in pieces of about CSV_FLUSH_BYTES.

    `excel` starts the file with a byte order mark, which Excel needs to read UTF-8,
    and neutralises text that Excel would run as a formula.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if excel:
        buffer.write(UTF8_BOM)
    writer.writerow(layout.header)
    rows = export_rows(form, layout, streamed_rows(form) if chunks is None else chunks)
    for row in rows:
        writer.writerow([csv_text(value, excel=excel) for value in row])
        if buffer.tell() >= CSV_FLUSH_BYTES:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()


def csv_filename(form: Form, *, labels: bool) -> str:
    suffix = "labels" if labels else "codes"
    return f"{form.mission.code}-{form.code}-{suffix}.csv"


# --- tables of figures (coverage, findings) ----------------------------------------------


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], *, excel: bool) -> str:
    """A small table (already aggregated in the database) as CSV text."""
    buffer = io.StringIO()
    if excel:
        buffer.write(UTF8_BOM)
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_text(value, excel=excel) for value in row])
    return buffer.getvalue()


COVERAGE_HEADER = ("station", "station_name", "area_code", "area", "reported")
FINDINGS_HEADER = (
    "question",
    "question_label",
    "area_code",
    "area",
    "answer",
    "answer_label",
    "finding",
    "count",
    "answered",
    "share",
    "estimate",
    "low",
    "high",
    "mean",
    "min",
    "max",
)
# The answer column of the row giving every negative choice together.
NEGATIVE_TOTAL = "(negative)"


def findings_rows(findings: dict[str, Any], language: str) -> Iterator[list[Any]]:
    """A form_findings dict as long rows: per question, overall then per area, per answer.

    `estimate`, `low` and `high` are the weighted share (or mean) and its 95 % interval,
    for a random sample only; `share` is the plain share of the answered.
    """
    default = findings.get("default_language") or "en"
    for question in findings["questions"]:
        label = label_in(question["label"], language, default) if question["label"] else ""
        places = [("", "", question["overall"])]
        places += [(area["code"], area["name"], area) for area in question["areas"]]
        for code, name, summary in places:
            start = [question["name"], label, code, name]
            for row in _summary_rows(question, summary, language, default):
                yield start + row


def _summary_rows(
    question: dict[str, Any], summary: dict[str, Any], language: str, default: str
) -> Iterator[list[Any]]:
    answered = summary.get("answered", 0)
    if "number" in summary:
        number = summary["number"]
        bounds = [number["min"], number["max"]]
        if question["type"] == "integer":
            # The database's MIN and MAX over JSON come back as floats.
            bounds = [int(value) if value is not None else None for value in bounds]
        yield [
            "",
            "",
            "",
            number["count"],
            answered,
            None,
            *_interval(number.get("estimate")),
            number["mean"],
            *bounds,
        ]
        return
    for choice, figures in zip(question["choices"], summary.get("choices", []), strict=True):
        shown = label_in(choice["label"], language, default) if choice["label"] else ""
        yield [
            choice["value"],
            shown,
            choice.get("finding", ""),
            figures["count"],
            answered,
            figures["share"],
            *_interval(figures.get("estimate")),
            None,
            None,
            None,
        ]
    negative = summary.get("negative")
    if negative is not None:
        yield [
            NEGATIVE_TOTAL,
            "",
            "negative",
            negative["count"],
            negative["answered"],
            negative["share"],
            *_interval(negative.get("estimate")),
            None,
            None,
            None,
        ]


def _interval(estimate: dict[str, Any] | None) -> list[Any]:
    if not estimate:
        return [None, None, None]
    return [estimate.get("value"), estimate.get("low"), estimate.get("high")]

"""Roster tables and the roster CSV, shared by the roster page and `pollwatch export roster`.

Every table is one aggregation in the database: a national mission may field thousands
of observers, and the page must not load them all to count them.
"""

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pollwatch.lib.countries import country_name
from pollwatch.missions.models import Observer

ROLES = Observer.ObserverRole


# Names for the countries observers usually come from (OSCE participating states,
# CIS and Turkic Council members, and a few more); any other code is shown as is.
@dataclass(frozen=True)
class SummaryRow:
    key: str
    label: str
    counts: tuple[int, ...]  # one per observer role, in ROLES order
    total: int


def _pivot_by_role(observers: QuerySet[Observer], field: str) -> dict[str, dict[str, int]]:
    """{value of `field`: {role: count}}, from one GROUP BY query."""
    table: dict[str, dict[str, int]] = {}
    grouped = observers.order_by().values(field, "role").annotate(n=Count("pk"))
    for row in grouped:
        table.setdefault(row[field], {})[row["role"]] = row["n"]
    return table


def _rows(table: dict[str, dict[str, int]], label) -> list[SummaryRow]:
    rows = []
    for key, by_role in table.items():
        counts = tuple(by_role.get(role, 0) for role in ROLES.values)
        rows.append(SummaryRow(key=key, label=label(key), counts=counts, total=sum(counts)))
    # Largest groups first; ties by name so the order is stable between loads.
    return sorted(rows, key=lambda row: (-row.total, row.label))


def by_nationality(observers: QuerySet[Observer]) -> list[SummaryRow]:
    return _rows(_pivot_by_role(observers, "nationality"), country_name)


def by_seconding_body(observers: QuerySet[Observer]) -> list[SummaryRow]:
    return _rows(
        _pivot_by_role(observers, "seconded_by"), lambda body: body or str(_("(not seconded)"))
    )


def by_role(observers: QuerySet[Observer]) -> list[tuple[str, int]]:
    """(role label, count) for every role, in ROLES order, zeros included."""
    counts = observers.order_by().aggregate(
        **{role: Count("pk", filter=Q(role=role)) for role in ROLES.values}
    )
    return [(str(label), counts[role]) for role, label in ROLES.choices]


def role_headers() -> list[str]:
    return [str(label) for label in ROLES.labels]


ROSTER_CSV_COLUMNS = [
    "name",
    "code",
    "nationality",
    "seconded_by",
    "role",
    "team",
    "phone",
    "languages",
    "accreditation_number",
    "accreditation_status",
    "accredited_from",
    "accredited_until",
]

# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: str) -> str:
    """Defuse spreadsheet formulas in free text, but keep phone numbers like +996... intact."""
    if value.startswith(_FORMULA_STARTS) and not value[1:].isdigit():
        return "'" + value
    return value


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _csv_row(observer: Observer) -> list[str]:
    return [
        _safe_cell(observer.name),
        observer.code,
        observer.nationality,
        _safe_cell(observer.seconded_by),
        observer.role,
        observer.team.code if observer.team else "",
        observer.phone,
        _safe_cell(observer.languages),
        _safe_cell(observer.accreditation_number),
        observer.accreditation_status,
        _date(observer.accredited_from),
        _date(observer.accredited_until),
    ]


class Writable(Protocol):
    def write(self, value: str, /) -> object: ...


class _Line:
    """A file-like object whose write() hands the CSV line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def iter_roster_csv(observers: QuerySet[Observer]) -> Iterator[str]:
    """The roster as CSV lines, header first, by name, reading the rows in chunks."""
    writer = csv.writer(_Line())
    yield writer.writerow(ROSTER_CSV_COLUMNS)
    ordered = observers.select_related("team").order_by("name", "code")
    rows: Iterable[Observer] = ordered.iterator(chunk_size=1000)
    for observer in rows:
        yield writer.writerow(_csv_row(observer))


def write_roster_csv(observers: QuerySet[Observer], out: Writable) -> int:
    """Write the roster CSV to `out`; returns the number of observers written."""
    count = -1  # the header is not an observer
    for line in iter_roster_csv(observers):
        out.write(line)
        count += 1
    return count

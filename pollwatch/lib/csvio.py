"""CSV reading for imports: decoding, header checks, numbered rows (no ORM, no requests;
only Django's gettext, so messages are translated).

Files come from spreadsheets saved on many machines, so this module is lenient where
it can be without guessing (a UTF-8 byte-order mark, a semicolon delimiter, header
case and spacing) and strict, with one clear message per problem, everywhere else.
Row numbers are file line numbers with the header as row 1, as a spreadsheet shows
them.
"""

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import IO

from django.utils.functional import Promise
from django.utils.translation import gettext as _

__all__ = [
    "Cells",
    "CsvTable",
    "ImportRejected",
    "RowError",
    "decode_csv_bytes",
    "guess_encoding",
    "normalise_header",
    "read_bytes",
    "read_csv",
    "sniff_delimiter",
]

# Bytes of text in a non-UTF-8 encoding are judged on a sample; a few kilobytes of
# names are plenty to tell Cyrillic from Western European text.
SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file: where (row, column) and what is wrong."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(row)d") % {"row": self.row})
        if self.column:
            where.append(_("column %(column)s") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportRejected(Exception):
    """The file had problems; nothing was imported. `errors` lists every one found."""

    def __init__(self, errors: Iterable[RowError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors[:5]))


@dataclass
class CsvTable:
    """A decoded, header-checked CSV: canonical column names and numbered rows."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delimiter: str = ","
    # Rows that could not be split into the header's columns; importers report these
    # together with their own checks of the other rows.
    errors: list[RowError] = field(default_factory=list)


def read_bytes(fileobj: IO[bytes] | IO[str] | bytes) -> bytes:
    """All the bytes of an uploaded file, an open file or a bytes value."""
    if isinstance(fileobj, bytes | bytearray):
        return bytes(fileobj)
    data = fileobj.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def guess_encoding(data: bytes) -> str | None:
    """A human name for the likely encoding of bytes that are not UTF-8, or None.

    A heuristic, not a detector: it only separates the encodings spreadsheets in the
    missions' regions actually produce. Cyrillic text in an 8-bit code page comes as
    whole words of bytes >= 0x80; Western European text has one accented letter here
    and there between ASCII letters.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _("UTF-16 (Excel's 'Unicode text')")
    sample = data[:SAMPLE_BYTES]
    if sample.count(0) > len(sample) // 10:
        return _("UTF-16 without a byte-order mark")
    high = [i for i, byte in enumerate(sample) if byte >= 0x80]
    if not high:
        return None
    in_runs = sum(
        1
        for i in high
        if (i > 0 and sample[i - 1] >= 0x80) or (i + 1 < len(sample) and sample[i + 1] >= 0x80)
    )
    if in_runs / len(high) > 0.5:
        return _cyrillic_code_page(sample, high)
    if any(0x80 <= sample[i] <= 0x9F for i in high):
        # Printable in cp1252 (quotes, dashes, the euro sign), control codes in latin-1.
        return _("cp1252 (Western European Windows)")
    return _("latin-1 (ISO-8859-1, Western European)")


def _cyrillic_code_page(sample: bytes, high: list[int]) -> str:
    # Lower-case letters dominate running text: cp1251 puts them at 0xE0-0xFF,
    # KOI8-R at 0xC0-0xDF.
    upper_half = sum(1 for i in high if sample[i] >= 0xE0)
    lower_half = sum(1 for i in high if 0xC0 <= sample[i] < 0xE0)
    if lower_half > upper_half:
        return _("KOI8-R (Cyrillic)")
    return _("cp1251 (Cyrillic Windows)")


def decode_csv_bytes(data: bytes) -> str:
    """The text of a UTF-8 file, without its byte-order mark; ImportRejected otherwise."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or 0 in data[:SAMPLE_BYTES]:
        raise ImportRejected([_not_utf8_error(data, None)])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportRejected([_not_utf8_error(data, line)]) from None


def _not_utf8_error(data: bytes, line: int | None) -> RowError:
    guess = guess_encoding(data)
    if guess is None:
        message = _(
            "The file is not UTF-8 and its encoding could not be recognised. "
            "Save it as UTF-8 (in Excel: 'CSV UTF-8') and try again."
        )
    else:
        message = _(
            "The file is not UTF-8; it looks like %(encoding)s. "
            "Save it as UTF-8 (in Excel: 'CSV UTF-8') and try again."
        ) % {"encoding": guess}
    return RowError(line, None, message)


def sniff_delimiter(header_line: str) -> str:
    """Comma or semicolon: Excel writes semicolons where the comma is a decimal mark."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def normalise_header(name: str) -> str:
    """'Registered voters ' and 'REGISTERED-VOTERS' both become 'registered_voters'."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def read_csv(
    fileobj: IO[bytes] | IO[str] | bytes,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
) -> CsvTable:
    """Decode and parse a CSV file whose header must name the required columns.

    Raises ImportRejected for an undecodable file or a bad header (every missing,
    unknown or repeated column at once), or for rows with more cells than the header.
    Rows with every cell empty are skipped; cells are stripped of surrounding spaces.
    """
    text = decode_csv_bytes(read_bytes(fileobj))
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise ImportRejected([RowError(1, None, _("The file is empty: it has no header row."))])
    columns = _check_header(header, list(required), list(optional))
    table = CsvTable(columns, delimiter=delimiter)
    _read_rows(reader, table)
    return table


def _check_header(header: list[str], required: list[str], optional: list[str]) -> list[str]:
    columns = [normalise_header(name) for name in header]
    known = set(required) | set(optional)
    errors = []
    for name in required:
        if name not in columns:
            errors.append(
                RowError(
                    1, name, _("The required column '%(column)s' is missing.") % {"column": name}
                )
            )
    seen: set[str] = set()
    for raw, name in zip(header, columns, strict=True):
        if not name:
            continue
        if name in seen:
            message = _("The column '%(column)s' appears twice.") % {"column": name}
            errors.append(RowError(1, name, message))
        elif name not in known:
            message = _("Unknown column '%(column)s'. The columns are: %(known)s.") % {
                "column": raw.strip(),
                "known": ", ".join([*required, *optional]),
            }
            errors.append(RowError(1, raw.strip(), message))
        seen.add(name)
    if errors:
        raise ImportRejected(errors)
    return columns


def _read_rows(reader, table: CsvTable) -> None:
    """Rows as {column: stripped value}, numbered by the line each record starts on."""
    width = len(table.columns)
    start = reader.line_num + 1
    for cells in reader:
        row_number, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            message = _("This row has %(cells)d cells but the header has %(columns)d columns.") % {
                "cells": len(cells),
                "columns": width,
            }
            table.errors.append(RowError(row_number, None, message))
            continue
        values = {name: cells[i].strip() for i, name in enumerate(table.columns[: len(cells)])}
        for name in table.columns[len(cells) :]:
            values[name] = ""
        values.pop("", None)
        table.rows.append((row_number, values))


class Cells:
    """Typed reads of one row's cells; a bad cell records a RowError and reads as None.

    Importers read every cell of every row this way, so one pass over a file finds
    every problem in it rather than stopping at the first.
    """

    __slots__ = ("errors", "row", "values")

    def __init__(self, row: int, values: dict[str, str], errors: list[RowError]):
        self.row = row
        self.values = values
        self.errors = errors

    def error(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))

    def text(
        self,
        column: str,
        *,
        required: bool = False,
        max_length: int | None = None,
        pattern: re.Pattern[str] | None = None,
        pattern_message: str | Promise = "",
    ) -> str | None:
        value = self.values.get(column, "")
        if not value:
            if required:
                self.error(column, _("This cell is empty; it is required."))
                return None
            return ""
        if max_length is not None and len(value) > max_length:
            message = _("Too long: %(length)d characters, at most %(max)d.")
            self.error(column, message % {"length": len(value), "max": max_length})
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.error(column, f"'{value}': {pattern_message}")
            return None
        return value

    def integer(
        self, column: str, *, required: bool = False, maximum: int = 2**31 - 1
    ) -> int | None:
        """A whole number >= 0; spaces and underscores between digit groups are allowed."""
        value = self.values.get(column, "")
        if not value:
            if required:
                self.error(column, _("This cell is empty; it is required."))
            return None
        digits = value.replace(" ", "").replace("\u00a0", "").replace("_", "")
        try:
            number = int(digits)
        except ValueError:
            self.error(column, _("'%(value)s' is not a whole number.") % {"value": value})
            return None
        if number < 0:
            self.error(column, _("%(value)s is negative; it must be 0 or more.") % {"value": value})
            return None
        if number > maximum:
            message = _("%(value)s is too large; at most %(max)d.")
            self.error(column, message % {"value": value, "max": maximum})
            return None
        return number

    def decimal(
        self, column: str, *, minimum: Decimal, maximum: Decimal, places: int
    ) -> Decimal | None:
        """A number in [minimum, maximum], rounded to `places`; a decimal comma is allowed."""
        value = self.values.get(column, "")
        if not value:
            return None
        try:
            number = Decimal(value.replace(",", ".", 1) if "." not in value else value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self.error(column, _("'%(value)s' is not a number.") % {"value": value})
            return None
        if not minimum <= number <= maximum:
            message = _("%(value)s is out of range; it must be between %(min)s and %(max)s.")
            self.error(column, message % {"value": value, "min": minimum, "max": maximum})
            return None
        return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)

    def date(self, column: str) -> dt.date | None:
        value = self.values.get(column, "")
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            message = _("'%(value)s' is not a date; write it as YYYY-MM-DD, e.g. 2017-10-15.")
            self.error(column, message % {"value": value})
            return None

    def choice(
        self, column: str, choices: Mapping[str, str], *, default: str | None = None
    ) -> str | None:
        """One of `choices` (keys are accepted spellings, normalised like headers)."""
        value = self.values.get(column, "")
        if not value:
            if default is None:
                self.error(column, _("This cell is empty; it is required."))
            return default
        found = choices.get(normalise_header(value))
        if found is None:
            message = _("'%(value)s' is not one of: %(choices)s.")
            allowed = ", ".join(sorted(set(choices.values())))
            self.error(column, message % {"value": value, "choices": allowed})
        return found

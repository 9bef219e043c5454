"""CSV reading for the database-free statistics commands (`pvt`, `forensics`).

These commands take any results file a mission has at hand, with the columns named
on the command line, so the importers' fixed-header reader does not fit; decoding and
delimiter rules are the importers' own (pollwatch.lib.csvio). Every problem is an
exit-status-2 CommandError naming the file, row (as a spreadsheet numbers it, header
= 1) and column; nothing is written when there is one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from pollwatch.lib.csvio import ImportRejected, decode_csv_bytes, normalise_header, sniff_delimiter

# Problems listed in one error message; the rest are counted.
SHOWN_PROBLEMS = 10


def fail(message: str) -> CommandError:
    """Bad input: exit status 2, like argparse's own usage errors."""
    return CommandError(message, returncode=2)


@dataclass
class Table:
    """A CSV file's rows as {normalised column: stripped cell}, with line numbers."""

    path: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]

    def require(self, *names: str) -> None:
        """A CommandError naming the first column the file does not have."""
        known = {normalise_header(name) for name in self.header}
        for name in names:
            if normalise_header(name) not in known:
                raise fail(
                    _("%(file)s has no column '%(column)s'. Its columns are: %(columns)s.")
                    % {"file": self.path, "column": name, "columns": ", ".join(self.header)}
                )

    def text(self, column: str) -> list[str]:
        """A column's cells; an empty one is an error naming its row."""
        self.require(column)
        key = normalise_header(column)
        problems = [
            _("row %(row)d, column %(column)s: the cell is empty.")
            % {"row": line, "column": column}
            for line, values in self.rows
            if not values.get(key)
        ]
        self.raise_problems(problems)
        return [values[key] for _line, values in self.rows]

    def numbers(self, *specs: str, allow_empty: bool = False) -> list[np.ndarray]:
        """Whole numbers >= 0 per spec: one column, or several joined by '+' (summed).

        Every cell of every spec is checked before the one error listing all problems.
        With allow_empty an empty cell reads as NaN (a sampled station that has not
        reported yet).
        """
        parsed = [[part.strip() for part in spec.split("+") if part.strip()] for spec in specs]
        for spec, columns in zip(specs, parsed, strict=True):
            if not columns:
                raise fail(_("No column named in '%(spec)s'.") % {"spec": spec})
            self.require(*columns)
        problems: list[str] = []
        cache: dict[str, np.ndarray] = {}
        for column in dict.fromkeys(c for columns in parsed for c in columns):
            cache[column] = self._column_numbers(column, allow_empty, problems)
        self.raise_problems(problems)
        return [sum((cache[c] for c in columns), np.zeros(len(self.rows))) for columns in parsed]

    def _column_numbers(self, column: str, allow_empty: bool, problems: list[str]) -> np.ndarray:
        key = normalise_header(column)
        out = np.empty(len(self.rows))
        for i, (line, values) in enumerate(self.rows):
            cell = values.get(key, "")
            where = {"row": line, "column": column, "value": cell}
            if not cell:
                out[i] = np.nan
                if not allow_empty:
                    problems.append(_("row %(row)d, column %(column)s: the cell is empty.") % where)
                continue
            try:
                number = int(cell.replace(" ", "").replace("\u00a0", "").replace("_", ""))
            except ValueError:
                problems.append(
                    _("row %(row)d, column %(column)s: '%(value)s' is not a whole number.") % where
                )
                continue
            if number < 0:
                problems.append(_("row %(row)d, column %(column)s: %(value)s is negative.") % where)
                continue
            out[i] = number
        return out

    def raise_problems(self, problems: list[str]) -> None:
        if not problems:
            return
        shown = problems[:SHOWN_PROBLEMS]
        if len(problems) > SHOWN_PROBLEMS:
            shown.append(_("... and %(count)d more.") % {"count": len(problems) - SHOWN_PROBLEMS})
        raise fail(
            _("Nothing was done: %(count)d problem(s) in %(file)s:")
            % {"count": len(problems), "file": self.path}
            + "\n  "
            + "\n  ".join(shown)
        )


def read_table(path: str) -> Table:
    """Decode (UTF-8, optional BOM; comma or semicolon) and split a CSV file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise fail(
            _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror}
        ) from None
    try:
        text = decode_csv_bytes(data)
    except ImportRejected as rejected:
        raise fail(f"{path}: {rejected}") from None
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=sniff_delimiter(text.split("\n", 1)[0])
    )
    header = [cell.strip() for cell in next(reader, [])]
    if not any(header):
        raise fail(_("%(file)s is empty: it has no header row.") % {"file": path})
    keys = [normalise_header(name) for name in header]
    rows: list[tuple[int, dict[str, str]]] = []
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if any(cell.strip() for cell in cells):
            rows.append((line, {k: c.strip() for k, c in zip(keys, cells, strict=False) if k}))
    if not rows:
        raise fail(_("%(file)s has a header but no rows.") % {"file": path})
    return Table(path, header, rows)


def write_output(content: str, output: str | None, stdout) -> None:
    """To FILE when given (written whole, only once everything succeeded), else stdout."""
    if output:
        try:
            Path(output).write_text(content, encoding="utf-8")
        except OSError as exc:
            raise fail(
                _("Cannot write %(file)s: %(reason)s") % {"file": output, "reason": exc.strerror}
            ) from None
    else:
        stdout.write(content, ending="")

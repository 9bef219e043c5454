"""`pollwatch import stations FILE --election CODE`: stations (and their areas) from CSV."""

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pollwatch.elections.imports import STATION_COLUMNS, STATION_OPTIONAL, import_stations
from pollwatch.elections.models import Election
from pollwatch.lib.csvio import ImportRejected


def console_for(stream: OutputWrapper) -> Console:
    """A rich console on the command's own stream (call_command may pass a StringIO)."""
    return Console(file=cast(IO[str], getattr(stream, "_out", stream)), highlight=False)


@contextlib.contextmanager
def progress_bar(stream: OutputWrapper, label: str) -> Iterator[Callable[[int, int], None]]:
    """A `progress(done, total)` callable drawing a bar on a terminal, silent elsewhere."""
    console = console_for(stream)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def reject(stream: OutputWrapper, path: str, rejected: ImportRejected) -> CommandError:
    """Print every problem as a table and return the error that makes the exit status 1."""
    table = Table(title=_("Problems in %(file)s") % {"file": path})
    table.add_column(_("Row"), justify="right")
    table.add_column(_("Column"))
    table.add_column(_("Problem"))
    for error in rejected.errors:
        table.add_row(str(error.row or ""), error.column or "", error.message)
    console_for(stream).print(table)
    return CommandError(
        _("Nothing was imported: %(count)d problem(s) found in %(file)s.")
        % {"count": len(rejected.errors), "file": path}
    )


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(
            _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror}
        ) from None


def get_election(code: str) -> Election:
    election = Election.objects.filter(code=code).first()
    if election is None:
        raise CommandError(_("There is no election with the code %(code)s.") % {"code": code})
    return election


class Command(BaseCommand):
    help = (
        "Import polling stations of an election from a CSV file, all or nothing. "
        f"Columns: {','.join(STATION_COLUMNS)} and optionally {','.join(STATION_OPTIONAL)}. "
        "Existing station codes are updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8, comma or semicolon separated")
        parser.add_argument("--election", required=True, help="the election's code")

    def handle(self, *args: Any, **options: Any) -> None:
        election = get_election(options["election"])
        data = read_file(options["file"])
        try:
            with progress_bar(self.stderr, _("Stations")) as progress:
                result = import_stations(election, data, progress=progress)
        except ImportRejected as rejected:
            raise reject(self.stderr, options["file"], rejected) from None
        self.stdout.write(
            _(
                "Imported %(rows)d rows into %(election)s: %(created)d stations created, "
                "%(updated)d updated, %(unchanged)d unchanged; %(areas_created)d areas "
                "created, %(areas_updated)d updated."
            )
            % {
                "rows": result.rows,
                "election": election.code,
                "created": result.stations_created,
                "updated": result.stations_updated,
                "unchanged": result.stations_unchanged,
                "areas_created": result.areas_created,
                "areas_updated": result.areas_updated,
            }
        )

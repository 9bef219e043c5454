"""Terminal output shared by the import commands: progress bars and problem tables."""

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, cast

from django.core.management.base import CommandError, OutputWrapper
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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

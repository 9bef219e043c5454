"""`pollwatch import_areas FILE --election CODE`: an election's area tree from CSV."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pollwatch.elections.imports import AREA_COLUMNS, AREA_OPTIONAL, import_areas
from pollwatch.elections.management.commands.import_stations import get_election
from pollwatch.lib.csvio import ImportRejected
from pollwatch.lib.terminal import progress_bar, read_file, reject


class Command(BaseCommand):
    help = (
        "Import administrative areas of an election from a CSV file, all or nothing. "
        f"Columns: {','.join(AREA_COLUMNS)} and optionally {','.join(AREA_OPTIONAL)}; "
        "parents may come after their children. Existing area codes are renamed, never moved."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8, comma or semicolon separated")
        parser.add_argument("--election", required=True, help="the election's code")

    def handle(self, *args: Any, **options: Any) -> None:
        election = get_election(options["election"])
        data = read_file(options["file"])
        try:
            with progress_bar(self.stderr, _("Areas")) as progress:
                result = import_areas(election, data, progress=progress)
        except ImportRejected as rejected:
            raise reject(self.stderr, options["file"], rejected) from None
        self.stdout.write(
            _(
                "Imported %(rows)d rows into %(election)s: %(created)d areas created, %(updated)d updated."
            )
            % {
                "rows": result.rows,
                "election": election.code,
                "created": result.areas_created,
                "updated": result.areas_updated,
            }
        )

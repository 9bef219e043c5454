"""`pollwatch import stations FILE --election CODE`: stations (and their areas) from CSV."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pollwatch.elections.imports import STATION_COLUMNS, STATION_OPTIONAL, import_stations
from pollwatch.elections.models import Election
from pollwatch.lib.csvio import ImportRejected
from pollwatch.lib.terminal import progress_bar, read_file, reject


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

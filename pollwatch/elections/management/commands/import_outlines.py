"""`pollwatch import outlines FILE --election CODE [--property code]`: area outlines."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pollwatch.elections.management.commands.import_stations import get_election
from pollwatch.elections.outlines import DEFAULT_PROPERTY, import_outlines
from pollwatch.lib.csvio import ImportRejected
from pollwatch.lib.terminal import read_file, reject


class Command(BaseCommand):
    help = (
        "Import the outlines of an election's areas (for the map) from a GeoJSON "
        "FeatureCollection of Polygons or MultiPolygons in WGS 84, all or nothing. "
        "Each feature names its area's code in a property (--property, default 'code')."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON file, UTF-8")
        parser.add_argument("--election", required=True, help="the election's code")
        parser.add_argument(
            "--property",
            default=DEFAULT_PROPERTY,
            help="the feature property holding the area code (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        election = get_election(options["election"])
        data = read_file(options["file"])
        try:
            result = import_outlines(election, data, code_property=options["property"])
        except ImportRejected as rejected:
            raise reject(self.stderr, options["file"], rejected) from None
        self.stdout.write(
            _("Imported %(features)d outlines into %(election)s: %(areas)d areas updated.")
            % {
                "features": result.features,
                "election": election.code,
                "areas": result.areas_updated,
            }
        )

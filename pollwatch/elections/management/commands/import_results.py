"""`pollwatch import results FILE --election CODE [--map COLUMN=TARGET ...]`.

Official per-station results from CSV, replacing the election's earlier ones, all or
nothing. TARGET is a field (station, registered, ballots_issued, ballots_found,
invalid, valid) or a candidate (ballot number, name or party short name). Columns
not given are guessed from the header, as the upload page does, and the mapping used
is printed.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pollwatch.elections.management.commands.import_stations import get_election
from pollwatch.elections.results import (
    CHECK_TITLES,
    FIELD_LABELS,
    FIELDS,
    ResultsMapping,
    guess_mapping,
    import_results,
    read_header,
)
from pollwatch.lib.csvio import ImportRejected, normalise_header
from pollwatch.lib.terminal import read_file, reject


def parse_maps(pairs: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(field -> column, column -> candidate reference) from COLUMN=TARGET pairs."""
    fields: dict[str, str] = {}
    candidates: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise CommandError(_("--map takes COLUMN=TARGET, not '%(pair)s'.") % {"pair": pair})
        if normalise_header(target) in FIELDS:
            fields[normalise_header(target)] = column.strip()
        else:
            candidates[column.strip()] = target.strip()
    return fields, candidates


def merged_mapping(guess: ResultsMapping, fields: dict, candidates: dict) -> ResultsMapping:
    """The user's pairs, completed by the guess where they leave a column or field open."""
    given = {normalise_header(c) for c in [*fields.values(), *candidates]}
    mapping = ResultsMapping(dict(fields), dict(candidates))
    for name, column in guess.fields.items():
        if name not in mapping.fields and normalise_header(column) not in given:
            mapping.fields[name] = column
    for column, candidate in guess.candidates.items():
        if normalise_header(column) not in given:
            mapping.candidates[column] = candidate
    return mapping


class Command(BaseCommand):
    help = (
        "Import official per-station results from a CSV file, replacing the election's "
        "earlier results, all or nothing. Rows whose own figures do not add up are imported "
        "and flagged."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8, comma or semicolon separated")
        parser.add_argument("--election", required=True, help="the election's code")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=TARGET",
            help=(
                "a column's meaning: TARGET is one of "
                f"{', '.join(FIELDS)}, or a candidate's ballot number, name or party "
                "short name; repeat as needed. Columns not given are guessed."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        election = get_election(options["election"])
        data = read_file(options["file"])
        fields, candidates = parse_maps(options["map"])
        try:
            header = read_header(data)
            mapping = merged_mapping(guess_mapping(election, header), fields, candidates)
            self._print_mapping(mapping)
            result = import_results(election, data, mapping)
        except ImportRejected as rejected:
            raise reject(self.stderr, options["file"], rejected) from None
        message = _(
            "Imported %(rows)d official results into %(election)s (%(replaced)d earlier "
            "results replaced); %(flagged)d rows flagged."
        )
        self.stdout.write(
            message
            % {
                "rows": result.rows,
                "election": election.code,
                "replaced": result.replaced,
                "flagged": result.flagged,
            }
        )
        for check, count in result.by_check.items():
            self.stdout.write(f"  {CHECK_TITLES[check]}: {count}")

    def _print_mapping(self, mapping: ResultsMapping) -> None:
        for name in FIELDS:
            if name in mapping.fields:
                self.stdout.write(f"  {mapping.fields[name]} -> {FIELD_LABELS[name]}")
        for column, candidate in mapping.candidates.items():
            self.stdout.write(f"  {column} -> {candidate}")

"""`pollwatch export roster --mission CODE [--output FILE]`: the roster as CSV.

An operator's tool: it reads the mission directly, not through a user's membership,
and writes the same CSV as the roster page's download.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pollwatch.missions.models import Mission, Observer
from pollwatch.missions.roster import write_roster_csv


class Command(BaseCommand):
    help = "Write a mission's observer roster as CSV (to standard output by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mission", required=True, help="the mission's code")
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, *args, mission: str, output: str | None, **options) -> None:
        found = Mission.objects.filter(code=mission).first()
        if found is None:
            raise CommandError(f"There is no mission with the code {mission!r}.")
        observers = Observer.objects.filter(mission=found)
        if output is None:
            write_roster_csv(observers, self.stdout)
            return
        # newline="" lets the csv module write its own line endings unchanged.
        with open(output, "w", encoding="utf-8", newline="") as out:
            count = write_roster_csv(observers, out)
        self.stderr.write(f"Wrote {count} observers of {found.code} to {output}.")

"""`pollwatch pvt_draw --mission CODE --size N [--seed S] [--stratum-level L] [--minimum M]`.

The database side of the draw (`pollwatch pvt sample` draws from a CSV frame): it
reads the mission directly, as an operator's tool, not through a user's membership,
draws exactly as the sample page does (services.draw_sample_for) and makes the draw
the mission's sample in use. `--output FILE` also writes the page's CSV.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pollwatch.missions.models import Mission
from pollwatch.pvt import services
from pollwatch.pvt.models import SampledStation
from pollwatch.pvt.views import write_sample_csv


class Command(BaseCommand):
    help = "Draw a mission's quick-count sample with a recorded seed and make it the one in use."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mission", required=True, help="the mission's code")
        parser.add_argument("--size", required=True, type=int, help="stations to draw")
        parser.add_argument("--seed", help="the seed (default: a new random one, printed)")
        parser.add_argument("--stratum-level", default="", help="an area level, e.g. region")
        parser.add_argument("--minimum", type=int, default=0, help="minimum stations per stratum")
        parser.add_argument("--output", "-o", help="also write the drawn stations as CSV here")

    def handle(self, *args: Any, **options: Any) -> None:
        mission = Mission.objects.select_related("election").filter(code=options["mission"]).first()
        if mission is None:
            raise CommandError(f"There is no mission with the code {options['mission']!r}.")
        seed = options["seed"] or services.new_seed()
        try:
            sample = services.draw_sample_for(
                mission,
                size=options["size"],
                seed=seed,
                stratum_level=options["stratum_level"],
                minimum=options["minimum"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        count = SampledStation.objects.filter(sample=sample).count()
        self.stdout.write(f"Drew {count} stations for {mission.code} with the seed {seed}.")
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                write_sample_csv(sample, out)
            self.stderr.write(f"Wrote the sample to {options['output']}.")

"""`pollwatch forensics RESULTS.csv ...`: forensic tests on official station results.

Integer percentages (Kobak et al.), second digit (Mebane) and last digit (Beber &
Scacco) of the winner's votes, and optionally the fingerprint as SVG. No database:
it runs on a laptop on a results file as published. Every test flags, none proves.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from rich.table import Table as RichTable

from pollwatch.lib.terminal import console_for
from pollwatch.pvt.management.commands._tables import fail, read_table, write_output
from pollwatch.pvt.stats.forensics import (
    DigitTest,
    IntegerPercentages,
    fingerprint,
    fingerprint_svg,
    integer_percentages,
    last_digit,
    second_digit,
)


class Command(BaseCommand):
    help = (
        "Forensic tests on official results per station: integer percentages, second "
        "and last digits, fingerprint. They flag patterns worth a look; they prove nothing."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("results", help="CSV with one row per polling station")
        parser.add_argument("--registered", required=True, help="registered voters column")
        parser.add_argument(
            "--issued", required=True, help="ballots issued: a column or columns joined by +"
        )
        parser.add_argument(
            "--found", required=True, help="ballots found in the box: column(s) joined by +"
        )
        parser.add_argument("--winner", required=True, help="the winner's (leader's) votes")
        parser.add_argument(
            "--simulations",
            type=int,
            default=0,
            help="simulate N elections (Kobak et al.) instead of the exact binomial sum",
        )
        parser.add_argument("--seed", type=int, default=0, help="seed of the simulations")
        parser.add_argument("--svg", help="write the turnout/winner fingerprint to this SVG file")
        parser.add_argument("--json", action="store_true", help="JSON instead of tables")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["simulations"] < 0 or options["simulations"] == 1:
            raise fail(_("--simulations must be 0 (exact) or at least 2."))
        results = read_table(options["results"])
        results.require(
            *[
                part.strip()
                for spec in ("registered", "issued", "found", "winner")
                for part in options[spec].split("+")
            ]
        )
        registered, issued, found, winner = results.numbers(
            options["registered"], options["issued"], options["found"], options["winner"]
        )
        simulations = options["simulations"]
        integers = integer_percentages(
            registered,
            issued,
            found,
            winner,
            simulations=simulations,
            seed=options["seed"],
            exact=simulations == 0,
        )
        digits = [second_digit(winner), last_digit(winner)]
        if options["svg"]:
            with np.errstate(invalid="ignore", divide="ignore"):
                usable = (registered > 0) & (found > 0)
                fp = fingerprint(
                    np.minimum(issued[usable] / registered[usable], 1),
                    winner[usable] / found[usable],
                    found[usable],
                )
            svg = fingerprint_svg(fp, x_label=_("Turnout"), y_label=_("Winner's share"))
            write_output(svg, options["svg"], self.stdout)
        if options["json"]:
            self.stdout.write(json.dumps(forensics_json(integers, digits), indent=2))
        else:
            self.print_results(integers, digits)

    def print_results(self, integers: IntegerPercentages, digits: list[DigitTest]) -> None:
        console = console_for(self.stdout)
        table = RichTable(title=_("Integer percentages (Kobak et al.)"))
        for name in (_("Stations"), _("Observed"), _("Expected"), _("SD"), _("Excess"), "z"):
            table.add_column(name, justify="right")
        table.add_row(
            str(integers.stations),
            str(integers.observed),
            f"{integers.expected:.1f}",
            f"{integers.sd:.1f}",
            f"{integers.excess:+.1f}",
            f"{integers.z:+.2f}",
        )
        console.print(table)
        if integers.method == "simulation":
            console.print(_("Expected from %(n)d simulations.") % {"n": integers.simulations})
        else:
            console.print(_("Expected from exact binomial probabilities."))
        console.print(_(integers.caveat))
        digit_table = RichTable(title=_("Digits of the winner's votes (counts of 10 or more)"))
        for name in (_("Test"), _("Counts"), _("Chi-square"), _("df"), _("p-value")):
            digit_table.add_column(name)
        labels = {
            "second_digit": _("Second digit (Mebane)"),
            "last_digit": _("Last digit (Beber & Scacco)"),
        }
        for test in digits:
            digit_table.add_row(
                labels[test.name],
                str(test.n),
                f"{test.chi2:.2f}",
                str(test.df),
                f"{test.p_value:.4f}",
            )
        console.print(digit_table)
        for test in digits:
            console.print(_(test.caveat))


def forensics_json(integers: IntegerPercentages, digits: list[DigitTest]) -> dict[str, Any]:
    """Plain JSON types; caveats translated."""
    return {
        "integer_percentages": {
            "stations": integers.stations,
            "observed": integers.observed,
            "expected": integers.expected,
            "sd": integers.sd,
            "excess": integers.excess,
            "z": integers.z,
            "method": integers.method,
            "simulations": integers.simulations,
            "caveat": _(integers.caveat),
        },
        **{
            test.name: {
                "n": test.n,
                "observed": test.observed.tolist(),
                "expected": test.expected.tolist(),
                "chi2": test.chi2,
                "df": test.df,
                "p_value": test.p_value,
                "caveat": _(test.caveat),
            }
            for test in digits
        },
    }

"""`pollwatch pvt sample|estimate`: the quick count's draw and estimate from CSV files.

Neither touches the database: a mission can plan and check a quick count on a laptop
with no installation beyond the package (requires_system_checks is empty and no model
is imported).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from rich.table import Table as RichTable

from pollwatch.lib.terminal import console_for
from pollwatch.pvt.management.commands._tables import Table, fail, read_table, write_output
from pollwatch.pvt.stats.call import describe_call, make_call
from pollwatch.pvt.stats.design import SampleError, draw_sample
from pollwatch.pvt.stats.estimate import EstimateError, RatioEstimate, ratio_estimate


class Command(BaseCommand):
    help = "Quick count: draw a stratified sample of stations, or estimate shares from results."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="sample|estimate")
        sample = actions.add_parser(
            "sample",
            help="draw the sample from a frame of stations (keyed-hash order, reproducible)",
        )
        sample.add_argument("frame", help="CSV file with one row per polling station")
        sample.add_argument("--station", required=True, help="column of station codes")
        sample.add_argument("--stratum", required=True, help="column of strata")
        sample.add_argument("--size", required=True, type=int, help="stations to draw")
        sample.add_argument("--seed", required=True, help="the recorded seed (any text)")
        sample.add_argument("--minimum", type=int, default=0, help="minimum per stratum")
        sample.add_argument("--output", help="write the sample CSV here instead of stdout")

        estimate = actions.add_parser("estimate", help="ratio estimates with margins")
        estimate.add_argument("results", help="CSV with one row per sampled station")
        estimate.add_argument("--frame", required=True, help="the sampling frame CSV")
        estimate.add_argument("--station", required=True, help="station column (both files)")
        estimate.add_argument("--stratum", required=True, help="stratum column of the frame")
        estimate.add_argument("--parent", help="frame column of each stratum's parent area")
        estimate.add_argument(
            "--denominator", required=True, help="column, or columns joined by +, e.g. valid"
        )
        estimate.add_argument(
            "--candidate", required=True, action="append", help="a vote column (repeatable)"
        )
        estimate.add_argument(
            "--confidence", type=float, action="append", help="default: 0.95 and 0.99"
        )
        estimate.add_argument("--call", action="store_true", help="also make the call")
        estimate.add_argument("--threshold", type=float, default=0.5, help="for --call")
        estimate.add_argument("--json", action="store_true", help="JSON instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sample":
            self.sample(options)
        else:
            self.estimate(options)

    # --- sample -------------------------------------------------------------------

    def sample(self, options: dict[str, Any]) -> None:
        frame = read_table(options["frame"])
        frame.require(options["station"], options["stratum"])
        stations = frame.text(options["station"])
        strata = frame.text(options["stratum"])
        _check_unique(frame, stations, options["station"])
        size, minimum = options["size"], options["minimum"]
        if size < 1:
            raise fail(_("--size must be at least 1 (got %(size)d).") % {"size": size})
        if size > len(stations):
            raise fail(
                _("--size %(size)d is larger than the frame %(file)s (%(count)d stations).")
                % {"size": size, "file": frame.path, "count": len(stations)}
            )
        if minimum < 0:
            raise fail(_("--minimum cannot be negative."))
        try:
            rows = draw_sample(zip(stations, strata, strict=True), size, options["seed"], minimum)
        except SampleError as exc:
            raise fail(str(exc)) from None
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["station", "stratum", "N_h", "n_h", "weight"])
        writer.writerows([r.station, r.stratum, r.N_h, r.n_h, repr(r.weight)] for r in rows)
        write_output(out.getvalue(), options["output"], self.stdout)
        self.stderr.write(
            _("Drew %(size)d of %(count)d stations in %(strata)d strata with seed %(seed)s.")
            % {
                "size": len(rows),
                "count": len(stations),
                "strata": len(set(strata)),
                "seed": options["seed"],
            }
        )

    # --- estimate -----------------------------------------------------------------

    def estimate(self, options: dict[str, Any]) -> None:
        frame = read_table(options["frame"])
        frame.require(options["station"], options["stratum"])
        frame_stations = frame.text(options["station"])
        frame_strata = frame.text(options["stratum"])
        _check_unique(frame, frame_stations, options["station"])
        stratum_of = dict(zip(frame_stations, frame_strata, strict=True))
        sizes = dict(Counter(frame_strata))
        parents = _parents(frame, frame_strata, options["parent"]) if options["parent"] else None

        results = read_table(options["results"])
        results.require(options["station"])
        stations = results.text(options["station"])
        _check_unique(results, stations, options["station"])
        _check_in_frame(results, stations, stratum_of, frame.path)
        strata = np.array([stratum_of[s] for s in stations])
        candidates = options["candidate"]
        *columns, x = results.numbers(*candidates, options["denominator"], allow_empty=True)
        votes = np.column_stack(columns)
        reported = _reported_rows(results, votes, x, candidates, options["denominator"])
        confidences = tuple(options["confidence"] or (0.95, 0.99))
        for confidence in confidences:
            if not 0 < confidence < 1:
                raise fail(_("--confidence must be between 0 and 1, e.g. 0.95."))
        try:
            estimate = ratio_estimate(
                votes[reported],
                x[reported],
                strata[reported],
                sizes,
                confidences=confidences,
                parents=parents,
                names=candidates,
                sampled=dict(Counter(strata.tolist())),
            )
        except EstimateError as exc:
            raise fail(str(exc)) from None
        call = (
            make_call(estimate, options["threshold"], confidences[-1]) if options["call"] else None
        )
        if options["json"]:
            self.stdout.write(json.dumps(estimate_json(estimate, call), indent=2))
        else:
            self.print_estimate(estimate, call)

    def print_estimate(self, estimate: RatioEstimate, call) -> None:
        console = console_for(self.stdout)
        table = RichTable(title=_("Ratio estimates"))
        table.add_column(_("Candidate"))
        table.add_column(_("Share %"), justify="right")
        table.add_column(_("SE (points)"), justify="right")
        for c in estimate.confidences:
            table.add_column(_("±%(c)g %%") % {"c": c * 100}, justify="right")
            table.add_column(_("Interval %(c)g %%") % {"c": c * 100}, justify="right")
        for cand in estimate.candidates:
            cells = [cand.name, f"{cand.share * 100:.3f}", f"{cand.se * 100:.3f}"]
            for c in estimate.confidences:
                low, high = cand.intervals[c]
                cells += [f"{cand.margins[c] * 100:.3f}", f"{low * 100:.2f}–{high * 100:.2f}"]
            table.add_row(*cells)
        console.print(table)
        strata = RichTable(title=_("Reports per stratum"))
        for name in (_("Stratum"), _("Frame stations"), _("Reported"), _("Estimated with")):
            strata.add_column(name)
        for row in estimate.strata:
            strata.add_row(
                row.stratum,
                str(row.N_h),
                _k_of_n(row.reporting, row.sampled),
                row.group if row.group != row.stratum else "",
            )
        console.print(strata)
        console.print(_("Reported: %(k)s.") % {"k": _k_of_n(estimate.reporting, estimate.sampled)})
        for merge in estimate.merges:
            console.print(
                _("Stratum %(stratum)s (%(k)d report(s)) was merged into %(into)s.")
                % {"stratum": merge.stratum, "k": merge.reporting, "into": merge.into}
            )
        if call is not None:
            console.print(describe_call(call))


def _k_of_n(k: int, n: int | None) -> str:
    if not n:
        return str(k)
    return _("%(k)d of %(n)d (%(pct).1f %%)") % {"k": k, "n": n, "pct": 100 * k / n}


def estimate_json(estimate: RatioEstimate, call=None) -> dict[str, Any]:
    """The estimate as plain JSON types (confidences as strings, e.g. "0.95")."""
    return {
        "reporting": estimate.reporting,
        "sampled": estimate.sampled,
        "confidences": list(estimate.confidences),
        "candidates": [
            {
                "name": c.name,
                "share": c.share,
                "se": c.se,
                "margins": {str(k): v for k, v in c.margins.items()},
                "intervals": {str(k): list(v) for k, v in c.intervals.items()},
            }
            for c in estimate.candidates
        ],
        "strata": [
            {
                "stratum": s.stratum,
                "N_h": s.N_h,
                "reporting": s.reporting,
                "sampled": s.sampled,
                "group": s.group,
            }
            for s in estimate.strata
        ],
        "merges": [
            {
                "stratum": m.stratum,
                "into": m.into,
                "reporting": m.reporting,
                "same_parent": m.same_parent,
            }
            for m in estimate.merges
        ],
        "call": None
        if call is None
        else {
            "code": call.code,
            "leader": call.leader,
            "lower": call.lower,
            "upper": call.upper,
            "second_too_close": call.second_too_close,
            "text": describe_call(call),
        },
    }


def _check_unique(table: Table, stations: list[str], column: str) -> None:
    first: dict[str, int] = {}
    problems = []
    for (line, _values), code in zip(table.rows, stations, strict=True):
        if code in first:
            problems.append(
                _(
                    "row %(row)d, column %(column)s: station %(code)s already appears in row %(first)d."
                )
                % {"row": line, "column": column, "code": code, "first": first[code]}
            )
        else:
            first[code] = line
    table.raise_problems(problems)


def _check_in_frame(table: Table, stations: list[str], frame: dict[str, str], path: str) -> None:
    problems = [
        _("row %(row)d: station %(code)s is not in the frame %(frame)s.")
        % {"row": line, "code": code, "frame": path}
        for (line, _values), code in zip(table.rows, stations, strict=True)
        if code not in frame
    ]
    table.raise_problems(problems)


def _parents(frame: Table, strata: list[str], column: str) -> dict[str, str]:
    """{stratum: parent}; a stratum given two parents is an error."""
    parents: dict[str, str] = {}
    problems = []
    for (line, _values), stratum, parent in zip(
        frame.rows, strata, frame.text(column), strict=True
    ):
        if parents.setdefault(stratum, parent) != parent:
            problems.append(
                _(
                    "row %(row)d, column %(column)s: stratum %(stratum)s has parent %(parent)s here but %(other)s above."
                )
                % {
                    "row": line,
                    "column": column,
                    "stratum": stratum,
                    "parent": parent,
                    "other": parents[stratum],
                }
            )
    frame.raise_problems(problems)
    return parents


def _reported_rows(
    results: Table, votes: np.ndarray, x: np.ndarray, candidates: list[str], denominator: str
) -> np.ndarray:
    """Rows with every number (reported) or none (not yet); half-filled rows are errors."""
    filled = np.column_stack([~np.isnan(votes), ~np.isnan(x)])
    partial = filled.any(axis=1) & ~filled.all(axis=1)
    names = [*candidates, denominator]
    problems = [
        _("row %(row)d: the cell of %(column)s is empty while others are filled.")
        % {"row": results.rows[i][0], "column": names[int(np.argmin(filled[i]))]}
        for i in np.flatnonzero(partial)
    ]
    results.raise_problems(problems)
    return np.asarray(filled.all(axis=1))

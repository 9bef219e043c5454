#!/usr/bin/env python
"""Benchmark: the quick count's statistics core (pollwatch/pvt/stats) on 100,000 stations.

Pure numpy, no database. On a synthetic frame of 100,000 stations in 100 strata it
times, as the median of `--repeat` runs,
  (1) the keyed-hash draw of 5,000 stations (draw_sample: one HMAC-SHA256 per station);
  (2) ratio_estimate on the 5,000 sampled stations, three candidates at once, and
      samplics 0.6.1's TaylorEstimator("ratio") (strata, weights, fpc) for one
      candidate, reporting the ratio samplics / ours (ours must agree to 1e-7);
  (3) forensics on the 100,000 stations: integer percentages exact, and with 1,000
      simulations (Kobak et al.), the second- and last-digit tests, the fingerprint.
Aims: the estimate under 100 ms; forensics with 1,000 simulations under 10 s.

    python bench/pvt_stats.py [--stations N] [--sample N] [--repeat N] [--no-docs]

Figures go to docs/benchmarks.md between this script's markers.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

# Run as `python bench/<script>.py`, so this folder is on the path.
from common import DOCS, machine, write_docs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pollwatch.pvt.stats import design, forensics  # noqa: E402
from pollwatch.pvt.stats.estimate import ratio_estimate  # noqa: E402

START = "<!-- bench:pvt_stats:start -->"
END = "<!-- bench:pvt_stats:end -->"
SEED = 20170625
STRATA = 100


def synthetic(stations: int) -> dict[str, np.ndarray]:
    """Stations with registered voters, ballots and three candidates' votes.

    Each stratum has its own turnout and vote shares, so stations cluster as real ones
    do (the estimator's variance depends on it).
    """
    rng = np.random.default_rng(SEED)
    stratum = rng.integers(0, STRATA, stations)
    registered = rng.integers(100, 1500, stations)
    turnout = np.clip(
        rng.uniform(0.35, 0.75, STRATA)[stratum] + rng.normal(0, 0.05, stations), 0.05, 0.98
    )
    found = rng.binomial(registered, turnout)
    shares = rng.dirichlet([5, 3, 2], STRATA)[stratum]
    votes = np.column_stack(
        [
            rng.binomial(found, np.clip(shares[:, k] + rng.normal(0, 0.03, stations), 0.01, 0.9))
            for k in range(3)
        ]
    )
    votes[:, 2] = np.minimum(votes[:, 2], found - np.minimum(found, votes[:, 0] + votes[:, 1]))
    return {
        "code": np.array([f"{i:06d}" for i in range(stations)]),
        "stratum": np.array([f"S{s:03d}" for s in stratum]),
        "registered": registered,
        "found": found,
        "votes": votes,
    }


def median_time(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def samplics_ratio(y, x, strata, sizes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

        n_h = Counter(strata.tolist())
        weights = np.array([sizes[s] / n_h[s] for s in strata.tolist()])
        estimator = TaylorEstimator(PopParam.ratio)
        estimator.estimate(
            y=y,
            x=x,
            samp_weight=weights,
            stratum=strata,
            fpc={s: 1 - n_h[s] / sizes[s] for s in sorted(n_h)},
        )
    return float(estimator.point_est), float(estimator.stderror)


def run(stations: int, sample: int, repeat: int, simulations: int) -> dict:
    data = synthetic(stations)
    frame = list(zip(data["code"].tolist(), data["stratum"].tolist(), strict=True))
    sizes = dict(Counter(data["stratum"].tolist()))
    out: dict = {"stations": stations, "sample": sample, "simulations": simulations}
    out["load"] = os.getloadavg()[0]

    out["draw"], rows = median_time(lambda: design.draw_sample(frame, sample, "bench"), repeat)
    index = {code: i for i, code in enumerate(data["code"].tolist())}
    chosen = np.array([index[r.station] for r in rows])
    y, x, strata = (
        data["votes"][chosen],
        data["found"][chosen].astype(float),
        data["stratum"][chosen],
    )

    out["estimate"], ours = median_time(
        lambda: ratio_estimate(y, x, strata, sizes, names=["a", "b", "c"]), max(repeat, 10)
    )
    out["estimate_one"], one = median_time(
        lambda: ratio_estimate(y[:, 0], x, strata, sizes), max(repeat, 10)
    )
    out["samplics"], theirs = median_time(
        lambda: samplics_ratio(y[:, 0].astype(float), x, strata, sizes), repeat
    )
    out["agree"] = (
        abs(one.candidates[0].share - theirs[0]) < 1e-7
        and abs(one.candidates[0].se - theirs[1]) < 1e-7
    )
    out["agree"] = out["agree"] and abs(ours.candidates[0].se - theirs[1]) < 1e-7

    registered, found, leader = data["registered"], data["found"], data["votes"][:, 0]
    out["exact"], integers = median_time(
        lambda: forensics.integer_percentages(registered, found, found, leader, exact=True), repeat
    )
    out["simulated"], simulated = median_time(
        lambda: forensics.integer_percentages(
            registered, found, found, leader, simulations=simulations, seed=1, exact=False
        ),
        1,
    )
    out["digits"], _ = median_time(
        lambda: (forensics.second_digit(leader), forensics.last_digit(leader)), repeat
    )
    out["fingerprint"], _ = median_time(
        lambda: forensics.fingerprint_svg(
            forensics.fingerprint(found / registered, leader / np.maximum(found, 1), found)
        ),
        repeat,
    )
    out["integer"] = (integers.expected, integers.sd, simulated.expected, simulated.sd)
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def report(r: dict, repeat: int) -> str:
    exact_e, exact_sd, sim_e, sim_sd = r["integer"]
    return "\n".join(
        [
            START,
            "## Quick-count statistics core",
            "",
            f"`python bench/pvt_stats.py`: pure numpy, no database. A synthetic frame of {r['stations']:,} "
            f"stations in {STRATA} strata (each with its own turnout and vote shares); median of {repeat} runs "
            "(10 or more for the estimator). Aims: the estimate under 100 ms; forensics with "
            f"{r['simulations']:,} simulations under 10 s.",
            "",
            f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            f"- Machine: {machine()}; load average {r['load']:.1f} when the run started "
            "(other jobs were sharing the CPUs)",
            "",
            "| step | time |",
            "| --- | ---: |",
            f"| keyed-hash draw of {r['sample']:,} stations (`draw_sample`) | {ms(r['draw'])} |",
            f"| `ratio_estimate`, {r['sample']:,} stations, 3 candidates | {ms(r['estimate'])} |",
            f"| `ratio_estimate`, 1 candidate | {ms(r['estimate_one'])} |",
            f'| samplics `TaylorEstimator("ratio")`, 1 candidate | {ms(r["samplics"])} |',
            f"| ratio samplics / ours (1 candidate); equal to 1e-7: {'yes' if r['agree'] else 'NO'} "
            f"| {r['samplics'] / r['estimate_one']:.1f}x |",
            f"| integer percentages, exact, {r['stations']:,} stations | {ms(r['exact'])} |",
            f"| integer percentages, {r['simulations']:,} simulations | {ms(r['simulated'])} |",
            f"| second- and last-digit tests | {ms(r['digits'])} |",
            f"| fingerprint (100 x 100) and its SVG | {ms(r['fingerprint'])} |",
            "",
            f"Integer percentages, expected count: exact {exact_e:,.1f} +- {exact_sd:.1f}; "
            f"simulated {sim_e:,.1f} +- {sim_sd:.1f}. The simulations are {2 * r['simulations'] * r['stations'] / 1e6:,.0f} "
            "million binomial draws (numpy, one thread), which is what bounds them; the exact "
            "method (the default everywhere) gives the same figures without them.",
            "",
            END,
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--simulations", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-docs", action="store_true", help="print only; leave docs/benchmarks.md"
    )
    args = parser.parse_args()
    result = run(args.stations, args.sample, args.repeat, args.simulations)
    section = report(result, args.repeat)
    print(section)
    if not args.no_docs:
        write_docs(section, START, END)
        print(f"written to {DOCS.relative_to(ROOT)}")
    return 0 if result["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark: import 100,000 official per-station results from CSV.

In one run, on one database, with 100,000 stations and 11 candidates already there,
it times
  (a) the baseline: `bulk_create` of the same results, already built as model objects;
  (b) `import_results` reading the CSV file (decoding, checking every cell and every
      row's arithmetic, replacing the election's results, writing);
alternately, `--repeat` times, and reports the median of each, rows per second and
the ratio (b)/(a). The aim is (b) under 30 s for 100,000 rows. It also times the
national totals and the totals by region (SQL sums over the JSON votes), and the
forensics page's computation (per-station arrays, fingerprint, exact integer
percentages, digit tests).

    python bench/official_results.py --db sqlite|postgres|both [--rows N] [--no-docs]

SQLite runs on a temporary file database; PostgreSQL on a throwaway database on the
server named by POLLWATCH_BENCH_POSTGRES_URL (or DATABASE_URL when it is PostgreSQL).
Each database is measured in its own Python process. Figures go to docs/benchmarks.md
between markers, so other benchmarks' sections are kept.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as `python bench/<script>.py`, so this folder is on the path.
from common import (  # noqa: E402
    DOCS,
    bench_election,
    create_bench_database,
    database_urls,
    database_version,
    machine,
    write_docs,
)

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- bench:official_results:start -->"
END = "<!-- bench:official_results:end -->"
SEED = 20171015
REGIONS = 9
CANDIDATES = 11
AIM_SECONDS = 30


def generate(rows: int, folder: Path) -> Path:
    """A results CSV: station, protocol figures, one column per candidate; 1 % off."""
    rng = random.Random(SEED)
    path = folder / "results.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        header = ["station", "registered", "issued", "found", "invalid", "valid"]
        writer.writerow(header + [f"c{n}" for n in range(1, CANDIDATES + 1)])
        for i in range(rows):
            registered = rng.randint(50, 3000)
            found = rng.randint(0, registered)
            invalid = rng.randint(0, found // 20)
            valid = found - invalid
            shares = [rng.random() ** 2 for _ in range(CANDIDATES)]
            votes = [int(valid * s / sum(shares)) for s in shares]
            votes[0] += valid - sum(votes)
            if i % 100 == 0:
                invalid += 1  # a row whose arithmetic does not add up
            writer.writerow([f"{i:06d}", registered, found, found, invalid, valid, *votes])
    return path


# The worker: one database, in a process of its own.


def make_election(rows: int):
    """An election with REGIONS regions, `rows` stations and CANDIDATES candidates."""
    from pollwatch.elections.models import Area, Candidate, PollingStation

    election = bench_election()
    regions = [
        Area.objects.create(election=election, code=f"R{r}", name=f"Region {r}", level="region")
        for r in range(REGIONS)
    ]
    PollingStation.objects.bulk_create(
        (
            PollingStation(
                election=election,
                code=f"{i:06d}",
                name=f"Station {i}",
                area=regions[i % REGIONS],
                registered_voters=1000,
            )
            for i in range(rows)
        ),
        batch_size=2000,
    )
    for n in range(1, CANDIDATES + 1):
        Candidate.objects.create(election=election, name=f"Candidate {n}", ballot_number=n)
    return election


def baseline_objects(election, path: Path) -> list:
    """The file's results as model objects, built before the clock starts."""
    from pollwatch.elections.models import Candidate, OfficialResult, PollingStation

    stations = dict(PollingStation.objects.filter(election=election).values_list("code", "pk"))
    pks = dict(Candidate.objects.filter(election=election).values_list("ballot_number", "pk"))
    with path.open(newline="", encoding="utf-8") as source:
        return [
            OfficialResult(
                election=election,
                station_id=stations[row["station"]],
                registered_voters=int(row["registered"]),
                ballots_issued=int(row["issued"]),
                ballots_found=int(row["found"]),
                invalid=int(row["invalid"]),
                valid=int(row["valid"]),
                votes={str(pks[n]): int(row[f"c{n}"]) for n in range(1, CANDIDATES + 1)},
            )
            for row in csv.DictReader(source)
        ]


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def worker(url: str, csv_path: Path, repeat: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="pw-bench-db-"))
    connection, old_name = create_bench_database(url, folder)
    from django.db import transaction

    from pollwatch.elections import results
    from pollwatch.elections.models import OfficialResult
    from pollwatch.pvt import results_views  # noqa: F401  (scipy loads before the clock)

    try:
        rows = sum(1 for _ in csv_path.open()) - 1
        election = make_election(rows)
        data = csv_path.read_bytes()
        mapping = results.ResultsMapping(
            {
                "station": "station",
                "registered": "registered",
                "ballots_issued": "issued",
                "ballots_found": "found",
                "invalid": "invalid",
                "valid": "valid",
            },
            {f"c{n}": str(n) for n in range(1, CANDIDATES + 1)},
        )
        bulk, imported, flagged = [], [], 0
        for _n in range(repeat):
            objects = baseline_objects(election, csv_path)
            OfficialResult.objects.filter(election=election).delete()

            def bulk_insert(objects=objects):
                with transaction.atomic():
                    OfficialResult.objects.bulk_create(objects, batch_size=2000)

            bulk.append(timed(bulk_insert))

            def run_import():
                nonlocal flagged
                outcome = results.import_results(election, data, mapping)
                assert outcome.rows == rows, outcome
                flagged = outcome.flagged

            imported.append(timed(run_import))
        totals_s = timed(lambda: results.official_totals(election))
        by_area_s = timed(lambda: results.official_totals_by_area(election, 0))
        forensics_s = timed(lambda: forensics_figures(election))
        return {
            "vendor": connection.vendor,
            "version": database_version(connection),
            "rows": rows,
            "flagged": flagged,
            "bulk_s": statistics.median(bulk),
            "import_s": statistics.median(imported),
            "totals_s": totals_s,
            "by_area_s": by_area_s,
            "forensics_s": forensics_s,
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def forensics_figures(election) -> None:
    """What the forensics page computes, without the template."""
    from pollwatch.elections import results
    from pollwatch.elections.models import Candidate
    from pollwatch.pvt import results_views

    national = results.official_totals(election)
    candidates = list(Candidate.objects.filter(election=election))
    ranked = results_views.ranked_candidates(election, national, candidates)
    results_views._forensics(election, [row.candidate for row in ranked[:2]])


# The driver.


def run_worker(url: str, csv_path: Path, repeat: int) -> dict:
    command = [sys.executable, __file__, "--worker", url, "--csv", str(csv_path)]
    command += ["--repeat", str(repeat)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the benchmark worker failed on {url.split('@')[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(results: list[dict], repeat: int) -> str:
    lines = [
        START,
        "## Import of official results from CSV",
        "",
        "`python bench/official_results.py --db both`: official results for 100,000 stations "
        f"({CANDIDATES} candidates, one row in a hundred whose arithmetic does not add up), "
        "written (a) by a plain `bulk_create` of model objects built beforehand and (b) by "
        "`import_results` from the CSV file (decoding, checking every cell and each row's "
        "arithmetic, replacing the election's earlier results, writing). Median of "
        f"{repeat} alternating runs. Aim: (b) under {AIM_SECONDS} s. Then, once: the national "
        "totals and the totals by region (SQL sums over the JSON votes), and the forensics "
        "page's figures (arrays, fingerprint, exact integer percentages, digit tests).",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        # The figures scale with whatever else the machine runs.
        f"- Load average (1 min) when the run ended: {os.getloadavg()[0]:.1f}",
        "",
        "| database | rows | bulk insert | CSV import | rows/s | ratio | totals | by region | forensics |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['version']} | {r['rows']:,} | {r['bulk_s']:.2f} s | {r['import_s']:.2f} s "
            f"| {r['rows'] / r['import_s']:,.0f} | {r['import_s'] / r['bulk_s']:.2f}x "
            f"| {r['totals_s']:.2f} s | {r['by_area_s']:.2f} s | {r['forensics_s']:.2f} s |"
        )
    lines += ["", END]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-docs", action="store_true", help="print only; leave docs/benchmarks.md"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.csv), args.repeat)))
        return 0

    urls = database_urls(args.db)
    if urls is None:
        return 2
    with tempfile.TemporaryDirectory(prefix="pw-bench-") as folder:
        csv_path = generate(args.rows, Path(folder))
        figures = []
        for url in urls:
            r = run_worker(url, csv_path, args.repeat)
            print(
                f"{r['version']}: {r['rows']:,} rows ({r['flagged']:,} flagged); bulk "
                f"{r['bulk_s']:.2f} s; import {r['import_s']:.2f} s "
                f"({r['rows'] / r['import_s']:,.0f} rows/s, {r['import_s'] / r['bulk_s']:.2f}x); "
                f"totals {r['totals_s']:.2f} s, by region {r['by_area_s']:.2f} s, "
                f"forensics {r['forensics_s']:.2f} s"
            )
            figures.append(r)
    section = report(figures, args.repeat)
    if not args.no_docs and figures:
        write_docs(section, START, END)
        print(f"written to {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark: import 100,000 polling stations from CSV against a plain bulk insert.

In one run, on one database, it times
  (a) the baseline: `bulk_create` of the same stations, already built as model objects,
      into a fresh election whose areas exist;
  (b) `import_stations` reading the CSV file (decoding, checking every cell, creating
      the districts the file describes, writing) into another fresh election;
alternately, `--repeat` times, and reports the median of each, rows per second and
the ratio (b)/(a). The aim is a ratio within 3.

    python bench/import_stations.py --db sqlite|postgres|both [--rows N] [--no-docs]

SQLite runs on a temporary file database. PostgreSQL runs on a throwaway database
created (and dropped) on the server named by POLLWATCH_BENCH_POSTGRES_URL, or by
DATABASE_URL when it is a PostgreSQL URL. Each database is measured in its own Python
process, since Django is set up once per process. Figures go to docs/benchmarks.md
between markers, so other benchmarks' sections are kept.
"""

import argparse
import csv
import datetime as dt
import json
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
    create_bench_database,
    database_urls,
    database_version,
    machine,
    write_docs,
)

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- bench:import_stations:start -->"
END = "<!-- bench:import_stations:end -->"
SEED = 20171015
REGIONS = 9
DISTRICTS_PER_REGION = 35


def generate(rows: int, folder: Path) -> Path:
    """A stations CSV with a two-level tree: regions exist, districts are in the file."""
    rng = random.Random(SEED)
    districts = [
        (f"R{r}", f"R{r}-D{d}") for r in range(REGIONS) for d in range(DISTRICTS_PER_REGION)
    ]
    path = folder / "stations.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "code",
                "name",
                "area_code",
                "registered_voters",
                "address",
                "latitude",
                "longitude",
                "area_name",
                "area_level",
                "parent_area_code",
            ]
        )
        for i in range(rows):
            region, district = rng.choice(districts)
            writer.writerow(
                [
                    f"{i:06d}",
                    f"Polling station {i} (школа №{i % 97})",
                    district,
                    rng.randint(50, 3000),
                    f"{rng.randint(1, 200)} Main street",
                    f"{rng.uniform(39.2, 43.2):.6f}",
                    f"{rng.uniform(69.3, 80.2):.6f}",
                    f"District {district}",
                    "district",
                    region,
                ]
            )
    return path


# The worker: one database, in a process of its own.


def fresh_election(n: int):
    from pollwatch.elections.models import Area, Election

    election = Election.objects.create(
        code=f"bench-{n}",
        name=f"Benchmark {n}",
        kind=Election.Kind.PRESIDENTIAL,
        country="KG",
        election_day=dt.date(2017, 10, 15),
        time_zone="Asia/Bishkek",
    )
    for r in range(REGIONS):
        Area.objects.create(election=election, code=f"R{r}", name=f"Region {r}", level="region")
    return election


def baseline_objects(election, path: Path) -> list:
    """The file's stations as model objects, built before the clock starts."""
    from decimal import Decimal

    from pollwatch.elections.models import Area, PollingStation

    regions = {area.code: area for area in Area.objects.filter(election=election)}
    districts = {}
    for r in range(REGIONS):
        for d in range(DISTRICTS_PER_REGION):
            code = f"R{r}-D{d}"
            districts[code] = Area(
                election=election,
                code=code,
                name=f"District {code}",
                level="district",
                parent=regions[f"R{r}"],
            )
    for area in districts.values():
        area.set_path()
    Area.objects.bulk_create(districts.values())
    with path.open(newline="", encoding="utf-8") as source:
        return [
            PollingStation(
                election=election,
                code=row["code"],
                name=row["name"],
                area=districts[row["area_code"]],
                address=row["address"],
                registered_voters=int(row["registered_voters"]),
                latitude=Decimal(row["latitude"]),
                longitude=Decimal(row["longitude"]),
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

    from pollwatch.elections.imports import import_stations
    from pollwatch.elections.models import PollingStation

    try:
        bulk, imported, rows = [], [], 0
        for n in range(repeat):
            election = fresh_election(2 * n)
            objects = baseline_objects(election, csv_path)
            rows = len(objects)

            def bulk_insert(objects=objects):
                with transaction.atomic():
                    PollingStation.objects.bulk_create(objects, batch_size=2000)

            bulk.append(timed(bulk_insert))
            target = fresh_election(2 * n + 1)

            def run_import(target=target, rows=rows):
                with csv_path.open("rb") as source:
                    result = import_stations(target, source)
                assert result.stations_created == rows, result

            imported.append(timed(run_import))
        return {
            "vendor": connection.vendor,
            "version": database_version(connection),
            "rows": rows,
            "bulk_s": statistics.median(bulk),
            "import_s": statistics.median(imported),
            "bulk_all": bulk,
            "import_all": imported,
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


# The driver.


def run_worker(url: str, csv_path: Path, repeat: int) -> dict:
    command = [
        sys.executable,
        __file__,
        "--worker",
        url,
        "--csv",
        str(csv_path),
        "--repeat",
        str(repeat),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the benchmark worker failed on {url.split('@')[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(results: list[dict], repeat: int) -> str:
    lines = [
        START,
        "## Import of polling stations from CSV",
        "",
        "`python bench/import_stations.py --db both`: the same stations, in one run on one "
        "database, written (a) by a plain `bulk_create` of model objects built beforehand and "
        "(b) by `import_stations` from the CSV file (decoding, checking every cell, creating the "
        f"{REGIONS * DISTRICTS_PER_REGION} districts the file describes, writing). Median of "
        f"{repeat} alternating runs. Aim: ratio (b)/(a) at most 3.",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        "",
        "| database | rows | bulk insert | rows/s | CSV import | rows/s | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['version']} | {r['rows']:,} | {r['bulk_s']:.2f} s | {r['rows'] / r['bulk_s']:,.0f} "
            f"| {r['import_s']:.2f} s | {r['rows'] / r['import_s']:,.0f} "
            f"| {r['import_s'] / r['bulk_s']:.2f}x |"
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
        results = []
        for url in urls:
            result = run_worker(url, csv_path, args.repeat)
            ratio = result["import_s"] / result["bulk_s"]
            print(
                f"{result['version']}: {result['rows']:,} rows; bulk {result['bulk_s']:.2f} s "
                f"({result['rows'] / result['bulk_s']:,.0f} rows/s); import {result['import_s']:.2f} s "
                f"({result['rows'] / result['import_s']:,.0f} rows/s); ratio {ratio:.2f}x"
            )
            results.append(result)
    section = report(results, args.repeat)
    if not args.no_docs and results:
        write_docs(section, START, END)
        print(f"written to {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

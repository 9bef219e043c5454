#!/usr/bin/env python
"""Benchmark: exports of 20,000 reports, their time and peak memory against holding the rows.

For each database it
  1. makes a fresh database with one mission, 400 polling stations and a voting
     checklist of 40 questions (20 yes/no, 10 numbers, 5 multiple choices, 5 texts),
     and writes `--reports` reports of it (default 20,000) with `bulk_create`;
  2. runs each of these in a fresh Python process of its own, and measures its time
     and how far its peak resident memory rose above the process's own after start-up
     (Django loaded, the export's modules imported; Linux's /proc gives both):
     (a) holding: the rows an export reads, loaded at once into a list (the baseline
         an export must stay far below);
     (b) the CSV export as the download view streams it (`exports.csv_chunks`);
     (c) the XLSX export as the background task builds it (`tasks.build_xlsx`),
         then opens the file with openpyxl and checks its header and row count.
It prints seconds, the memory rise in MB and the ratio of each export's rise to the
holding baseline's. Aim: both exports below a third of the baseline.

    python bench/findings_exports.py --db sqlite|postgres|both [--reports N] [--no-docs]

SQLite runs on a temporary file database. PostgreSQL runs on a throwaway database
created (and dropped) on the server named by POLLWATCH_BENCH_POSTGRES_URL, or by
DATABASE_URL when it is a PostgreSQL URL. Figures go to docs/benchmarks.md between
markers, so other benchmarks' sections are kept.
"""

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# Run as `python bench/<script>.py`, so this folder is on the path.
from common import (  # noqa: E402
    DOCS,
    bench_election,
    bench_mission,
    create_bench_database,
    database_urls,
    database_version,
    machine,
    write_docs,
)

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- bench:findings_exports:start -->"
END = "<!-- bench:findings_exports:end -->"
SEED = 20171015
STATIONS = 400
BATCH = 2000
MISSION = "bench-exports"
FORM = "voting"
AIM_RATIO = 1 / 3
OPERATIONS = ("hold", "csv", "xlsx")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("POLLWATCH_INSECURE_DEV_KEY", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "pollwatch.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- the data -------------------------------------------------------------------------------


def questions() -> list[dict[str, Any]]:
    from pollwatch.reports.testing import question

    found = [question(f"q{i:02d}", "select_one", choices=["yes", "no"]) for i in range(20)]
    found += [question(f"n{i:02d}", "integer") for i in range(10)]
    found += [question(f"m{i}", "select_multiple", choices=["a", "b", "c", "d"]) for i in range(5)]
    found += [question(f"t{i}", "text") for i in range(5)]
    return found


def answers(rng: random.Random) -> dict[str, Any]:
    found: dict[str, Any] = {f"q{i:02d}": rng.choice(["yes", "no"]) for i in range(20)}
    found |= {f"n{i:02d}": rng.randint(0, 2500) for i in range(10)}
    found |= {f"m{i}": sorted(rng.sample(["a", "b", "c", "d"], 2)) for i in range(5)}
    found |= {f"t{i}": rng.choice(["", "all calm", "queue outside the door"]) for i in range(5)}
    return found


def build(reports: int) -> None:
    """An election, a mission, a form and its reports; bulk writes only."""
    from django.db import connection, transaction

    from pollwatch.elections.models import Area, PollingStation
    from pollwatch.missions.models import Observer
    from pollwatch.reports.models import Report, ReportVersion
    from pollwatch.reports.testing import make_form

    rng = random.Random(SEED)
    observed = dt.datetime(2017, 10, 15, 4, 0, tzinfo=dt.UTC)
    with transaction.atomic():
        election = bench_election()
        region = Area(election=election, code="R", name="Region", level="region")
        region.set_path()
        region.save()
        PollingStation.objects.bulk_create(
            PollingStation(
                election=election,
                code=f"{n:05d}",
                name=f"School {n}",
                area=region,
                registered_voters=1000,
            )
            for n in range(STATIONS)
        )
        stations = list(
            PollingStation.objects.filter(election=election).values_list("pk", flat=True)
        )
        mission, _coordinator = bench_mission(election, MISSION)
        observer = Observer.objects.create(
            mission=mission, code="1000", name="Observer", nationality="KZ", role="short_term"
        )
        form_version = make_form(mission, FORM, *questions())
        Report.objects.bulk_create(
            (
                Report(
                    mission=mission,
                    form=form_version.form,
                    observer=observer,
                    station_id=stations[n % STATIONS],
                    visit=n // STATIONS + 1,
                    is_checklist=True,
                    observed_at=observed,
                )
                for n in range(reports)
            ),
            batch_size=BATCH,
        )
        ids = Report.objects.filter(mission=mission).order_by("pk").values_list("pk", flat=True)
        ReportVersion.objects.bulk_create(
            (
                ReportVersion(
                    report_id=report_id,
                    number=1,
                    form_version=form_version,
                    answers=answers(rng),
                    content_hash=str(report_id),
                    observed_at=observed,
                    channel="import",
                )
                for report_id in ids.iterator()
            ),
            batch_size=BATCH,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE reports_report SET current_id = (SELECT v.id FROM reports_reportversion v"
                " WHERE v.report_id = reports_report.id AND v.number = 1)"
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- one operation, in a fresh process ------------------------------------------------------


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    raise LookupError(field)


def reset_peak() -> None:
    """Make the kernel's peak resident size (VmHWM) start again from the current size."""
    Path("/proc/self/clear_refs").write_text("5")


def resident_mb() -> float:
    return _status_mb("VmRSS")


def peak_mb() -> float:
    return _status_mb("VmHWM")


def operation(name: str) -> dict[str, Any]:
    """Run one operation; its seconds and the rise of peak memory it caused."""
    import openpyxl

    from pollwatch.checklists.models import Form
    from pollwatch.findings import exports, tasks
    from pollwatch.findings.models import Export

    form = Form.objects.select_related("mission__election").get(mission__code=MISSION, code=FORM)
    exports.layout_for(form, labels=False, language="en")  # warm the connection and caches
    result: dict[str, Any] = {}
    before = resident_mb()
    reset_peak()  # the start-up's own peak (imports, checks) is not the operation's
    start = time.perf_counter()
    if name == "hold":
        result["rows"] = len(list(exports.report_values(form)))
    elif name == "csv":
        layout = exports.layout_for(form, labels=False, language="en")
        result["rows"] = sum(p.count(b"\n") for p in exports.csv_chunks(form, layout)) - 1
    else:
        export = Export.objects.create(
            mission=form.mission, form=form, requested_by=form.mission.members.get()
        )
        tasks.build_xlsx.call(str(export.uuid), "en")
    result["seconds"] = time.perf_counter() - start
    result["rise_mb"] = peak_mb() - before
    if name == "xlsx":
        export.refresh_from_db()
        assert export.status == "done", export.error
        with export.file.open("rb") as content:
            sheet = openpyxl.load_workbook(content, read_only=True).active
            rows = sheet.iter_rows(values_only=True)
            header = next(rows)
            assert header[-40:] == tuple(q["name"] for q in questions()), header
            result["rows"] = sum(1 for _ in rows)
        export.file.delete()
    return result


def measure_in_process(url: str, name: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--operation", name, "--url", url]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- one database, in a process of its own --------------------------------------------------


def worker(url: str, reports: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="pw-bench-exports-"))
    os.environ["POLLWATCH_MEDIA_ROOT"] = str(folder / "media")
    connection, old_name = create_bench_database(url, folder)
    name = connection.settings_dict["NAME"]
    try:
        start = time.perf_counter()
        build(reports)
        print(f"  built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        if connection.vendor == "sqlite":
            test_url = f"sqlite:///{name}"
        else:
            parts = urlsplit(url)
            test_url = urlunsplit(parts._replace(path=f"/{name}"))
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        connection.close()  # the measuring processes open their own
        figures = {op: measure_in_process(test_url, op) for op in OPERATIONS}
        for op, entry in figures.items():
            assert entry["rows"] == reports, (op, entry)
            print(f"  {op}: {entry['seconds']:.1f} s, +{entry['rise_mb']:.1f} MB", file=sys.stderr)
        return {
            "version": database_version(connection),
            "reports": reports,
            "figures": figures,
            "load": load,
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run_worker(url: str, reports: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", url, "--reports", str(reports)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the benchmark worker failed on {url.split('@')[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the driver -----------------------------------------------------------------------------


def rows_of(result: dict[str, Any]) -> list[str]:
    figures = result["figures"]
    held = max(figures["hold"]["rise_mb"], 0.1)
    lines = []
    for op, label in (
        ("hold", "holding the rows"),
        ("csv", "CSV, streamed"),
        ("xlsx", "XLSX task"),
    ):
        entry = figures[op]
        ratio = entry["rise_mb"] / held
        aim = "—" if op == "hold" else ("yes" if ratio < AIM_RATIO else "**no**")
        lines.append(
            f"| {result['version']} | {label} | {entry['seconds']:.1f} s | "
            f"{entry['rise_mb']:.1f} MB | {ratio:.2f} | {aim} |"
        )
    return lines


def report(results: list[dict[str, Any]]) -> str:
    first = results[0]
    loads = ", ".join(f"{r['version']} {r['load']}" for r in results)
    lines = [
        START,
        "## Exports",
        "",
        f"`python bench/findings_exports.py --db both`: {first['reports']:,} voting checklists "
        "of 40 questions (20 yes/no, 10 numbers, 5 multiple choices, 5 texts), written with "
        "`bulk_create`. Each line runs in a fresh process; memory is the rise of the "
        "process's peak resident size above its own after start-up. The baseline holds the "
        "rows an export reads in one list; the exports must stay below a third of it.",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Load average before the measurements: {loads}",
        "",
        "| database | run | time | memory rise | of the baseline | under aim |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        lines += rows_of(result)
    lines += ["", END]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument(
        "--no-docs", action="store_true", help="print only; leave docs/benchmarks.md"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--operation", choices=OPERATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.operation:
        setup_django(args.url)
        print(json.dumps(operation(args.operation)))
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker, args.reports)))
        return 0

    urls = database_urls(args.db)
    if urls is None:
        return 2
    results = []
    for url in urls:
        result = run_worker(url, args.reports)
        print("\n".join(rows_of(result)))
        results.append(result)
    if not args.no_docs and results:
        write_docs(report(results), START, END)
        print(f"written to {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark: the coverage and findings pages on 100,000 reports, against their bare queries.

For each database it
  1. makes a fresh database with an election of 12 regions x 30 districts and 10,800
     polling stations, a mission whose 2,565 teams of two observers are deployed to
     95 % of them (4 stations a team), and a voting checklist of 40 questions (20
     yes/no assessments, 10 numbers, 5 multiple choices, 5 texts);
  2. writes 100,000 reports of that form (with their current versions) with
     `bulk_create`, not through the API: this measures reading, and the write path has
     its own benchmark. They fall on 90 % of the assigned stations, several visits
     each; 3 % rejected;
  3. times, through the Django test client signed in as the coordinator (the real
     views, middleware, templates and sessions), and again as the call that gathers
     its figures:
     (a) the coverage of every form, against `coverage.form_totals` (one query);
     (b) the form's coverage page (top level, by region), against its grouped query,
         `coverage.child_counts` (one query);
     (c) a region's drill-down (by district), against its grouped query;
     (d) a district's page (its stations, with observers and last calls), against its
         grouped query;
     (e) the missing stations list (first page of 100) alone;
     (f) the findings page for one question by region, against `form_findings`;
  4. times, for the two pages the aim names, (b) and (f), the bare aggregation: the
     GROUP BY a person would write by hand for the same counts on this tree, with no
     ORM, view or template around it (`bare_coverage`, `bare_findings`).
Each is the median of `--repeat` rounds after one warm-up, the page and its queries
run in turn each round, so they share whatever load the machine has. It prints the
times and the ratio page/bare query. Aim: each page under 500 ms on both databases.
Run it on a quiet machine: other work on the two cores shows up in every figure.

    python bench/findings_pages.py --db sqlite|postgres|both [--reports N] [--repeat N]

SQLite runs on a temporary file database. PostgreSQL runs on a throwaway database
created (and dropped) on the server named by POLLWATCH_BENCH_POSTGRES_URL, or by
DATABASE_URL when it is a PostgreSQL URL; it is vacuumed and analysed after loading,
as autovacuum would do on a live server. Each database is measured in its own Python
process. Figures go to docs/benchmarks.md between markers, so other benchmarks'
sections are kept.
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

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
START = "<!-- bench:findings_pages:start -->"
END = "<!-- bench:findings_pages:end -->"
SEED = 20171015
REGIONS = 12
DISTRICTS_PER_REGION = 30
STATIONS_PER_DISTRICT = 30
ASSIGNED_SHARE = 0.95
REPORTING_SHARE = 0.90
REJECTED_SHARE = 0.03
STATIONS_PER_TEAM = 4
ANSWER_POOL = 500
BATCH = 2000
AIM_MS = 500
MISSION = "bench-mission"
FORM = "voting"
QUESTION = "q01"


# --- the data -------------------------------------------------------------------------------


def _questions() -> list[Any]:
    """The 40 questions, with the choices sheet's `finding` marks the findings read."""
    from pollwatch.reports.testing import question

    found: list[Any] = []
    for i in range(1, 21):
        q: Any = question(f"q{i:02d}", "select_one", choices=["yes", "no", "na"])
        q["choices"][1]["finding"] = "negative"
        q["choices"][2]["finding"] = "not_applicable"
        found.append(q)
    found += [question(f"n{i:02d}", "integer") for i in range(1, 11)]
    for i in range(1, 6):
        found.append(question(f"m{i:02d}", "select_multiple", choices=["a", "b", "c", "d"]))
    found += [question(f"t{i:02d}", "text") for i in range(1, 6)]
    return found


def _answers(rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for i in range(1, 21):
        answers[f"q{i:02d}"] = rng.choices(["yes", "no", "na"], weights=[80, 15, 5])[0]
    for i in range(1, 11):
        answers[f"n{i:02d}"] = rng.randint(0, 2500)
    for i in range(1, 6):
        answers[f"m{i:02d}"] = sorted(rng.sample(["a", "b", "c", "d"], rng.randint(1, 3)))
    for i in range(1, 6):
        answers[f"t{i:02d}"] = rng.choice(["", "all calm", "queue outside", "late opening"])
    return answers


def build(reports: int) -> dict[str, Any]:
    """The election, mission, roster, deployments, form and reports; bulk writes only."""
    from django.db import connection, transaction

    from pollwatch.elections.models import Area, PollingStation
    from pollwatch.missions.models import (
        Deployment,
        Observer,
        Team,
    )
    from pollwatch.reports.models import Channel, Report, ReportVersion
    from pollwatch.reports.testing import make_form

    rng = random.Random(SEED)
    began = time.perf_counter()

    def phase(name: str) -> None:
        print(f"  {name}: {time.perf_counter() - began:.0f} s", file=sys.stderr)

    with transaction.atomic():
        election = bench_election()
        regions = [
            Area(election=election, code=f"R{r:02d}", name=f"Region {r}", level="region")
            for r in range(REGIONS)
        ]
        for area in regions:
            area.set_path()
        Area.objects.bulk_create(regions)
        districts = []
        for region in Area.objects.filter(election=election).order_by("code"):
            for d in range(DISTRICTS_PER_REGION):
                area = Area(
                    election=election,
                    code=f"{region.code}-D{d:02d}",
                    name=f"District {region.code}-{d}",
                    level="district",
                    parent=region,
                )
                area.set_path()
                districts.append(area)
        Area.objects.bulk_create(districts, batch_size=BATCH)
        PollingStation.objects.bulk_create(
            (
                PollingStation(
                    election=election,
                    code=f"{n:06d}",
                    name=f"School {n}",
                    area=district,
                    registered_voters=rng.randint(300, 3000),
                )
                for n, district in enumerate(
                    d
                    for d in Area.objects.filter(election=election, level="district")
                    for _ in range(STATIONS_PER_DISTRICT)
                )
            ),
            batch_size=BATCH,
        )
        stations = list(
            PollingStation.objects.filter(election=election)
            .order_by("code")
            .values_list("pk", flat=True)
        )
        mission, user = bench_mission(election, MISSION)

        shuffled = stations[:]
        rng.shuffle(shuffled)
        assigned = shuffled[: int(len(shuffled) * ASSIGNED_SHARE)]
        teams_needed = -(-len(assigned) // STATIONS_PER_TEAM)
        Team.objects.bulk_create(
            Team(mission=mission, code=f"T{t:05d}") for t in range(teams_needed)
        )
        teams = list(Team.objects.filter(mission=mission).order_by("code"))
        Observer.objects.bulk_create(
            (
                Observer(
                    mission=mission,
                    code=f"{10000 + 2 * t + k:05d}",
                    name=f"Observer {t}-{k}",
                    nationality="KZ",
                    role=Observer.ObserverRole.SHORT_TERM,
                    phone=f"+99655{2 * t + k:07d}",
                    team=team,
                )
                for t, team in enumerate(teams)
                for k in range(2)
            ),
            batch_size=BATCH,
        )
        Deployment.objects.bulk_create(
            Deployment(mission=mission, team=team, date=election.election_day) for team in teams
        )
        deployments = list(Deployment.objects.filter(mission=mission).order_by("team__code"))
        through = Deployment.stations.through
        through.objects.bulk_create(
            (
                through(deployment_id=deployments[i // STATIONS_PER_TEAM].pk, pollingstation_id=s)
                for i, s in enumerate(assigned)
            ),
            batch_size=BATCH,
        )
        observers_of: dict[int, list[int]] = {}
        for team_id, observer_id in Observer.objects.filter(mission=mission).values_list(
            "team_id", "pk"
        ):
            observers_of.setdefault(team_id, []).append(observer_id)
        team_of = {s: deployments[i // STATIONS_PER_TEAM].team_id for i, s in enumerate(assigned)}

        form_version = make_form(mission, FORM, *_questions())
        form = form_version.form
        reporting = assigned[: int(len(assigned) * REPORTING_SHARE)]
        observed = dt.datetime(2017, 10, 15, 4, 0, tzinfo=dt.UTC)
        statuses = rng.choices(
            [Report.Status.NEW, Report.Status.VERIFIED, Report.Status.REJECTED],
            weights=[1 - 0.1 - REJECTED_SHARE, 0.1, REJECTED_SHARE],
            k=reports,
        )
        rows = []
        for i in range(reports):
            station = reporting[i % len(reporting)]
            j = i // len(reporting)
            rows.append(
                Report(
                    mission=mission,
                    form=form,
                    observer_id=observers_of[team_of[station]][j % 2],
                    station_id=station,
                    visit=j // 2 + 1,
                    is_checklist=True,
                    status=statuses[i],
                    observed_at=observed,
                )
            )
        phase("roster and deployments")
        Report.objects.bulk_create(rows, batch_size=BATCH)
        phase("reports")
        pool = [_answers(rng) for _ in range(ANSWER_POOL)]
        report_ids = list(
            Report.objects.filter(form=form).order_by("pk").values_list("pk", flat=True)
        )
        ReportVersion.objects.bulk_create(
            (
                ReportVersion(
                    report_id=report_id,
                    number=1,
                    form_version=form_version,
                    answers=pool[n % ANSWER_POOL],
                    content_hash=uuid.UUID(int=n).hex,
                    observed_at=observed,
                    channel=Channel.API,
                )
                for n, report_id in enumerate(report_ids)
            ),
            batch_size=BATCH,
        )
        phase("versions")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE reports_report SET current_id = (SELECT v.id FROM reports_reportversion v"
                " WHERE v.report_id = reports_report.id AND v.number = 1)"
            )
    phase("current versions")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum would on a live server: setting each report's current version
            # left a dead row version behind every report, which probes would wade through.
            cursor.execute("VACUUM ANALYZE")
    return {
        "user": user,
        "mission": mission,
        "form": form,
        "region": regions[0].code,
        "stations": len(stations),
        "assigned": len(assigned),
        "reporting": len(reporting),
    }


# --- the timing ---------------------------------------------------------------------------


def medians_ms(functions: list, repeat: int) -> list[float]:
    """The median time of each function, in ms, the functions run in turn each round.

    Alternating keeps a page and its query under the same load on a shared machine.
    """
    for function in functions:
        function()  # warm-up: caches, the first connection, template loading
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeat):
        for function, spent in zip(functions, times, strict=True):
            start = time.perf_counter()
            function()
            spent.append(time.perf_counter() - start)
    return [1000 * statistics.median(spent) for spent in times]


def page(client, url: str):
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return get


# --- the bare queries ---------------------------------------------------------------------
#
# What a database person would write by hand for the same figures, with nothing around
# it: the floor the pages are compared with. Written for this benchmark's tree (stations
# in districts, districts in regions), which the pages do not assume.


def _bare(sql: str, params: list[Any]):
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def bare_findings(mission, form):
    """One question's answers counted by region: one GROUP BY over the reports."""
    from django.db import connection

    answer = (
        "v.answers ->> %s"
        if connection.vendor == "postgresql"
        else "JSON_EXTRACT(v.answers, '$.' || %s)"
    )
    sql = (
        f"SELECT a.parent_id, {answer}, COUNT(*) FROM reports_report r"  # noqa: S608
        " JOIN reports_reportversion v ON v.id = r.current_id"
        " JOIN elections_pollingstation s ON s.id = r.station_id"
        " JOIN elections_area a ON a.id = s.area_id"
        " WHERE r.mission_id = %s AND r.form_id = %s AND r.status <> 'rejected' GROUP BY 1, 2"
    )
    return _bare(sql, [QUESTION, mission.pk, form.pk])


def bare_coverage(mission, form):
    """Assigned and reported stations counted by region: one GROUP BY over the stations."""
    from django.db import connection

    # SQLite has no statistics to plan with: without `+ 0` it looks a station's
    # reports up through the (mission, form) index, reading every report per station.
    unindexed = " + 0" if connection.vendor == "sqlite" else ""
    sql = (
        "SELECT a.parent_id, COUNT(*), COUNT(*) FILTER (WHERE EXISTS ("  # noqa: S608
        " SELECT 1 FROM reports_report r WHERE r.station_id = s.id"
        f" AND r.form_id{unindexed} = %s AND r.mission_id{unindexed} = %s"
        " AND r.status <> 'rejected'))"
        " FROM elections_pollingstation s JOIN elections_area a ON a.id = s.area_id"
        " WHERE s.id IN (SELECT ds.pollingstation_id FROM missions_deployment_stations ds"
        " JOIN missions_deployment d ON d.id = ds.deployment_id WHERE d.mission_id = %s)"
        " GROUP BY 1"
    )
    return _bare(sql, [form.pk, mission.pk, mission.pk])


def measure(world: dict[str, Any], repeat: int) -> list[dict[str, Any]]:
    from django.test import Client
    from django.urls import reverse

    from pollwatch.elections.models import Area
    from pollwatch.findings import coverage, questions

    mission, form = world["mission"], world["form"]
    region = Area.objects.get(election=mission.election, code=world["region"])
    district = region.children.order_by("code")[0]
    client = Client()
    client.force_login(world["user"])
    args = [mission.code, form.code]
    figures = []

    def timed(name: str, url: str, query=None, bare=None) -> None:
        functions = {"page_ms": page(client, url), "query_ms": query, "bare_ms": bare}
        chosen = {key: function for key, function in functions.items() if function}
        entry: dict[str, Any] = {"name": name}
        entry.update(zip(chosen, medians_ms(list(chosen.values()), repeat), strict=True))
        figures.append(entry)
        print(
            f"  {name}: " + ", ".join(f"{k} {v:.1f}" for k, v in entry.items() if k != "name"),
            file=sys.stderr,
        )

    timed(
        "coverage of every form",
        reverse("findings_coverage:index", args=[mission.code]),
        lambda: coverage.form_totals(mission, [form]),
    )
    timed(
        "coverage, by region",
        reverse("findings_coverage:form", args=args),
        lambda: list(coverage.child_counts(mission, form, None)),
        bare_coverage(mission, form),
    )
    timed(
        "coverage, a region by district",
        reverse("findings_coverage:area", args=[*args, region.code]),
        lambda: list(coverage.child_counts(mission, form, region)),
    )
    timed(
        "coverage, a district's stations",
        reverse("findings_coverage:area", args=[*args, district.code]),
        lambda: list(coverage.child_counts(mission, form, district)),
    )
    timed("missing stations, first page", reverse("findings_coverage:missing", args=args))
    timed(
        f"findings of one question ({QUESTION}) by region",
        reverse("findings_questions:question", args=[*args, QUESTION]) + "?level=region",
        lambda: questions.form_findings(mission, form, "region", QUESTION),
        bare_findings(mission, form),
    )
    return figures


# --- the worker: one database, in a process of its own ------------------------------------


def worker(url: str, reports: int, repeat: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="pw-bench-db-"))
    connection, old_name = create_bench_database(url, folder)
    from django.test.utils import override_settings

    # Pages link their CSS through {% static %}: no collectstatic manifest here. The
    # test client's host is allowed by hand: setup_test_environment would also make
    # every template render send a signal whose receiver copies its context, which
    # is the test client's cost, not the page's.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    try:
        start = time.perf_counter()
        world = build(reports)
        built = time.perf_counter() - start
        print(f"  built in {built:.0f} s", file=sys.stderr)
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        with override_settings(STORAGES=storages, ALLOWED_HOSTS=["testserver"]):
            figures = measure(world, repeat)
        return {
            "vendor": connection.vendor,
            "version": database_version(connection),
            "reports": reports,
            "stations": world["stations"],
            "assigned": world["assigned"],
            "reporting": world["reporting"],
            "figures": figures,
            "load": load,
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


# --- the driver ---------------------------------------------------------------------------


def run_worker(url: str, reports: int, repeat: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", url]
    command += ["--reports", str(reports), "--repeat", str(repeat)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the benchmark worker failed on {url.split('@')[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ms(value: float | None) -> str:
    return f"{value:.1f} ms" if value else "—"


def _cells(entry: dict[str, Any]) -> str:
    page_ms, bare = entry["page_ms"], entry.get("bare_ms")
    ratio = f"{page_ms / bare:.2f}x" if bare else "—"
    aim = "yes" if page_ms < AIM_MS else "**no**"
    return f"{_ms(page_ms)} | {_ms(entry.get('query_ms'))} | {_ms(bare)} | {ratio} | {aim}"


def report(results: list[dict[str, Any]], repeat: int) -> str:
    first = results[0]
    loads = ", ".join(f"{r['version']} {r['load']}" for r in results)
    lines = [
        START,
        "## Coverage and findings pages",
        "",
        f"`python bench/findings_pages.py --db both`: {first['reports']:,} voting checklists "
        f"(40 questions; 3 % rejected) on {first['reporting']:,} of the {first['assigned']:,} "
        f"stations a mission deployed observers to, out of {first['stations']:,} in "
        f"{REGIONS} regions x {DISTRICTS_PER_REGION} districts; written with `bulk_create`. "
        "Each page is fetched through the Django test client signed in as the coordinator "
        "(views, middleware, sessions, templates); beside it, the call that gathers its "
        "figures (coverage: `coverage.child_counts` or `form_totals`; findings: "
        "`form_findings`), and for the two pages the aim names, the bare aggregation: the "
        "GROUP BY written by hand for the same counts, alone. "
        f"Median of {repeat} rounds after a warm-up, page and queries in turn. Aim: each "
        f"page under {AIM_MS} ms.",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Load average at the start of each database's timing: {loads}",
        "",
        "| database | page | page time | its query | bare aggregation | page/bare | under aim |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        for entry in result["figures"]:
            lines.append(f"| {result['version']} | {entry['name']} | {_cells(entry)} |")
    lines += ["", END]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--no-docs", action="store_true", help="print only; leave docs/benchmarks.md"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.reports, args.repeat)))
        return 0

    urls = database_urls(args.db)
    if urls is None:
        return 2
    results = []
    for url in urls:
        result = run_worker(url, args.reports, args.repeat)
        for entry in result["figures"]:
            print(f"{result['version']}: {entry['name']}: {_cells(entry)}")
        results.append(result)
    if not args.no_docs and results:
        write_docs(report(results, args.repeat), START, END)
        print(f"written to {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

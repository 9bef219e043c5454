#!/usr/bin/env python
"""Benchmark: POST /api/v1/reports on a real server against a trivial insert endpoint.

For each database it
  1. makes a fresh database with the demo's roster and forms (no reports), deploys one
     observer to every polling station and gives them an API token;
  2. starts gunicorn (DEBUG off, 3 workers, 2 threads each, as `pollwatch serve` on
     2 cores; persistent database connections) with the project's WSGI app and
     settings, plus three bench-only URLs (bench/bench_urls.py: a view that inserts one
     row, the report API's front door alone, and the report API without its write);
  3. runs 16 clients (threads, keep-alive HTTP on loopback) for 30 s against each
     endpoint, the endpoints taking turns in 5 rounds of 6 s each (so that a machine
     whose speed drifts slows all of them alike): the report API gets voting checklists
     of the demo's voting form (relevant and constraint expressions, quality checks),
     each a new report (a station and visit of its own); one post in five repeats an
     earlier post exactly (a retry), which must be acknowledged without a new row; the
     other endpoints get the same bodies;
  4. checks that the rows written equal the unique instance ids sent, and that no
     request failed.
It prints reports/s, p50 and p99 latency of the endpoints and the ratios. Aims: the
report API at least half the trivial endpoint's rate, and at least 300 reports/s on
PostgreSQL. Two references bound the first aim's ratio: the front door (a Django
Ninja operation behind the API token check that reads the body and answers) is what
no validation or write can shorten; the report API without its write (the front
door, then everything submit_report does before its transaction: the resolving query,
scope, validation, hashes) is the most the ratio could be if recording a report cost
nothing.

    python bench/report_api.py --db sqlite|postgres|both [--seconds 30] [--clients 16]

SQLite runs on a temporary file database. PostgreSQL runs on a throwaway database
created (and dropped) on the server named by POLLWATCH_BENCH_POSTGRES_URL, or by
DATABASE_URL when it is a PostgreSQL URL. Figures go to docs/benchmarks.md between
markers, so other benchmarks' sections are kept.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Run as `python bench/<script>.py`, so this folder is on the path.
from common import DOCS, database_urls, database_version, machine, write_docs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
START = "<!-- bench:report_api:start -->"
END = "<!-- bench:report_api:end -->"
SEED = 20171015
# As `pollwatch serve` on this 2-core machine (cores + 1 processes, 2 threads each):
# CPU-bound Python under the GIL does better with processes than with threads.
WORKERS = 3
THREADS = 2
RETRY_SHARE = 0.2
ROUNDS = 5
ANSWER_POOL = 500
TRIVIAL_TABLE = "bench_trivial"
API_PATH = "/api/v1/reports"
TRIVIAL_PATH = "/bench/trivial-insert"
FRONT_PATH = "/bench/api-noop"
UNWRITTEN_PATH = "/bench/api-unwritten"


# --- set-up and checks: Django, in processes of their own ---------------------------------


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("POLLWATCH_INSECURE_DEV_KEY", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "pollwatch.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def database_url(url: str, name: str) -> str:
    """The same server with another database (or, for SQLite, another file)."""
    if url.startswith("sqlite"):
        return f"sqlite:///{name}"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def create_trivial_table(connection) -> None:
    key = "SERIAL" if connection.vendor == "postgresql" else "INTEGER"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {TRIVIAL_TABLE} (id {key} PRIMARY KEY, "
            "instance_id VARCHAR(36) NOT NULL UNIQUE, body TEXT NOT NULL)"
        )


def setup_worker(url: str, folder: Path) -> dict:
    """A fresh database with the demo's roster and forms; what the clients need."""
    setup_django(url)
    from django.db import connection

    from pollwatch.accounts.models import User
    from pollwatch.accounts.services import create_api_token
    from pollwatch.checklists.models import Form
    from pollwatch.demo import quickcount as demo_quickcount
    from pollwatch.demo import reports as demo_reports
    from pollwatch.demo import scenario as sc
    from pollwatch.demo.services import load_demo
    from pollwatch.elections.models import PollingStation
    from pollwatch.missions.models import Deployment

    name = (
        str(folder / "bench.sqlite3")
        if connection.vendor == "sqlite"
        else f"pollwatch_bench_{os.getpid()}"
    )
    connection.settings_dict["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    # The roster and the forms, no reports (rows must equal the ids the run sends).
    demo_reports.REPORTING_TEAMS = 0
    demo_quickcount.REPORTING_STATIONS = 0
    load_demo()
    user = User.objects.get(username="odihr-observer")
    observer = user.observer
    mission = observer.mission
    deployment = Deployment.objects.create(
        mission=mission, team=observer.team, date=sc.ELECTION_DAY
    )
    stations = list(PollingStation.objects.filter(election=mission.election).order_by("code"))
    deployment.stations.set(stations)
    _token, raw = create_api_token(user, "benchmark")
    create_trivial_table(connection)
    if connection.vendor == "postgresql":
        # What autovacuum does within a minute or two of the bulk load, done before the
        # run instead of during it: a deployed database has its statistics (plans made
        # without them are not its plans) and no load of this size still to vacuum.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    form = Form.objects.select_related("current_version").get(mission=mission, code="voting")
    rng = random.Random(SEED)
    arrival = dt.datetime(2017, 10, 15, 11, 0, tzinfo=demo_reports.TZ)
    answers = [
        demo_reports.voting_answers(rng, rng.randint(400, 3000), arrival)
        for _ in range(ANSWER_POOL)
    ]
    return {
        "vendor": connection.vendor,
        "version": database_version(connection),
        "db_url": database_url(url, name),
        "token": raw,
        "mission": mission.code,
        "form_version": form.current_version.version,
        "stations": [s.code for s in stations],
        "answers": answers,
        "questions": len(form.current_version.spec["questions"]),
    }


def check_worker(url: str, admin_url: str) -> dict:
    """Rows written by the run; then the database is dropped (PostgreSQL)."""
    setup_django(url)
    from django.db import connection

    from pollwatch.reports.models import Report, Submission

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TRIVIAL_TABLE}")  # noqa: S608
        trivial = cursor.fetchone()[0]
    counts = {
        "submissions": Submission.objects.count(),
        "reports": Report.objects.count(),
        "trivial_rows": trivial,
    }
    if connection.vendor == "postgresql":
        connection.close()
        admin_name = urlsplit(admin_url).path.lstrip("/")
        connection.creation.destroy_test_db(admin_name, verbosity=0)
    return counts


def run_python(*args: str) -> dict:
    command = [sys.executable, __file__, *args]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the benchmark step {args[0]} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    db_url: str, port: int, log: Path, workers: int = WORKERS, threads: int = THREADS
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
        "POLLWATCH_INSECURE_DEV_KEY": "true",
        "DEBUG": "false",
        # Keep connections across requests, as a production deployment does.
        "DB_CONN_MAX_AGE": "60",
    }
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
    command = [
        gunicorn,
        "pollwatch.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        "--worker-class=gthread",
        "--keep-alive=30",
        "--log-level=warning",
    ]
    server = subprocess.Popen(  # noqa: S603
        command, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not start; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()


# --- the clients ---------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    # Requests per second of each round.
    rounds: list[float] = field(default_factory=list)


class Keys:
    """Hands out (station, visit) pairs, each once: every new post is a report of its own."""

    def __init__(self, stations: list[str]) -> None:
        self.stations = stations
        self.next = 0
        self.lock = threading.Lock()

    def take(self) -> tuple[str, int]:
        with self.lock:
            n = self.next
            self.next += 1
        return self.stations[n % len(self.stations)], 1 + n // len(self.stations)


def report_body(setup: dict, keys: Keys, rng: random.Random) -> bytes:
    station, visit = keys.take()
    payload = {
        "instance_id": str(uuid.uuid4()),
        "mission": setup["mission"],
        "form": "voting",
        "form_version": setup["form_version"],
        "station": station,
        "visit": visit,
        "observed_at": "2017-10-15T11:05:00+06:00",
        "answers": rng.choice(setup["answers"]),
    }
    return json.dumps(payload).encode()


def client(
    port: int,
    path: str,
    headers: dict[str, str],
    make_body,
    measure_from: float,
    stop_at: float,
    seed: int,
    tally: Tally,
    lock: threading.Lock,
) -> None:
    """Posts until stop_at; counts only what finishes after measure_from (the warm-up)."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent: list[tuple[str, bytes]] = []
    latencies, statuses, ids, retries, errors = [], {}, set(), 0, []
    while time.monotonic() < stop_at:
        retry = bool(sent) and rng.random() < RETRY_SHARE
        instance_id, body = rng.choice(sent) if retry else make_body(rng)
        started = time.monotonic()
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as exc:
            errors.append(repr(exc))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        finished = time.monotonic()
        status = response.status
        if status in (200, 201):
            ids.add(instance_id)
            if not retry:
                sent.append((instance_id, body))
        else:
            errors.append(f"{status} {answer[:200]!r}")
        if finished >= measure_from:
            latencies.append(finished - started)
            statuses[status] = statuses.get(status, 0) + 1
            retries += retry
    connection.close()
    with lock:
        tally.latencies += latencies
        for status, n in statuses.items():
            tally.statuses[status] = tally.statuses.get(status, 0) + n
        tally.ids |= ids
        tally.retries += retries
        tally.errors += errors


def run_phase(
    port: int, path: str, headers: dict, make_body, clients: int, seconds: float, tally: Tally
) -> None:
    """One round of `seconds` against one endpoint, added to `tally`."""
    warm_up = min(3.0, seconds / 5)
    now = time.monotonic()
    measure_from, stop_at = now + warm_up, now + warm_up + seconds
    lock = threading.Lock()

    def body_maker(rng: random.Random) -> tuple[str, bytes]:
        body = make_body(rng)
        return json.loads(body)["instance_id"], body

    start = len(tally.latencies)
    threads = [
        threading.Thread(
            target=client,
            args=(port, path, headers, body_maker, measure_from, stop_at, SEED + k, tally, lock),
        )
        for k in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.rounds.append((len(tally.latencies) - start) / seconds)


def phase_result(tally: Tally, seconds: float) -> dict:
    latencies = sorted(tally.latencies)
    return {
        "requests": len(latencies),
        "rate": len(latencies) / seconds,
        "round_rates": tally.rounds,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0,
        "statuses": tally.statuses,
        "retries": tally.retries,
        "unique_ids": len(tally.ids),
        "errors": tally.errors[:5],
        "error_count": len(tally.errors),
    }


def run_database(
    url: str, clients: int, seconds: float, workers: int, threads: int, rounds: int
) -> dict:
    with tempfile.TemporaryDirectory(prefix="pw-bench-api-") as folder:
        setup = run_python("--setup", url, folder)
        port = free_port()
        log = Path(folder) / "gunicorn.log"
        server = start_server(setup["db_url"], port, log, workers, threads)
        try:
            keys = Keys(setup["stations"])
            api_headers = {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {setup['token']}",
            }
            endpoints = {
                "api": (API_PATH, api_headers),
                "trivial": (TRIVIAL_PATH, {"Content-Type": "application/json"}),
                "front": (FRONT_PATH, api_headers),
                "unwritten": (UNWRITTEN_PATH, api_headers),
            }
            tallies = {name: Tally() for name in endpoints}
            # The endpoints take turns, a slice of the time each per round: a machine
            # whose speed drifts (a shared virtual machine's does) then slows all of them
            # alike, and the ratios compare like with like.
            for _round in range(rounds):
                for name, (path, headers) in endpoints.items():
                    run_phase(
                        port,
                        path,
                        headers,
                        lambda rng: report_body(setup, keys, rng),
                        clients,
                        seconds / rounds,
                        tallies[name],
                    )
        finally:
            stop_server(server)
        counts = run_python("--check", setup["db_url"], url)
    return {
        "vendor": setup["vendor"],
        "version": setup["version"],
        "questions": setup["questions"],
        **{name: phase_result(tally, seconds) for name, tally in tallies.items()},
        "counts": counts,
    }


# --- the driver ----------------------------------------------------------------------------


def verdict(result: dict) -> list[str]:
    """What went wrong in a run: failed requests, or rows that do not match the ids."""
    problems = []
    for name in ("api", "trivial", "front", "unwritten"):
        phase = result[name]
        if phase["error_count"]:
            problems.append(
                f"{name}: {phase['error_count']} failed requests, e.g. {phase['errors']}"
            )
    counts = result["counts"]
    if counts["submissions"] != result["api"]["unique_ids"]:
        problems.append(
            f"api: {counts['submissions']} submissions for {result['api']['unique_ids']} ids"
        )
    if counts["reports"] != result["api"]["unique_ids"]:
        problems.append(f"api: {counts['reports']} reports for {result['api']['unique_ids']} ids")
    if counts["trivial_rows"] != result["trivial"]["unique_ids"]:
        problems.append(
            f"trivial: {counts['trivial_rows']} rows for {result['trivial']['unique_ids']} ids"
        )
    return problems


def round_ratios(result: dict) -> tuple[float, float]:
    """The lowest and highest ratio of the report API's rate to the trivial one's, by round."""
    ratios = [
        api / trivial
        for api, trivial in zip(
            result["api"]["round_rates"], result["trivial"]["round_rates"], strict=True
        )
        if trivial
    ]
    return (min(ratios), max(ratios)) if ratios else (0.0, 0.0)


def summary_line(result: dict) -> str:
    api, trivial = result["api"], result["trivial"]
    ratio = api["rate"] / trivial["rate"] if trivial["rate"] else 0.0
    low, high = round_ratios(result)
    return (
        f"{result['version']}: reports {api['rate']:,.0f}/s (p50 {api['p50_ms']:.1f} ms, "
        f"p99 {api['p99_ms']:.1f} ms); trivial insert {trivial['rate']:,.0f}/s "
        f"(p50 {trivial['p50_ms']:.1f} ms, p99 {trivial['p99_ms']:.1f} ms); ratio {ratio:.2f} "
        f"(rounds {low:.2f}-{high:.2f}); "
        f"API front door alone {result['front']['rate']:,.0f}/s; "
        f"report API without its write {result['unwritten']['rate']:,.0f}/s; "
        f"rows {result['counts']['submissions']:,} = unique ids {api['unique_ids']:,}"
    )


def report(
    results: list[dict], clients: int, seconds: float, workers: int, threads: int, rounds: int
) -> str:
    lines = [
        START,
        "## Report API under load",
        "",
        f"`python bench/report_api.py --db both`: gunicorn ({workers} workers x {threads} "
        f"threads, DEBUG off, persistent connections) on loopback; {clients} keep-alive "
        f"clients post for {seconds:.0f} s to each endpoint, the endpoints taking turns in "
        f"{rounds} rounds of {seconds / rounds:.0f} s (each after a short warm-up), so that "
        "a drift in the machine's speed slows all of them alike: "
        "(a) `POST /api/v1/reports` with voting checklists of the demo's voting form "
        f"({results[0]['questions'] if results else '?'} questions with relevant and "
        "constraint expressions and quality checks), each a new report, one post in five a "
        "retry of an earlier post; (b) a trivial Django view that inserts one row, same "
        "mix; (c) the report API's front door alone: a Django Ninja operation behind the "
        "same API token check that reads the same bodies and answers without validating "
        "or writing; (d) the report API without its write: (c), then everything the "
        "report API does before its transaction (the resolving query, the caller's "
        "scope, validation of the answers and their expressions, the hashes), answering "
        "without a transaction or a row (bench/bench_urls.py). The clients run on the "
        "same machine as the server. Aims: (a) at least half of (b), and at least 300 "
        "reports/s on PostgreSQL. (c) and (d) bound what (a) can reach: their rates over "
        "(b)'s are the most the ratio could be if validating and writing a report cost "
        "nothing, and if writing it cost nothing.",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        "",
        "| database | (a) reports/s | p50 | p99 | (b) trivial inserts/s | p50 | p99 "
        "| ratio (a)/(b) | lowest-highest by round | (c) front door alone/s | ratio (c)/(b) "
        "| (d) without the write/s | ratio (d)/(b) | rows = unique ids |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | --- |",
    ]
    for r in results:
        api, trivial, front, unwritten = r["api"], r["trivial"], r["front"], r["unwritten"]
        ratio, bound, unwritten_bound = (
            phase["rate"] / trivial["rate"] if trivial["rate"] else 0.0
            for phase in (api, front, unwritten)
        )
        same = "yes" if not verdict(r) else "NO"
        low, high = round_ratios(r)
        lines.append(
            f"| {r['version']} | {api['rate']:,.0f} | {api['p50_ms']:.1f} ms "
            f"| {api['p99_ms']:.1f} ms | {trivial['rate']:,.0f} | {trivial['p50_ms']:.1f} ms "
            f"| {trivial['p99_ms']:.1f} ms | {ratio:.2f} | {low:.2f}-{high:.2f} "
            f"| {front['rate']:,.0f} | {bound:.2f} "
            f"| {unwritten['rate']:,.0f} | {unwritten_bound:.2f} "
            f"| {same} ({r['counts']['submissions']:,}) |"
        )
    lines += ["", END]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=ROUNDS, help="turns the endpoints take (default 5)"
    )
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per process")
    parser.add_argument(
        "--no-docs", action="store_true", help="print only; leave docs/benchmarks.md"
    )
    parser.add_argument("--setup", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--check", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        print(json.dumps(setup_worker(args.setup[0], Path(args.setup[1]))))
        return 0
    if args.check:
        print(json.dumps(check_worker(*args.check)))
        return 0

    urls = database_urls(args.db)
    if urls is None:
        return 2
    results, failed = [], False
    for url in urls:
        result = run_database(
            url, args.clients, args.seconds, args.workers, args.threads, args.rounds
        )
        print(summary_line(result))
        for problem in verdict(result):
            print(f"  FAILED: {problem}")
            failed = True
        results.append(result)
    if not args.no_docs and results:
        section = report(
            results, args.clients, args.seconds, args.workers, args.threads, args.rounds
        )
        write_docs(section, START, END)
        print(f"written to {DOCS.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

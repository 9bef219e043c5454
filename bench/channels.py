#!/usr/bin/env python
"""Benchmark: the SMS parser's rate, and ODK Collect submissions against the report API.

In one run it measures
  1. SMS parsing, pure (no database): messages/s of `channels.sms.syntax.parse` over a
     pool of messages composed with `syntax.compose` from voting checklists of the
     demo's voting form; a share of them messy as typed on a phone (lower case, extra
     punctuation, O for 0 and l or I for 1). Every message is checked first: it must
     parse without a problem, to the answers of its clean version.
  2. For each database, on a real server: OpenRosa submissions/s against the JSON
     report API. A fresh database gets the demo's roster and forms (no reports), an
     observer deployed to every polling station, an API token and an ODK Collect app
     user. Since OpenRosa takes the report's station and visit from questions named
     `station` and `visit`, which the demo's voting form lacks, both paths use a
     benchmark-only copy of that form with those two questions added (the same 36
     questions, relevant and constraint expressions and quality checks otherwise).
     gunicorn is started as in report_api.py; N keep-alive clients then post for a
     fixed time (after a short warm-up) to
       (a) `POST /api/v1/reports` (JSON, bearer token), and
       (b) `POST /odk/<mission>/key/<token>/submission` (multipart, instance XML shaped
           like ODK Collect's, with the same answers),
     each post a new report, one in five an exact retry of an earlier post. Afterwards
     the rows of each channel must equal the unique instance ids acknowledged.
It prints and writes messages/s and µs per message for the parser, and submissions/s,
p50 and p99 of both endpoints and the ratio OpenRosa/JSON.

    python bench/channels.py --db sqlite|postgres|both [--seconds 15] [--clients 8]

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
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - builds documents, never parses input
from pathlib import Path
from urllib.parse import urlsplit

# Run as `python bench/<script>.py`, so this folder is on the path.
import report_api
from common import DOCS, database_urls, machine, write_docs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- bench:channels:start -->"
END = "<!-- bench:channels:end -->"
SEED = 20171015
PARSE_POOL = 1000
MESSY_SHARE = 0.3
FORM_CODE = "bench_voting"
FORM_PREFIX = "BV"
VOTING_XLSX = ROOT / "pollwatch" / "demo" / "forms" / "voting.xlsx"
API_PATH = report_api.API_PATH
BOUNDARY = "pollwatch-bench-7f3c9a"
ODK_HEADERS = {
    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    "X-OpenRosa-Version": "1.0",
}
OBSERVED_AT = "2017-10-15T11:05:00.000+06:00"


# --- 1. the SMS parser, pure ---------------------------------------------------------------


def voting_spec() -> dict:
    from pollwatch.checklists.xlsform import read_xlsform

    return dict(read_xlsform(VOTING_XLSX.read_bytes(), VOTING_XLSX.name).spec)


def messy(text: str, rng: random.Random) -> str:
    """The message as typed in a hurry: the parser must read it as the clean one."""
    body, at, comment = text.partition("@")
    words = body.split()
    kind = rng.randrange(3)
    if kind == 0:
        words = [word.lower() for word in words]
    elif kind == 1:
        words = [word + rng.choice(["", ",", ".", ";", " -"]) for word in words]
    # Digits read as letters, wherever a digit is expected (codes never use O, I or L).
    swapped = [
        word[:1] + word[1:].replace("0", "O").replace("1", rng.choice("lI")) for word in words
    ]
    swapped[0] = words[0]  # the prefix
    messy_body = rng.choice([" ", "  ", " , "]).join(swapped)
    return f"{messy_body} {at}{comment}" if at else messy_body


def parse_pool() -> tuple[dict, list[str], int]:
    """The forms by prefix and the messages: clean ones, then a share made messy."""
    from pollwatch.channels.sms import syntax
    from pollwatch.demo import reports as demo_reports

    spec = voting_spec()
    form = syntax.sms_form(spec)
    forms = {form.prefix: form}
    rng = random.Random(SEED)
    arrival = dt.datetime(2017, 10, 15, 11, 0, tzinfo=demo_reports.TZ)
    messages, problems, messy_count = [], [], 0
    for _ in range(PARSE_POOL):
        answers = demo_reports.voting_answers(rng, rng.randint(400, 3000), arrival)
        observer = str(rng.randint(1000, 9999))
        station = f"{rng.randint(1, 9)}{rng.randint(0, 999):03d}"
        visit = rng.choice([1, 1, 1, 2])
        comment = rng.choice([None, None, "door broken", "queue outside"])
        clean = syntax.compose(form, answers, observer, station, visit, comment)
        expected = syntax.parse(clean, forms)
        text = messy(clean, rng) if rng.random() < MESSY_SHARE else clean
        got = expected if text == clean else syntax.parse(text, forms)
        key = (got.observer, got.station, got.visit, got.answers)
        if not got.ok or key != (observer, station, visit, expected.answers) or not expected.ok:
            problems.append(f"{text!r}: {got.problems or expected.problems}")
        messages.append(text)
        messy_count += text != clean
    if problems:
        raise SystemExit(f"{len(problems)} messages do not parse back, e.g. {problems[:3]}")
    return forms, messages, messy_count


def parse_worker(seconds: float) -> dict:
    os.environ.setdefault("POLLWATCH_INSECURE_DEV_KEY", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "pollwatch.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from pollwatch.channels.sms.syntax import parse

    forms, messages, messy_count = parse_pool()
    for text in messages:  # warm-up
        parse(text, forms)
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for text in messages:
            parse(text, forms)
        count += len(messages)
        now = time.perf_counter()
        if now >= deadline:
            break
    elapsed = now - start
    return {
        "messages": count,
        "seconds": elapsed,
        "rate": count / elapsed,
        "us_per_message": 1e6 * elapsed / count,
        "pool": len(messages),
        "messy": messy_count,
        "mean_length": statistics.mean(len(m) for m in messages),
        "questions": len(forms["VT"].questions),
    }


# --- 2. set-up and checks: Django, in processes of their own --------------------------------


def bench_xlsform() -> bytes:
    """The demo's voting form, with `station` and `visit` questions, as another form.

    The demo form has its own `station` question; `visit` is added (the form's group of
    that name is renamed).
    """
    from openpyxl import load_workbook

    from pollwatch.checklists.testing import make_xlsform

    book = load_workbook(VOTING_XLSX, read_only=True)
    sheets = {}
    for sheet in book:
        rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = [
            {key: value for key, value in zip(rows[0], row, strict=False) if value is not None}
            for row in rows[1:]
        ]
    survey = [
        {"type": "integer", "name": "visit", "label::English (en)": "Visit", "required": "yes"},
    ]
    # The demo's checklists carry their own station question; a form without one gets it.
    if not any(row.get("name") == "station" for row in sheets["survey"]):
        station = {"type": "text", "name": "station", "label::English (en)": "Station"}
        survey.insert(0, {**station, "required": "yes"})
    for row in sheets["survey"]:
        if row.get("name") == "visit":  # the group: its name is the new question's
            row = {**row, "name": "times"}
        survey.append(row)
    settings = {**sheets["settings"][0], "form_id": FORM_CODE, "prefix": FORM_PREFIX}
    settings["form_title"] = "Voting checklist (benchmark)"
    return make_xlsform(survey, sheets["choices"], settings, sheets["checks"])


def setup_worker(url: str, folder: Path) -> dict:
    """report_api's database (roster, forms, deployment, token), plus the ODK pieces."""
    setup = report_api.setup_worker(url, folder)
    from pollwatch.accounts.models import User
    from pollwatch.channels.openrosa.services import create_app_user
    from pollwatch.checklists.services import import_form

    observer = User.objects.get(username="odihr-observer").observer
    version = import_form(observer.mission, bench_xlsform(), "bench_voting.xlsx").version
    _app_user, odk_token = create_app_user(observer)
    return {
        **setup,
        "odk_token": odk_token,
        "form_version": version.version,
        "spec": version.spec,
        "questions": len(version.spec["questions"]),
    }


def check_worker(url: str, admin_url: str) -> dict:
    """Rows written by each channel; then the database is dropped (PostgreSQL)."""
    report_api.setup_django(url)
    from django.db import connection

    from pollwatch.reports.models import Channel, Report, Submission

    counts = {}
    for name, channel in (("api", Channel.API), ("odk", Channel.ODK)):
        counts[name] = {
            "submissions": Submission.objects.filter(channel=channel).count(),
            "reports": Report.objects.filter(versions__channel=channel).distinct().count(),
        }
    if connection.vendor == "postgresql":
        connection.close()
        admin_name = urlsplit(admin_url).path.lstrip("/")
        connection.creation.destroy_test_db(admin_name, verbosity=0)
    return counts


def run_python(*args: str) -> dict:
    command = [sys.executable, __file__, *args]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the benchmark step {args[0]} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the bodies ----------------------------------------------------------------------------


def json_body(setup: dict, keys: report_api.Keys, rng: random.Random) -> tuple[str, bytes]:
    station, visit = keys.take()
    instance_id = str(uuid.uuid4())
    payload = {
        "instance_id": instance_id,
        "mission": setup["mission"],
        "form": FORM_CODE,
        "form_version": setup["form_version"],
        "station": station,
        "visit": visit,
        "observed_at": OBSERVED_AT,
        "answers": {**rng.choice(setup["answers"]), "station": station, "visit": visit},
    }
    return instance_id, json.dumps(payload).encode()


def odk_value(kind: str, value) -> str:
    if kind == "select_multiple":
        return " ".join(value)
    if kind == "time":
        return f"{value}:00.000+06:00"  # as ODK Collect writes times
    return str(value)


def instance_xml(setup: dict, answers: dict, instance_id: str) -> bytes:
    """An instance as ODK Collect writes it: every field, empty when unanswered; meta last."""
    spec = setup["spec"]
    root = ET.Element(
        spec.get("root") or "data",
        {
            "xmlns:jr": "http://openrosa.org/javarosa",
            "xmlns:orx": "http://openrosa.org/xforms",
            "id": FORM_CODE,
            "version": setup["form_version"],
        },
    )
    for question in spec["questions"]:
        parent = root
        for name in question["path"].strip("/").split("/")[1:-1]:
            found = parent.find(name)
            parent = found if found is not None else ET.SubElement(parent, name)
        element = ET.SubElement(parent, question["name"])
        if question["name"] in answers:
            element.text = odk_value(question["type"], answers[question["name"]])
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "instanceID").text = f"uuid:{instance_id}"
    ET.SubElement(meta, "timeEnd").text = OBSERVED_AT
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def odk_body(setup: dict, keys: report_api.Keys, rng: random.Random) -> tuple[str, bytes]:
    station, visit = keys.take()
    instance_id = str(uuid.uuid4())
    answers = {**rng.choice(setup["answers"]), "station": station, "visit": visit}
    document = instance_xml(setup, answers, instance_id)
    body = (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="xml_submission_file"; '
            'filename="submission.xml"\r\n'
            "Content-Type: text/xml\r\n\r\n"
        ).encode()
        + document
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return instance_id, body


# --- the clients ---------------------------------------------------------------------------


def run_phase(port: int, path: str, headers: dict, make_body, clients: int, seconds: float) -> dict:
    """report_api's clients on one endpoint; make_body gives (instance id, body)."""
    warm_up = min(3.0, seconds / 5)
    now = time.monotonic()
    measure_from, stop_at = now + warm_up, now + warm_up + seconds
    tally, lock = report_api.Tally(), threading.Lock()
    threads = [
        threading.Thread(
            target=report_api.client,
            args=(port, path, headers, make_body, measure_from, stop_at, SEED + k, tally, lock),
        )
        for k in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies = sorted(tally.latencies)
    return {
        "requests": len(latencies),
        "rate": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0,
        "statuses": tally.statuses,
        "retries": tally.retries,
        "unique_ids": len(tally.ids),
        "errors": tally.errors[:5],
        "error_count": len(tally.errors),
    }


def run_database(url: str, clients: int, seconds: float, workers: int, threads: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="pw-bench-channels-") as folder:
        setup = run_python("--setup", url, folder)
        port = report_api.free_port()
        log = Path(folder) / "gunicorn.log"
        # The server keeps each instance document under VAR_DIR/attachments.
        os.environ["POLLWATCH_VAR_DIR"] = str(Path(folder) / "var")
        server = report_api.start_server(setup["db_url"], port, log, workers, threads)
        try:
            keys = report_api.Keys(setup["stations"])
            api_headers = {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {setup['token']}",
            }
            api = run_phase(
                port,
                API_PATH,
                api_headers,
                lambda rng: json_body(setup, keys, rng),
                clients,
                seconds,
            )
            odk_path = f"/odk/{setup['mission']}/key/{setup['odk_token']}/submission"
            odk = run_phase(
                port,
                odk_path,
                ODK_HEADERS,
                lambda rng: odk_body(setup, keys, rng),
                clients,
                seconds,
            )
        finally:
            report_api.stop_server(server)
            os.environ.pop("POLLWATCH_VAR_DIR", None)
        counts = run_python("--check", setup["db_url"], url)
    return {
        "vendor": setup["vendor"],
        "version": setup["version"],
        "questions": setup["questions"],
        "api": api,
        "odk": odk,
        "counts": counts,
    }


# --- the driver ----------------------------------------------------------------------------


def verdict(result: dict) -> list[str]:
    """What went wrong in a run: failed requests, or rows that do not match the ids."""
    problems = []
    for name in ("api", "odk"):
        phase, counts = result[name], result["counts"][name]
        if phase["error_count"]:
            problems.append(
                f"{name}: {phase['error_count']} failed requests, e.g. {phase['errors']}"
            )
        for table in ("submissions", "reports"):
            if counts[table] != phase["unique_ids"]:
                problems.append(f"{name}: {counts[table]} {table} for {phase['unique_ids']} ids")
    return problems


def ratio(result: dict) -> float:
    api, odk = result["api"], result["odk"]
    return odk["rate"] / api["rate"] if api["rate"] else 0.0


def parse_line(parsing: dict) -> str:
    return (
        f"SMS parse: {parsing['rate']:,.0f} messages/s ({parsing['us_per_message']:.1f} µs per "
        f"message; {parsing['pool']} messages, {parsing['messy']} messy, mean "
        f"{parsing['mean_length']:.0f} characters)"
    )


def summary_line(result: dict) -> str:
    api, odk = result["api"], result["odk"]
    return (
        f"{result['version']}: JSON API {api['rate']:,.0f}/s (p50 {api['p50_ms']:.1f} ms, "
        f"p99 {api['p99_ms']:.1f} ms); OpenRosa {odk['rate']:,.0f}/s (p50 "
        f"{odk['p50_ms']:.1f} ms, p99 {odk['p99_ms']:.1f} ms); ratio OpenRosa/JSON "
        f"{ratio(result):.2f}; rows = unique ids: JSON {result['counts']['api']['submissions']:,}"
        f"/{api['unique_ids']:,}, OpenRosa {result['counts']['odk']['submissions']:,}"
        f"/{odk['unique_ids']:,}"
    )


def report(parsing: dict, results: list[dict], args: argparse.Namespace) -> str:
    questions = results[0]["questions"] if results else "?"
    lines = [
        START,
        "## SMS and ODK Collect",
        "",
        f"`python bench/channels.py --db both`. SMS parsing, pure (no database): "
        f"`syntax.parse` over {parsing['pool']:,} messages composed from voting checklists of "
        f"the demo's voting form ({parsing['questions']} questions by SMS, mean "
        f"{parsing['mean_length']:.0f} characters), {parsing['messy']} of them messy (lower "
        "case, extra punctuation, O for 0, l or I for 1), each checked to parse back to its "
        f"answers first; {parsing['seconds']:.1f} s of parsing.",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        "",
        "| SMS messages parsed/s | µs per message |",
        "| ---: | ---: |",
        f"| {parsing['rate']:,.0f} | {parsing['us_per_message']:.1f} |",
    ]
    if results:
        lines += [
            "",
            f"Submissions on a real server: gunicorn ({args.workers} workers x {args.threads} "
            f"threads, DEBUG off, persistent connections) on loopback; {args.clients} "
            f"keep-alive clients post for {args.seconds:.0f} s (after a short warm-up) to "
            "each endpoint in turn: (a) `POST /api/v1/reports` (JSON) and (b) ODK Collect's "
            "`POST /odk/<mission>/key/<token>/submission` (multipart, instance XML shaped "
            "like Collect's), the same voting checklists of a copy of the demo's voting "
            f"form with `station` and `visit` questions added ({questions} questions), each "
            "post a new report, one in five a retry of an earlier post. The clients run on "
            "the same machine as the server.",
            "",
            "| database | JSON reports/s | p50 | p99 | OpenRosa submissions/s | p50 | p99 "
            "| ratio OpenRosa/JSON | rows = unique ids |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for r in results:
            api, odk = r["api"], r["odk"]
            same = "yes" if not verdict(r) else "NO"
            lines.append(
                f"| {r['version']} | {api['rate']:,.0f} | {api['p50_ms']:.1f} ms "
                f"| {api['p99_ms']:.1f} ms | {odk['rate']:,.0f} | {odk['p50_ms']:.1f} ms "
                f"| {odk['p99_ms']:.1f} ms | {ratio(r):.2f} "
                f"| {same} ({r['counts']['api']['submissions']:,} + "
                f"{r['counts']['odk']['submissions']:,}) |"
            )
    lines += ["", END]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--parse-seconds", type=float, default=2.0)
    parser.add_argument(
        "--workers", type=int, default=report_api.WORKERS, help="gunicorn processes"
    )
    parser.add_argument(
        "--threads", type=int, default=report_api.THREADS, help="threads per process"
    )
    parser.add_argument(
        "--no-docs", action="store_true", help="print only; leave docs/benchmarks.md"
    )
    parser.add_argument("--parse", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--setup", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--check", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.parse:
        print(json.dumps(parse_worker(args.parse_seconds)))
        return 0
    if args.setup:
        print(json.dumps(setup_worker(args.setup[0], Path(args.setup[1]))))
        return 0
    if args.check:
        print(json.dumps(check_worker(*args.check)))
        return 0

    parsing = run_python("--parse", "--parse-seconds", str(args.parse_seconds))
    print(parse_line(parsing))
    urls = database_urls(args.db)
    if urls is None:
        return 2
    results, failed = [], False
    for url in urls:
        result = run_database(url, args.clients, args.seconds, args.workers, args.threads)
        print(summary_line(result))
        for problem in verdict(result):
            print(f"  FAILED: {problem}")
            failed = True
        results.append(result)
    if not args.no_docs:
        write_docs(report(parsing, results, args), START, END)
        print(f"written to {DOCS.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

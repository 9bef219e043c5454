"""What every benchmark script shares: the machine, database versions, the figures file."""

import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    """CPU count and model, system and Python: the line printed above each table."""
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def database_version(connection) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def postgres_url() -> str | None:
    """The PostgreSQL server to benchmark on (`make bench` sets one), or None."""
    url = os.environ.get("POLLWATCH_BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def write_docs(section: str, start: str, end: str) -> None:
    """Replace the script's own section of docs/benchmarks.md, keeping the others."""
    text = (
        DOCS.read_text()
        if DOCS.exists()
        else "# Benchmarks\n\nFigures written by the scripts in `bench/`.\n"
    )
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(text)


def database_urls(choice: str) -> list[str] | None:
    """The databases a `--db sqlite|postgres|both` run covers; None when it cannot run.

    SQLite's URL is a placeholder: each script makes its own temporary file database.
    """
    urls = ["sqlite:///bench-placeholder.sqlite3"] if choice in ("sqlite", "both") else []
    if choice in ("postgres", "both"):
        url = postgres_url()
        if url is None:
            print(
                "PostgreSQL: skipped - set POLLWATCH_BENCH_POSTGRES_URL (or DATABASE_URL) to a server URL"
            )
            if choice == "postgres":
                return None
        else:
            urls.append(url)
    return urls


def create_bench_database(url: str, folder: Path):
    """Set Django up on `url` and make a throwaway database there: (connection, old name).

    SQLite gets a file in `folder`; PostgreSQL a database named after this process,
    dropped by the caller with `connection.creation.destroy_test_db(old_name)`.
    """
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("POLLWATCH_INSECURE_DEV_KEY", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "pollwatch.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    name = (
        str(folder / "bench.sqlite3")
        if connection.vendor == "sqlite"
        else f"pollwatch_bench_{os.getpid()}"
    )
    connection.settings_dict["TEST"]["NAME"] = name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return connection, old_name


# --- the data two benchmarks share ----------------------------------------------------------


def bench_election():
    """The election every synthetic benchmark builds its areas and stations in."""
    import datetime as dt

    from pollwatch.elections.models import Election

    return Election.objects.create(
        code="bench",
        name="Benchmark election",
        kind=Election.Kind.PRESIDENTIAL,
        country="KG",
        election_day=dt.date(2017, 10, 15),
        time_zone="Asia/Bishkek",
    )


def bench_mission(election, code: str):
    """A mission observing `election` and its coordinator (no password: the test
    client signs in with force_login): (mission, user)."""
    from pollwatch.accounts.models import User
    from pollwatch.missions.models import Membership, Mission, Organisation, Role

    organisation = Organisation.objects.create(
        name="Bench observers", kind=Organisation.Kind.INTERNATIONAL
    )
    mission = Mission.objects.create(
        code=code, name="Bench mission", organisation=organisation, election=election
    )
    user = User.objects.create_user(username="bench-coordinator")
    Membership.objects.create(user=user, mission=mission, role=Role.COORDINATOR)
    return mission, user

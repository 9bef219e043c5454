"""`pollwatch serve` runs a task worker beside gunicorn that builds queued exports.

`serve` hands over to serve_with_worker when tasks go through the database (the
production setting). That function is run here for real in a process of its own,
with the real `db_worker` and a stand-in for gunicorn (starting gunicorn costs
seconds and has its own test in pollwatch/tests/test_serve.py): the worker builds an
export queued as a request would queue it, comes back when it dies, and stops when
the supervising process is told to stop.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db import DatabaseBackend

from pollwatch.findings import tasks
from pollwatch.findings.models import Export
from pollwatch.management.commands import serve
from pollwatch.reports.testing import make_form, make_observer, question
from pollwatch.testing import factories as f
from pollwatch.tests.test_serve import database_url

from .test_exports import add_report

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Stands in for gunicorn: runs until told to stop, then exits cleanly as gunicorn does.
STAND_IN = (
    "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); "
    "time.sleep(120)"
)
SUPERVISE = (
    "import sys; from pollwatch.management.commands.serve import serve_with_worker; "
    "sys.exit(serve_with_worker(sys.argv[1:]))"
)


class HandedOver(Exception):
    """Where `serve` ends: ('execv' | 'worker', the gunicorn argv)."""


def _hand_over(kind):
    def fake(*args):
        raise HandedOver(kind, args[-1])

    return fake


@pytest.fixture
def serve_ends(monkeypatch):
    """Run `serve` up to its hand-over, and say which one it made."""
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(serve.os, "execv", _hand_over("execv"))
    monkeypatch.setattr(serve, "serve_with_worker", _hand_over("worker"))

    def run(*args):
        with pytest.raises(HandedOver) as ended:
            call_command("serve", *args)
        return ended.value.args

    return run


def test_serve_starts_a_worker_only_with_the_database_backend(serve_ends):
    with override_settings(TASKS=DATABASE_TASKS):
        kind, argv = serve_ends("--port", "8123", "--workers", "1")
        assert kind == "worker"
        assert argv[0].endswith("gunicorn") and "--bind=127.0.0.1:8123" in argv
        assert serve_ends("--no-task-worker")[0] == "execv"
    # The tests' settings run tasks in the request: no worker to start.
    assert serve_ends()[0] == "execv"


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def workers_of(pid: int) -> list[int]:
    return [child for child in children_of(pid) if "db_worker" in command_line(child)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(condition, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_exports_comes_back_and_stops_with_the_server(
    tmp_path, mission, coordinator
):
    form_version = make_form(mission, "voting", question("voters", "integer"))
    station = f.PollingStationFactory(area=f.AreaFactory(election=mission.election))
    add_report(form_version, make_observer(mission, code="1234"), station, {"voters": 420})
    export = Export.objects.create(
        mission=mission, form=form_version.form, requested_by=coordinator
    )
    # As a request queues it with the production backend.
    DatabaseBackend("default", {}).enqueue(tasks.build_xlsx, [str(export.uuid), "en"], {})

    env = {
        **os.environ,
        "POLLWATCH_INSECURE_DEV_KEY": "true",
        "DATABASE_URL": database_url(),
        "POLLWATCH_MEDIA_ROOT": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "pollwatch.settings",
    }
    env.pop("POLLWATCH_TASKS", None)
    stand_in = [sys.executable, "-c", STAND_IN]
    process = subprocess.Popen(
        [sys.executable, "-c", SUPERVISE, *stand_in], env=env, start_new_session=True
    )
    try:
        worker = wait_until(lambda: workers_of(process.pid))[0]
        wait_until(lambda: Export.objects.filter(pk=export.pk, status="done").exists())
        export.refresh_from_db()
        assert (export.rows_done, export.error) == (1, "")
        rows = list(openpyxl.load_workbook(tmp_path / export.file.name).active.values)
        assert rows[0][-1] == "voters" and rows[1][-1] == 420

        os.kill(worker, signal.SIGKILL)  # a worker that dies is started again
        replacement = wait_until(lambda: [p for p in workers_of(process.pid) if p != worker])
        # Only the supervising process is told to stop: it passes the signal on.
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert not alive(replacement[0])
        assert not children_of(process.pid)
    finally:
        if process.poll() is None:
            for pid in [*children_of(process.pid), process.pid]:
                os.kill(pid, signal.SIGKILL)
            process.wait()

"""`pollwatch serve`: a real WSGI server (gunicorn) with static files from whitenoise.

With the database task backend it also runs one `db_worker` beside gunicorn for the
background work (spreadsheet exports), and stops it when gunicorn stops.
"""

import os
import shutil
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve pollwatch with gunicorn; static files are collected and served by whitenoise."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        # Requests are CPU-bound Python, and one process runs Python on one core at a
        # time (the GIL): a process per core plus one, each with two threads to overlap
        # database waits, beat fewer processes with more threads (on 2 cores the report
        # API did ~285 reports/s as 3 x 2, ~250 as 2 x 4; see bench/report_api.py).
        parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument(
            "--no-task-worker",
            action="store_true",
            help="Do not start a db_worker (when one runs elsewhere, e.g. under systemd).",
        )

    def handle(self, *args, host, port, workers, threads, no_task_worker, **options):
        if shutil.which("gunicorn", path=os.path.dirname(sys.executable)) is None:
            raise CommandError("gunicorn is not installed in this environment.")
        call_command("collectstatic", interactive=False, verbosity=0)
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"pollwatch is serving on {url} (Ctrl+C stops it)"))
        self.stdout.flush()
        argv = [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "pollwatch.wsgi:application",
            f"--bind={host}:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--access-logfile=-",
            "--graceful-timeout=5",
        ]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
        if no_task_worker or not settings.TASKS["default"]["BACKEND"].endswith("DatabaseBackend"):
            # Replace this process so that signals (Ctrl+C, a test's terminate) reach gunicorn.
            os.execv(argv[0], argv)  # noqa: S606
        sys.exit(serve_with_worker(argv))


def serve_with_worker(argv: list[str]) -> int:
    """Run gunicorn and one task worker as children until gunicorn stops, then stop both.

    The children have their own process group, so that a Ctrl+C reaches them once,
    from here: a second signal would make the worker abandon the task it is running.
    SIGTERM and SIGINT sent to this process are passed on to both. A worker that
    dies is started again: the web server carries on meanwhile.
    """
    worker_argv = [sys.executable, "-m", "pollwatch", "db_worker"]
    worker = subprocess.Popen(worker_argv, process_group=0)  # noqa: S603
    server = subprocess.Popen(argv, process_group=0)  # noqa: S603
    stopping = []

    def pass_on(signum, frame):
        stopping.append(signum)
        for child in (server, worker):
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, pass_on)
    signal.signal(signal.SIGINT, pass_on)
    while server.poll() is None:
        try:
            server.wait(timeout=1)
        except subprocess.TimeoutExpired:
            if worker.poll() is not None and not stopping:
                worker = subprocess.Popen(worker_argv, process_group=0)  # noqa: S603
    if worker.poll() is None and not stopping:
        worker.terminate()
    try:
        # A worker in the middle of an export finishes it first; not for ever.
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    return server.returncode or 0

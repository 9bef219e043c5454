"""`pollwatch serve`: a real WSGI server (gunicorn) with static files from whitenoise."""

import os
import shutil
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

    def handle(self, *args, host, port, workers, threads, **options):
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
        # Replace this process so that signals (Ctrl+C, a test's terminate) reach gunicorn.
        os.execv(argv[0], argv)  # noqa: S606

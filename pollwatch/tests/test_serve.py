"""`pollwatch serve` runs a real server: pages and static files over HTTP, DEBUG off."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the test database itself, so the server sees what the test wrote."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
        body = response.read().decode()
        return response.status, response.headers.get("Content-Type", ""), body


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"server exited early: {output}")
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not answer in time")


@pytest.mark.django_db(transaction=True)
def test_serve_pages_and_static_files_with_debug_off(tmp_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "POLLWATCH_INSECURE_DEV_KEY": "true",
        "DATABASE_URL": database_url(),
        "POLLWATCH_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "pollwatch", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", process)
        status, _, page = get(f"{base}/accounts/login/")
        assert status == 200 and 'name="password"' in page
        # With DEBUG off the stylesheet has a hashed name that only whitenoise serves.
        stylesheet = re.search(r'href="(/static/css/pollwatch\.[0-9a-f]+\.css)"', page)
        assert stylesheet, page
        status, content_type, css = get(base + stylesheet.group(1))
        assert status == 200 and content_type.startswith("text/css") and ".topbar" in css
        status, content_type, schema = get(f"{base}/api/v1/openapi.json")
        assert status == 200 and '"openapi"' in schema
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    assert process.returncode is not None

"""The `pollwatch` console script maps two-word commands and passes the rest to Django."""

import subprocess
import sys

import pytest

from pollwatch.cli import translate


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["import", "stations", "f.csv", "--election", "x"],
            ["import_stations", "f.csv", "--election", "x"],
        ),
        (["import", "observers", "f.csv"], ["import_observers", "f.csv"]),
        (["import", "areas", "f.csv"], ["import_areas", "f.csv"]),
        (["export", "roster", "--mission", "m"], ["export_roster", "--mission", "m"]),
        (["forms", "import", "f.xlsx"], ["import_form", "f.xlsx"]),
        (["migrate", "--check"], ["migrate", "--check"]),
        (["import"], ["import"]),
        ([], []),
    ],
)
def test_translate(argv, expected):
    assert translate(argv) == expected


def test_console_script_runs_django_commands():
    result = subprocess.run(
        [sys.executable, "-m", "pollwatch", "help", "serve"],
        capture_output=True,
        text=True,
        env={"POLLWATCH_INSECURE_DEV_KEY": "true", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--port" in result.stdout


def test_the_first_command_of_a_fresh_clone_makes_the_database_folder(tmp_path):
    # As `make run` on a fresh clone: no var/ yet, the default SQLite database in it.
    var = tmp_path / "fresh" / "var"
    result = subprocess.run(
        [sys.executable, "-m", "pollwatch", "migrate", "--plan"],
        capture_output=True,
        text=True,
        env={
            "POLLWATCH_INSECURE_DEV_KEY": "true",
            "POLLWATCH_VAR_DIR": str(var),
            "PATH": "/usr/bin:/bin",
        },
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "accounts.0001_initial" in result.stdout
    assert (var / "pollwatch.sqlite3").is_file()

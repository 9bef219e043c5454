"""`pollwatch forensics` end to end on the Albanian 2017 results, and its bad inputs."""

import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from scipy import stats

from pollwatch.testing.data.albania2017 import RESULTS_CSV

ARGS = (
    "--registered",
    "zgjedhes",
    "--issued",
    "ballotsCast",
    "--found",
    "ballotsCast",
    "--winner",
    "ps",
)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("forensics", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture(scope="module")
def albania():
    with RESULTS_CSV.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_json_on_the_albanian_results(albania):
    answer = json.loads(run(RESULTS_CSV, *ARGS, "--json"))
    integer = answer["integer_percentages"]
    # Kobak's filter, applied here independently.
    reg = np.array([float(r["zgjedhes"]) for r in albania])
    cast = np.array([float(r["ballotsCast"]) for r in albania])
    ps = np.array([float(r["ps"]) for r in albania])
    with np.errstate(divide="ignore", invalid="ignore"):
        t, share = 100 * cast / reg, 100 * ps / cast
    keep = (cast > 0) & (reg >= 100) & (t <= 99) & (share <= 99)
    assert integer["stations"] == keep.sum()
    near = lambda v: np.abs(v - np.round(v)) <= 0.05 + 1e-9  # noqa: E731
    assert integer["observed"] == (near(t[keep]) | near(share[keep])).sum()
    assert integer["method"] == "exact"
    assert integer["excess"] == pytest.approx(integer["observed"] - integer["expected"])
    assert "prove" in integer["caveat"]
    # Digit tests on PS's votes of 10 or more, against scipy's chi-square.
    counts = ps[ps >= 10].astype(int)
    last = answer["last_digit"]
    assert last["n"] == counts.size
    assert last["observed"] == np.bincount(counts % 10, minlength=10).tolist()
    assert last["p_value"] == pytest.approx(stats.chisquare(last["observed"]).pvalue)
    assert answer["second_digit"]["n"] == counts.size
    assert answer["second_digit"]["df"] == 9


def test_table_simulations_and_svg(tmp_path):
    svg = tmp_path / "fingerprint.svg"
    out = run(RESULTS_CSV, *ARGS, "--simulations", "50", "--seed", "3", "--svg", svg)
    assert "Integer percentages" in out and "50 simulations" in out
    assert "Second digit" in out and "Last digit" in out
    assert "low power" in out
    assert svg.read_text().startswith("<svg")


def test_issued_as_a_sum_of_columns(tmp_path, albania):
    rows = [dict(r, extra="1") for r in albania[:300]]
    path = write_csv(tmp_path / "r.csv", rows)
    one = json.loads(run(path, *ARGS, "--json"))
    args = list(ARGS)
    args[args.index("--issued") + 1] = "ballotsCast+extra"
    two = json.loads(run(path, *args, "--json"))
    # One more ballot issued everywhere moves the turnouts, so the counts change.
    assert one["integer_percentages"]["expected"] != two["integer_percentages"]["expected"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("ps", "many", "row 4, column ps: 'many' is not a whole number"),
        ("zgjedhes", "-1", "row 4, column zgjedhes: -1 is negative"),
        ("ballotsCast", "", "row 4, column ballotsCast: the cell is empty"),
    ],
)
def test_bad_cells(tmp_path, albania, column, value, message):
    rows = [dict(r) for r in albania[:50]]
    rows[2][column] = value
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(CommandError, match=message) as error:
        run(path, *ARGS)
    assert error.value.returncode == 2


def test_missing_column_and_bad_options(tmp_path, albania):
    path = write_csv(tmp_path / "r.csv", [dict(r) for r in albania[:50]])
    args = list(ARGS)
    args[args.index("--winner") + 1] = "winner"
    with pytest.raises(CommandError, match="has no column 'winner'"):
        run(path, *args)
    with pytest.raises(CommandError, match="at least 2"):
        run(path, *ARGS, "--simulations", "1")


def test_exit_status_two_from_the_console_without_a_database(tmp_path, albania):
    rows = [dict(r) for r in albania[:50]]
    rows[9]["ps"] = "x"
    path = write_csv(tmp_path / "bad.csv", rows)
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3",
        "DJANGO_SETTINGS_MODULE": "pollwatch.settings",
        "POLLWATCH_INSECURE_DEV_KEY": "true",
    }
    command = [sys.executable, "-m", "pollwatch", "forensics", str(path), *ARGS]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "row 11, column ps" in done.stderr
    assert done.stdout == ""

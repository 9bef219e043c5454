"""`pollwatch pvt sample|estimate` end to end on the Albanian 2017 results.

The estimate is checked against samplics on the same stations; every bad input must
stop with exit status 2, a message naming the row or column, and no file written.
"""

import csv
import io
import json
import os
import subprocess
import sys
import warnings
from collections import Counter

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from pollwatch.testing.data.albania2017 import RESULTS_CSV

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # samplics warns that it is archived
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

FRAME = str(RESULTS_CSV)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("pvt", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def sample_args(size=544, seed="cli-test", *extra):
    return (
        "sample",
        FRAME,
        "--station",
        "qvKod",
        "--stratum",
        "qarku",
        "--size",
        size,
        "--seed",
        seed,
        *extra,
    )


@pytest.fixture(scope="module")
def albania():
    with RESULTS_CSV.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, rows, fields=None):
    fields = fields or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def fails(*args, match):
    with pytest.raises(CommandError, match=match) as error:
        run(*args)
    assert error.value.returncode == 2
    return str(error.value)


# --- sample ---------------------------------------------------------------------------


def test_sample_to_stdout(albania):
    out, err = run(*sample_args())
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["station", "stratum", "N_h", "n_h", "weight"]
    assert len(rows) == 544
    sizes = Counter(r["qarku"] for r in albania)
    drawn = Counter(r["stratum"] for r in rows)
    stratum_of = {r["qvKod"]: r["qarku"] for r in albania}
    for row in rows:
        assert stratum_of[row["station"]] == row["stratum"]
        assert int(row["N_h"]) == sizes[row["stratum"]]
        assert int(row["n_h"]) == drawn[row["stratum"]]
        assert float(row["weight"]) == pytest.approx(sizes[row["stratum"]] / drawn[row["stratum"]])
    # Proportional: every qarku gets about a tenth of its stations.
    assert all(abs(drawn[s] - 544 * n / 5362) < 1 for s, n in sizes.items())
    assert "544 of 5362" in err and "cli-test" in err
    assert run(*sample_args())[0] == out  # same seed, same file
    assert run(*sample_args(seed="other"))[0] != out


def test_sample_to_file_with_minimum(tmp_path):
    target = tmp_path / "sample.csv"
    out, _err = run(*sample_args(60, "min", "--minimum", "4", "--output", target))
    assert out == ""
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 60
    assert min(Counter(r["stratum"] for r in rows).values()) >= 4


# --- estimate -------------------------------------------------------------------------


def samplics_ratio(y, x, strata, sizes):
    n_h = Counter(strata)
    weights = np.array([sizes[s] / n_h[s] for s in strata])
    estimator = TaylorEstimator(PopParam.ratio)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.estimate(
            y=np.asarray(y, float),
            x=np.asarray(x, float),
            samp_weight=weights,
            stratum=np.array(strata),
            fpc={s: 1 - n_h[s] / sizes[s] for s in sorted(n_h)},
        )
    return float(estimator.point_est), float(estimator.stderror)


@pytest.fixture
def results(tmp_path, albania):
    """The sampled stations' result rows; every 18th (30 in all) has not reported."""
    out, _err = run(*sample_args(seed="estimate"))
    chosen = [r["station"] for r in csv.DictReader(io.StringIO(out))]
    by_code = {r["qvKod"]: dict(r) for r in albania}
    rows = [by_code[code] for code in chosen]
    silent = set(range(0, len(rows), 18))
    assert len(silent) == 31
    for i in silent:
        for column in ("ps", "pd", "lsi", "validVotes", "invalidVotes"):
            rows[i][column] = ""
    reported = [row for i, row in enumerate(rows) if i not in silent]
    return write_csv(tmp_path / "results.csv", rows), reported, len(rows)


def estimate_args(path, *extra):
    return (
        "estimate", path, "--frame", FRAME, "--station", "qvKod", "--stratum", "qarku",
        "--denominator", "validVotes", "--candidate", "ps", "--candidate", "pd", *extra,
    )  # fmt: skip


def test_estimate_json_matches_samplics(results, albania):
    path, reported, sampled = results
    out, _err = run(*estimate_args(path, "--json"))
    answer = json.loads(out)
    sizes = Counter(r["qarku"] for r in albania)
    strata = [r["qarku"] for r in reported]
    assert answer["reporting"] == len(reported) == sampled - 31
    assert answer["sampled"] == sampled
    for item, column in zip(answer["candidates"], ("ps", "pd"), strict=True):
        share, se = samplics_ratio(
            [r[column] for r in reported], [r["validVotes"] for r in reported], strata, sizes
        )
        assert item["name"] == column
        assert item["share"] == pytest.approx(share, rel=1e-9)
        assert item["se"] == pytest.approx(se, rel=1e-9)
        assert item["intervals"]["0.99"][0] == pytest.approx(share - 2.5758293 * se, rel=1e-7)
    per_stratum = {s["stratum"]: (s["reporting"], s["sampled"], s["N_h"]) for s in answer["strata"]}
    assert sum(k for k, _n, _N in per_stratum.values()) == len(reported)
    assert all(sizes[s] == N for s, (_k, _n, N) in per_stratum.items())
    assert answer["merges"] == []


def test_estimate_denominator_of_several_columns(results, albania):
    path, reported, _sampled = results
    out, _err = run(*estimate_args(path, "--json", "--confidence", "0.9"))
    assert json.loads(out)["confidences"] == [0.9]
    args = list(estimate_args(path, "--json"))
    args[args.index("validVotes")] = "validVotes+invalidVotes"
    answer = json.loads(run(*args)[0])
    sizes = Counter(r["qarku"] for r in albania)
    x = [int(r["validVotes"]) + int(r["invalidVotes"]) for r in reported]
    share, _se = samplics_ratio(
        [r["ps"] for r in reported], x, [r["qarku"] for r in reported], sizes
    )
    assert answer["candidates"][0]["share"] == pytest.approx(share, rel=1e-9)


def test_estimate_table_shows_reports_and_merges(tmp_path, albania):
    # Kukes with one report: merged into the smallest other qarku (no parents given).
    rows = [r for r in albania if r["qarku"] in ("Kukes", "Berat", "Gjirokaster")]
    kukes = [r for r in rows if r["qarku"] == "Kukes"][:1]
    others = [r for r in rows if r["qarku"] != "Kukes"][::10]
    path = write_csv(tmp_path / "few.csv", kukes + others)
    out, _err = run(*estimate_args(path, "--call"))
    assert "ps" in out and "pd" in out
    assert "Kukes" in out and "merged into Gjirokaster" in out
    assert f"{len(kukes + others)} of {len(kukes + others)}" in out
    assert "Runoff" in out or "Too close" in out or "outright" in out


# --- bad input ------------------------------------------------------------------------


def test_frame_without_the_stratum_column(tmp_path, albania):
    frame = write_csv(tmp_path / "frame.csv", albania[:50], ["qvKod", "zgjedhes"])
    target = tmp_path / "out.csv"
    fails("sample", frame, "--station", "qvKod", "--stratum", "qarku", "--size", 5, "--seed", "s",
          "--output", target, match="has no column 'qarku'")  # fmt: skip
    assert not target.exists()


def test_sample_larger_than_frame(tmp_path):
    target = tmp_path / "out.csv"
    fails(*sample_args(6000, "s", "--output", target), match="6000 is larger than the frame.*5362")
    assert not target.exists()
    fails(*sample_args(0, "s"), match="at least 1")
    fails(*sample_args(20, "s", "--minimum", "2"), match="minimum of 2 per stratum needs 24")


def test_duplicate_and_empty_station_codes(tmp_path, albania):
    rows = [dict(r) for r in albania[:20]]
    rows[7]["qvKod"] = rows[2]["qvKod"]
    frame = write_csv(tmp_path / "dup.csv", rows)
    fails("sample", frame, "--station", "qvKod", "--stratum", "qarku", "--size", 5, "--seed", "s",
          match=r"row 9, column qvKod: station \S+ already appears in row 4")  # fmt: skip
    rows[7]["qvKod"] = ""
    frame = write_csv(tmp_path / "empty.csv", rows)
    fails("sample", frame, "--station", "qvKod", "--stratum", "qarku", "--size", 5, "--seed", "s",
          match="row 9, column qvKod: the cell is empty")  # fmt: skip


def test_non_numeric_and_negative_votes(tmp_path, albania):
    rows = [dict(r) for r in albania[:40]]
    rows[3]["ps"] = "12a"
    rows[5]["validVotes"] = "-4"
    path = write_csv(tmp_path / "bad.csv", rows)
    message = fails(*estimate_args(path), match="2 problem")
    assert "row 5, column ps: '12a' is not a whole number" in message
    assert "row 7, column validVotes: -4 is negative" in message


def test_half_filled_row(tmp_path, albania):
    rows = [dict(r) for r in albania[:40]]
    rows[10]["pd"] = ""
    path = write_csv(tmp_path / "half.csv", rows)
    fails(*estimate_args(path), match="row 12: the cell of pd is empty while others are filled")


def test_results_station_not_in_frame(tmp_path, albania):
    rows = [dict(r) for r in albania[:40]]
    rows[0]["qvKod"] = "99999"
    path = write_csv(tmp_path / "stranger.csv", rows)
    fails(*estimate_args(path), match="row 2: station 99999 is not in the frame")


def test_missing_candidate_column_and_unreadable_files(tmp_path, albania):
    path = write_csv(tmp_path / "r.csv", albania[:40])
    args = list(estimate_args(path))
    args[args.index("pd")] = "nobody"
    fails(*args, match="has no column 'nobody'")
    fails(*estimate_args(tmp_path / "missing.csv"), match="Cannot read")
    (tmp_path / "latin1.csv").write_bytes("qvKod,qarku\n1,Durr\xebs\n".encode("latin-1"))
    fails(*estimate_args(tmp_path / "latin1.csv"), match="not UTF-8")
    (tmp_path / "empty.csv").write_text("")
    fails(*estimate_args(tmp_path / "empty.csv"), match="empty")
    fails(*estimate_args(path, "--confidence", "95"), match="between 0 and 1")


def test_runs_without_a_database(tmp_path):
    """The console script, with DATABASE_URL on a file that cannot exist."""
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3",
        "DJANGO_SETTINGS_MODULE": "pollwatch.settings",
        "POLLWATCH_INSECURE_DEV_KEY": "true",
    }
    command = [sys.executable, "-m", "pollwatch", "pvt", *map(str, sample_args(30, "nodb"))]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 31
    assert not (tmp_path / "no").exists()

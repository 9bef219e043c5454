"""`pollwatch export roster`: the same CSV as the roster page's download."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from pollwatch import cli
from pollwatch.missions.roster import ROSTER_CSV_COLUMNS
from pollwatch.testing import factories as f


@pytest.fixture
def roster(mission, other_mission):
    team = f.TeamFactory(mission=mission, code="T7")
    f.ObserverFactory(mission=mission, name="Zhanna Abenova", code="301", team=team)
    f.ObserverFactory(mission=mission, name="Askar Beisenov", code="302", seconded_by="CEC")
    f.ObserverFactory(mission=other_mission, name="Not In This Mission", code="303")
    return mission


def export(**options) -> str:
    out = io.StringIO()
    call_command("export_roster", stdout=out, **options)
    return out.getvalue()


def test_writes_the_missions_observers_by_name(roster):
    rows = list(csv.reader(io.StringIO(export(mission="odihr-test"))))
    assert rows[0] == ROSTER_CSV_COLUMNS
    assert [(row[0], row[1], row[5]) for row in rows[1:]] == [
        ("Askar Beisenov", "302", ""),
        ("Zhanna Abenova", "301", "T7"),
    ]


def test_matches_the_web_download(roster, as_user, coordinator):
    response = as_user(coordinator).get(reverse("missions:roster_csv", args=["odihr-test"]))
    web = b"".join(response.streaming_content).decode()
    assert export(mission="odihr-test") == web


def test_writes_to_a_file(roster, tmp_path, capsys):
    target = tmp_path / "roster.csv"
    call_command("export_roster", mission="odihr-test", output=str(target))
    content = target.read_bytes().decode("utf-8")
    assert content.startswith("name,code,nationality,")
    assert content.count("\r\n") == 3
    assert "Wrote 2 observers" in capsys.readouterr().err


def test_refuses_an_unknown_mission(roster):
    with pytest.raises(CommandError, match="no-such-mission"):
        export(mission="no-such-mission")


def test_the_pollwatch_command_has_the_two_word_form(roster, capsys):
    cli.main(["export", "roster", "--mission", "cis-test"])
    out = capsys.readouterr().out
    assert "Not In This Mission" in out
    assert "Zhanna" not in out

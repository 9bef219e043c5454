import codecs
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from pollwatch import cli
from pollwatch.elections.imports import import_areas, import_stations
from pollwatch.elections.models import Area, PollingStation
from pollwatch.lib.csvio import ImportRejected
from pollwatch.testing import factories as f

HEADER = "code,name,area_code,registered_voters,address,latitude,longitude,area_name,area_level,parent_area_code\n"
GOOD = HEADER + (
    "1001,School No. 5,BIS-1,1843,12 Chui Ave,42.8746,74.5698,Bishkek district 1,district,BIS\n"
    "1002,Lyceum No. 61,BIS-1,2210,,,,Bishkek district 1,district,BIS\n"
    "2001,Osh school 3,OSH,990,,,,,,\n"
)


@pytest.fixture
def tree(election):
    """Two existing areas: a region and a city, both roots."""
    return {
        "BIS": f.AreaFactory(election=election, code="BIS", name="Bishkek", level="city"),
        "OSH": f.AreaFactory(election=election, code="OSH", name="Osh", level="city"),
    }


def counts(election):
    return (
        Area.objects.filter(election=election).count(),
        PollingStation.objects.filter(election=election).count(),
    )


def rejected(election, text, encoding="utf-8"):
    """The problems of a rejected file, checking that nothing was written."""
    before = counts(election)
    data = text.encode(encoding) if isinstance(text, str) else text
    with pytest.raises(ImportRejected) as info:
        import_stations(election, data)
    assert counts(election) == before
    return [(e.row, e.column, e.message) for e in info.value.errors]


def test_good_file_creates_stations_and_areas_in_the_tree(election, tree):
    result = import_stations(election, GOOD.encode())
    assert (result.rows, result.stations_created, result.areas_created) == (3, 3, 1)
    district = Area.objects.get(election=election, code="BIS-1")
    assert (district.parent, district.path, district.depth) == (tree["BIS"], "/BIS/BIS-1/", 1)
    station = PollingStation.objects.get(election=election, code="1001")
    assert station.area == district
    assert station.registered_voters == 1843
    assert station.latitude == Decimal("42.874600")
    assert PollingStation.objects.get(election=election, code="2001").area == tree["OSH"]


def test_reimport_updates_by_code(election, tree):
    import_stations(election, GOOD.encode())
    changed = GOOD.replace("1843", "1900").replace("Osh school 3", "Osh school No. 3")
    result = import_stations(election, changed.encode())
    assert (result.stations_created, result.stations_updated, result.stations_unchanged) == (
        0,
        2,
        1,
    )
    assert PollingStation.objects.get(election=election, code="1001").registered_voters == 1900
    assert counts(election) == (3, 3)


def test_bom_and_semicolons_are_accepted(election, tree):
    text = "code;name;area_code;registered_voters;latitude;longitude\n7;Semi;OSH;5;40,5;72,8\n"
    import_stations(election, codecs.BOM_UTF8 + text.encode())
    station = PollingStation.objects.get(election=election, code="7")
    assert station.longitude == Decimal("72.8")


def test_duplicate_code_in_the_file(election, tree):
    text = HEADER + "1001,A,OSH,1,,,,,,\n1001,B,OSH,2,,,,,,\n"
    assert rejected(election, text) == [
        (3, "code", "The station code '1001' appears again; it is first on row 2.")
    ]


def test_negative_registered_voters(election, tree):
    text = HEADER + "1001,A,OSH,-5,,,,,,\n"
    assert rejected(election, text) == [
        (2, "registered_voters", "-5 is negative; it must be 0 or more.")
    ]


def test_unknown_parent_area(election, tree):
    text = HEADER + "1001,A,NEW,1,,,,New district,district,NOWHERE\n"
    [(row, column, message)] = rejected(election, text)
    assert (row, column) == (2, "parent_area_code")
    assert "Unknown parent area 'NOWHERE'" in message


def test_unknown_area(election, tree):
    [(row, column, message)] = rejected(election, HEADER + "1001,A,NOWHERE,1,,,,,,\n")
    assert (row, column) == (2, "area_code")
    assert "Unknown area 'NOWHERE'" in message


def test_missing_column(election, tree):
    text = "code,name,area_code\n1001,A,OSH\n"
    assert rejected(election, text) == [
        (1, "registered_voters", "The required column 'registered_voters' is missing.")
    ]


def test_cp1251_bytes(election, tree):
    text = "code,name,area_code,registered_voters\n1001,Школа №5,OSH,100\n"
    [(row, column, message)] = rejected(election, text, "cp1251")
    assert (row, column) == (2, None)
    assert "not UTF-8; it looks like cp1251 (Cyrillic Windows)" in message


def test_every_problem_is_reported_at_once(election, tree):
    text = HEADER + (
        "1001,A,OSH,many,,,,,,\n"
        "bad code!,,OSH,1,,95,10,,,\n"
        "1003,C,OSH,1,,10,,,,\n"
        "1004,D,BIS-9,1,,,,District 9,district,BIS\n"
        "1005,E,BIS-9,1,,,,District nine,district,BIS\n"
    )
    problems = rejected(election, text)
    assert [(row, column) for row, column, _m in problems] == [
        (2, "registered_voters"),
        (3, "code"),
        (3, "name"),
        (3, "latitude"),
        (4, None),
        (6, "area_code"),
    ]
    assert "'many' is not a whole number." in problems[0][2]
    assert "described differently on row 5" in problems[-1][2]


def test_areas_file_builds_a_tree_in_any_order(election):
    text = "code,name,level,parent_code\nCHU-1,Alamedin,district,CHU\nCHU,Chui,region,\n"
    result = import_areas(election, text.encode())
    assert result.areas_created == 2
    assert Area.objects.get(election=election, code="CHU-1").path == "/CHU/CHU-1/"
    again = import_areas(election, text.replace("Alamedin", "Alamüdün").encode())
    assert (again.areas_created, again.areas_updated) == (0, 1)


def test_areas_file_rejects_loops_and_moves(election, tree):
    text = "code,name,parent_code\nX,X,Y\nY,Y,X\nBIS,Bishkek,OSH\n"
    with pytest.raises(ImportRejected) as info:
        import_areas(election, text.encode())
    messages = [e.message for e in info.value.errors]
    assert any("cannot move it under 'OSH'" in m for m in messages)
    assert Area.objects.filter(election=election).count() == 2


def test_progress_is_reported(election, tree):
    calls = []
    import_stations(
        election, GOOD.encode(), progress=lambda done, total: calls.append((done, total))
    )
    assert calls[-1] == (3, 3)


# The command line


def test_command_imports_and_prints_counts(election, tree, tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text(GOOD)
    out = io.StringIO()
    call_command("import_stations", str(path), election=election.code, stdout=out)
    assert "3 stations created" in out.getvalue()
    assert counts(election) == (3, 3)


def test_command_prints_every_problem_and_fails(election, tree, tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text(HEADER + "1001,A,OSH,-5,,,,,,\n1001,B,OSH,1,,,,,,\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_stations", str(path), election=election.code, stderr=err)
    assert "-5 is negative" in err.getvalue()
    assert "appears again" in err.getvalue()
    assert counts(election) == (2, 0)


def test_console_script_wraps_the_command(election, tree, tmp_path, capsys):
    path = tmp_path / "stations.csv"
    path.write_text(GOOD)
    cli.main(["import", "stations", str(path), "--election", election.code])
    assert "3 stations created" in capsys.readouterr().out


def test_console_script_exits_with_status_1_on_bad_file(election, tree, tmp_path, capsys):
    path = tmp_path / "stations.csv"
    path.write_text("code,name\n1,x\n")
    with pytest.raises(SystemExit) as info:
        cli.main(["import", "stations", str(path), "--election", election.code])
    assert info.value.code == 1
    assert "registered_voters" in capsys.readouterr().err


def test_import_areas_command(election, tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text("code,name,parent_code\nR,Region,\nD,District,R\n")
    call_command("import_areas", str(path), election=election.code, stdout=io.StringIO())
    assert Area.objects.get(election=election, code="D").depth == 1


# The web page


def upload(text: str) -> dict:
    return {"file": SimpleUploadedFile("stations.csv", text.encode(), content_type="text/csv")}


def test_coordinator_imports_through_the_page(as_user, coordinator, mission, tree):
    client = as_user(coordinator)
    url = reverse("elections:import_stations", args=[mission.code])
    page = client.get(url)
    assert page.status_code == 200
    assert "registered_voters" in page.content.decode()
    response = client.post(url, upload(GOOD))
    assert response.status_code == 302
    assert response["Location"] == reverse("elections:stations", args=[mission.code])
    assert counts(mission.election) == (3, 3)


def test_page_shows_the_table_of_problems(as_user, coordinator, mission, tree):
    client = as_user(coordinator)
    url = reverse("elections:import_stations", args=[mission.code])
    response = client.post(url, upload(HEADER + "1001,A,OSH,-5,,,,,,\n1002,B,NOWHERE,1,,,,,,\n"))
    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["errors"]] == [
        (2, "registered_voters"),
        (3, "area_code"),
    ]
    html = response.content.decode()
    assert "Nothing was imported: 2 problems were found." in html
    assert "-5 is negative" in html
    assert counts(mission.election) == (2, 0)


def test_observer_may_not_import(as_user, observer, mission):
    url = reverse("elections:import_stations", args=[mission.code])
    assert as_user(observer).get(url).status_code == 403
    assert as_user(observer).post(url, upload(GOOD)).status_code == 403


def test_other_missions_coordinator_gets_404(as_user, other_coordinator, mission):
    url = reverse("elections:import_stations", args=[mission.code])
    assert as_user(other_coordinator).get(url).status_code == 404

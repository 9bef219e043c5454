"""Importing official per-station results: mapping, refusals, flags and re-import."""

import codecs
import datetime as dt
import io
from typing import cast

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pollwatch import cli
from pollwatch.elections import results
from pollwatch.elections.models import OfficialResult, PollingStation
from pollwatch.elections.results import ResultsMapping, import_results
from pollwatch.lib.csvio import ImportRejected
from pollwatch.testing import factories as f

# An election body's own column names; "note" is not mapped and must be ignored.
HEADER = "Station,Voters,Issued,Found,Spoilt,Good,Alpha,Beta,note\n"
GOOD = HEADER + (
    "0001,1000,700,650,10,640,400,240,ok\n"  # adds up
    "0002,800,500,500,20,470,300,170,\n"  # valid + invalid = 490, not 500
    "0003,900,600,600,0,600,300,290,\n"  # candidates: 590, not 600
    "0004,100,120,120,0,120,60,60,\n"  # 120 found for 100 registered
    "0005,1000,400,450,0,450,200,250,\n"  # 450 found, 400 issued
)


@pytest.fixture
def frame(election):
    area = f.AreaFactory(election=election, code="R1", name="Region 1")
    for code in ("0001", "0002", "0003", "0004", "0005", "0006"):
        f.PollingStationFactory(area=area, code=code)
    alpha = f.CandidateFactory(election=election, name="Alpha Person", ballot_number=1)
    beta = f.CandidateFactory(election=election, name="Beta Person", ballot_number=2)
    return {"alpha": alpha, "beta": beta}


def mapping(**changes) -> ResultsMapping:
    fields = {
        "station": "Station",
        "registered": "Voters",
        "ballots_issued": "Issued",
        "ballots_found": "Found",
        "invalid": "Spoilt",
        "valid": "Good",
    }
    candidates = {"Alpha": "1", "Beta": "Beta Person"}
    for key, value in changes.items():
        if key in fields:
            if value is None:
                fields.pop(key)
            else:
                fields[key] = value
    return ResultsMapping(fields, changes.get("candidates", candidates))


def rejected(election, text, *, the_mapping=None, data=None):
    """The problems of a refused file, after checking the earlier results are untouched."""
    import_results(election, GOOD.encode(), mapping())
    before = list(OfficialResult.objects.filter(election=election).values_list("pk", "valid"))
    with pytest.raises(ImportRejected) as info:
        import_results(
            election, data if data is not None else text.encode(), the_mapping or mapping()
        )
    after = list(OfficialResult.objects.filter(election=election).values_list("pk", "valid"))
    assert after == before and len(before) == 5
    return [(e.row, e.column, e.message) for e in info.value.errors]


def test_good_file_is_imported_with_votes_by_candidate(election, frame):
    outcome = import_results(election, GOOD.encode(), mapping())
    assert (outcome.rows, outcome.replaced, outcome.candidates) == (5, 0, 2)
    assert outcome.stations_without_result == 1
    first = OfficialResult.objects.get(station__code="0001")
    assert first.votes == {str(frame["alpha"].pk): 400, str(frame["beta"].pk): 240}
    assert (first.registered_voters, first.ballots_issued, first.ballots_found) == (1000, 700, 650)
    assert (first.invalid, first.valid, first.has_problems, first.problems) == (10, 640, False, [])
    assert abs(first.imported_at - timezone.now()) < dt.timedelta(minutes=5)


def test_rows_that_do_not_add_up_are_imported_and_flagged(election, frame):
    outcome = import_results(election, GOOD.encode(), mapping())
    flagged = {
        r.station.code: [p["check"] for p in r.problems]
        for r in OfficialResult.objects.filter(has_problems=True).select_related("station")
    }
    assert flagged == {
        "0002": [results.CHECK_VALID_INVALID],
        "0003": [results.CHECK_CANDIDATES],
        "0004": [results.CHECK_REGISTERED],
        "0005": [results.CHECK_ISSUED],
    }
    assert outcome.flagged == 4
    assert outcome.by_check == dict.fromkeys(results.CHECKS, 1)
    problem = OfficialResult.objects.get(station__code="0002").problems[0]
    assert results.describe_problem(problem) == (
        "Valid votes (470) plus invalid ballots (20) make 490, not the 500 ballots found."
    )


def test_ballots_issued_is_optional(election, frame):
    outcome = import_results(election, GOOD.encode(), mapping(ballots_issued=None))
    assert outcome.rows == 5
    assert OfficialResult.objects.filter(ballots_issued__isnull=True).count() == 5
    assert results.CHECK_ISSUED not in outcome.by_check


def test_reimport_replaces_the_election_results(election, frame):
    import_results(election, GOOD.encode(), mapping())
    smaller = HEADER + "0006,500,300,300,0,300,100,200,\n"
    outcome = import_results(election, smaller.encode(), mapping())
    assert (outcome.rows, outcome.replaced) == (1, 5)
    assert list(OfficialResult.objects.values_list("station__code", flat=True)) == ["0006"]


def test_other_elections_results_are_kept(election, frame):
    other = cast(PollingStation, f.PollingStationFactory(code="0001"))
    OfficialResult.objects.create(
        election=other.election,
        station=other,
        registered_voters=1,
        ballots_found=1,
        invalid=0,
        valid=1,
    )
    import_results(election, GOOD.encode(), mapping())
    import_results(election, GOOD.encode(), mapping())
    assert OfficialResult.objects.filter(election=other.election).count() == 1


def test_bom_and_semicolons(election, frame):
    text = GOOD.replace(",", ";")
    outcome = import_results(election, codecs.BOM_UTF8 + text.encode(), mapping())
    assert outcome.rows == 5


def test_cp1251_is_refused_with_its_name(election, frame):
    text = GOOD.replace("ok", "Избирательный участок")
    errors = rejected(election, "", data=text.encode("cp1251"))
    assert "cp1251" in errors[0][2]


def test_unknown_station_code(election, frame):
    errors = rejected(election, GOOD.replace("0005,", "9999,"))
    assert errors == [(6, "Station", "'9999' is not a polling station of this election.")]


def test_duplicate_station(election, frame):
    errors = rejected(election, GOOD.replace("0005,", "0001,"))
    assert errors == [(6, "Station", "The station '0001' appears again; it is first on row 2.")]


def test_negative_count(election, frame):
    errors = rejected(election, GOOD.replace(",10,640,", ",-10,640,"))
    assert errors == [(2, "Spoilt", "-10 is negative; it must be 0 or more.")]


def test_non_numeric_count(election, frame):
    errors = rejected(election, GOOD.replace(",400,240,ok", ",four hundred,240,ok"))
    assert errors == [(2, "Alpha", "'four hundred' is not a whole number.")]


def test_empty_candidate_cell(election, frame):
    errors = rejected(election, GOOD.replace(",400,240,ok", ",,240,ok"))
    assert errors == [(2, "Alpha", "This cell is empty; it is required.")]


def test_candidate_column_that_maps_to_no_candidate(election, frame):
    other_election = f.CandidateFactory(name="Gamma Person", ballot_number=7)
    the_mapping = mapping(candidates={"Alpha": "1", "Beta": "7"})
    errors = rejected(election, GOOD, the_mapping=the_mapping)
    assert errors == [(1, "Beta", "'7' is not a candidate of this election.")]
    the_mapping = mapping(candidates={"Alpha": "1", "Beta": other_election})
    errors = rejected(election, GOOD, the_mapping=the_mapping)
    assert errors[0][:2] == (1, "Beta")


def test_column_missing_from_the_file(election, frame):
    errors = rejected(election, GOOD.replace("Spoilt", "Spoiled"))
    assert errors == [(1, "Spoilt", "The column 'Spoilt' is not in the file.")]


def test_required_field_without_a_column(election, frame):
    errors = rejected(election, GOOD, the_mapping=mapping(valid=None))
    assert errors == [(1, None, "No column is chosen for 'Valid votes'; it is required.")]


def test_one_column_for_two_things(election, frame):
    the_mapping = mapping(candidates={"Alpha": "1", "Good": "2"})
    errors = rejected(election, GOOD, the_mapping=the_mapping)
    assert errors == [
        (1, "Good", "The column 'Good' is chosen both for Valid votes and for Beta Person.")
    ]


def test_every_row_problem_is_reported_at_once(election, frame):
    text = GOOD.replace("0005,", "9999,").replace(",10,640,", ",x,640,")
    errors = rejected(election, text)
    assert [(row, column) for row, column, _message in errors] == [(2, "Spoilt"), (6, "Station")]


def test_guess_mapping_from_names_numbers_and_parties(election, frame):
    party = f.PartyFactory(name="Social Party", short_name="SP")
    f.CandidateFactory(election=election, name="Gamma Person", ballot_number=3, party=party)
    # Two candidates of one party: a column named after it could be either.
    twins = f.PartyFactory(name="Twin Party", short_name="TP")
    f.CandidateFactory(election=election, name="Delta Person", ballot_number=4, party=twins)
    f.CandidateFactory(election=election, name="Epsilon Person", ballot_number=5, party=twins)
    columns = ["Polling station code", "Registered voters", "ballotsCast", "Invalid", "VALID",
               "Alpha Person", "c2", "sp", "tp", "turnout"]  # fmt: skip
    guess = results.guess_mapping(election, columns)
    assert guess.fields == {
        "station": "Polling station code",
        "registered": "Registered voters",
        "ballots_found": "ballotsCast",
        "invalid": "Invalid",
        "valid": "VALID",
    }
    assert {column: c.name for column, c in guess.candidates.items()} == {
        "Alpha Person": "Alpha Person",
        "c2": "Beta Person",
        "sp": "Gamma Person",
    }


def test_preview_shows_header_and_first_rows(election, frame):
    preview = results.preview(GOOD.encode(), rows=2)
    assert preview.columns[:3] == ["Station", "Voters", "Issued"]
    assert preview.rows[1][0] == "0002"
    assert preview.rows_total == 5


def test_command_imports_with_maps_and_guesses(election, frame, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(GOOD.replace("Alpha,Beta", "c1,c2"))
    out = io.StringIO()
    call_command(
        "import_results",
        str(path),
        election=election.code,
        map=[
            "Station=station",
            "Voters=registered",
            "Issued=ballots_issued",
            "Found=ballots_found",
            "Spoilt=invalid",
            "Good=valid",
        ],  # fmt: skip
        stdout=out,
    )
    assert OfficialResult.objects.filter(election=election).count() == 5
    assert "5 official results" in out.getvalue()
    assert "c2 -> Beta Person" in out.getvalue()


def test_command_refuses_a_bad_file(election, frame, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(GOOD.replace("0005,", "9999,"))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_results",
            str(path),
            election=election.code,
            map=[
                "Station=station",
                "Voters=registered",
                "Found=ballots_found",
                "Spoilt=invalid",
                "Good=valid",
                "Alpha=1",
                "Beta=2",
            ],  # fmt: skip
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not OfficialResult.objects.exists()


def test_console_script_maps_import_results():
    assert cli.translate(["import", "results", "f.csv", "--election", "x"]) == [
        "import_results",
        "f.csv",
        "--election",
        "x",
    ]

"""Official results pages: totals, flagged rows, protocols compared, import, access."""

import datetime as dt
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pollwatch.elections.models import OfficialResult
from pollwatch.elections.results import ResultsMapping, import_results
from pollwatch.reports.models import Channel, Report, ReportVersion
from pollwatch.reports.testing import make_form, make_observer, question
from pollwatch.testing import factories as f

CSV = (
    "code,registered,found,invalid,valid,A,B\n"
    "101,100,60,5,55,30,25\n"
    "102,200,150,10,140,40,100\n"
    "201,50,20,0,20,20,0\n"
    "202,80,40,0,45,20,25\n"  # valid + invalid = 45, not the 40 ballots found
)
MAPPING = {
    "station": "code",
    "registered": "registered",
    "ballots_found": "found",
    "invalid": "invalid",
    "valid": "valid",
}


@pytest.fixture
def frame(election):
    north = f.AreaFactory(election=election, code="N", name="Northland", level="region")
    south = f.AreaFactory(election=election, code="S", name="Southland", level="region")
    stations = {
        code: f.PollingStationFactory(area=area, code=code)
        for code, area in (
            ("101", north),
            ("102", north),
            ("201", south),
            ("202", south),
            ("203", south),
        )
    }
    a = f.CandidateFactory(election=election, name="Ana Alpha", ballot_number=1)
    b = f.CandidateFactory(election=election, name="Bo Beta", ballot_number=2)
    return {"stations": stations, "a": a, "b": b}


@pytest.fixture
def official(frame, election):
    import_results(election, CSV.encode(), ResultsMapping(dict(MAPPING), {"A": "1", "B": "2"}))
    return frame


def url(name, mission, *args):
    return reverse(f"pvt_results:{name}", args=[mission.code, *args])


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["totals", "flagged", "forensics"])
def test_every_member_reads_official_results(as_user, viewer, observer, mission, official, name):
    assert as_user(viewer).get(url(name, mission)).status_code == 200
    assert as_user(observer).get(url(name, mission)).status_code == 200


@pytest.mark.parametrize("name", ["totals", "flagged", "compare", "forensics", "import"])
def test_another_missions_member_gets_404(
    as_user, other_coordinator, outsider, mission, official, name
):
    assert as_user(other_coordinator).get(url(name, mission)).status_code == 404
    assert as_user(outsider).get(url(name, mission)).status_code == 404


def test_the_other_mission_reads_the_same_results_under_its_own_code(
    as_user, other_mission_observer, other_mission, official
):
    response = as_user(other_mission_observer).get(url("totals", other_mission))
    assert response.status_code == 200
    assert "Ana Alpha" in response.content.decode()


def test_protocols_are_for_the_core_team(as_user, viewer, observer, analyst, mission, official):
    assert as_user(viewer).get(url("compare", mission)).status_code == 403
    assert as_user(observer).get(url("compare", mission)).status_code == 403
    assert as_user(analyst).get(url("compare", mission)).status_code == 200


def test_only_coordinators_import(
    as_user, viewer, analyst, data_clerk, coordinator, mission, frame
):
    for user in (viewer, analyst, data_clerk):
        assert as_user(user).get(url("import", mission)).status_code == 403
    assert as_user(coordinator).get(url("import", mission)).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, mission, official):
    response = client.get(url("totals", mission))
    assert response.status_code == 302 and "login" in response["Location"]


# --- totals and flagged rows --------------------------------------------------------------------


def test_totals_show_shares_turnout_and_areas(as_user, viewer, mission, official):
    page = as_user(viewer).get(url("totals", mission)).content.decode()
    # Independent sums of CSV: valid 55+140+20+45 = 260; A 30+40+20+20 = 110; B 150.
    assert "42.31 %" in page  # A: 110 / 260
    assert "57.69 %" in page  # B: 150 / 260
    assert "62.79 %" in page  # turnout: 270 found / 430 registered
    assert "Northland" in page and "Southland" in page
    # Northland: A 70 of 195 valid.
    assert "35.90 %" in page
    assert re.search(r"Bo Beta leads with 57.69 % of valid votes, above the 50 % threshold", page)


def test_totals_follow_the_ballots_found_denominator(as_user, viewer, mission, election, official):
    election.win_denominator = "ballots_found"
    election.save()
    page = as_user(viewer).get(url("totals", mission)).content.decode()
    assert "55.56 %" in page  # B: 150 / 270 ballots found


def test_totals_without_results_invite_the_coordinator(
    as_user, coordinator, viewer, mission, frame
):
    page = as_user(coordinator).get(url("totals", mission)).content.decode()
    assert "No official results" in page and url("import", mission) in page
    assert (
        url("import", mission) not in as_user(viewer).get(url("totals", mission)).content.decode()
    )


def test_flagged_rows_say_what_is_wrong(as_user, viewer, mission, official):
    page = as_user(viewer).get(url("flagged", mission)).content.decode()
    assert "Valid votes (45) plus invalid ballots (0) make 45, not the 40 ballots found." in page
    assert ">202</a>" in page and ">101</a>" not in page


# --- observers' protocols ------------------------------------------------------------------------


def protocol(mission, form_version, station, observer, answers, status=Report.Status.NEW):
    at = dt.datetime(2017, 10, 15, 21, tzinfo=dt.UTC)
    report = Report.objects.create(
        mission=mission,
        form=form_version.form,
        observer=observer,
        station=station,
        is_checklist=form_version.form.is_checklist,
        status=status,
        observed_at=at,
    )
    version = ReportVersion.objects.create(
        report=report,
        number=1,
        form_version=form_version,
        answers=answers,
        content_hash=str(report.uuid),
        observed_at=at,
        channel=Channel.WEB,
    )
    report.current = version
    report.save(update_fields=["current"])
    return report


def test_protocols_against_official_figures(as_user, analyst, mission, official):
    names = ["registered_voters", "ballots_found", "invalid", "c1", "c2"]
    form_version = make_form(
        mission, "results", *(question(n) for n in names), question("valid", "calculate")
    )
    stations = official["stations"]
    observer = make_observer(mission, name="Olga Observer")
    same = {
        "registered_voters": 100,
        "ballots_found": 60,
        "invalid": 5,
        "c1": 30,
        "c2": 25,
        "valid": "55",
    }
    protocol(mission, form_version, stations["101"], observer, same)
    # The observer's copy gives A 45 where the official row says 40, and valid as text.
    other = {
        "registered_voters": 200,
        "ballots_found": 150,
        "invalid": 10,
        "c1": 45,
        "c2": 100,
        "valid": "145",
    }
    protocol(
        mission, form_version, stations["102"], make_observer(mission, name="Ivan Watcher"), other
    )
    protocol(mission, form_version, stations["203"], observer, same)  # no official result
    protocol(
        mission, form_version, stations["201"], observer, {**same, "c1": 1}, Report.Status.REJECTED
    )
    response = as_user(analyst).get(url("compare", mission))
    counts = response.context["counts"]
    assert counts == {
        "reports": 3,
        "compared": 2,
        "differing": 1,
        "without_official": 1,
        "agreeing": 1,
    }
    [listed] = response.context["page"].object_list
    assert listed.station.code == "102"
    assert [
        (d["label"], d["observed"], d["official"], d["difference"]) for d in listed.differences
    ] == [
        ("Valid votes", 145, 140, 5),
        ("Ana Alpha", 45, 40, 5),
    ]
    page = response.content.decode()
    assert "Ivan Watcher" in page and "+5" in page
    every = as_user(analyst).get(url("compare", mission), {"show": "all"})
    assert [r.station.code for r in every.context["page"].object_list] == ["101", "102"]


# --- import through the pages ---------------------------------------------------------------------

UPLOAD = (
    "Station code,Registered voters,Ballots found,Invalid,Valid,Ana Alpha,c2,Notes\n"
    "101,100,60,5,55,30,25,\n"
    "102,200,150,10,140,40,100,late\n"
)


def upload(client, mission, text, name="results.csv"):
    return client.post(url("import", mission), {"file": SimpleUploadedFile(name, text.encode())})


def test_upload_preview_mapping_and_confirm(as_user, coordinator, mission, election, frame):
    client = as_user(coordinator)
    response = upload(client, mission, UPLOAD)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert "<td>late</td>" in page
    form = preview.context["form"]
    guessed = {column: form.fields[f"col_{i}"].initial for i, column in enumerate(form.columns)}
    assert guessed["Station code"] == "field:station"
    assert guessed["Ballots found"] == "field:ballots_found"
    assert guessed["Ana Alpha"] == f"candidate:{frame['a'].uuid}"
    assert guessed["c2"] == f"candidate:{frame['b'].uuid}"
    assert guessed["Notes"] == ""
    data = {f"col_{i}": guessed[column] for i, column in enumerate(form.columns)}
    done = client.post(response["Location"], data)
    assert done.status_code == 302 and done["Location"] == url("totals", mission)
    assert OfficialResult.objects.filter(election=election).count() == 2
    assert OfficialResult.objects.get(station__code="102").votes == {
        str(frame["a"].pk): 40,
        str(frame["b"].pk): 100,
    }
    message = str(list(client.get(url("totals", mission)).context["messages"])[0])
    assert message.startswith("2 official results imported; 0 rows do not add up")
    # The upload is gone once imported.
    assert client.get(response["Location"]).status_code == 404


def test_a_refused_file_names_the_row_and_keeps_earlier_results(
    as_user, coordinator, mission, election, official
):
    client = as_user(coordinator)
    response = upload(client, mission, UPLOAD.replace("102,200", "999,200"))
    form = client.get(response["Location"]).context["form"]
    data = {f"col_{i}": form.fields[f"col_{i}"].initial for i in range(len(form.columns))}
    refused = client.post(response["Location"], data)
    assert refused.status_code == 200
    assert [(e.row, e.column) for e in refused.context["errors"]] == [(3, "Station code")]
    assert "Nothing was imported" in refused.content.decode()
    assert OfficialResult.objects.filter(election=election).count() == 4


def test_two_columns_for_one_figure_are_refused(as_user, coordinator, mission, frame):
    client = as_user(coordinator)
    response = upload(client, mission, UPLOAD)
    form = client.get(response["Location"]).context["form"]
    data = {f"col_{i}": form.fields[f"col_{i}"].initial for i in range(len(form.columns))}
    data["col_7"] = "field:valid"  # Notes as valid votes too
    refused = client.post(response["Location"], data)
    assert refused.status_code == 200
    assert "are both chosen for the same thing" in refused.content.decode()
    assert not OfficialResult.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_at_upload(as_user, coordinator, mission, frame):
    client = as_user(coordinator)
    response = client.post(
        url("import", mission),
        {"file": SimpleUploadedFile("r.csv", "Участок,Избиратели\n1,2\n".encode("cp1251"))},
    )
    assert response.status_code == 200
    assert "cp1251" in response.content.decode()


def test_another_sessions_upload_is_not_found(as_user, coordinator, mission, frame):
    response = upload(as_user(coordinator), mission, UPLOAD)
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert default_storage.exists(f"results-imports/{token}.csv")
    assert as_user(coordinator).get(response["Location"]).status_code == 404

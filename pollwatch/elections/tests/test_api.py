"""The election endpoints of the REST API, through the test client with the personas."""

import datetime as dt
from typing import cast

import pytest

from pollwatch.elections.models import CalendarPhase, Candidate, CandidateName
from pollwatch.missions.models import Invitation
from pollwatch.testing import factories as f

API = "/api/v1/elections"


def utc(month, day, hour=0):
    return dt.datetime(2017, month, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def geography(election):
    """Chui region with a district below it, and Osh; Bishkek time is UTC+6."""
    chui = f.AreaFactory(election=election, code="CHU", name="Chui")
    alamedin = f.AreaFactory(election=election, code="ALA", name="Alamedin", parent=chui)
    osh = f.AreaFactory(election=election, code="OSH", name="Osh")
    for code, name, area in [
        ("0001", "School No. 1", alamedin),
        ("0002", "Gymnasium Tokmok", chui),
        ("0003", "Lyceum No. 5", osh),
        ("0004", "School No. 12", alamedin),
        ("0005", "House of Culture", osh),
    ]:
        f.PollingStationFactory(area=area, code=code, name=name)
    return {"CHU": chui, "ALA": alamedin, "OSH": osh}


@pytest.fixture
def elsewhere(db):
    """Another election with its own mission: no persona belongs to it."""
    election = f.ElectionFactory(code="kz-other", country="KZ", time_zone="Asia/Almaty")
    f.MissionFactory(code="kz-mission", election=election)
    f.PollingStationFactory(area=f.AreaFactory(election=election, code="AST"), code="9001")
    return election


def get(client, path):
    return client.get(API + path)


def codes(items):
    return [item["code"] for item in items]


def test_without_credentials_the_api_answers_401_in_json(client, election):
    response = get(client, "")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Authentication required")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_member_lists_the_elections_of_their_missions(as_user, coordinator, elsewhere):
    response = get(as_user(coordinator), "")
    assert response.status_code == 200
    [election] = response.json()
    assert election["code"] == "kg-test"
    assert election["win_threshold"] == "50.00"
    assert "id" not in election


def test_an_outsider_sees_no_election_and_gets_404_on_one(as_user, outsider, election):
    client = as_user(outsider)
    assert get(client, "").json() == []
    response = get(client, "/kg-test")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_election_no_mission_of_the_caller_observes_is_404(as_user, coordinator, elsewhere):
    client = as_user(coordinator)
    for path in ["/kz-other", "/kz-other/candidates", "/kz-other/areas", "/kz-other/stations"]:
        assert get(client, path).status_code == 404, path
    assert get(client, "/kz-other/stations/9001").status_code == 404
    assert get(client, "/kz-other/invitations").status_code == 404


@pytest.fixture
def calendar(election):
    Kind = CalendarPhase.Kind
    for kind, starts_at, ends_at in [
        (Kind.CAMPAIGN, utc(9, 10, 18), utc(10, 13, 18)),
        (Kind.SILENCE, utc(10, 13, 18), utc(10, 14, 18)),
        (Kind.POLLING, utc(10, 15, 2), utc(10, 15, 14)),
    ]:
        f.CalendarPhaseFactory(election=election, kind=kind, starts_at=starts_at, ends_at=ends_at)


def test_the_calendar_follows_the_election_clock(as_user, observer, election, calendar):
    election.scenario_clock = utc(10, 14, 6)
    election.save()
    body = get(as_user(observer), "/kg-test").json()
    cal = body["calendar"]
    assert cal["clock_pinned"] is True
    assert cal["now"] == "2017-10-14T12:00:00+06:00"
    assert [phase["kind"] for phase in cal["phases"]] == ["campaign", "silence", "polling"]
    assert [phase["kind"] for phase in cal["current_phases"]] == ["silence"]
    # Local times: the campaign ends at midnight in Bishkek.
    assert cal["current_phases"][0]["starts_at"] == "2017-10-14T00:00:00+06:00"
    assert cal["next_phase"]["kind"] == "polling"
    assert cal["next_phase"]["starts_at"] == "2017-10-15T08:00:00+06:00"


def test_without_a_scenario_clock_the_calendar_uses_real_time(
    as_user, observer, election, calendar
):
    cal = get(as_user(observer), "/kg-test").json()["calendar"]
    assert cal["clock_pinned"] is False
    assert cal["now"][:4] != "2017"
    # The 2017 calendar is long over in real time.
    assert cal["current_phases"] == []
    assert cal["next_phase"] is None


def test_candidates_come_with_party_status_and_name_variants(as_user, observer, election):
    sdpk = f.PartyFactory(name="Social Democratic Party of Kyrgyzstan", short_name="SDPK")
    jeenbekov = cast(
        Candidate,
        f.CandidateFactory(
            election=election, name="Sooronbay Jeenbekov", ballot_number=9, party=sdpk
        ),
    )
    CandidateName.objects.create(
        candidate=jeenbekov, name="Сооронбай Жээнбеков", language="ky", script="Cyrl"
    )
    CandidateName.objects.create(
        candidate=jeenbekov, name="Sooronbai Zheenbekov", language="en", script="Latn"
    )
    f.CandidateFactory(
        election=election,
        name="Temir Sariev",
        ballot_number=3,
        nominated_by=Candidate.Nominator.SELF,
        status=Candidate.Status.WITHDRAWN,
        status_changed_on=dt.date(2017, 10, 10),
    )
    response = get(as_user(observer), "/kg-test/candidates")
    assert response.status_code == 200
    sariev, jeenbekov_out = response.json()
    assert sariev["name"] == "Temir Sariev"
    assert sariev["status"] == "withdrawn"
    assert sariev["status_changed_on"] == "2017-10-10"
    assert sariev["party"] is None
    assert jeenbekov_out["party"]["short_name"] == "SDPK"
    assert {(n["name"], n["script"]) for n in jeenbekov_out["names"]} == {
        ("Сооронбай Жээнбеков", "Cyrl"),
        ("Sooronbai Zheenbekov", "Latn"),
    }


def test_areas_give_the_tree_by_codes(as_user, observer, geography):
    areas = get(as_user(observer), "/kg-test/areas").json()
    by_code = {area["code"]: area for area in areas}
    assert codes(areas) == ["CHU", "ALA", "OSH"]
    assert by_code["ALA"]["parent"] == "CHU"
    assert by_code["ALA"]["depth"] == 1
    assert by_code["CHU"]["parent"] is None
    assert by_code["CHU"]["depth"] == 0


def test_stations_are_paginated(as_user, observer, geography):
    client = as_user(observer)
    page = get(client, "/kg-test/stations?limit=2&offset=2").json()
    assert page["count"] == 5
    assert codes(page["items"]) == ["0003", "0004"]
    assert codes(get(client, "/kg-test/stations").json()["items"]) == [
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
    ]
    assert get(client, "/kg-test/stations?limit=1001").status_code == 422


def test_the_station_list_does_not_query_per_station(
    as_user, observer, geography, django_assert_max_num_queries
):
    client = as_user(observer)
    # Session, user, election, count, page: a query per station would pass this bound.
    with django_assert_max_num_queries(6):
        assert get(client, "/kg-test/stations").status_code == 200


def test_the_area_filter_includes_the_areas_below(as_user, observer, geography):
    client = as_user(observer)
    assert codes(get(client, "/kg-test/stations?area=CHU").json()["items"]) == [
        "0001",
        "0002",
        "0004",
    ]
    assert codes(get(client, "/kg-test/stations?area=ALA").json()["items"]) == ["0001", "0004"]


def test_an_unknown_area_in_the_filter_is_named_in_the_error(as_user, observer, geography):
    response = get(as_user(observer), "/kg-test/stations?area=NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]


def test_the_search_matches_code_or_name(as_user, observer, geography):
    client = as_user(observer)
    assert codes(get(client, "/kg-test/stations?q=school").json()["items"]) == ["0001", "0004"]
    assert codes(get(client, "/kg-test/stations?q=0003").json()["items"]) == ["0003"]
    page = get(client, "/kg-test/stations?q=school&area=OSH").json()
    assert page == {"items": [], "count": 0}


def test_a_station_page(as_user, observer, geography):
    station = get(as_user(observer), "/kg-test/stations/0001").json()
    assert station["name"] == "School No. 1"
    assert station["area"] == "ALA"
    assert station["area_path"] == ["CHU", "ALA"]
    assert station["registered_voters"] == 1200


def test_stations_of_another_election_are_404(
    as_user, other_mission_observer, other_coordinator, geography, elsewhere
):
    for persona in [other_mission_observer, other_coordinator]:
        client = as_user(persona)
        # Through the election it belongs to, and through the caller's own election.
        assert get(client, "/kz-other/stations/9001").status_code == 404
        assert get(client, "/kg-test/stations/9001").status_code == 404
        assert get(client, "/kg-test/stations/0001").status_code == 200


def test_invitations_are_seen_by_every_mission_of_the_election(
    as_user, observer, other_mission_observer, election
):
    f.InvitationFactory(
        election=election,
        invitee=f.OrganisationFactory(name="CEC of Kazakhstan", kind="election_body"),
        status=Invitation.Status.DECLINED,
        decided_on=dt.date(2017, 10, 13),
        decided_where="Commission meeting",
        statement="Declined, in the demo's words.",
    )
    f.InvitationFactory(election=election, status=Invitation.Status.ACCEPTED)
    seen = []
    for persona in [observer, other_mission_observer]:
        response = get(as_user(persona), "/kg-test/invitations")
        assert response.status_code == 200
        seen.append(response.json())
    assert seen[0] == seen[1]
    declined = next(item for item in seen[0] if item["status"] == "declined")
    assert declined["invitee"]["name"] == "CEC of Kazakhstan"
    assert declined["invitee"]["kind"] == "election_body"
    assert declined["decided_on"] == "2017-10-13"
    assert declined["inviting_body"]["country"] == "KG"

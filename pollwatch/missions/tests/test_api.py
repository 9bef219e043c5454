"""The mission endpoints of the REST API: scoping by mission, and the roster's roles."""

import datetime as dt

import pytest

from pollwatch.accounts.services import create_api_token
from pollwatch.missions.models import Observer
from pollwatch.testing import factories as f

API = "/api/v1/missions"


@pytest.fixture
def roster(mission):
    """Three observers of the first mission, by name: Aibek, Dana, Marat."""
    team = f.TeamFactory(mission=mission, code="T7")
    return [
        f.ObserverFactory(
            mission=mission,
            name="Dana Seitkali",
            code="2001",
            languages="kk, ru,en",
            team=team,
            accreditation_number="ACC-1",
            accreditation_status=Observer.Accreditation.ISSUED,
            accredited_from=dt.date(2017, 10, 1),
            user=f.UserFactory(),
        ),
        f.ObserverFactory(mission=mission, name="Aibek Nurlanov", code="2002"),
        f.ObserverFactory(mission=mission, name="Marat Ospanov", code="2003"),
    ]


@pytest.fixture
def other_roster(other_mission):
    return [f.ObserverFactory(mission=other_mission, name="Olga Petrova", code="3001")]


def get(client, path=""):
    return client.get(API + path)


def test_a_member_lists_only_their_missions(as_user, coordinator, other_mission):
    missions = get(as_user(coordinator)).json()
    assert [m["code"] for m in missions] == ["odihr-test"]
    assert missions[0]["role"] == "coordinator"
    assert missions[0]["election"] == "kg-test"


def test_an_outsider_has_no_missions(as_user, outsider, mission):
    assert get(as_user(outsider)).json() == []
    assert get(as_user(outsider), "/odihr-test").status_code == 404


def test_an_operator_sees_every_mission_as_coordinator(as_user, operator, mission, other_mission):
    missions = get(as_user(operator)).json()
    assert sorted(m["code"] for m in missions) == ["cis-test", "odihr-test"]
    assert {m["role"] for m in missions} == {"coordinator"}


def test_a_mission_shows_its_organisation_election_and_the_callers_role(as_user, observer, mission):
    body = get(as_user(observer), "/odihr-test").json()
    assert body["code"] == "odihr-test"
    assert body["organisation"]["name"] == mission.organisation.name
    assert body["organisation"]["uuid"] == str(mission.organisation.uuid)
    assert body["election"] == "kg-test"
    assert body["role"] == "observer"


@pytest.mark.parametrize("persona", ["coordinator", "analyst", "data_clerk"])
def test_roster_roles_read_their_own_roster(request, as_user, persona, roster, other_roster):
    page = get(as_user(request.getfixturevalue(persona)), "/odihr-test/observers").json()
    assert page["count"] == 3
    assert [o["name"] for o in page["items"]] == [
        "Aibek Nurlanov",
        "Dana Seitkali",
        "Marat Ospanov",
    ]


def test_the_roster_is_paginated(as_user, coordinator, roster):
    page = get(as_user(coordinator), "/odihr-test/observers?limit=1&offset=1").json()
    assert page["count"] == 3
    assert [o["code"] for o in page["items"]] == ["2001"]


def test_an_observer_record(as_user, coordinator, roster):
    dana = roster[0]
    body = get(as_user(coordinator), f"/odihr-test/observers/{dana.uuid}").json()
    assert body["uuid"] == str(dana.uuid)
    assert body["languages"] == ["kk", "ru", "en"]
    assert body["team"] == "T7"
    assert body["accreditation_status"] == "issued"
    assert body["accredited_from"] == "2017-10-01"
    assert body["has_login"] is True
    assert "id" not in body and "user" not in body


@pytest.mark.parametrize("persona", ["observer", "viewer"])
def test_other_roles_get_403_on_the_roster(request, as_user, persona, roster):
    client = as_user(request.getfixturevalue(persona))
    response = get(client, "/odihr-test/observers")
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role in this mission does not allow this."}
    assert get(client, f"/odihr-test/observers/{roster[0].uuid}").status_code == 403


@pytest.mark.parametrize("persona", ["other_mission_observer", "other_coordinator"])
def test_another_missions_objects_are_404(request, as_user, persona, roster, other_roster):
    client = as_user(request.getfixturevalue(persona))
    for path in [
        "/odihr-test",
        "/odihr-test/observers",
        f"/odihr-test/observers/{roster[0].uuid}",
    ]:
        response = get(client, path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}


def test_an_observer_of_another_mission_is_404_through_ones_own(
    as_user, other_coordinator, roster, other_roster
):
    client = as_user(other_coordinator)
    assert get(client, f"/cis-test/observers/{other_roster[0].uuid}").status_code == 200
    assert get(client, f"/cis-test/observers/{roster[0].uuid}").status_code == 404


def test_a_malformed_or_unknown_uuid_is_404(as_user, coordinator, roster):
    client = as_user(coordinator)
    assert get(client, "/odihr-test/observers/not-a-uuid").status_code == 404
    assert (
        get(client, "/odihr-test/observers/00000000-0000-0000-0000-000000000000").status_code == 404
    )


def test_a_token_is_scoped_like_its_user(client, other_coordinator, mission, roster):
    _, raw = create_api_token(other_coordinator, "script")
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(API, headers=headers).json()[0]["code"] == "cis-test"
    assert client.get(f"{API}/odihr-test/observers", headers=headers).status_code == 404

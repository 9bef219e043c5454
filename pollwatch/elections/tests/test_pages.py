"""The election's public pages, seen through a mission."""

import pytest
from django.urls import reverse

from pollwatch.elections.models import Candidate
from pollwatch.testing import factories as f


@pytest.fixture
def areas(election):
    """Chuy region with one district, and Osh city: a small tree of depth two."""
    chuy = f.AreaFactory(election=election, code="CHU", name="Chuy region")
    alamedin = f.AreaFactory(
        election=election, code="ALA", name="Alamedin district", parent=chuy, level="district"
    )
    osh = f.AreaFactory(election=election, code="OSH", name="Osh city")
    return {"chuy": chuy, "alamedin": alamedin, "osh": osh}


@pytest.fixture
def stations(areas):
    make = f.PollingStationFactory
    return {
        "chuy": make(area=areas["chuy"], code="1001", name="Kant school", registered_voters=900),
        "alamedin": make(
            area=areas["alamedin"],
            code="1002",
            name="Lebedinovka school",
            registered_voters=1100,
            latitude="42.886700",
            longitude="74.681200",
            address="12 Lenin street",
        ),
        "osh": make(area=areas["osh"], code="2001", name="Osh lyceum", registered_voters=2000),
    }


def page(client, name, *args, **params):
    return client.get(reverse(f"elections:{name}", args=["odihr-test", *args]), params)


def codes(response):
    return [station.code for station in response.context["page"].object_list]


def test_election_page_shows_its_facts(as_user, observer, election, stations):
    f.CandidateFactory(election=election, status=Candidate.Status.WITHDRAWN)
    f.CandidateFactory(election=election)
    response = page(as_user(observer), "election")
    html = response.content.decode()

    assert response.status_code == 200
    for text in ("Presidential", "Kyrgyzstan", "15 October 2017", "Asia/Bishkek"):
        assert text in html
    assert "more than 50 % of the valid votes" in html
    assert election.administered_by.name in html
    assert response.context["totals"] == {"count": 3, "voters": 4000}
    summary = {status: count for status, _label, count in response.context["candidate_summary"]}
    assert summary == {"registered": 1, "withdrawn": 1, "deregistered": 0}


def test_candidates_in_ballot_order_with_name_variants(as_user, viewer, election):
    party = f.PartyFactory(name="Social Democratic Party of Kyrgyzstan", short_name="SDPK")
    f.CandidateFactory(election=election, name="Sooronbay Jeenbekov", ballot_number=9, party=party)
    Candidate.objects.get(name="Sooronbay Jeenbekov").names.create(
        name="Сооронбай Жээнбеков", script="Cyrl", language="ky"
    )
    f.CandidateFactory(
        election=election,
        name="Ernis Zarlykov",
        ballot_number=1,
        status=Candidate.Status.DEREGISTERED,
    )

    response = page(as_user(viewer), "candidates")
    html = response.content.decode()

    assert [c.name for c in response.context["candidates"]] == [
        "Ernis Zarlykov",
        "Sooronbay Jeenbekov",
    ]
    assert "Сооронбай Жээнбеков" in html
    assert "Cyrl" in html
    assert "SDPK" in html
    assert '<span class="badge deregistered">Deregistered</span>' in html


def test_stations_of_an_area_include_its_descendants(as_user, observer, stations):
    client = as_user(observer)
    assert codes(page(client, "stations", area="CHU")) == ["1001", "1002"]
    assert codes(page(client, "stations", area="ALA")) == ["1002"]
    assert codes(page(client, "stations", area="OSH")) == ["2001"]
    assert codes(page(client, "stations")) == ["1001", "1002", "2001"]


def test_an_unknown_area_matches_nothing(as_user, observer, stations):
    assert codes(page(as_user(observer), "stations", area="NOPE")) == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [("100", ["1001", "1002"]), ("LYCEUM", ["2001"]), ("school", ["1001", "1002"]), ("9", [])],
)
def test_station_search_by_code_or_name(as_user, observer, stations, q, expected):
    assert codes(page(as_user(observer), "stations", q=q)) == expected


def test_station_search_and_area_together(as_user, observer, stations):
    response = page(as_user(observer), "stations", area="CHU", q="lebedinovka")
    assert codes(response) == ["1002"]
    assert response.context["totals"] == {"count": 1, "voters": 1100}


def test_stations_are_paginated(as_user, observer, election, areas):
    for n in range(55):
        f.PollingStationFactory(area=areas["osh"], code=f"3{n:03d}")
    client = as_user(observer)
    first = page(client, "stations")
    assert len(codes(first)) == 50
    assert first.context["totals"]["count"] == 55
    assert 'href="?page=2"' in first.content.decode()
    assert len(codes(page(client, "stations", page=2))) == 5


def test_stations_of_another_election_stay_out(as_user, observer, stations):
    f.PollingStationFactory(code="1003")  # same code pattern, another election
    assert codes(page(as_user(observer), "stations", q="100")) == ["1001", "1002"]
    assert page(as_user(observer), "station", "1003").status_code == 404


def test_station_page_with_breadcrumb(as_user, observer, stations):
    response = page(as_user(observer), "station", "1002")
    html = response.content.decode()

    assert response.status_code == 200
    assert [a.code for a in response.context["ancestors"]] == ["CHU", "ALA"]
    assert html.index("Chuy region") < html.index("Alamedin district")
    assert "?area=CHU" in html
    for text in ("Lebedinovka school", "1,100", "12 Lenin street", "42.886700, 74.681200"):
        assert text in html


def test_station_page_in_russian_keeps_coordinates_machine_readable(as_user, observer, stations):
    client = as_user(observer)
    client.post(reverse("set_language"), {"language": "ru"})
    html = page(client, "station", "1002").content.decode()
    assert "mlat=42.886700&amp;mlon=74.681200" in html


def test_a_member_of_another_mission_gets_404(as_user, other_mission_observer, stations):
    client = as_user(other_mission_observer)
    # Same election, but the URL names the first mission: the mission is the boundary.
    for response in (page(client, "election"), page(client, "station", "1001")):
        assert response.status_code == 404

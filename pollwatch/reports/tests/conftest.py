"""A small world for report tests: two districts, three stations, forms, deployments.

Stations 1001 and 1002 are in district D1, 2001 in D2, both under region R. The
`observer` persona is observer 1234, deployed to station 1001 (and to the area D1).
"""

import datetime as dt

import pytest

from pollwatch.missions.models import Observer
from pollwatch.reports.testing import check, deploy, make_form, make_observer, question
from pollwatch.testing import factories as f


@pytest.fixture
def areas(election):
    region = f.AreaFactory(election=election, code="R")
    return {
        "R": region,
        "D1": f.AreaFactory(election=election, code="D1", parent=region),
        "D2": f.AreaFactory(election=election, code="D2", parent=region),
    }


@pytest.fixture
def stations(areas):
    return {
        code: f.PollingStationFactory(area=areas[area], code=code)
        for code, area in [("1001", "D1"), ("1002", "D1"), ("2001", "D2")]
    }


@pytest.fixture
def observer_row(mission, observer, stations, areas) -> Observer:
    row = make_observer(mission, user=observer, code="1234")
    deploy(row, stations["1001"], area=areas["D1"])
    return row


@pytest.fixture
def second_observer(mission, stations):
    """Observer 5678 (with a login) of another team, also deployed to station 1001."""
    row = make_observer(mission, user=f.UserFactory(username="second"), code="5678")
    f.MembershipFactory(mission=mission, user=row.user)
    deploy(row, stations["1001"])
    return row


@pytest.fixture
def voting(mission):
    return make_form(
        mission,
        "voting",
        question("opened", "select_one", required=True, choices=["yes", "no"]),
        question("voters", "integer", constraint=". <= 5000"),
        question("ballots_found", "integer"),
        question("invalid", "integer"),
        question("votes_total", "integer"),
        question("comment", "text"),
        checks=[
            check(
                "ballots_add_up",
                # Only once the count is there.
                "string-length(/data/ballots_found) = 0"
                " or /data/votes_total + /data/invalid = /data/ballots_found",
                "Votes and invalid ballots must add up to the ballots found.",
            )
        ],
    )


@pytest.fixture
def incident(mission):
    return make_form(
        mission,
        "incident",
        question(
            "category", "select_one", required=True, choices=["campaigning", "violence", "other"]
        ),
        question("description", "text"),
    )


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)

"""Who may open the live pages: the core team and data clerks; 403 for other roles of
the mission, 404 for another mission, the sign-in page for nobody signed in."""

import pytest
from django.urls import reverse

from pollwatch.findings.tests.live_world import build

PAGES = [
    ("findings_live:dashboard", []),
    ("findings_live:timeline", []),
    ("findings_live:incidents", []),
    ("findings_live:map", []),
    ("findings_live:map_outlines", []),
    ("findings_live:map_stations", ["opening"]),
]


@pytest.fixture
def world(mission):
    return build(mission)


def url(mission, name, extra):
    return reverse(name, args=[mission.code, *extra])


@pytest.mark.parametrize(("name", "extra"), PAGES)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("analyst", 200),
        ("data_clerk", 200),
        ("observer", 403),
        ("viewer", 403),
        ("other_coordinator", 404),
        ("outsider", 404),
    ],
)
def test_roles(world, mission, as_user, request, name, extra, persona, status):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(url(mission, name, extra)).status_code == status


@pytest.mark.parametrize(("name", "extra"), PAGES)
def test_fragments_are_guarded_too(world, mission, as_user, viewer, other_coordinator, name, extra):
    headers = {"HX-Request": "true"}
    assert as_user(viewer).get(url(mission, name, extra), headers=headers).status_code == 403
    other = as_user(other_coordinator).get(url(mission, name, extra), headers=headers)
    assert other.status_code == 404


@pytest.mark.parametrize(("name", "extra"), PAGES)
def test_anonymous_is_sent_to_sign_in(world, mission, client, name, extra):
    response = client.get(url(mission, name, extra))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_platform_operator_may_look(world, mission, operator, as_user):
    assert as_user(operator).get(url(mission, "findings_live:dashboard", [])).status_code == 200

"""Releases: a coordinator freezes the findings; every member reads the frozen copy.

The world: regions North (stations N1, N2) and South (S1, S2), one team deployed to
all four. Opening checklist, one assessment question `conduct` (good / bad marked
negative / n/a marked not applicable) and a number `queue`. Reports: N1 good, N2 bad,
S1 good, S2 n/a. So conduct is assessed negatively in 1 of 3 answered observations
(33.3 %), and 4 of 4 assigned stations reported.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy

from pollwatch.checklists.spec import Choice
from pollwatch.findings import releases
from pollwatch.findings.models import Release
from pollwatch.missions.access import get_membership
from pollwatch.reports.testing import deploy, make_form, make_observer, question
from pollwatch.testing import factories as f

from .test_exports import add_report

CONDUCT_CHOICES: list[Choice] = [
    # The choices sheet's `finding` column (docs/findings.md).
    {"value": "good", "label": {"en": "Good"}, "finding": "positive"},
    {"value": "bad", "label": {"en": "Bad"}, "finding": "negative"},
    {"value": "na", "label": {"en": "Not observed"}, "finding": "not_applicable"},
]


@pytest.fixture
def world(election, mission):
    north = f.AreaFactory(election=election, code="N", name="North", level="region")
    south = f.AreaFactory(election=election, code="S", name="South", level="region")
    stations = {
        code: f.PollingStationFactory(area=area, code=code)
        for code, area in [("N1", north), ("N2", north), ("S1", south), ("S2", south)]
    }
    conduct = question("conduct", "select_one", choices=["good", "bad", "na"], label="Conduct")
    conduct["choices"] = CONDUCT_CHOICES
    form_version = make_form(mission, "opening", conduct, question("queue", "integer"))
    observer = make_observer(mission, code="1234")
    deploy(observer, *stations.values())
    for code, answer in [("N1", "good"), ("N2", "bad"), ("S1", "good"), ("S2", "na")]:
        add_report(form_version, observer, stations[code], {"conduct": answer, "queue": 10})
    return {"form_version": form_version, "observer": observer, "stations": stations}


def release_as(client, mission, title=""):
    return client.post(reverse("findings_releases:publish", args=[mission.code]), {"title": title})


def findings_part(response) -> str:
    """The page from its heading on: no CSRF token or other per-request text in it."""
    text = response.content.decode()
    return text[text.index("<h1>") : text.index("</main>")]


def test_before_a_release_members_see_that_nothing_is_released(
    world, as_user, viewer, observer, mission
):
    for user in (viewer, observer):
        response = as_user(user).get(reverse("findings_releases:index", args=[mission.code]))
        assert response.status_code == 200
        text = response.content.decode()
        assert "Nothing has been released yet." in text
        assert "Assessed negatively" not in text and "33.3" not in text
        assert reverse("findings_releases:publish", args=[mission.code]) not in text


def test_a_coordinator_confirms_then_releases(world, as_user, coordinator, mission):
    client = as_user(coordinator)
    confirm = client.get(reverse("findings_releases:publish", args=[mission.code]))
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert 'method="post"' in text and "Release now" in text
    assert "Assessed negatively in 33.3 % of 3 observations (1)." in text
    assert Release.objects.count() == 0  # looking is not releasing

    response = release_as(client, mission, "Preliminary statement")
    release = Release.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "findings_releases:release", args=[mission.code, release.uuid]
    )
    assert (release.kind, release.title, release.released_by) == (
        "findings",
        "Preliminary statement",
        coordinator,
    )
    (findings,) = release.snapshot["forms"]
    conduct = next(q for q in findings["questions"] if q["name"] == "conduct")
    assert conduct["overall"]["negative"] | {"estimate": None} == {
        "count": 1,
        "answered": 3,
        "share": pytest.approx(1 / 3),
        "estimate": None,
    }
    (coverage,) = release.snapshot["coverage"]
    assert (coverage["form"], coverage["reported"], coverage["assigned"]) == ("opening", 4, 4)
    assert [(a["code"], a["reported"], a["assigned"]) for a in coverage["areas"]] == [
        ("N", 2, 2),
        ("S", 2, 2),
    ]


def test_a_release_does_not_change_when_reports_arrive(
    world, as_user, coordinator, viewer, mission
):
    release_as(as_user(coordinator), mission)
    index = reverse("findings_releases:index", args=[mission.code])
    live = reverse("findings_questions:form", args=[mission.code, "opening"])
    viewer_client, coordinator_client = as_user(viewer), as_user(coordinator)
    before = viewer_client.get(index)
    live_before = coordinator_client.get(live).content.decode()
    assert "Assessed negatively in 33.3 % of 3 observations (1)." in findings_part(before)
    assert "Assessed negatively in 33.3 % of 3 observations (1)." in live_before

    # A late report: the third-party view of the release stays as released.
    late = f.PollingStationFactory(area=world["stations"]["N1"].area, code="N3")
    deploy(world["observer"], late)
    add_report(world["form_version"], world["observer"], late, {"conduct": "bad", "queue": 3})

    after = viewer_client.get(index)
    assert findings_part(after) == findings_part(before)
    live_after = coordinator_client.get(live).content.decode()
    assert "Assessed negatively in 50.0 % of 4 observations (2)." in live_after
    assert "of 4 observations" not in findings_part(after)


def test_the_latest_release_is_shown_and_earlier_ones_are_listed(
    world, as_user, coordinator, viewer, mission
):
    client = as_user(coordinator)
    release_as(client, mission, "Opening statement")
    first = Release.objects.get()
    Release.objects.filter(pk=first.pk).update(
        released_at=dt.datetime(2017, 10, 15, 3, 0, tzinfo=dt.UTC)  # 09:00 in Bishkek
    )
    late = f.PollingStationFactory(area=world["stations"]["S1"].area, code="S3")
    add_report(world["form_version"], world["observer"], late, {"conduct": "bad"})
    release_as(client, mission, "Closing statement")

    page = as_user(viewer).get(reverse("findings_releases:index", args=[mission.code]))
    text = page.content.decode()
    heading = text[text.index("release-heading") : text.index("</section>")]
    assert "Closing statement" in heading and "by coordinator" in heading
    assert "Assessed negatively in 50.0 % of 4 observations (2)." in text
    assert "Opening statement" in text and "15 Oct 2017 09:00" in text
    old = as_user(viewer).get(reverse("findings_releases:release", args=[mission.code, first.uuid]))
    old_text = old.content.decode()
    assert "A later release replaces this one." in old_text
    assert "Assessed negatively in 33.3 % of 3 observations (1)." in old_text


def test_the_printable_statement_of_a_release(world, as_user, coordinator, viewer, mission):
    release_as(as_user(coordinator), mission, "Preliminary statement")
    release = Release.objects.get()
    url = reverse("findings_releases:statement", args=[mission.code, release.uuid])
    response = as_user(viewer).get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "@media print" in text and ".mission-nav" in text
    assert "Statement tables" in text and "Preliminary statement, released on" in text
    assert "Assessed negatively in 33.3 % of 3 observations (1)." in text
    # The area breakdowns are open for print.
    assert re.search(r'<details class="areas"\s+open>', text)
    assert "under embargo" not in text


def test_live_statement_tables_for_the_core_team(world, as_user, analyst, viewer, mission):
    url = reverse("findings_exports:statement", args=[mission.code])
    response = as_user(analyst).get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "under embargo" in text and "@media print" in text
    assert "Assessed negatively in 33.3 % of 3 observations (1)." in text
    coverage = text[text.index('class="statement-coverage"') : text.index("</section>")]
    assert re.search(
        r">Opening</th><td>All</td><td class=\"num\">4</td><td class=\"num\">4</td>", coverage
    )
    assert as_user(viewer).get(url).status_code == 403


@pytest.mark.parametrize("persona", ["analyst", "data_clerk", "observer", "viewer"])
def test_only_coordinators_release(world, request, as_user, mission, persona):
    client = as_user(request.getfixturevalue(persona))
    url = reverse("findings_releases:publish", args=[mission.code])
    assert client.get(url).status_code == 403
    assert release_as(client, mission).status_code == 403
    assert Release.objects.count() == 0


def test_another_missions_members_find_nothing(
    world, as_user, coordinator, other_coordinator, other_mission_observer, mission
):
    release_as(as_user(coordinator), mission)
    release = Release.objects.get()
    for user in (other_coordinator, other_mission_observer):
        client = as_user(user)
        for url in (
            reverse("findings_releases:index", args=[mission.code]),
            reverse("findings_releases:publish", args=[mission.code]),
            reverse("findings_releases:release", args=[mission.code, release.uuid]),
            reverse("findings_releases:statement", args=[mission.code, release.uuid]),
        ):
            assert client.get(url).status_code == 404, url
    # Through one's own mission, another mission's release is not found either.
    other = reverse(
        "findings_releases:release", args=[other_coordinator.missions.get().code, release.uuid]
    )
    assert as_user(other_coordinator).get(other).status_code == 404
    assert (
        as_user(coordinator)
        .get(reverse("findings_releases:release", args=[mission.code, "not-a-uuid"]))
        .status_code
        == 404
    )


# --- the functions the quick count uses --------------------------------------------------


def test_do_release_and_the_latest_by_kind(coordinator, other_coordinator, mission):
    membership = get_membership(coordinator, mission.code)
    assert releases.latest_release(membership, "quick_count") is None
    first = releases.do_release(membership, "quick_count", {"leader": "A", "share": 0.54})
    second = releases.do_release(membership, "quick_count", {"leader": "A", "share": 0.55}, "Final")
    releases.do_release(membership, "findings", {"forms": []})
    assert releases.latest_release(membership, "quick_count") == second
    assert list(releases.releases_for_membership(membership, "quick_count")) == [second, first]
    assert second.snapshot == {"leader": "A", "share": 0.55} and second.title == "Final"
    # Another mission's coordinator sees none of them.
    theirs = get_membership(other_coordinator, other_coordinator.missions.get().code)
    assert releases.latest_release(theirs, "quick_count") is None


def test_do_release_stores_a_copy_of_plain_data_only(coordinator, mission):
    membership = get_membership(coordinator, mission.code)
    snapshot = {"figures": [1, 2]}
    release = releases.do_release(membership, "findings", snapshot)
    snapshot["figures"].append(3)
    release.refresh_from_db()
    assert release.snapshot == {"figures": [1, 2]}
    for bad in ({"share": Decimal("0.5")}, {"label": gettext_lazy("Findings")}):
        with pytest.raises(TypeError):
            releases.do_release(membership, "findings", bad)
    with pytest.raises(ValidationError):
        releases.do_release(membership, "gossip", {})
    assert Release.objects.count() == 1


def test_do_release_is_for_coordinators(analyst, viewer, mission):
    for user in (analyst, viewer):
        with pytest.raises(PermissionDenied):
            releases.do_release(get_membership(user, mission.code), "findings", {})
    assert Release.objects.count() == 0

"""The embargo: no findings URL shows live figures to a viewer or an observer.

Every URL of the findings apps is walked from the URL configuration itself, so a page
added later is covered without editing this test. Only the released-findings pages
answer them, and those show the release, not the reports that came after it.
"""

import pytest
from django.urls import URLPattern, get_resolver, reverse

from pollwatch.findings.models import Export, Release
from pollwatch.reports.testing import deploy

from .test_exports import add_report
from .test_releases import release_as, world  # noqa: F401 (a fixture)

NAMESPACES = (
    "findings_coverage",
    "findings_questions",
    "findings_live",
    "findings_exports",
    "findings_releases",
)
# Pages every member may open: they render a release's frozen snapshot only.
RELEASED = {"findings_releases:index", "findings_releases:release", "findings_releases:statement"}
# Operational pages data clerks use (not under embargo); everything else is.
OPERATIONAL = ("findings_coverage:", "findings_live:", "findings_exports:coverage_csv")
LIVE_ONLY = "of 4 observations"  # the live headline after the late report, never released


def url_names(namespace: str) -> list[tuple[str, list[str]]]:
    """(namespaced name, its URL arguments) of every pattern under the namespace."""
    prefix, resolver = get_resolver().namespace_dict[namespace]
    outer = ["mission_code"] if "mission_code" in prefix else []
    found = []
    for pattern in resolver.url_patterns:
        assert isinstance(pattern, URLPattern), f"{namespace}: nested includes are not walked"
        assert pattern.name, f"{namespace}: every findings URL needs a name"
        found.append((f"{namespace}:{pattern.name}", outer + list(pattern.pattern.converters)))
    return found


def all_urls() -> list[tuple[str, list[str]]]:
    return [entry for namespace in NAMESPACES for entry in url_names(namespace)]


@pytest.fixture
def embargoed_world(world, as_user, coordinator, analyst, mission):  # noqa: F811
    """A release of the findings, then a late report the release does not include."""
    release_as(as_user(coordinator), mission, "Statement")
    late = world["stations"]["N1"].area.stations.create(
        election=mission.election, code="N3", name="Late school", registered_voters=900
    )
    deploy(world["observer"], late)
    add_report(world["form_version"], world["observer"], late, {"conduct": "bad", "queue": 3})
    export = Export.objects.create(
        mission=mission, form=world["form_version"].form, requested_by=analyst, status="done"
    )
    return {"release": Release.objects.get(), "export": export}


def arguments(embargoed_world, mission, names: list[str]) -> list[str]:
    values = {
        "mission_code": mission.code,
        "form_code": "opening",
        "area_code": "N",
        "question_name": "conduct",
        "export_uuid": str(embargoed_world["export"].uuid),
        "release_uuid": str(embargoed_world["release"].uuid),
    }
    missing = [name for name in names if name not in values]
    assert not missing, f"give the embargo test a value for {missing}"
    return [values[name] for name in names]


def answer(client, url: str) -> int:
    """GET, or POST for an action that only takes POST: the status the role gets."""
    status = client.get(url).status_code
    return client.post(url).status_code if status == 405 else status


def test_the_walk_finds_the_findings_pages():
    names = {name for name, _ in all_urls()}
    assert names >= RELEASED
    assert {"findings_exports:reports_csv", "findings_exports:statement"} <= names
    assert len(names) >= 15


@pytest.mark.parametrize("persona", ["viewer", "observer"])
def test_viewers_and_observers_get_403_on_every_live_findings_url(
    embargoed_world, request, as_user, mission, persona
):
    client = as_user(request.getfixturevalue(persona))
    for name, names in all_urls():
        url = reverse(name, args=arguments(embargoed_world, mission, names))
        status = answer(client, url)
        if name in RELEASED:
            assert status == 200, (name, status)
            text = client.get(url).content.decode()
            assert LIVE_ONLY not in text, name
            assert "Assessed negatively in 33.3 % of 3 observations (1)." in text, name
        else:
            assert status == 403, (name, status)
    assert Release.objects.count() == 1 and Export.objects.count() == 1


def test_data_clerks_see_operational_pages_but_no_findings(
    embargoed_world, as_user, data_clerk, mission
):
    client = as_user(data_clerk)
    for name, names in all_urls():
        if name in RELEASED or name.startswith(OPERATIONAL):
            continue
        url = reverse(name, args=arguments(embargoed_world, mission, names))
        assert answer(client, url) == 403, name


def test_the_core_team_sees_the_live_figures(embargoed_world, as_user, analyst, mission):
    live = reverse("findings_questions:form", args=[mission.code, "opening"])
    assert LIVE_ONLY in as_user(analyst).get(live).content.decode()


def test_the_report_api_gives_viewers_nothing(embargoed_world, as_user, viewer, mission):
    response = as_user(viewer).get("/api/v1/reports", {"mission": mission.code})
    assert response.status_code in (401, 403)
    assert "conduct" not in response.content.decode()


def test_no_findings_in_the_api_without_an_embargo_test():
    """A findings endpoint in the API must be added to the tests above first."""
    from pollwatch.api import api

    paths = api.get_openapi_schema()["paths"]
    words = ("finding", "coverage", "release", "export", "quick", "estimate")
    assert not [path for path in paths if any(word in path for word in words)]

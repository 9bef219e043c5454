"""The incidents list: newest received first, filters, critical ones marked, links."""

import datetime as dt

import pytest
from django.urls import reverse

from pollwatch.findings.tests.live_world import build, observers, submit

UTC = dt.UTC
T0 = dt.datetime(2017, 10, 15, 3, 0, tzinfo=UTC)


def minutes(n: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


@pytest.fixture
def world(mission, observer):
    found = build(mission)
    found["observers"] = observers(found, mission, observer)
    return found


@pytest.fixture
def incidents(world, observer):
    """Six reports by description, received a minute apart in this order; one checklist."""
    forms = world["forms"]
    second = world["observers"]["second"].user
    rows = [
        (observer, "incident", "1001", "violence", "critical", "fight"),
        (observer, "incident", "1002", "intimidation", "high", "threats"),
        (observer, "incident", None, "obstruction", "low", "no station"),
        (second, "incident", "2009", "violence", "medium", "queue"),
        (observer, "campaign_event", "2001", "intimidation", "high", "rally threats"),
        (observer, "campaign_event", "1003", "rally", "low", "rally"),
    ]
    made = {}
    for i, (user, form, station, category, severity, text) in enumerate(rows):
        answers = {"category": category, "severity": severity, "description": text}
        if form == "campaign_event":
            answers.pop("description")
        report = submit(user, forms[form], station=station, answers=answers, received=minutes(i))
        made[text] = report
    submit(
        observer, forms["opening"], station="1001", answers={"opened": "no"}, received=minutes(9)
    )
    return made


def listed(response, made) -> list[str]:
    """The reports of the page by their key in the `incidents` fixture, in page order."""
    names = {report.uuid: name for name, report in made.items()}
    return [names[row.report.uuid] for row in response.context["rows"]]


def get(client, mission, **params):
    return client.get(reverse("findings_live:incidents", args=[mission.code]), params)


def test_newest_received_first_checklists_left_out(incidents, mission, coordinator, as_user):
    response = get(as_user(coordinator), mission)
    assert response.status_code == 200
    assert listed(response, incidents) == [
        "rally",
        "rally threats",
        "queue",
        "no station",
        "threats",
        "fight",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "violence"}, ["queue", "fight"]),
        ({"category": "intimidation"}, ["rally threats", "threats"]),
        ({"severity": "high"}, ["rally threats", "threats"]),
        ({"severity": "high", "category": "violence"}, []),
        ({"area": "D2"}, ["rally threats", "queue"]),
        ({"area": "R"}, ["rally", "rally threats", "queue", "threats", "fight"]),
        ({"area": "nowhere"}, []),
        ({"form": "campaign_event"}, ["rally", "rally threats"]),
        ({"form": "opening-not-an-incident"}, []),
        # Critical: the incident form's "critical", the campaign form's top choice "high".
        ({"critical": "1"}, ["rally threats", "fight"]),
        ({"critical": "1", "area": "D1"}, ["fight"]),
    ],
)
def test_filters(incidents, mission, coordinator, as_user, params, expected):
    assert listed(get(as_user(coordinator), mission, **params), incidents) == expected


def test_critical_incidents_are_marked_on_the_page(incidents, mission, coordinator, as_user):
    response = get(as_user(coordinator), mission)
    critical = {row.report.uuid for row in response.context["rows"] if row.critical}
    assert critical == {incidents["fight"].uuid, incidents["rally threats"].uuid}
    html = response.content.decode()
    assert html.count('<tr class="critical">') == 2
    assert html.count('class="badge critical"') == 2


def test_labels_come_from_the_form(incidents, mission, coordinator, as_user):
    response = get(as_user(coordinator), mission, category="obstruction")
    (row,) = response.context["rows"]
    # make_form labels a choice with its value; the spec is what is read.
    assert (row.category, row.severity) == ("obstruction", "low")
    words = response.context["words"]
    assert [value for value, _label in words.categories] == [
        "violence",
        "intimidation",
        "obstruction",
        "rally",
    ]


def test_each_incident_links_to_its_report_for_the_core_team(
    incidents, mission, coordinator, data_clerk, as_user
):
    html = get(as_user(coordinator), mission).content.decode()
    for report in incidents.values():
        assert reverse("review:report", args=[mission.code, report.uuid]) in html
    # Data clerks see the list, but the review pages are the core team's.
    clerk_page = get(as_user(data_clerk), mission)
    assert clerk_page.status_code == 200
    assert len(clerk_page.context["rows"]) == 6
    assert "/reports/" not in clerk_page.content.decode()


def test_the_list_pages(world, mission, observer, coordinator, as_user):
    forms = world["forms"]
    for i in range(52):
        submit(
            observer,
            forms["incident"],
            answers={"category": "violence", "severity": "low"},
            received=minutes(i),
        )
    first = get(as_user(coordinator), mission)
    second = get(as_user(coordinator), mission, page=2)
    assert (len(first.context["rows"]), len(second.context["rows"])) == (50, 2)
    assert first.context["rows"][0].report.created_at == minutes(51)

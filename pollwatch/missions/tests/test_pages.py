"""The mission's pages through the test client, persona by persona."""

import csv
import datetime as dt
import io

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from pollwatch.elections import urls as election_urls
from pollwatch.elections.models import CalendarPhase
from pollwatch.missions import roster as tables
from pollwatch.missions import urls as mission_urls
from pollwatch.missions.models import Invitation, Observer, Organisation
from pollwatch.testing import factories as f

Kind = CalendarPhase.Kind
Role = Observer.ObserverRole


def utc(month, day, hour=0):
    return dt.datetime(2017, month, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def calendar(election):
    """Bishkek is UTC+6; the scenario clock sits at noon local time on the silence day."""
    election.scenario_clock = utc(10, 14, 6)
    election.save()
    phases = [
        (Kind.CAMPAIGN, utc(9, 10, 18), utc(10, 13, 18)),
        (Kind.SILENCE, utc(10, 13, 18), utc(10, 15, 2)),
        (Kind.POLLING, utc(10, 15, 2), utc(10, 15, 14)),
        (Kind.COUNTING, utc(10, 15, 14), utc(10, 16, 2)),
        (Kind.TABULATION, utc(10, 15, 20), utc(10, 30, 18)),
    ]
    for kind, starts_at, ends_at in phases:
        f.CalendarPhaseFactory(election=election, kind=kind, starts_at=starts_at, ends_at=ends_at)
    return election


@pytest.fixture
def team(mission):
    return f.TeamFactory(mission=mission, code="T1", name="Team Osh")


@pytest.fixture
def observers(mission, other_mission, team):
    """Three Kazakh observers and a Russian one in the mission; one more in the other."""
    make = f.ObserverFactory
    return {
        "aigerim": make(
            mission=mission,
            name="Aigerim Sadykova",
            code="1001",
            nationality="KZ",
            seconded_by="CEC of Kazakhstan",
            role=Role.SHORT_TERM,
            team=team,
            phone="+77011234567",
            languages="kk,ru",
            accreditation_number="A-17",
            accreditation_status=Observer.Accreditation.ISSUED,
            accredited_from=dt.date(2017, 10, 1),
            accredited_until=dt.date(2017, 10, 31),
        ),
        "bolat": make(
            mission=mission,
            name="Bolat Nurov",
            code="1002",
            nationality="KZ",
            seconded_by="CEC of Kazakhstan",
            role=Role.SHORT_TERM,
        ),
        "dana": make(
            mission=mission,
            name="=Dana Formula",
            code="1003",
            nationality="KZ",
            seconded_by="",
            role=Role.LONG_TERM,
        ),
        "ivan": make(
            mission=mission,
            name="Ivan Petrov",
            code="1004",
            nationality="RU",
            seconded_by="Ministry of Foreign Affairs",
            role=Role.CORE_TEAM,
        ),
        "elsewhere": make(
            mission=other_mission,
            name="Other Mission Person",
            code="2001",
            nationality="KZ",
        ),
    }


@pytest.fixture
def station(election):
    return f.PollingStationFactory(area__election=election, code="0101")


def test_mission_home_shows_the_current_phase_and_the_next(as_user, observer, calendar):
    response = as_user(observer).get(reverse("missions:home", args=["odihr-test"]))

    assert response.status_code == 200
    assert [p.kind for p in response.context["current_phases"]] == [Kind.SILENCE]
    assert response.context["next_phase"].kind == Kind.POLLING
    html = response.content.decode()
    assert '<li class="current">' in html
    current = html.split('<li class="current">')[1].split("</li>")[0]
    assert "Campaign silence" in current
    # 06:00 UTC on the 14th is noon in Bishkek; polling opens 20 hours later.
    assert "14 October 2017, 12:00" in html
    assert "Asia/Bishkek" in html
    assert "Next: Polling in 20\xa0hours" in html
    assert html.count('class="now"') == 2  # on the whole calendar and on the close-up


def test_no_close_up_when_now_is_outside_the_calendar(as_user, observer, calendar):
    calendar.scenario_clock = utc(12, 1)
    calendar.save()
    response = as_user(observer).get(reverse("missions:home", args=["odihr-test"]))
    assert response.context["close_up"] is None
    assert response.context["next_phase"] is None
    assert 'class="now"' not in response.content.decode()


def test_the_scenario_clock_is_not_djangos_clock(as_user, observer, calendar):
    as_user(observer).get(reverse("missions:home", args=["odihr-test"]))
    assert timezone.now().year >= 2025
    assert calendar.now() == utc(10, 14, 6)


def test_timeline_positions_overlapping_phases_on_their_own_lanes(as_user, observer, calendar):
    response = as_user(observer).get(reverse("missions:home", args=["odihr-test"]))
    timeline = response.context["timeline"]
    by_kind = {entry.phase.kind: entry for entry in timeline["entries"]}

    assert by_kind[Kind.CAMPAIGN].left == 0
    assert by_kind[Kind.TABULATION].left + by_kind[Kind.TABULATION].width == pytest.approx(100)
    assert by_kind[Kind.COUNTING].lane != by_kind[Kind.TABULATION].lane
    assert timeline["lanes"] == 2
    assert 0 < timeline["now_left"] < by_kind[Kind.POLLING].left
    assert [by_kind[k].state for k in (Kind.CAMPAIGN, Kind.SILENCE, Kind.POLLING)] == [
        "past",
        "current",
        "future",
    ]


def test_mission_home_without_a_calendar(as_user, observer):
    response = as_user(observer).get(reverse("missions:home", args=["odihr-test"]))
    assert response.status_code == 200
    assert "no phases yet" in response.content.decode()


def test_navigation_offers_the_roster_only_to_roster_roles(as_user, coordinator, observer):
    roster_url = reverse("missions:roster", args=["odihr-test"])
    home = reverse("missions:home", args=["odihr-test"])
    assert roster_url in as_user(coordinator).get(home).content.decode()
    assert roster_url not in as_user(observer).get(home).content.decode()


def test_invitations_board_groups_by_status(as_user, viewer, election):
    declining = f.OrganisationFactory(
        name="Central Election Commission of Kazakhstan", kind=Organisation.Kind.ELECTION_BODY
    )
    f.InvitationFactory(
        election=election,
        invitee=declining,
        status=Invitation.Status.DECLINED,
        decided_on=dt.date(2017, 10, 13),
        decided_where="Commission meeting",
        decided_by="The commission",
        statement="The commission declines the invitation.",
    )
    f.InvitationFactory(election=election, status=Invitation.Status.ACCEPTED)
    f.InvitationFactory(election=election, status=Invitation.Status.ACCEPTED)
    f.InvitationFactory(status=Invitation.Status.ACCEPTED)  # another election's

    response = as_user(viewer).get(reverse("missions:invitations", args=["odihr-test"]))

    counts = {g["status"]: len(g["invitations"]) for g in response.context["groups"]}
    assert counts == {"sent": 0, "accepted": 2, "declined": 1, "no_answer": 0}
    assert response.context["total"] == 3
    html = response.content.decode()
    for text in (
        "Commission meeting",
        "13 October 2017",
        "The commission declines",
        "Election body",
    ):
        assert text in html


def test_roster_lists_only_the_own_mission(as_user, coordinator, observers):
    response = as_user(coordinator).get(reverse("missions:roster", args=["odihr-test"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Aigerim Sadykova" in html
    assert "Other Mission Person" not in html
    assert reverse("missions:roster_csv", args=["odihr-test"]) in html
    assert reverse("missions:import_observers", args=["odihr-test"]) in html


def test_data_clerk_sees_the_roster_without_the_import_link(as_user, data_clerk, observers):
    response = as_user(data_clerk).get(reverse("missions:roster", args=["odihr-test"]))
    assert response.status_code == 200
    assert (
        reverse("missions:import_observers", args=["odihr-test"]) not in response.content.decode()
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"nationality": "kz"}, {"1001", "1002", "1003"}),
        ({"role": "short_term"}, {"1001", "1002"}),
        ({"team": "T1"}, {"1001"}),
        ({"q": "petrov"}, {"1004"}),
        ({"q": "A-17"}, {"1001"}),
        ({"q": "1002"}, {"1002"}),
        ({"role": "no-such-role"}, set()),
    ],
)
def test_roster_filters(as_user, analyst, observers, params, expected):
    response = as_user(analyst).get(reverse("missions:roster", args=["odihr-test"]), params)
    assert {o.code for o in response.context["page"].object_list} == expected


def test_roster_summary_tables(as_user, coordinator, observers):
    context = as_user(coordinator).get(reverse("missions:roster", args=["odihr-test"])).context
    # Columns follow the roles: core team, long-term, short-term.
    nationality = {row.key: (row.label, row.counts, row.total) for row in context["by_nationality"]}
    assert nationality == {"KZ": ("Kazakhstan", (0, 1, 2), 3), "RU": ("Russia", (1, 0, 0), 1)}
    bodies = [(row.label, row.total) for row in context["by_seconding_body"]]
    assert bodies == [
        ("CEC of Kazakhstan", 2),
        ("(not seconded)", 1),
        ("Ministry of Foreign Affairs", 1),
    ]
    assert context["by_role"] == [
        ("Core team", 1),
        ("Long-term observer", 1),
        ("Short-term observer", 2),
    ]


def test_summary_tables_are_single_aggregations(mission, observers, django_assert_num_queries):
    everyone = Observer.objects.filter(mission=mission)
    for summary in (tables.by_nationality, tables.by_seconding_body, tables.by_role):
        with django_assert_num_queries(1):
            summary(everyone)


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def test_roster_csv(as_user, coordinator, observers):
    response = as_user(coordinator).get(reverse("missions:roster_csv", args=["odihr-test"]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="roster-odihr-test.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert [row["code"] for row in rows] == ["1003", "1001", "1002", "1004"]  # by name
    aigerim = rows[1]
    assert aigerim == {
        "name": "Aigerim Sadykova",
        "code": "1001",
        "nationality": "KZ",
        "seconded_by": "CEC of Kazakhstan",
        "role": "short_term",
        "team": "T1",
        "phone": "+77011234567",
        "languages": "kk,ru",
        "accreditation_number": "A-17",
        "accreditation_status": "issued",
        "accredited_from": "2017-10-01",
        "accredited_until": "2017-10-31",
    }
    # A name that a spreadsheet would run as a formula is written as text.
    assert rows[0]["name"] == "'=Dana Formula"


def test_roster_csv_follows_the_filters(as_user, coordinator, observers):
    url = reverse("missions:roster_csv", args=["odihr-test"])
    rows = read_csv(as_user(coordinator).get(url, {"nationality": "RU"}))
    assert [row["code"] for row in rows] == ["1004"]


def test_observer_page(as_user, coordinator, observers):
    aigerim = observers["aigerim"]
    url = reverse("missions:observer", args=["odihr-test", aigerim.uuid])
    html = as_user(coordinator).get(url).content.decode()
    assert "Aigerim Sadykova" in html
    assert "+77011234567" in html
    assert reverse("missions:reset_signin_link", args=["odihr-test", aigerim.uuid]) in html


def test_analyst_sees_observer_page_without_the_reset_button(as_user, analyst, observers):
    aigerim = observers["aigerim"]
    url = reverse("missions:observer", args=["odihr-test", aigerim.uuid])
    response = as_user(analyst).get(url)
    assert response.status_code == 200
    assert "signin-link" not in response.content.decode()


def test_observer_of_another_mission_by_uuid_is_404(as_user, coordinator, observers):
    url = reverse("missions:observer", args=["odihr-test", observers["elsewhere"].uuid])
    assert as_user(coordinator).get(url).status_code == 404


@pytest.mark.parametrize("persona", ["observer", "viewer"])
def test_roster_pages_are_forbidden_to_other_roles(request, as_user, persona, observers):
    client = as_user(request.getfixturevalue(persona))
    urls = [
        reverse("missions:roster", args=["odihr-test"]),
        reverse("missions:roster_csv", args=["odihr-test"]),
        reverse("missions:observer", args=["odihr-test", observers["aigerim"].uuid]),
    ]
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]


def every_page_url(mission_code, observer, station):
    """Every named URL of the mission and election apps, with real objects of the mission."""
    values = {"mission_code": mission_code, "observer_uuid": observer.uuid, "code": station.code}
    patterns = [
        (app, p)
        for app, module in (("missions", mission_urls), ("elections", election_urls))
        for p in module.urlpatterns
        if isinstance(p, URLPattern)
    ]
    assert len(patterns) >= 12
    return [
        reverse(
            f"{app}:{p.name}",
            kwargs={k: values[k] for k in ("mission_code", *p.pattern.converters)},
        )
        for app, p in patterns
    ]


@pytest.mark.parametrize("persona", ["other_coordinator", "other_mission_observer", "outsider"])
def test_members_of_another_mission_get_404_everywhere(
    request, as_user, persona, observers, station
):
    client = as_user(request.getfixturevalue(persona))
    for url in every_page_url("odihr-test", observers["aigerim"], station):
        response = client.get(url)
        if response.status_code == 405:  # a POST-only action: ask it the way a form would
            response = client.post(url)
        assert response.status_code == 404, url


def browsing_urls(observer, station):
    """Every page a GET opens (the sign-in link reset is a POST action)."""
    urls = every_page_url("odihr-test", observer, station)
    return [url for url in urls if "signin-link" not in url]


def test_the_same_pages_open_for_their_own_coordinator(as_user, coordinator, observers, station):
    client = as_user(coordinator)
    for url in browsing_urls(observers["aigerim"], station):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["observer", "viewer", "analyst", "data_clerk"])
def test_coordinator_actions_are_forbidden_to_other_roles(
    request, as_user, persona, observers, station
):
    client = as_user(request.getfixturevalue(persona))
    urls = [u for u in every_page_url("odihr-test", observers["aigerim"], station) if "import" in u]
    reset = reverse("missions:reset_signin_link", args=["odihr-test", observers["aigerim"].uuid])
    assert len(urls) == 2
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(reset).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, observers, station):
    login = reverse("accounts:login")
    for url in every_page_url("odihr-test", observers["aigerim"], station):
        response = client.post(url) if "signin-link" in url else client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url


def test_switching_to_russian(as_user, observer, calendar):
    client = as_user(observer)
    home = reverse("missions:home", args=["odihr-test"])
    response = client.post(reverse("set_language"), {"language": "ru", "next": home})
    assert response.status_code == 302

    html = client.get(home).content.decode()
    assert '<html lang="ru">' in html
    assert "Календарь" in html
    assert "Where the calendar stands" not in html
    assert "<strong>День тишины</strong>" in html  # the phase's label, from the model's choices
    assert "Далее: Голосование через 20\xa0часов" in html

import csv
import io
from typing import cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from pollwatch.accounts.models import SignInLink, User
from pollwatch.lib.csvio import ImportRejected
from pollwatch.missions.imports import import_observers, normalise_phone
from pollwatch.missions.models import Membership, Observer, Role, Team
from pollwatch.testing import factories as f

HEADER = "name,code,nationality,role,phone,languages,accreditation_number,accredited_from,accredited_until,team\n"
GOOD = HEADER + (
    'Aigerim Nurlanovna,1042,kz,STO,+7 701 555-12-34,"kk, ru",ACC-1,2017-10-10,2017-10-20,T01\n'
    "Jane Doe,1043,GB,long_term,0044 7700 900123,en,,,,T01\n"
    "Ivan Petrov,1044,RU,core_team,,,,,,\n"
)


def make_observer(mission) -> Observer:
    return cast(Observer, f.ObserverFactory(mission=mission))


def rejected(mission, text):
    before = (Observer.objects.count(), User.objects.count(), Team.objects.count())
    with pytest.raises(ImportRejected) as info:
        import_observers(mission, text.encode(), create_logins=True)
    assert (Observer.objects.count(), User.objects.count(), Team.objects.count()) == before
    return [(e.row, e.column, e.message) for e in info.value.errors]


def test_phone_numbers_are_normalised():
    assert normalise_phone("+996 555 12-34-56") == "+996555123456"
    assert normalise_phone("00 44 (7700) 900.123") == "+447700900123"


def test_good_file(mission):
    result = import_observers(mission, GOOD.encode())
    assert (result.created, result.teams_created, result.logins) == (3, 1, [])
    aigerim = Observer.objects.get(mission=mission, code="1042")
    assert aigerim.nationality == "KZ"
    assert aigerim.role == Observer.ObserverRole.SHORT_TERM
    assert aigerim.phone == "+77015551234"
    assert (aigerim.languages, aigerim.preferred_language) == ("kk,ru", "kk")
    assert aigerim.team is not None and aigerim.team.code == "T01"
    assert Observer.objects.get(mission=mission, code="1043").phone == "+447700900123"
    assert Observer.objects.get(mission=mission, code="1044").preferred_language == "en"


def test_logins_are_created_with_links(mission, coordinator):
    result = import_observers(mission, GOOD.encode(), create_logins=True, created_by=coordinator)
    assert [card.observer.code for card in result.logins] == ["1042", "1043", "1044"]
    observer = Observer.objects.get(mission=mission, code="1042")
    assert observer.user is not None
    assert observer.user.username == f"{mission.code}-1042"
    assert not observer.user.has_usable_password()
    assert Membership.objects.get(user=observer.user, mission=mission).role == Role.OBSERVER
    assert SignInLink.objects.filter(user=observer.user, created_by=coordinator).count() == 1


def test_every_problem_is_reported_and_nothing_imported(mission):
    f.ObserverFactory(mission=mission, code="1042", name="Someone Else")
    text = HEADER + (
        "Aigerim,1042,KZ,short_term,,,,,,\n"
        "Jane,12,Great Britain,observer,555-1234,english!,,2017-10-20,2017-10-10,\n"
        "Ivan,1044,RU,core_team,,,A-1,,,bad team\n"
        "Olga,1044,RU,core_team,,,A-1,13/10/2017,,\n"
    )
    problems = rejected(mission, text)
    assert [(row, column) for row, column, _m in problems] == [
        (2, "code"),
        (3, "code"),
        (3, "nationality"),
        (3, "role"),
        (3, "phone"),
        (3, "accredited_until"),
        (3, "languages"),
        (4, "team"),
        (5, "accredited_from"),
        (5, "code"),
        (5, "accreditation_number"),
    ]
    assert "already used in this mission by Someone Else" in problems[0][2]


def test_existing_username_blocks_logins(mission):
    f.UserFactory(username=f"{mission.code}-1043")
    [(row, column, message)] = rejected(mission, GOOD)
    assert (row, column) == (3, "code")
    assert "already exists" in message


def test_command_writes_links(mission, tmp_path):
    source = tmp_path / "observers.csv"
    source.write_text(GOOD)
    links = tmp_path / "links.csv"
    out = io.StringIO()
    call_command(
        "import_observers",
        str(source),
        mission=mission.code,
        create_logins=True,
        links_out=str(links),
        base_url="https://pw.example.org/",
        stdout=out,
    )
    assert "3 logins created" in out.getvalue()
    rows = list(csv.DictReader(links.open()))
    assert [row["observer_code"] for row in rows] == ["1042", "1043", "1044"]
    assert rows[0]["signin_url"].startswith("https://pw.example.org/accounts/link/")
    assert links.stat().st_mode & 0o077 == 0


def test_command_rejects_bad_file(mission, tmp_path):
    source = tmp_path / "observers.csv"
    source.write_text(HEADER + "Jane,12,GB,short_term,,,,,,\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_observers", str(source), mission=mission.code, stderr=err)
    assert "3 to 8 digits" in err.getvalue()


# The web pages


def upload(text: str, **extra) -> dict:
    return {"file": SimpleUploadedFile("observers.csv", text.encode()), **extra}


def test_import_with_logins_shows_cards_and_links_work_once(as_user, coordinator, mission, client):
    url = reverse("missions:import_observers", args=[mission.code])
    response = as_user(coordinator).post(url, upload(GOOD, create_logins="on"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="signin-card"') == 3
    assert "<svg" in html
    assert "no-store" in response["Cache-Control"]
    link = response.context["cards"][0]["url"]
    assert link.startswith("http://testserver/accounts/link/")
    path = link.removeprefix("http://testserver")
    assert client.post(path).status_code == 302
    assert client.session["_auth_user_id"] == str(
        Observer.objects.get(mission=mission, code="1042").user_id
    )
    second = client.__class__().post(path, follow=True)
    assert "_auth_user_id" not in second.client.session
    assert "has been used" in second.content.decode()


def test_import_without_logins_redirects_to_roster(as_user, coordinator, mission):
    url = reverse("missions:import_observers", args=[mission.code])
    response = as_user(coordinator).post(url, upload(GOOD))
    assert response.status_code == 302
    assert response["Location"] == reverse("missions:roster", args=[mission.code])
    assert User.objects.filter(username__startswith=mission.code).count() == 0


def test_page_shows_problems(as_user, coordinator, mission):
    url = reverse("missions:import_observers", args=[mission.code])
    response = as_user(coordinator).post(url, upload(HEADER + "Jane,12,GB,short_term,,,,,,\n"))
    assert response.status_code == 200
    assert "Nothing was imported: 1 problem was found." in response.content.decode()
    assert Observer.objects.filter(mission=mission).count() == 0


def test_reset_revokes_the_old_link(as_user, coordinator, mission, client):
    result = import_observers(mission, GOOD.encode(), create_logins=True)
    card = result.logins[0]
    url = reverse("missions:reset_signin_link", args=[mission.code, card.observer.uuid])
    response = as_user(coordinator).post(url)
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    old = reverse("accounts:signin_link", args=[card.token])
    client.post(old)
    assert "_auth_user_id" not in client.session
    new = response.context["cards"][0]["url"].removeprefix("http://testserver")
    client.post(new)
    assert client.session["_auth_user_id"] == str(card.observer.user_id)


def test_reset_creates_a_login_when_there_is_none(as_user, coordinator, mission):
    observer = make_observer(mission)
    url = reverse("missions:reset_signin_link", args=[mission.code, observer.uuid])
    assert as_user(coordinator).get(url).status_code == 405
    assert as_user(coordinator).post(url).status_code == 200
    observer.refresh_from_db()
    assert observer.user is not None
    assert observer.user.username == f"{mission.code}-{observer.code}"
    assert observer.user.memberships.get().role == Role.OBSERVER


def test_observer_may_not_import_or_reset(as_user, observer, mission):
    someone = make_observer(mission)
    client = as_user(observer)
    assert client.get(reverse("missions:import_observers", args=[mission.code])).status_code == 403
    url = reverse("missions:reset_signin_link", args=[mission.code, someone.uuid])
    assert client.post(url).status_code == 403


def test_other_missions_coordinator_gets_404(as_user, other_coordinator, mission):
    someone = make_observer(mission)
    client = as_user(other_coordinator)
    assert client.get(reverse("missions:import_observers", args=[mission.code])).status_code == 404
    url = reverse("missions:reset_signin_link", args=[mission.code, someone.uuid])
    assert client.post(url).status_code == 404
    # Even through their own mission's address, another mission's observer is not found.
    url = reverse(
        "missions:reset_signin_link",
        args=[other_coordinator.memberships.get().mission.code, someone.uuid],
    )
    assert client.post(url).status_code == 404


def test_coordinator_sees_the_upload_form(as_user, coordinator, mission):
    response = as_user(coordinator).get(reverse("missions:import_observers", args=[mission.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' in html
    assert 'name="create_logins"' in html
    assert "accreditation_status" in html

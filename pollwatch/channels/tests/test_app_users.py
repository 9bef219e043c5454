"""ODK Collect app users: one active key per observer, revocation, the coordinator's page."""

import base64
import json
import re
import zlib

import pytest
from django.urls import reverse

from pollwatch.accounts.models import hash_secret
from pollwatch.channels.models import AppUser
from pollwatch.channels.openrosa import services
from pollwatch.channels.openrosa.views import collect_settings
from pollwatch.reports.testing import make_observer


@pytest.fixture
def observer_row(mission, observer):
    return make_observer(mission, user=observer, code="1234")


def page(mission, observer_row):
    return reverse("openrosa:app_user", args=[mission.code, observer_row.uuid])


def form_list(client, mission_code, raw):
    return client.get(reverse("openrosa:key_form_list", args=[mission_code, raw]))


def test_a_new_key_revokes_the_old_one_and_only_hashes_are_stored(client, mission, observer_row):
    first, raw_first = services.create_app_user(observer_row)
    second, raw_second = services.create_app_user(observer_row)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    assert second.token_hash == hash_secret(raw_second) and raw_second not in second.token_hash
    assert form_list(client, mission.code, raw_first).status_code == 401
    assert form_list(client, mission.code, raw_second).status_code == 200


def test_revoking_locks_the_device_out(client, mission, observer_row):
    app_user, raw = services.create_app_user(observer_row)
    services.revoke_app_user(app_user)
    assert form_list(client, mission.code, raw).status_code == 401
    with pytest.raises(services.Refused) as caught:
        services.authenticate_token(mission.code, raw)
    assert caught.value.status == 401


def test_the_collect_settings_payload_is_zlib_json_in_base64():
    payload = collect_settings("https://example.org/odk/m/key/abc", "Mission")
    settings = json.loads(zlib.decompress(base64.b64decode(payload)))
    assert settings["general"]["server_url"] == "https://example.org/odk/m/key/abc"
    assert settings["general"]["username"] == "" and settings["admin"] == {}
    assert settings["project"] == {"name": "Mission"}


def test_the_coordinator_issues_a_key_shown_once_as_a_qr_code(
    as_user, client, coordinator, mission, observer_row
):
    browser = as_user(coordinator)
    assert browser.get(page(mission, observer_row)).status_code == 200
    response = browser.post(page(mission, observer_row), {"action": "create"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    assert "<svg" in content
    found = re.search(r"<code>(http[^<]+)</code>", content)
    assert found is not None
    server_url = found.group(1)
    prefix = f"http://testserver/odk/{mission.code}/key/"
    assert server_url.startswith(prefix)
    raw = server_url.removeprefix(prefix)
    assert AppUser.objects.get(observer=observer_row).token_hash == hash_secret(raw)
    # ODK Collect appends /formList to the server URL.
    assert client.get(server_url.removeprefix("http://testserver") + "/formList").status_code == 200
    again = browser.get(page(mission, observer_row)).content.decode()
    assert raw not in again and "<svg" not in again


def test_the_coordinator_revokes_the_key(as_user, client, coordinator, mission, observer_row):
    _app_user, raw = services.create_app_user(observer_row)
    response = as_user(coordinator).post(page(mission, observer_row), {"action": "revoke"})
    assert response.status_code == 302
    assert form_list(client, mission.code, raw).status_code == 401


@pytest.mark.parametrize("persona", ["analyst", "data_clerk", "observer", "viewer"])
def test_other_roles_may_not_issue_keys(request, as_user, mission, observer_row, persona):
    browser = as_user(request.getfixturevalue(persona))
    assert browser.get(page(mission, observer_row)).status_code == 403
    assert browser.post(page(mission, observer_row), {"action": "create"}).status_code == 403
    assert not AppUser.objects.exists()


def test_another_missions_coordinator_gets_404(as_user, other_coordinator, mission, observer_row):
    browser = as_user(other_coordinator)
    assert browser.post(page(mission, observer_row), {"action": "create"}).status_code == 404
    url = reverse("openrosa:app_user", args=["cis-test", observer_row.uuid])
    assert browser.post(url, {"action": "create"}).status_code == 404
    assert not AppUser.objects.exists()

"""API authentication: bearer tokens, the browser session, and the api_token command."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from ninja.errors import HttpError

from pollwatch.accounts.api_auth import BrowserSession
from pollwatch.accounts.models import ApiToken
from pollwatch.accounts.services import create_api_token, revoke_api_token

MISSIONS = "/api/v1/missions"


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_a_bearer_token_authenticates_and_records_its_use(client, coordinator):
    token, raw = create_api_token(coordinator, "laptop")
    response = client.get(MISSIONS, headers=bearer(raw))
    assert response.status_code == 200
    assert [m["code"] for m in response.json()] == ["odihr-test"]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer pw_not-a-real-token", "Bearer ", "Token {raw}", "{raw}"],
    ids=["wrong token", "empty token", "other scheme", "no scheme"],
)
def test_a_bad_authorization_header_is_401(client, coordinator, header):
    _, raw = create_api_token(coordinator, "laptop")
    response = client.get(MISSIONS, headers={"Authorization": header.format(raw=raw)})
    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_revoked_token_is_401(client, coordinator):
    token, raw = create_api_token(coordinator, "laptop")
    revoke_api_token(token)
    assert client.get(MISSIONS, headers=bearer(raw)).status_code == 401


def test_the_token_of_a_deactivated_user_is_401(client, coordinator):
    _, raw = create_api_token(coordinator, "laptop")
    coordinator.is_active = False
    coordinator.save()
    assert client.get(MISSIONS, headers=bearer(raw)).status_code == 401


def test_no_credentials_is_401(client, mission):
    assert client.get(MISSIONS).status_code == 401


def test_the_browser_session_authenticates(as_user, coordinator):
    response = as_user(coordinator).get(MISSIONS)
    assert response.status_code == 200
    assert response.json()[0]["role"] == "coordinator"


def test_a_wrong_token_is_refused_even_with_a_session(as_user, coordinator):
    assert as_user(coordinator).get(MISSIONS, headers=bearer("pw_wrong")).status_code == 401


def test_the_session_needs_a_csrf_token_for_unsafe_methods(coordinator):
    request = RequestFactory().post(MISSIONS)
    request.user = coordinator
    with pytest.raises(HttpError) as refused:
        BrowserSession()(request)
    assert refused.value.status_code == 403
    # A token client has no CSRF token to send: its header skips the session check.
    request = RequestFactory().post(MISSIONS, headers=bearer("pw_anything"))
    request.user = coordinator
    assert BrowserSession()(request) is None


def test_the_session_is_enough_for_safe_methods(coordinator):
    request = RequestFactory().get(MISSIONS)
    request.user = coordinator
    assert BrowserSession()(request) == coordinator


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_creates_a_token_shown_once(coordinator):
    out, err = run("create", "coordinator", "--name", "field laptop")
    raw = out.strip()
    assert raw.startswith("pw_")
    assert "cannot be shown again" in err
    token = ApiToken.objects.get(user=coordinator)
    assert token.name == "field laptop"
    assert raw not in token.key_hash
    assert Client().get(MISSIONS, headers=bearer(raw)).status_code == 200


def test_the_command_lists_and_revokes_tokens(coordinator):
    raw = run("create", "coordinator", "--name", "laptop")[0].strip()
    token = ApiToken.objects.get(user=coordinator)
    listing = run("list", "coordinator")[0]
    assert token.prefix in listing
    assert "laptop" in listing
    assert "active" in listing
    assert raw not in listing

    assert "Revoked" in run("revoke", token.prefix)[0]
    assert "revoked" in run("list", "coordinator")[0]
    assert Client().get(MISSIONS, headers=bearer(raw)).status_code == 401


def test_the_command_names_what_it_cannot_find(coordinator):
    with pytest.raises(CommandError, match="nobody"):
        run("create", "nobody", "--name", "x")
    with pytest.raises(CommandError, match="abcdefgh"):
        run("revoke", "abcdefgh")
    assert "no API tokens" in run("list", "coordinator")[0]


def test_a_token_loads_its_whole_user_in_one_query(coordinator, django_assert_num_queries):
    from pollwatch.accounts.services import authenticate_api_token

    token, raw = create_api_token(coordinator, "laptop")
    authenticate_api_token(raw)  # records the use: a write, once a minute at most
    with django_assert_num_queries(1):
        user = authenticate_api_token(raw)
    assert user == coordinator and user.get_deferred_fields() == set()
    assert (user.username, user.uuid, user.date_joined, user.is_active) == (
        coordinator.username,
        coordinator.uuid,
        coordinator.date_joined,
        True,
    )
    assert authenticate_api_token(raw + "x") is None


def test_a_token_request_never_loads_the_session(as_user, coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, raw = create_api_token(coordinator, "laptop")
    client = as_user(coordinator)  # a session cookie rides along
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MISSIONS, headers=bearer(raw)).status_code == 200
    assert queries.captured_queries
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MISSIONS).status_code == 200
    assert [q for q in queries.captured_queries if "django_session" in q["sql"]]

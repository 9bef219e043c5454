"""Personas shared by every app's tests.

Two missions observe one election; `observer` and `coordinator` belong to the first,
`other_mission_observer` and `other_coordinator` to the second, `outsider` to none.
"""

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import translation

from pollwatch.missions.models import Role
from pollwatch.testing import factories as f
from pollwatch.testing.browser import chromium


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request in Russian earlier in the
    same worker process must not turn the next test's messages into Russian."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def election(db):
    return f.ElectionFactory(code="kg-test")


@pytest.fixture
def mission(election):
    return f.MissionFactory(code="odihr-test", election=election)


@pytest.fixture
def other_mission(election):
    return f.MissionFactory(code="cis-test", election=election)


def _member(mission, role, username):
    return f.MembershipFactory(mission=mission, role=role, user__username=username).user


@pytest.fixture
def coordinator(mission):
    return _member(mission, Role.COORDINATOR, "coordinator")


@pytest.fixture
def analyst(mission):
    return _member(mission, Role.ANALYST, "analyst")


@pytest.fixture
def data_clerk(mission):
    return _member(mission, Role.DATA_CLERK, "clerk")


@pytest.fixture
def observer(mission):
    return _member(mission, Role.OBSERVER, "observer")


@pytest.fixture
def viewer(mission):
    return _member(mission, Role.VIEWER, "viewer")


@pytest.fixture
def other_mission_observer(other_mission):
    return _member(other_mission, Role.OBSERVER, "other-observer")


@pytest.fixture
def other_coordinator(other_mission):
    return _member(other_mission, Role.COORDINATOR, "other-coordinator")


@pytest.fixture
def outsider(db):
    return f.UserFactory(username="outsider")


@pytest.fixture
def operator(db):
    return f.UserFactory(username="operator", is_staff=True, is_superuser=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_user():
    """`as_user(persona)` gives a test client signed in as that persona."""
    return client_for


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium, for a test of pages served by `live_server` (skips without it)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the
    # test itself are still plain synchronous calls (Django's documented escape).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as launched:
        yield launched
        # The test's own queries ran beside Playwright's event loop, on a connection
        # of their own; left open, it keeps PostgreSQL from dropping the test database.
        connections.close_all()

"""How the REST API knows its caller: a bearer token, or the browser's session.

API clients send `Authorization: Bearer <token>` (tokens are made with
`pollwatch api_token create`). Pages that call the API from the browser use the
session cookie, with Django's CSRF check on unsafe methods. A request that carries
an Authorization header is judged by that header alone: a wrong token is refused
even when a session cookie rides along, so a client never works by accident.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Schema
from ninja.security import HttpBearer, SessionAuth

from pollwatch.accounts.models import User
from pollwatch.accounts.services import authenticate_api_token


class ErrorOut(Schema):
    """The body of every API error (401, 403, 404)."""

    detail: str


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token:
            return None
        return authenticate_api_token(token)


class BrowserSession(SessionAuth):
    """Django's session, as in ninja's `django_auth`, unless a token was presented."""

    def __call__(self, request: HttpRequest) -> Any:
        if "Authorization" in request.headers:
            return None
        return super().__call__(request)


def api_auth() -> list:
    """The authentication of every API operation: token first, then session."""
    return [BearerToken(), BrowserSession()]


def caller(request: HttpRequest) -> User:
    """The authenticated user of an API request (set by one of the classes above)."""
    return request.auth  # type: ignore[attr-defined]

"""The REST API: one NinjaAPI; each app adds its router under /api/v1/.

Every operation needs a caller (pollwatch.accounts.api_auth) and reaches objects only
through pollwatch.missions.access, which answers 404 for anything outside the
caller's missions and 403 for a role that may not see it. Errors are JSON bodies of
the form {"detail": "..."}; a 422 also lists "errors", each {"field", "code", "message"}.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from pollwatch.accounts.api_auth import api_auth
from pollwatch.elections.api import router as elections_router
from pollwatch.missions.api import router as missions_router
from pollwatch.reports.api import router as reports_router

api = NinjaAPI(
    title="pollwatch API",
    version="1",
    urls_namespace="api",
    description=(
        "Read a mission's data and submit reports. Every object is scoped to the caller's missions. "
        "Authenticate with `Authorization: Bearer <token>` "
        "(make one with `pollwatch api_token create USERNAME --name NAME`) "
        "or with a signed-in browser session."
    ),
    auth=api_auth(),
)
api.add_router("/elections", elections_router)
api.add_router("/missions", missions_router)
api.add_router("/reports", reports_router)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": _("Authentication required: send an API token or sign in.")},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="pollwatch"'
    return response


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    detail = str(exc) or _("You may not do this.")
    return api.create_response(request, {"detail": detail}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same answer whether the object does not exist or belongs to another mission.
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


def _field(location: Any) -> str:
    """The parameter's name without where it came from ("query", "body", "path")."""
    parts = [str(part) for part in location]
    if len(parts) > 1 and parts[0] in {"query", "body", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # The same shape as the report API's refusals: a reason, and each field at fault.
    errors = [
        {
            "field": _field(error.get("loc", ())),
            "code": str(error.get("type", "invalid")),
            "message": str(error.get("msg", "")),
        }
        for error in exc.errors
    ]
    detail = _("The request is not valid: %(fields)s.") % {
        "fields": ", ".join(error["field"] for error in errors)
    }
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)

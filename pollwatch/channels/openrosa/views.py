"""OpenRosa 1.0 for ODK Collect (form list, form download, submission), and the
coordinator's page that issues an observer's app user as a QR code.

Form authors: see channels/openrosa/xml.py for the `station` and `visit` questions
that place an ODK report at its polling station.
"""

from __future__ import annotations

import base64
import functools
import json
import zlib
from collections.abc import Callable
from typing import Any

import segno
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from pollwatch.channels.openrosa import services, xml
from pollwatch.channels.openrosa.services import Device, Refused
from pollwatch.missions import access

BASIC_CHALLENGE = 'Basic realm="pollwatch ODK", charset="UTF-8"'
DeviceView = Callable[..., HttpResponse]


def _openrosa(body: bytes, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    response["X-OpenRosa-Version"] = "1.0"
    return response


def _refused(exc: Refused, *, basic: bool) -> HttpResponse:
    response = _openrosa(xml.openrosa_response(exc.message), exc.status)
    if exc.status == 401 and basic:
        # ODK Collect asks for a user name and password on this challenge.
        response["WWW-Authenticate"] = BASIC_CHALLENGE
    return response


def device_view(view: DeviceView) -> DeviceView:
    """Authenticate the device (key URL or Basic), answer in its observer's language."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(
        request: HttpRequest, mission_code: str, token: str | None = None, **kwargs: Any
    ) -> HttpResponse:
        try:
            if token is not None:
                device = services.authenticate_token(mission_code, token)
            else:
                device = services.authenticate_basic(request, mission_code)
            with translation.override(device.observer.preferred_language or None):
                return view(request, device, token, **kwargs)
        except Refused as exc:
            return _refused(exc, basic=token is None)

    return wrapper


def _route(name: str, device: Device, token: str | None, *args: str) -> str:
    if token is None:
        return reverse(f"openrosa:{name}", args=[device.mission.code, *args])
    return reverse(f"openrosa:key_{name}", args=[device.mission.code, token, *args])


@require_http_methods(["GET", "HEAD"])
@device_view
def form_list(request: HttpRequest, device: Device, token: str | None) -> HttpResponse:
    """Every current form of the mission, with the hash of the XForm as served."""
    listed = []
    for version in services.current_versions(device.mission):
        text = xml.served_xform(version.xform, version.version)
        path = _route("form_xml", device, token, version.form.code, version.version)
        listed.append(
            xml.ListedForm(
                form_id=version.form.code,
                name=version.form.title,
                version=version.version,
                hash=xml.xform_hash(text),
                download_url=request.build_absolute_uri(path),
            )
        )
    return _openrosa(xml.form_list(listed))


@require_http_methods(["GET", "HEAD"])
@device_view
def form_xml(
    request: HttpRequest, device: Device, token: str | None, form_code: str, version: str
) -> HttpResponse:
    try:
        found = services.get_version(device.mission, form_code, version)
    except Http404:
        raise Refused(404, _("No such form or version in this mission.")) from None
    return _openrosa(xml.served_xform(found.xform, found.version).encode())


@csrf_exempt
@require_http_methods(["HEAD", "POST"])
@device_view
def submission(request: HttpRequest, device: Device, token: str | None) -> HttpResponse:
    """HEAD: 204 with the size ODK Collect may send; POST: one instance and its files."""
    if request.method == "HEAD":
        response = _openrosa(b"", 204)
        response["X-OpenRosa-Accept-Content-Length"] = str(services.ACCEPT_CONTENT_LENGTH)
        return response
    data, attachments = _multipart(request)
    received = services.receive_submission(device, data, attachments)
    return _openrosa(xml.openrosa_response(received.message, nature="submit_success"), 201)


def _multipart(request: HttpRequest) -> tuple[bytes, list[Any]]:
    """The instance document and the attachments of a multipart post; Refused otherwise."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > services.ACCEPT_CONTENT_LENGTH:
        raise Refused(413, _("The submission is larger than the server accepts."))
    try:
        files = request.FILES
    except (MultiPartParserError, SuspiciousOperation):
        raise Refused(400, _("The submission is not a readable multipart body.")) from None
    upload = files.get(services.XML_PART)
    if upload is None:
        message = _("Send the instance as the multipart part xml_submission_file.")
        raise Refused(400, message)
    if (upload.size or 0) > services.MAX_XML_BYTES:
        raise Refused(413, _("The submission's XML is too large."))
    attachments = [item for key in files if key != services.XML_PART for item in files.getlist(key)]
    return upload.read(), attachments


# --- the coordinator's page -------------------------------------------------------------


def collect_settings(server_url: str, project_name: str) -> str:
    """ODK Collect's configuration QR payload: zlib-compressed JSON, base64-encoded."""
    settings = {
        "general": {
            "server_url": server_url,
            "username": "",
            "password": "",
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "admin": {},
        "project": {"name": project_name},
    }
    compressed = zlib.compress(json.dumps(settings).encode())
    return base64.b64encode(compressed).decode("ascii")


def _qr_svg(payload: str) -> SafeString:
    # segno writes the markup; the payload becomes modules, never text in the SVG.
    return mark_safe(segno.make(payload, error="m").svg_inline(scale=3, omitsize=True))  # noqa: S308


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def app_user_page(request: HttpRequest, mission_code: str, observer_uuid: str) -> HttpResponse:
    """An observer's ODK Collect app user: issue (shown once, as a QR code) or revoke."""
    membership = access.get_membership(request.user, mission_code)
    access.require_role(membership, access.MANAGE_ROLES)
    observer = access.get_observer(membership, observer_uuid)
    issued: dict[str, Any] = {}
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            for app_user in services.active_app_users(observer):
                services.revoke_app_user(app_user)
            return redirect("openrosa:app_user", mission_code, observer.uuid)
        _app_user, raw = services.create_app_user(observer, created_by=membership.user)
        url = request.build_absolute_uri(
            reverse("openrosa:key_form_list", args=[mission_code, raw])
        )
        server_url = url.removesuffix("/formList")
        payload = collect_settings(server_url, membership.mission.name)
        issued = {"server_url": server_url, "qr_svg": _qr_svg(payload), "payload": payload}
    context = access.member_context(
        membership,
        "roster",
        observer=observer,
        active=services.active_app_users(observer).first(),
        issued=issued,
    )
    # never_cache keeps the page, which may carry a live key, out of every cache.
    return TemplateResponse(request, "channels/openrosa/app_user.html", context)

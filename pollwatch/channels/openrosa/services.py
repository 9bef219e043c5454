"""ODK Collect: app users (device credentials), and submissions through submit_report.

App users work as in ODK Central: a random token travels in the server URL
(/odk/<mission>/key/<token>/); only its hash is stored. One token is active per
observer: making a new one revokes the old, and revoking locks the device out.

Submissions (OpenRosa 1.0) are deduplicated as ODK Central does, by the instance
document itself: the raw XML of every accepted submission is kept beside its
attachments, so that
- the same instanceID with the same XML is acknowledged again (201) and any new
  attachments are added (ODK Collect splits large submissions into several posts,
  each with the XML and some of the files);
- the same instanceID with other XML is a 409;
- a `deprecatedID` (an edit made in Collect) becomes `replaces`: a new version of
  that report.
The device authenticates the observer (key or Basic login), so submit_report is
called with `reporter=` that observer: an observer without a login may report from
ODK Collect, within their deployment's scope, like by SMS.

Files: settings.VAR_DIR / "attachments" / <report uuid> / <instance id>.xml for the
instance document, and .../<report uuid>/<instance id>/<file name> for attachments.
No table records them: the instance id finds the report (Submission), and the report
finds its folder. An attachment already stored under the same name is kept.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import os
import re
import secrets
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pollwatch import prepared
from pollwatch.accounts.models import User, hash_secret
from pollwatch.channels.models import AppUser
from pollwatch.channels.openrosa import xml
from pollwatch.checklists import access as form_access
from pollwatch.checklists.models import FormVersion
from pollwatch.elections.models import Election
from pollwatch.missions.models import Mission, Observer
from pollwatch.rawsql import columns, loaded
from pollwatch.reports import access as report_access
from pollwatch.reports.models import Channel
from pollwatch.reports.services import (
    ReportRefused,
    SubmitResult,
    parse_instance_id,
    parse_moment,
    submit_report,
)

MAX_XML_BYTES = 2 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Advertised on HEAD: ODK Collect splits a submission whose files exceed it into posts.
ACCEPT_CONTENT_LENGTH = 50 * 1024 * 1024
SAFE_FILE_NAME = re.compile(r"^[\w][\w.\- ]{0,199}$")
XML_PART = "xml_submission_file"


class Refused(Exception):
    """A request the OpenRosa endpoints answer with an error status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Device:
    """Who is on the other end: the observer of an app user or of a Basic-auth login."""

    mission: Mission
    observer: Observer


@dataclass(frozen=True)
class Received:
    status: int
    message: str
    result: SubmitResult | None = None


# --- app users ------------------------------------------------------------------------


def create_app_user(observer: Observer, *, created_by: User | None = None) -> tuple[AppUser, str]:
    """A new ODK Collect credential for the observer; the raw token is returned once.

    The observer's earlier tokens are revoked: one device configuration at a time, so
    that a lost phone is locked out by issuing a new code. (`created_by` is accepted
    for the audit trail; AppUser has no column for it yet.)
    """
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        active_app_users(observer).update(revoked_at=timezone.now())
        app_user = AppUser.objects.create(observer=observer, token_hash=hash_secret(raw))
    return app_user, raw


def revoke_app_user(app_user: AppUser) -> None:
    """Lock the device out: the token no longer authenticates anything."""
    with transaction.atomic():
        if app_user.revoked_at is None:
            app_user.revoked_at = timezone.now()
            app_user.save(update_fields=["revoked_at"])


def active_app_users(observer: Observer) -> Any:
    return AppUser.objects.filter(observer=observer, revoked_at__isnull=True)


@functools.cache
def _app_user_sql() -> str:
    """The observer, mission, election and login (if any) of an active key, by its hash."""
    return (
        f"SELECT {columns(Observer, 'o')}, {columns(Mission, 'm')}, "  # noqa: S608
        f"{columns(Election, 'e')}, {columns(User, 'u')} "
        "FROM channels_appuser a "
        "INNER JOIN missions_observer o ON o.id = a.observer_id "
        "INNER JOIN missions_mission m ON m.id = o.mission_id "
        "INNER JOIN elections_election e ON e.id = m.election_id "
        "LEFT JOIN accounts_user u ON u.id = o.user_id "
        "WHERE a.token_hash = %s AND a.revoked_at IS NULL"
    )


def authenticate_token(mission_code: str, raw: str) -> Device:
    """The device behind a key URL; Refused(401) unknown or revoked, 403 another mission.

    Every request of a device asks this first: one hand-written query, as the API
    token check does (the ORM took longer to build it than the database to run it).
    """
    with prepared.cursor() as cursor:
        cursor.execute(_app_user_sql(), [hash_secret(raw)])
        row = cursor.fetchone()
    if row is None:
        raise Refused(401, _("This ODK Collect key is unknown or was revoked."))
    observer, mission, election, user = loaded(row, Observer, Mission, Election, User)
    mission.election = election
    observer.mission = mission
    observer.user = user
    if mission.code != mission_code:
        raise Refused(403, _("This ODK Collect key belongs to another mission."))
    return Device(mission=mission, observer=observer)


def authenticate_basic(request: HttpRequest, mission_code: str) -> Device:
    """The observer signed in with HTTP Basic credentials (HTTPS assumed); Refused(401/403)."""
    username, password = _basic_credentials(request.headers.get("Authorization", ""))
    user = authenticate(request, username=username, password=password) if username else None
    if user is None:
        raise Refused(401, _("Sign in with your pollwatch user name and password."))
    observer = (
        Observer.objects.select_related("mission__election", "user")
        .filter(user=user, mission__code=mission_code)
        .first()
    )
    if observer is None:
        raise Refused(403, _("You are not an observer of this mission."))
    return Device(mission=observer.mission, observer=observer)


def _basic_credentials(header: str) -> tuple[str, str]:
    kind, _space, encoded = header.partition(" ")
    if kind.lower() != "basic":
        return "", ""
    try:
        text = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    username, _colon, password = text.partition(":")
    return username, password


# --- forms ----------------------------------------------------------------------------


def current_versions(mission: Mission) -> list[FormVersion]:
    """The current version of each of the mission's forms, XForm loaded."""
    forms = report_access.forms_for_mission(mission).filter(current_version__isnull=False)
    versions = []
    for form in forms.select_related("current_version").order_by("code"):
        version = form.current_version
        assert version is not None
        version.form = form
        versions.append(version)
    return versions


def get_version(mission: Mission, form_code: str, version: str) -> FormVersion:
    """A version of one of the mission's forms; Http404 otherwise."""
    form = report_access.get_form(mission, form_code)
    found = form_access.get_form_version(form, version)
    found.form = form
    return found


# --- submissions ----------------------------------------------------------------------


def receive_submission(
    device: Device, data: bytes, attachments: Iterable[UploadedFile]
) -> Received:
    """Record one OpenRosa submission (see the module docstring); Refused otherwise."""
    files = list(attachments)
    _check_sizes(data, files)
    names = [_file_name(upload.name or "") for upload in files]
    try:
        instance = xml.parse_instance(data)
    except xml.InstanceInvalid as exc:
        raise Refused(400, exc.message) from None
    instance_id = _instance_id(instance.instance_id)
    digest = hashlib.sha256(data).hexdigest()
    earlier = _earlier(device.mission, instance_id)
    if earlier is not None:
        return _again(device, earlier, instance_id, digest, files, names)
    payload = _payload(device, instance, instance_id)
    try:
        # The app user's key (or Basic login) authenticated the observer: the report is
        # their own, login or not, within their deployment's scope.
        result = submit_report(
            user=device.observer.user,
            payload=payload,
            channel=Channel.ODK,
            mission=device.mission,
            reporter=device.observer,
        )
    except ReportRefused as exc:
        earlier = _earlier(device.mission, instance_id) if exc.status == 409 else None
        if earlier is not None:  # the same post, sent twice at once: the other one won
            return _again(device, earlier, instance_id, digest, files, names)
        raise Refused(*_refusal(exc)) from None
    folder = _report_folder(result.report.uuid)
    _write(folder / f"{instance_id}.xml", data)
    _store_attachments(folder / str(instance_id), files, names)
    message = _("Report received. Receipt: %(receipt)s.") % {"receipt": result.receipt}
    return Received(201, message, result)


def _check_sizes(data: bytes, files: list[UploadedFile]) -> None:
    if len(data) > MAX_XML_BYTES:
        raise Refused(413, _("The submission's XML is too large."))
    for upload in files:
        if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
            message = _("The attachment %(name)s is larger than %(limit)d MB.") % {
                "name": upload.name,
                "limit": MAX_ATTACHMENT_BYTES // (1024 * 1024),
            }
            raise Refused(413, message)


def _file_name(name: str) -> str:
    """The attachment's own name, refused when it could be read as a path."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if not SAFE_FILE_NAME.match(base) or base.endswith(".") or "\x00" in base:
        raise Refused(400, _("The attachment name %(name)s is not allowed.") % {"name": base})
    return base


def _instance_id(value: str) -> uuid.UUID:
    try:
        return parse_instance_id(value, "instanceID")
    except ReportRefused:
        raise Refused(400, _("The instanceID must be uuid: followed by a UUID.")) from None


def _earlier(mission: Mission, instance_id: uuid.UUID) -> Any:
    if not report_access.instance_id_used(instance_id):  # the usual case, found cheaply
        return None
    try:
        return report_access.get_submission(mission, instance_id)
    except Http404:
        return None


def _again(
    device: Device,
    earlier: Any,
    instance_id: uuid.UUID,
    digest: str,
    files: list[UploadedFile],
    names: list[str],
) -> Received:
    """The instance id was accepted before: the same XML adds its files, other XML is 409."""
    folder = _report_folder(earlier.version.report.uuid)
    try:
        stored = (folder / f"{instance_id}.xml").read_bytes()
    except OSError:
        stored = b""
    # Another observer's report is never the same submission, whatever its XML.
    same_observer = earlier.version.report.observer_id == device.observer.pk
    if not same_observer or hashlib.sha256(stored).hexdigest() != digest:
        message = _(
            "The instanceID %(id)s was already used for a submission with other content."
        ) % {"id": instance_id}
        raise Refused(409, message)
    _store_attachments(folder / str(instance_id), files, names)
    return Received(201, _("This submission was already received."))


def _payload(device: Device, instance: xml.Instance, instance_id: uuid.UUID) -> dict[str, Any]:
    form_version = _form_version(device.mission, instance.form_id, instance.version)
    spec = form_access.cached_spec(form_version)
    answers = xml.answers_from(spec, instance.root)
    station, visit = xml.station_and_visit(answers)
    observed = parse_moment(instance.time_end) if instance.time_end else None
    payload: dict[str, Any] = {
        "instance_id": str(instance_id),
        "form": form_version.form.code,
        "form_version": form_version.version,
        "station": station,
        "visit": visit,
        "observer": device.observer.code,
        "observed_at": (observed or timezone.now()).astimezone(dt.UTC).isoformat(),
        "answers": answers,
    }
    if instance.deprecated_id:
        payload["replaces"] = instance.deprecated_id
    return payload


def _form_version(mission: Mission, form_id: str, version: str | None) -> FormVersion:
    """The instance's form and version; without a version attribute, the current one."""
    if version is not None:
        try:
            # The usual case: one query, the spec from the process's cache.
            return form_access.get_version_by_codes(mission, form_id, version)
        except Http404:
            pass  # below, which of the two is missing
    try:
        form = report_access.get_form(mission, form_id)
    except Http404:
        raise Refused(404, _("No form %(form)s in this mission.") % {"form": form_id}) from None
    try:
        found = (
            form.current_version if version is None else form_access.get_form_version(form, version)
        )
    except Http404:
        found = None
    if found is None:
        message = _("The form %(form)s has no version %(version)s.") % {
            "form": form_id,
            "version": version or "",
        }
        raise Refused(404, message)
    found.form = form
    return found


def _refusal(exc: ReportRefused) -> tuple[int, str]:
    """ODK Collect shows the message to the observer: name the questions at fault."""
    details = [error["message"] for error in exc.errors if error.get("message") != exc.detail]
    status = 400 if exc.status == 422 else exc.status
    return status, " ".join([exc.detail, *details])


# --- files ----------------------------------------------------------------------------


def _report_folder(report_uuid: uuid.UUID) -> Path:
    return Path(settings.VAR_DIR) / "attachments" / str(report_uuid)


def _write(path: Path, data: bytes) -> None:
    """Write the file whole or not at all (a crash leaves no half file behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _store_attachments(folder: Path, files: list[UploadedFile], names: list[str]) -> None:
    for upload, name in zip(files, names, strict=True):
        target = folder / name
        if target.exists():
            continue
        upload.seek(0)
        _write(target, upload.read())


def attachment_names(report_uuid: uuid.UUID, instance_id: uuid.UUID) -> list[str]:
    """The attachments stored for one submission of a report, by name."""
    folder = _report_folder(report_uuid) / str(instance_id)
    if not folder.is_dir():
        return []
    return sorted(path.name for path in folder.iterdir() if not path.name.startswith("."))

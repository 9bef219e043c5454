"""Uploading XLSForms: a new form, a new version of it, or nothing when unchanged."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from pollwatch.accounts.models import User
from pollwatch.checklists.models import Form, FormVersion
from pollwatch.checklists.xlsform import FormRejected, Problem, read_xlsform
from pollwatch.elections.models import code_validator
from pollwatch.missions.models import Mission

__all__ = ["FormRejected", "ImportedForm", "Problem", "content_hash", "import_form"]


@dataclass(frozen=True)
class ImportedForm:
    form: Form
    version: FormVersion
    outcome: str  # "new_form", "new_version" or "unchanged"

    @property
    def message(self) -> str:
        values = {"form": self.form.code, "version": self.version.version}
        if self.outcome == "new_form":
            return _("Form %(form)s created, version %(version)s.") % values
        if self.outcome == "new_version":
            return _("Form %(form)s: new version %(version)s.") % values
        return _("Form %(form)s is unchanged: version %(version)s stays current.") % values


def content_hash(spec: dict[str, Any]) -> str:
    """What makes a version different: the spec without its version string."""
    content = {key: value for key, value in spec.items() if key != "version"}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def import_form(
    mission: Mission,
    data: bytes,
    filename: str,
    *,
    kind: str | None = None,
    uploaded_by: User | None = None,
) -> ImportedForm:
    """Read an XLSForm and store it as a new form or version; FormRejected on problems."""
    parsed = read_xlsform(data, filename)
    _check_code(parsed.form_id)
    with transaction.atomic():
        form = Form.objects.select_for_update().filter(mission=mission, code=parsed.form_id).first()
        if form is None:
            form = _create_form(
                mission, parsed.form_id, parsed.title, parsed.prefix, kind or parsed.kind
            )
            outcome = "new_form"
        else:
            _check_kind(kind or parsed.kind, allow_empty=True)
            outcome = "new_version"
        digest = content_hash(dict(parsed.spec))
        current = form.current_version
        if current is not None and current.content_hash == digest:
            return ImportedForm(form, current, "unchanged")
        version = _add_version(form, parsed, digest, data, filename, uploaded_by)
        form.current_version = version
        form.title, form.prefix = parsed.title[:200], parsed.prefix[:10]
        form.save(update_fields=["current_version", "title", "prefix"])
    return ImportedForm(form, version, outcome)


def _check_code(form_id: str) -> None:
    try:
        code_validator(form_id)
    except ValidationError:
        message = _("The form_id '%(code)s' must be a short code of letters, digits, '-' or '_'.")
        raise FormRejected([Problem(None, "settings", message % {"code": form_id})]) from None


def _check_kind(kind: str | None, *, allow_empty: bool = False) -> None:
    if kind is None and allow_empty:
        return
    if kind not in Form.Kind.values:
        choices = ", ".join(Form.Kind.values)
        message = _(
            "The form's kind must be one of %(choices)s (the kind column of the settings sheet)."
        )
        raise FormRejected([Problem(None, "settings", message % {"choices": choices})])


def _create_form(mission: Mission, code: str, title: str, prefix: str, kind: str | None) -> Form:
    _check_kind(kind)
    return Form.objects.create(
        mission=mission, code=code, title=title[:200], prefix=prefix[:10], kind=kind or ""
    )


def _add_version(
    form: Form, parsed: Any, digest: str, data: bytes, filename: str, uploaded_by: User | None
) -> FormVersion:
    number = (form.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version_string = parsed.version or str(number)
    if form.versions.filter(version=version_string).exists():
        message = _(
            "Version %(version)s of this form exists with other content: raise the version in the settings sheet."
        )
        raise FormRejected([Problem(None, "settings", message % {"version": version_string})])
    spec = dict(parsed.spec, version=version_string)
    return FormVersion.objects.create(
        form=form,
        number=number,
        version=version_string,
        spec=spec,
        xform=parsed.xform,
        source=data,
        source_name=filename[:200],
        content_hash=digest,
        uploaded_by=uploaded_by,
    )

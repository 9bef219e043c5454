"""Helpers for tests in every app: hand-written specs and XLSForm workbooks in memory."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pollwatch.checklists.spec import Spec


def question(
    name: str, type: str = "text", *, group: str | None = None, root: str = "data", **fields: Any
) -> Any:
    """A spec question with every key present; `group` is the innermost group's path name."""
    path = f"/{root}/{group}/{name}" if group else f"/{root}/{name}"
    choices = fields.pop("choices", None)
    if choices is not None:
        choices = [c if isinstance(c, dict) else {"value": c, "label": {"en": c}} for c in choices]
    base = {
        "name": name,
        "type": type,
        "path": path,
        "group": group.rsplit("/", 1)[-1] if group else None,
        "label": {"en": name},
        "hint": {},
        "required": False,
        "required_message": {},
        "relevant": None,
        "constraint": None,
        "constraint_message": {},
        "calculation": None,
        "list_name": name if choices is not None else None,
        "choices": choices,
        "compact_tag": "",
        "appearance": "",
        "row": 0,
    }
    base.update(fields)
    return base


def group(
    name: str, *, parent: str | None = None, root: str = "data", relevant: str | None = None
) -> Any:
    path = f"/{root}/{parent}/{name}" if parent else f"/{root}/{name}"
    return {
        "name": name,
        "path": path,
        "label": {"en": name},
        "relevant": relevant,
        "parent": parent,
        "row": 0,
    }


def make_spec(
    questions: Sequence[Any],
    *,
    groups: Sequence[Any] = (),
    checks: Sequence[Any] = (),
    languages: Sequence[str] = ("en",),
    form_id: str = "test",
    version: str = "1",
) -> Spec:
    """A complete spec (see checklists/spec.py) around hand-written questions."""
    return {
        "form_id": form_id,
        "title": form_id,
        "version": version,
        "prefix": "",
        "root": "data",
        "default_language": languages[0],
        "languages": list(languages),
        "questions": list(questions),
        "groups": list(groups),
        "checks": list(checks),
    }


def make_xlsform(
    survey_rows: Iterable[Mapping[str, Any]],
    choices_rows: Iterable[Mapping[str, Any]] = (),
    settings: Mapping[str, Any] | None = None,
    checks: Iterable[Mapping[str, Any]] | None = None,
) -> bytes:
    """An .xlsx workbook: one dict per row, the columns are the union of the keys."""
    from openpyxl import Workbook

    workbook = Workbook()
    _write_sheet(workbook.active, "survey", list(survey_rows))
    _write_sheet(
        workbook.create_sheet(), "choices", list(choices_rows), ["list_name", "name", "label"]
    )
    if settings:
        _write_sheet(workbook.create_sheet(), "settings", [dict(settings)])
    if checks is not None:
        _write_sheet(
            workbook.create_sheet(), "checks", list(checks), ["name", "expression", "message"]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(
    sheet: Any, title: str, rows: list[Mapping[str, Any]], default: Sequence[str] = ()
) -> None:
    sheet.title = title
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    columns = columns or list(default)
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column, None) for column in columns])

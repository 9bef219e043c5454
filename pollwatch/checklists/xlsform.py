"""Read an XLSForm workbook with pyxform into a spec (checklists/spec.py) and an XForm.

pyxform parses the sheets and writes the XForm; the expressions in the spec are taken
from the XForm's binds, where pyxform has already turned `${name}` into absolute
paths, so the spec and the XForm say exactly the same thing. On top of pyxform's own
checks, pollwatch refuses what it cannot honour (repeats, geopoints, dynamic
`required`, expressions outside the subset, choice values with spaces), always naming
the sheet row. The choices sheet may have a `finding` column (spec.FINDINGS), carried
into each choice for the findings pages.
"""

from __future__ import annotations

import io
import itertools
import re
import xml.etree.ElementTree as ET  # noqa: S405 - only parses pyxform's own output
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from pyxform.builder import create_survey_element_from_dict
from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import DefinitionData, get_xlsform

from pollwatch.checklists import expressions
from pollwatch.checklists.spec import (
    FINDINGS,
    NO_ANSWER_TYPES,
    Check,
    Choice,
    Group,
    Question,
    Spec,
)

XFORMS = "{http://www.w3.org/2002/xforms}"
JSON_TYPES = {
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "integer": "integer",
    "decimal": "decimal",
    "text": "text",
    "date": "date",
    "time": "time",
    "note": "note",
    "calculate": "calculate",
}
LANGUAGE = re.compile(r"\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)\s*\)\s*$")
# Compact tags are typed on phones by SMS: no O, I or L, which read as 0 and 1, and
# no V, which marks a visit ("V2") in the SMS syntax (channels/sms/syntax.py).
TAG_LETTERS = "ABCDEFGHJKMNPQRSTUWXYZ"
TAG_PATTERN = re.compile(r"^(?!V[0-9]*$)[A-HJKMNP-Z][A-HJKMNP-Z0-9]*$")
ROW_IN_MESSAGE = re.compile(r"\[row : (\d+)\]|\brow(?: number)? '?(\d+)'?", re.IGNORECASE)
SHEET_IN_MESSAGE = re.compile(r"'(survey|choices|settings)' sheet")


class Problem(NamedTuple):
    row: int | None
    sheet: str
    message: str


class FormRejected(Exception):
    """The workbook cannot become a form; `.errors` lists (row, sheet, message)."""

    def __init__(self, errors: list[Problem]) -> None:
        super().__init__("; ".join(problem.message for problem in errors))
        self.errors = errors


@dataclass(frozen=True)
class ParsedForm:
    spec: Spec
    xform: str
    form_id: str
    title: str
    version: str | None
    prefix: str
    kind: str | None


def read_xlsform(data: bytes, filename: str) -> ParsedForm:
    """Parse an .xlsx XLSForm; raise FormRejected with every problem found."""
    if not filename.lower().endswith(".xlsx"):
        raise FormRejected([Problem(None, "", _("Upload the form as an Excel workbook (.xlsx)."))])
    definition, survey_json, xform = _run_pyxform(data)
    reader = _Reader(definition, survey_json, xform)
    spec = reader.spec(_read_checks(data, reader))
    if reader.problems:
        raise FormRejected(
            sorted(reader.problems, key=lambda p: (p.sheet != "settings", p.row or 0))
        )
    return ParsedForm(
        spec=spec,
        xform=xform,
        form_id=spec["form_id"],
        title=spec["title"],
        version=_text(survey_json.get("version")) or None,
        prefix=spec["prefix"],
        kind=_text(survey_json.get("kind")) or None,
    )


def _run_pyxform(data: bytes) -> tuple[DefinitionData, dict[str, Any], str]:
    definition = None
    try:
        definition = get_xlsform(xlsform=data, file_type=".xlsx")
        survey_json = workbook_to_json(
            workbook_dict=definition,
            form_name=None,
            fallback_form_name=definition.fallback_form_name,
            default_language=None,
            warnings=[],
        )
        xform = create_survey_element_from_dict(survey_json).to_xml(validate=False, warnings=[])
    except PyXFormError as error:
        raise FormRejected([_pyxform_problem(str(error), definition)]) from None
    except Exception as error:  # noqa: BLE001 - a broken workbook fails inside openpyxl in many ways
        raise FormRejected(
            [Problem(None, "", _("The workbook cannot be read: %(error)s") % {"error": error})]
        ) from None
    return definition, survey_json, xform


def _pyxform_problem(message: str, definition: DefinitionData | None) -> Problem:
    found = ROW_IN_MESSAGE.search(message)
    sheet = SHEET_IN_MESSAGE.search(message)
    row = (
        int(found.group(1) or found.group(2))
        if found
        else _row_of_quoted_value(message, definition)
    )
    clean = re.sub(r"^\[row : \d+\]\s*", "", message)
    return Problem(row, sheet.group(1) if sheet else "survey", clean)


def _row_of_quoted_value(message: str, definition: DefinitionData | None) -> int | None:
    """pyxform names the bad value but not always its row: look it up in the survey sheet."""
    if definition is None:
        return None
    for value in re.findall(r"'([^']+)'", message):
        for index, row in enumerate(definition.survey or []):
            if value in (str(row.get("type", "")).strip(), str(row.get("name", "")).strip()):
                return index + 2
    return None


def _tidy(expression: str) -> str:
    """Collapse the spaces pyxform puts around paths, leaving quoted text alone."""
    parts = re.split(r"""('[^']*'|"[^"]*")""", expression)
    return "".join(
        part if part[:1] in "'\"" and part else re.sub(r"\s+", " ", part) for part in parts
    ).strip()


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


class _Reader:
    """Turns pyxform's JSON and XForm into a spec, collecting problems with rows."""

    def __init__(self, definition: DefinitionData, survey_json: dict[str, Any], xform: str) -> None:
        self.json = survey_json
        self.problems: list[Problem] = []
        self.binds = _binds(xform)
        self.rows = _name_rows(definition.survey or [])
        self.choice_rows = _choice_rows(definition.choices or [])
        self.sheet_types = {
            _text(row.get("name")): _text(row.get("type")) for row in definition.survey or []
        }
        self.tags_given = {
            _text(row.get("name")): _text(row.get("compact_tag")).upper()
            for row in definition.survey or []
            if _text(row.get("compact_tag"))
        }
        self.languages: list[str] = []
        setting = _text(survey_json.get("default_language"))
        first = setting if setting and setting != "default" else _first_language(survey_json)
        self.default_language = self._language_code(first, 1) if first else "en"
        self.root = survey_json["name"]
        self.questions: list[Question] = []
        self.groups: list[Group] = []

    # -- structure --

    def spec(self, checks_rows: list[dict[str, Any]]) -> Spec:
        self._walk(self.json.get("children", []), "/" + self.root, None)
        self._check_expressions()
        self._assign_tags()
        spec: Spec = {
            "form_id": _text(self.json.get("id_string")),
            "title": _text(self.json.get("title")),
            "version": _text(self.json.get("version")),
            "prefix": _text(self.json.get("prefix")),
            "root": self.root,
            "default_language": self.default_language,
            "languages": self.languages or [self.default_language],
            "questions": self.questions,
            "groups": self.groups,
            "checks": [],
        }
        spec["checks"] = self._checks(checks_rows)
        return spec

    def _walk(
        self, children: list[dict[str, Any]], parent_path: str, parent_group: str | None
    ) -> None:
        for child in children:
            path = f"{parent_path}/{child['name']}"
            kind = child.get("type")
            if (
                kind == "group"
                and child.get("control", {}).get("bodyless")
                and child["name"] == "meta"
            ):
                continue  # pyxform's own instanceID block
            if kind == "group":
                self.groups.append(self._group(child, path, parent_group))
                self._walk(child.get("children", []), path, child["name"])
            elif kind in JSON_TYPES:
                self.questions.append(self._question(child, path, JSON_TYPES[kind], parent_group))
            else:
                written = self.sheet_types.get(child["name"]) or kind
                message = _("The question type '%(type)s' is not supported by pollwatch.") % {
                    "type": written
                }
                self._refuse(child["name"], message)

    def _group(self, item: dict[str, Any], path: str, parent: str | None) -> Group:
        return {
            "name": item["name"],
            "path": path,
            "label": self._labels(item.get("label"), item["name"]),
            "relevant": self._bind(path, "relevant"),
            "parent": parent,
            "row": self.rows.get(item["name"], 0),
        }

    def _question(self, item: dict[str, Any], path: str, kind: str, group: str | None) -> Question:
        name = item["name"]
        bind = item.get("bind", {})
        if item.get("choice_filter"):
            self._refuse(name, _("choice_filter is not supported by pollwatch."))
        return {
            "name": name,
            "type": kind,
            "path": path,
            "group": group,
            "label": self._labels(item.get("label"), name),
            "hint": self._labels(item.get("hint"), name),
            "required": self._required(name, path),
            "required_message": self._labels(bind.get("jr:requiredMsg"), name),
            "relevant": self._bind(path, "relevant"),
            "constraint": self._bind(path, "constraint"),
            "constraint_message": self._labels(bind.get("jr:constraintMsg"), name),
            "calculation": self._bind(path, "calculate"),
            "list_name": item.get("list_name") if kind.startswith("select") else None,
            "choices": self._choices(item) if kind.startswith("select") else None,
            "compact_tag": "",
            "appearance": _text(item.get("control", {}).get("appearance")),
            "row": self.rows.get(name, 0),
        }

    def _bind(self, path: str, attribute: str) -> str | None:
        value = _tidy(self.binds.get(path, {}).get(attribute) or "")
        return value or None

    def _required(self, name: str, path: str) -> bool:
        value = self._bind(path, "required")
        if value not in (None, "true()", "false()"):
            self._refuse(
                name,
                _("A required condition (%(expression)s) is not supported: use yes or no.")
                % {"expression": value},
            )
        return value == "true()"

    def _choices(self, item: dict[str, Any]) -> list[Choice]:
        choices: list[Choice] = []
        list_name = item.get("list_name") or ""
        for choice in item.get("choices") or []:
            value = _text(choice.get("name"))
            if not value or re.search(r"\s", value):
                row = self.choice_rows.get((list_name, value))
                message = _(
                    "The choice value '%(value)s' in list %(list)s must not be empty or contain spaces."
                ) % {
                    "value": value,
                    "list": list_name,
                }
                self.problems.append(Problem(row, "choices", message))
            entry: Choice = {"value": value, "label": self._labels(choice.get("label"), value)}
            finding = self._finding(choice, list_name, value)
            if finding:
                entry["finding"] = finding
            choices.append(entry)
        if not choices:
            self._refuse(item["name"], _("The list %(list)s has no choices.") % {"list": list_name})
        return choices

    def _finding(self, choice: dict[str, Any], list_name: str, value: str) -> str:
        """The choice's `finding` column (spec.FINDINGS), or "" for an ordinary choice."""
        finding = _text(choice.get("finding")).lower()
        if finding and finding not in FINDINGS:
            message = _(
                "The finding '%(finding)s' of choice %(value)s must be one of %(allowed)s, or blank."
            ) % {"finding": finding, "value": value, "allowed": ", ".join(FINDINGS)}
            problem = Problem(self.choice_rows.get((list_name, value)), "choices", message)
            if problem not in self.problems:  # a list shared by several questions
                self.problems.append(problem)
            return ""
        return finding

    # -- languages and labels --

    def _language_code(self, name: str, row: int | None) -> str:
        if name == "default":
            return "en" if not self.languages else self.languages[0]
        match = LANGUAGE.search(name)
        if not match:
            message = _("Write the language '%(language)s' with its code, e.g. 'English (en)'.") % {
                "language": name
            }
            if Problem(row, "survey", message) not in self.problems:
                self.problems.append(Problem(row, "survey", message))
            return name
        code = match.group(1).replace("_", "-").lower()
        if code not in self.languages:
            self.languages.append(code)
        return code

    def _labels(self, value: Any, name: str) -> dict[str, str]:
        if not value:
            return {}
        if isinstance(value, str):
            return {self.default_language: value}
        labels = {}
        for language, text in value.items():
            code = (
                self.default_language if language == "default" else self._language_code(language, 1)
            )
            if text and text != "-":
                labels[code] = str(text)
        return labels

    # -- expressions, tags, checks --

    def _check_expressions(self) -> None:
        known = frozenset(question["path"] for question in self.questions)
        items: list[Mapping[str, Any]] = [*self.groups, *self.questions]
        for item in items:
            for field, allow_dot in (
                ("relevant", False),
                ("constraint", True),
                ("calculation", False),
            ):
                expression = item.get(field)
                if expression:
                    for problem in expressions.check_expression(
                        expression, known_paths=known, allow_dot=allow_dot
                    ):
                        self._refuse(item["name"], f"{field}: {problem}")

    def _assign_tags(self) -> None:
        answerable = [q for q in self.questions if q["type"] not in NO_ANSWER_TYPES]
        used: set[str] = set()
        for question in answerable:
            tag = self.tags_given.get(question["name"])
            if tag is None:
                continue
            if not TAG_PATTERN.match(tag) or tag in used:
                message = _(
                    "The compact tag '%(tag)s' must be unique, start with a letter, avoid O, I and L, and not be V (it marks a visit)."
                )
                self._refuse(question["name"], message % {"tag": tag})
            used.add(tag)
            question["compact_tag"] = tag
        generated = (tag for tag in _tag_sequence() if tag not in used)
        for question in answerable:
            if not question["compact_tag"]:
                question["compact_tag"] = next(generated)

    def _checks(self, rows: list[dict[str, Any]]) -> list[Check]:
        paths = {question["name"]: question["path"] for question in self.questions}
        known = frozenset(paths.values())
        checks: list[Check] = []
        for row in rows:
            expression = _text(row.get("expression"))
            name = _text(row.get("name")) or f"check_{row['row']}"
            absolute, unknown = _absolute(expression, paths)
            problems = [
                _("%(name)s is not a question of this form.") % {"name": n} for n in unknown
            ]
            if not expression:
                problems.append(_("The check has no expression."))
            elif not unknown:
                problems += expressions.check_expression(
                    absolute, known_paths=known, allow_dot=False
                )
            self.problems.extend(Problem(row["row"], "checks", problem) for problem in problems)
            messages = {
                key: value for key, value in row.items() if key.startswith("message") and value
            }
            message = self._labels(
                {self._message_language(key): _text(v) for key, v in messages.items()}, name
            )
            checks.append(
                {"name": name, "expression": absolute, "message": message, "row": row["row"]}
            )
        return checks

    def _message_language(self, column: str) -> str:
        return column.split("::", 1)[1] if "::" in column else "default"

    def _refuse(self, name: str, message: str) -> None:
        self.problems.append(Problem(self.rows.get(name), "survey", message))


def _first_language(item: Mapping[str, Any]) -> str | None:
    """The first language named in any label, in form order."""
    label = item.get("label")
    if isinstance(label, dict):
        named = [language for language in label if language != "default"]
        if named:
            return named[0]
    for child in item.get("children", []):
        found = _first_language(child)
        if found:
            return found
    return None


def _binds(xform: str) -> dict[str, dict[str, str]]:
    root = ET.fromstring(xform)  # noqa: S314 - pyxform's own output, not user XML
    binds: dict[str, dict[str, str]] = {}
    for bind in root.iter(f"{XFORMS}bind"):
        binds[bind.get("nodeset", "")] = dict(bind.attrib)
    return binds


def _name_rows(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Survey sheet row of each name (pyxform keeps blank rows, so index + 2 is the row)."""
    found: dict[str, int] = {}
    for index, row in enumerate(rows):
        found.setdefault(_text(row.get("name")), index + 2)
    return found


def _choice_rows(rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        found.setdefault((_text(row.get("list_name")), _text(row.get("name"))), index + 2)
    return found


def _tag_sequence() -> Iterator[str]:
    for length in itertools.count(1):
        for letters in itertools.product(TAG_LETTERS, repeat=length):
            yield "".join(letters)


def _absolute(expression: str, paths: Mapping[str, str]) -> tuple[str, list[str]]:
    """Replace ${name} with the question's path, as pyxform does for the survey sheet."""
    unknown: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name not in paths:
            unknown.append(name)
            return match.group(0)
        return paths[name]

    return re.sub(r"\$\{([^}]*)\}", replace, expression).strip(), unknown


def _read_checks(data: bytes, reader: _Reader) -> list[dict[str, Any]]:
    """The optional 'checks' sheet: name, expression, message or message::Language (xx)."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if "checks" not in workbook.sheetnames:
            return []
        rows = workbook["checks"].iter_rows(values_only=True)
        header = [_text(cell) for cell in next(rows, ())]
        found = []
        for number, values in enumerate(rows, start=2):
            row = {
                key: value
                for key, value in zip(header, values, strict=False)
                if key and value not in (None, "")
            }
            if row:
                found.append({**row, "row": number})
        return found
    finally:
        workbook.close()

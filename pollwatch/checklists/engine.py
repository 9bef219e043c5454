"""The validation engine every channel uses: answers in, canonical answers or errors out.

The answers are written into an XForm instance document (root element
`spec["root"]`, one element per group and question, text as XForm stores it), so
that `relevant`, `constraint` and `calculation` expressions read exactly what they
read in ODK Collect and in the browser. Order: parse each answer by type, compute
the calculates in form order, then relevance, required and constraints. Every error
is collected; nothing stops at the first.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from elementpath import ElementPathError

from pollwatch.checklists import expressions
from pollwatch.checklists.spec import NO_ANSWER_TYPES, Check, Question, Spec

INTEGER = re.compile(r"^[+-]?\d{1,10}$")
DECIMAL = re.compile(r"^[+-]?(?:\d{1,15}(?:\.\d{0,10})?|\.\d{1,10})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
INT32 = 2**31


@dataclass(frozen=True)
class AnswerError:
    field: str
    code: str
    message: str


class AnswersInvalid(Exception):
    """The answers fail validation; `.errors` lists every problem found."""

    def __init__(self, errors: list[AnswerError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


class _Invalid(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message


# --- public API ---------------------------------------------------------------------


def validate_answers(
    spec: Spec | Mapping[str, Any],
    answers: Mapping[str, Any],
    *,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """The canonical answers (see checklists/spec.py), or AnswersInvalid with all errors."""
    return _validated(spec, answers, today)[0]


def validate_and_check(
    spec: Spec | Mapping[str, Any],
    answers: Mapping[str, Any],
    *,
    today: datetime.date | None = None,
) -> tuple[dict[str, Any], list[Check]]:
    """validate_answers and run_checks in one pass over one instance document.

    The report path calls this for every report: the document built to validate is
    reused for the checks whenever it holds exactly the canonical answers.
    """
    canonical, instance = _validated(spec, answers, today)
    if not spec["checks"]:
        return canonical, []
    if instance.answered() != set(canonical):
        instance = instance_for(spec, canonical, today)
    return canonical, [check for check in spec["checks"] if not instance.holds(check["expression"])]


def _validated(
    spec: Spec | Mapping[str, Any], answers: Mapping[str, Any], today: datetime.date | None
) -> tuple[dict[str, Any], AnswerInstance]:
    questions = {question["name"]: question for question in spec["questions"]}
    errors: list[AnswerError] = []
    parsed = _parse_all(questions, answers, errors)
    instance = AnswerInstance(
        spec, {name: _instance_text(value) for name, value in parsed.items()}, today
    )
    calculated = _calculate(spec, instance, errors)
    relevant = _relevance(spec, instance)
    failed = failed_names(errors)
    for question in spec["questions"]:
        _check_question(question, parsed, relevant, instance, errors, spec, failed)
    if errors:
        raise AnswersInvalid(errors)
    return _canonical(spec, parsed, calculated, relevant), instance


def run_checks(spec: Spec | Mapping[str, Any], canonical: Mapping[str, Any]) -> list[Check]:
    """The quality checks (spec["checks"]) that do not hold for these answers."""
    if not spec["checks"]:
        return []
    instance = instance_for(spec, canonical)
    return [check for check in spec["checks"] if not _holds(instance, check["expression"])]


def evaluate(
    spec: Spec | Mapping[str, Any],
    expression: str,
    canonical: Mapping[str, Any],
    context_path: str | None = None,
) -> Any:
    """One expression over the answers: a bool, a float or a str (a node-set gives its text)."""
    value = instance_for(spec, canonical).evaluate(expression, context_path)
    return expressions.as_string(value) if isinstance(value, list) else value


def instance_for(
    spec: Spec | Mapping[str, Any], canonical: Mapping[str, Any], today: datetime.date | None = None
) -> AnswerInstance:
    """The XForm instance document holding canonical answers, ready to evaluate expressions."""
    return AnswerInstance(
        spec, {name: _instance_text(value) for name, value in canonical.items()}, today
    )


def failed_names(errors: list[AnswerError]) -> set[str]:
    return {error.field for error in errors}


# --- the instance document --------------------------------------------------------------


class AnswerInstance:
    """The XForm instance: one element per group and question, built once per call."""

    def __init__(
        self,
        spec: Spec | Mapping[str, Any],
        texts: Mapping[str, str],
        today: datetime.date | None = None,
    ) -> None:
        self.root = Element(spec["root"])
        self.by_path: dict[str, Element] = {"/" + spec["root"]: self.root}
        for group in spec["groups"]:
            self._element(group["path"])
        for question in spec["questions"]:
            element = self._element(question["path"])
            element.text = texts.get(question["name"]) or None
        self.paths = {question["name"]: question["path"] for question in spec["questions"]}
        self.xpath = expressions.Instance(self.root)
        self.today = today
        self.memo: dict[str, Any] = {}

    def _element(self, path: str) -> Element:
        if path not in self.by_path:
            parent_path, _slash, name = path.rpartition("/")
            self.by_path[path] = SubElement(self._element(parent_path), name)
        return self.by_path[path]

    def set(self, name: str, text: str) -> None:
        self.by_path[self.paths[name]].text = text or None

    def answered(self) -> frozenset[str]:
        """The names whose element holds a value."""
        return frozenset(name for name, path in self.paths.items() if self.by_path[path].text)

    def evaluate(self, expression: str, context_path: str | None = None) -> Any:
        return self.xpath.evaluate(expression, context_path, self.today)

    def holds(self, expression: str, context_path: str | None = None) -> bool:
        """Boolean value; without `.` the result is remembered (answers no longer change)."""
        if expressions.uses_current(expression):
            return _holds(self, expression, context_path)
        if expression not in self.memo:
            self.memo[expression] = _holds(self, expression, context_path)
        return bool(self.memo[expression])


def _holds(instance: AnswerInstance, expression: str, context_path: str | None = None) -> bool:
    try:
        return expressions.as_boolean(instance.evaluate(expression, context_path))
    except (ElementPathError, ArithmeticError, ValueError, TypeError):
        return False


def _instance_text(value: Any) -> str:
    """The value as XForm stores it: select_multiple space-separated, numbers as text."""
    if isinstance(value, list):
        return " ".join(value)
    return str(value)


# --- steps ------------------------------------------------------------------------------


def _parse_all(
    questions: Mapping[str, Question], answers: Mapping[str, Any], errors: list[AnswerError]
) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for name, value in answers.items():
        question = questions.get(name)
        if question is None:
            errors.append(
                AnswerError(
                    name, "unknown", _("%(name)s is not a question of this form.") % {"name": name}
                )
            )
        elif question["type"] in NO_ANSWER_TYPES:
            message = _("%(name)s is computed or shown by the form and takes no answer.") % {
                "name": name
            }
            errors.append(AnswerError(name, "unknown", message))
        elif not _is_empty(value):
            try:
                parsed[name] = parse_answer(question, value)
            except _Invalid as invalid:
                errors.append(AnswerError(name, invalid.code, invalid.message))
    return parsed


def _calculate(
    spec: Spec | Mapping[str, Any], instance: AnswerInstance, errors: list[AnswerError]
) -> dict[str, str]:
    """Compute the calculates in form order, each seeing the ones before it."""
    calculated: dict[str, str] = {}
    for question in spec["questions"]:
        if question["type"] != "calculate" or not question["calculation"]:
            continue
        try:
            value = instance.evaluate(question["calculation"], question["path"])
        except (ElementPathError, ArithmeticError, ValueError, TypeError) as error:
            message = _("%(name)s could not be calculated: %(error)s") % {
                "name": question["name"],
                "error": error,
            }
            errors.append(AnswerError(question["name"], "calculation", message))
            continue
        calculated[question["name"]] = expressions.as_string(value)
        instance.set(question["name"], calculated[question["name"]])
    return calculated


def _relevance(spec: Spec | Mapping[str, Any], instance: AnswerInstance) -> dict[str, bool]:
    """Relevance of every question: its own and that of each enclosing group."""
    groups: dict[str, bool] = {}
    for group in spec["groups"]:  # form order: a parent comes before its children
        parent_holds = groups.get(group["parent"], True) if group["parent"] else True
        own = not group["relevant"] or instance.holds(group["relevant"], group["path"])
        groups[group["name"]] = parent_holds and own
    relevant: dict[str, bool] = {}
    for question in spec["questions"]:
        in_group = groups.get(question["group"], True) if question["group"] else True
        own = not question["relevant"] or instance.holds(question["relevant"], question["path"])
        relevant[question["name"]] = in_group and own
    return relevant


def _check_question(
    question: Question,
    parsed: Mapping[str, Any],
    relevant: Mapping[str, bool],
    instance: AnswerInstance,
    errors: list[AnswerError],
    spec: Spec | Mapping[str, Any],
    failed: set[str],
) -> None:
    name = question["name"]
    if question["type"] in NO_ANSWER_TYPES or name in failed:
        return
    if name in parsed and not relevant[name]:
        message = _("%(name)s is not asked here, given the other answers; leave it out.") % {
            "name": name
        }
        errors.append(AnswerError(name, "not_relevant", message))
    elif name not in parsed and question["required"] and relevant[name]:
        default = _("%(name)s needs an answer.") % {"name": name}
        errors.append(
            AnswerError(name, "required", _message(question["required_message"], spec, default))
        )
    elif (
        name in parsed
        and question["constraint"]
        and not _holds(instance, question["constraint"], question["path"])
    ):
        default = _("%(name)s: the answer is not allowed (%(constraint)s).") % {
            "name": name,
            "constraint": question["constraint"],
        }
        errors.append(
            AnswerError(name, "constraint", _message(question["constraint_message"], spec, default))
        )


def _message(messages: Mapping[str, str], spec: Spec | Mapping[str, Any], default: str) -> str:
    """The form's message in the active language, else its default language, else ours."""
    language = (get_language() or "").split("-")[0]
    return messages.get(language) or messages.get(spec["default_language"]) or default


def _canonical(
    spec: Spec | Mapping[str, Any],
    parsed: Mapping[str, Any],
    calculated: Mapping[str, str],
    relevant: Mapping[str, bool],
) -> dict[str, Any]:
    canonical: dict[str, Any] = {}
    for question in spec["questions"]:
        name = question["name"]
        if name in parsed:
            canonical[name] = parsed[name]
        elif calculated.get(name) and relevant[name]:
            canonical[name] = calculated[name]
    return canonical


# --- types ------------------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def parse_answer(question: Question, value: Any) -> Any:
    """One answer in its canonical form, or _Invalid (code "type" or "choice")."""
    return _PARSERS[question["type"]](question, value)


def _type_error(question: Question, expected: str) -> _Invalid:
    return _Invalid(
        "type",
        _("%(name)s must be %(expected)s.") % {"name": question["name"], "expected": expected},
    )


def _parse_integer(question: Question, value: Any) -> int:
    if isinstance(value, str) and INTEGER.match(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not -INT32 <= value < INT32:
        raise _type_error(question, _("a whole number"))
    return value


def _parse_decimal(question: Question, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _type_error(question, _("a number"))
    if isinstance(value, float) and not math.isfinite(value):
        raise _type_error(question, _("a number"))
    text = repr(value) if isinstance(value, float) else str(value).strip()
    if isinstance(value, float) and "e" in text:
        text = format(Decimal(text), "f")
    if not DECIMAL.match(text):
        raise _type_error(question, _("a number"))
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise _type_error(question, _("a number")) from None
    canonical = format(number, "f")
    if "." in canonical:
        canonical = canonical.rstrip("0").rstrip(".")
    return "0" if canonical in ("-0", "+0", "") else canonical


def _parse_text(question: Question, value: Any) -> str:
    if not isinstance(value, str):
        raise _type_error(question, _("text"))
    return value


def _parse_date(question: Question, value: Any) -> str:
    if isinstance(value, str) and DATE.match(value):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise _type_error(question, _("a date (YYYY-MM-DD)"))


def _parse_time(question: Question, value: Any) -> str:
    match = TIME.match(value) if isinstance(value, str) else None
    if not match:
        raise _type_error(question, _("a time (HH:MM)"))
    return f"{match.group(1)}:{match.group(2)}"


def _choice_values(question: Question) -> list[str]:
    return [choice["value"] for choice in question["choices"] or []]


def _parse_select_one(question: Question, value: Any) -> str:
    if not isinstance(value, str):
        raise _type_error(question, _("one choice value"))
    if value not in _choice_values(question):
        raise _Invalid(
            "choice",
            _("%(name)s: %(value)s is not one of the choices.")
            % {"name": question["name"], "value": value},
        )
    return value


def _parse_select_multiple(question: Question, value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _type_error(question, _("a list of choice values"))
    allowed = _choice_values(question)
    unknown = [item for item in value if item not in allowed]
    if unknown:
        raise _Invalid(
            "choice",
            _("%(name)s: %(value)s is not one of the choices.")
            % {"name": question["name"], "value": ", ".join(unknown)},
        )
    if len(set(value)) != len(value):
        raise _Invalid(
            "choice", _("%(name)s: a choice is given twice.") % {"name": question["name"]}
        )
    return [choice for choice in allowed if choice in value]


_PARSERS = {
    "integer": _parse_integer,
    "decimal": _parse_decimal,
    "text": _parse_text,
    "date": _parse_date,
    "time": _parse_time,
    "select_one": _parse_select_one,
    "select_multiple": _parse_select_multiple,
}

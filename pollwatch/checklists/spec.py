"""The normalised form specification stored in FormVersion.spec.

pyxform reads the XLSForm; checklists/xlsform.py turns its output into this plain
JSON, which everything else reads: the validation engine (server), the web entry page
(browser), the SMS syntax, exports and findings. Expressions are kept as XPath with
absolute paths, exactly as in the XForm (`${age}` becomes `/data/age`), so the server
(elementpath) and the browser (openrosa-xpath-evaluator) evaluate the same text
against the same instance document.

Shape (all keys always present; None or [] when absent):

    {
      "form_id": "opening",           # settings sheet form_id
      "title": "Opening checklist",   # settings sheet form_title (default language)
      "version": "2017101401",        # settings sheet version, or the version number
      "prefix": "OP",                 # settings sheet prefix (SMS), may be ""
      "root": "data",                 # name of the instance's root element
      "default_language": "en",
      "languages": ["en", "ru"],      # ISO codes, from label::English (en) etc.
      "questions": [Question, ...],   # in form order, groups flattened (see below)
      "groups": [Group, ...],
      "checks": [Check, ...],         # quality checks (the 'checks' sheet)
    }

    Question = {
      "name": "ballot_box_sealed",
      "type": "select_one",           # one of QUESTION_TYPES
      "path": "/data/voting/ballot_box_sealed",
      "group": "voting",              # innermost group's name, or None
      "label": {"en": "...", "ru": "..."},
      "hint": {"en": "..."} or {},
      "required": true,
      "required_message": {"en": "..."} or {},
      "relevant": "/data/voting/opened = 'yes'" or None,   # own relevance only
      "constraint": ". <= /data/counting/registered" or None,
      "constraint_message": {"en": "..."} or {},
      "calculation": None,            # for type "calculate"
      "list_name": "yes_no" or None,
      "choices": [{"value": "yes", "label": {"en": "Yes"}}, ...] or None,
                                      # a choice may carry "finding" (see FINDINGS)
      "compact_tag": "A1",            # SMS code; see channels later
      "appearance": "" ,
      "row": 7,                       # the survey sheet row, for messages
    }

    Group = {"name": "voting", "path": "/data/voting", "label": {...},
             "relevant": "..." or None, "parent": None or "outer_group", "row": 5}

    Check = {"name": "ballots_add_up", "expression": "/data/a + /data/b = /data/c",
             "message": {"en": "..."}, "row": 2}

A question is relevant when its own `relevant` and that of every enclosing group hold.
"""

from typing import Any, Literal, NotRequired, TypedDict

QuestionType = Literal[
    "select_one",
    "select_multiple",
    "integer",
    "decimal",
    "text",
    "date",
    "time",
    "note",
    "calculate",
]
QUESTION_TYPES: tuple[str, ...] = (
    "select_one",
    "select_multiple",
    "integer",
    "decimal",
    "text",
    "date",
    "time",
    "note",
    "calculate",
)
# Types that carry no answer from the observer.
NO_ANSWER_TYPES = frozenset({"note", "calculate"})
# The choices sheet's optional `finding` column: how findings count a choice. A choice
# without one is ordinary; no_answer and not_applicable answers leave the denominator;
# a select_one with a negative choice is an assessment question (docs/findings.md).
FINDINGS = ("negative", "positive", "no_answer", "not_applicable")


class Choice(TypedDict):
    value: str
    label: dict[str, str]
    finding: NotRequired[str]  # one of FINDINGS; absent for an ordinary choice


class Question(TypedDict):
    name: str
    type: str
    path: str
    group: str | None
    label: dict[str, str]
    hint: dict[str, str]
    required: bool
    required_message: dict[str, str]
    relevant: str | None
    constraint: str | None
    constraint_message: dict[str, str]
    calculation: str | None
    list_name: str | None
    choices: list[Choice] | None
    compact_tag: str
    appearance: str
    row: int


class Group(TypedDict):
    name: str
    path: str
    label: dict[str, str]
    relevant: str | None
    parent: str | None
    row: int


class Check(TypedDict):
    name: str
    expression: str
    message: dict[str, str]
    row: int


class Spec(TypedDict):
    form_id: str
    title: str
    version: str
    prefix: str
    root: str
    default_language: str
    languages: list[str]
    questions: list[Question]
    groups: list[Group]
    checks: list[Check]


def label_in(labels: dict[str, str], language: str, default: str) -> str:
    """A label in the language, else the form's default language, else any."""
    return labels.get(language) or labels.get(default) or next(iter(labels.values()), "")


def questions_by_name(spec: Spec | dict[str, Any]) -> dict[str, Question]:
    return {question["name"]: question for question in spec["questions"]}

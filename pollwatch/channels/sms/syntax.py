"""The SMS syntax of a form, and the pure parser and composer of its messages.

A message is: the form's prefix, the observer code, the station code, then
code-and-answer pairs, an optional visit marker and an optional comment:

    OP 1234 0457 A1 B2 C13 D 1 12 E420 V2 @door broken

- The prefix is the settings sheet's `prefix`; it picks the form. It may be glued to
  the observer code (`OP1234`).
- The observer code is digits (Observer.code).
- The station code is required for checklists. For other forms (incidents, campaign
  events) it is optional: the word after the observer code is taken as a station
  when it starts with a digit (a question code always starts with a letter).
- Each question's code is its `compact_tag` (letters, then maybe digits; never O, I
  or L), followed by its answer, glued or after a space:
  * select_one: the choice's 1-based number in the form's list (`B2`);
  * select_multiple: each choice's number; with up to 9 choices, one digit each
    (`C13` is choices 1 and 3); with more, numbers separated by spaces or commas
    (`D 1 12`);
  * integer: digits, any length (`E420`); SMS carries no negative numbers;
  * decimal: digits with `.` or `,` as the decimal point (`F3,5`);
  * date: `YYYYMMDD` or `YYYY-MM-DD` (also with `.` or `/`);
  * time: `HHMM`, `HMM` or `HH:MM` (also with `.`);
  * text: not sent by SMS, except the comment (below).
- `V2` (V and a number) marks a second visit, unless the form has a question
  coded `V`: that question wins, and the form has no visit marker by SMS.
- A question named `station` (reports/services.py STATION_QUESTION) is no part of
  the grammar: the station code after the observer code answers it.
- `@comment`: everything after the first `@`. It goes to the form's text question
  named `comment` when there is one; otherwise it stays in ParseResult.comment for
  the caller (the inbound message keeps the whole text anyway).

Tolerance: any case; spaces, commas, dots, dashes, semicolons and other punctuation
between words; O read as 0 and I or l as 1 wherever a digit is expected (codes never
use those letters, so no answer is ambiguous); Cyrillic letters that look like Latin
ones (a Russian keyboard) read as those. Pairs may be written without spaces
(`A1B2C13`): a code is the longest known code at that place.

The parser never raises, whatever the text: every fault is a Problem in the result,
for the caller to answer (see replies.py). It returns the answers in the validation
engine's input format (checklists/engine.py); required questions, relevance and
constraints are the engine's business.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pollwatch.checklists.spec import NO_ANSWER_TYPES

MAX_LENGTH = 1600
MAX_VISIT = 99
COMMENT_QUESTION = "comment"
# Answered by the message's station code (the report service fills it in).
STATION_QUESTION = "station"
SMS_TYPES = frozenset({"select_one", "select_multiple", "integer", "decimal", "date", "time"})

# Problem kinds (replies.py words each one).
TOO_LONG = "too_long"
EMPTY = "empty"
UNKNOWN_PREFIX = "unknown_prefix"
NO_OBSERVER = "no_observer"
NO_STATION = "no_station"
UNKNOWN_CODE = "unknown_code"
RETIRED_CODE = "retired_code"
NO_ANSWER = "no_answer"
BAD_VALUE = "bad_value"
REPEATED = "repeated"
STRAY = "stray"
BAD_VISIT = "bad_visit"

# What a bad value should have been, for the types without choices.
FORMAT_OF = {
    "integer": "integer",
    "decimal": "decimal",
    "date": "date",
    "time": "time",
}

# Lower case to upper, and Cyrillic look-alikes to Latin; one character for one, so
# that positions in the normalised text are positions in the original.
_LOOKALIKES = "АВЕКМНОРСТХУаеокрсхуі"
_LATIN = "ABEKMHOPCTXYAEOKPCXYI"
_TABLE = str.maketrans(
    "abcdefghijklmnopqrstuvwxyz" + _LOOKALIKES, "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + _LATIN
)
_DIGIT_TABLE = str.maketrans("OIL", "011")
_HEADER = re.compile(r"[^A-Z0-9]*([A-Z]+)")
_NUMBERISH = re.compile(r"[0-9OIL]+")
_STATION = re.compile(r"[A-Za-z0-9_]+(?:[.\-][0-9][A-Za-z0-9_]*)*")
_SKIP = re.compile(r"[^A-Za-z0-9]*")
_GROUP_SEPARATORS = frozenset(".,:/-")


@dataclass(frozen=True)
class Problem:
    """One fault of a message. `code` is the question code concerned, `value` the text
    at fault, `allowed` what the question takes: "1-4" for choices, else a FORMAT_OF
    value (replies.py words it)."""

    kind: str
    code: str = ""
    value: str = ""
    allowed: str = ""


@dataclass(frozen=True)
class SmsQuestion:
    code: str
    name: str
    type: str
    values: tuple[str, ...] = ()

    @property
    def one_digit_choices(self) -> bool:
        return len(self.values) <= 9

    @property
    def allowed(self) -> str:
        if self.values:
            return f"1-{len(self.values)}"
        return FORMAT_OF.get(self.type, "")


@dataclass(frozen=True)
class SmsForm:
    """A form's SMS grammar, built once per form version by sms_form()."""

    prefix: str
    needs_station: bool
    questions: tuple[SmsQuestion, ...]
    comment_question: str | None = None
    # Codes of earlier versions of the form that the current one no longer has.
    retired_codes: frozenset[str] = frozenset()
    # Text questions (other than the comment) that SMS cannot carry.
    unsendable: tuple[str, ...] = ()
    by_code: dict[str, SmsQuestion] = field(default_factory=dict, compare=False)
    by_name: dict[str, SmsQuestion] = field(default_factory=dict, compare=False)
    # First letter -> the codes starting with it, longest first.
    starts: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    @property
    def has_visit_marker(self) -> bool:
        return "V" not in self.by_code


@dataclass
class ParseResult:
    prefix: str = ""
    form: SmsForm | None = None
    observer: str = ""
    station: str | None = None
    visit: int = 1
    answers: dict[str, Any] = field(default_factory=dict)
    comment: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # Question names by the code the message used, for mapping engine errors back.
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- the grammar -------------------------------------------------------------------------


def sms_form(
    spec: Mapping[str, Any],
    *,
    needs_station: bool = True,
    older_specs: Sequence[Mapping[str, Any]] = (),
) -> SmsForm:
    """The SMS grammar of a form version's spec (see checklists/spec.py).

    `needs_station`: the form is a checklist. `older_specs`: the form's earlier
    versions, whose codes the current one dropped are answered as an out-of-date
    guide rather than as a typing mistake.
    """
    questions: list[SmsQuestion] = []
    comment = None
    unsendable = []
    for question in spec.get("questions", []):
        kind = question["type"]
        if kind in NO_ANSWER_TYPES or question["name"] == STATION_QUESTION:
            continue
        if kind == "text":
            if question["name"] == COMMENT_QUESTION:
                comment = question["name"]
            else:
                unsendable.append(question["name"])
            continue
        code = (question.get("compact_tag") or "").upper()
        if kind not in SMS_TYPES or not code:
            unsendable.append(question["name"])
            continue
        values = tuple(choice["value"] for choice in question.get("choices") or [])
        questions.append(SmsQuestion(code, question["name"], kind, values))
    by_code = {question.code: question for question in questions}
    retired = (
        {
            (question.get("compact_tag") or "").upper()
            for older in older_specs
            for question in older.get("questions", [])
            if question["name"] != STATION_QUESTION
        }
        - set(by_code)
        - {""}
    )
    return SmsForm(
        prefix=str(spec.get("prefix") or "").upper(),
        needs_station=needs_station,
        questions=tuple(questions),
        comment_question=comment,
        retired_codes=frozenset(retired),
        unsendable=tuple(unsendable),
        by_code=by_code,
        by_name={question.name: question for question in questions},
        starts=_starts(list(by_code) + sorted(retired)),
    )


def _starts(codes: list[str]) -> dict[str, tuple[str, ...]]:
    starts: dict[str, list[str]] = {}
    for code in codes:
        starts.setdefault(code[0], []).append(code)
    return {letter: tuple(sorted(found, key=len, reverse=True)) for letter, found in starts.items()}


# --- parsing -----------------------------------------------------------------------------


def parse(text: str, forms: Mapping[str, SmsForm]) -> ParseResult:
    """The message read against the forms (by prefix, upper case); never raises."""
    result = ParseResult()
    try:
        _parse(text, forms, result)
    except Exception:  # noqa: BLE001 - the parser's promise: a problem, never a crash
        result.problems.append(Problem(STRAY, value=text[:20] if isinstance(text, str) else ""))
    return result


def _parse(text: str, forms: Mapping[str, SmsForm], result: ParseResult) -> None:
    if len(text) > MAX_LENGTH:
        result.problems.append(Problem(TOO_LONG, value=str(len(text))))
        return
    body, at, comment = text.partition("@")
    if at:
        result.comment = comment.strip() or None
    original = body
    body = body.translate(_TABLE)
    found = _HEADER.match(body)
    if found is None:
        result.problems.append(Problem(EMPTY))
        return
    form = _form_for(found.group(1), forms)
    if form is None:
        result.problems.append(Problem(UNKNOWN_PREFIX, value=found.group(1)[:20]))
        return
    result.form = form
    result.prefix = form.prefix
    position = found.start(1) + len(form.prefix)
    position = _observer(body, position, result)
    if result.observer:
        position = _station(body, original, position, form, result)
    _body(body[position:], form, result)
    if result.comment and form.comment_question:
        result.answers[form.comment_question] = result.comment


def _form_for(letters: str, forms: Mapping[str, SmsForm]) -> SmsForm | None:
    """The form whose prefix is the longest start of the first word's letters."""
    for end in range(len(letters), 0, -1):
        form = forms.get(letters[:end])
        if form is not None:
            return form
    return None


def _observer(body: str, position: int, result: ParseResult) -> int:
    position = _SKIP.match(body, position).end()  # type: ignore[union-attr]
    found = _NUMBERISH.match(body, position)
    if found is None or not _ends_word(body, found.end()):
        result.problems.append(Problem(NO_OBSERVER))
        return position
    result.observer = found.group().translate(_DIGIT_TABLE)
    return found.end()


def _ends_word(body: str, position: int) -> bool:
    return position >= len(body) or not body[position].isalnum()


def _station(body: str, original: str, position: int, form: SmsForm, result: ParseResult) -> int:
    start = _SKIP.match(body, position).end()  # type: ignore[union-attr]
    found = _STATION.match(body, start)
    numberish = found is not None and _NUMBERISH.fullmatch(found.group()) is not None
    if found is None or (not form.needs_station and not numberish):
        if form.needs_station:
            result.problems.append(Problem(NO_STATION))
        return position
    if numberish:
        result.station = found.group().translate(_DIGIT_TABLE)
    else:
        # A code with letters is looked up as the observer typed it.
        result.station = original[found.start() : found.end()]
    return found.end()


# Tokens of the body, (kind, text, gap): kind "code", "number", "word" (unknown
# letters) or "visit"; gap is "" when glued to the token before, " " after a space,
# or the one punctuation character between two numbers (3,5 or 2017-10-15).


def _tokens(body: str, form: SmsForm) -> list[tuple[str, str, str]]:
    tokens: list[tuple[str, str, str]] = []
    gap = " "
    position = 0
    length = len(body)
    while position < length:
        char = body[position]
        if "0" <= char <= "9" or char in "OIL":
            end = _NUMBERISH.match(body, position).end()  # type: ignore[union-attr]
            tokens.append(("number", body[position:end].translate(_DIGIT_TABLE), gap))
            gap, position = "", end
        elif "A" <= char <= "Z":
            position = _letters(body, position, form, tokens, gap)
            gap = ""
        else:
            # One punctuation character between two numbers may join them (3,5 or
            # 2017-10-15); anything else separates.
            gap = char if gap == "" and char in _GROUP_SEPARATORS else " "
            position += 1
    return tokens


def _letters(
    body: str, position: int, form: SmsForm, tokens: list[tuple[str, str, str]], gap: str
) -> int:
    for code in form.starts.get(body[position], ()):
        if body.startswith(code, position):
            tokens.append(("code", code, gap))
            return position + len(code)
    end = position
    while end < len(body) and "A" <= body[end] <= "Z" and body[end] not in "OIL":
        end += 1
    end = max(end, position + 1)
    word = body[position:end]
    if word == "V" and form.has_visit_marker:
        tokens.append(("visit", "", gap))
    else:
        tokens.append(("word", word, gap))
    return end


def _body(body: str, form: SmsForm, result: ParseResult) -> None:
    tokens = _tokens(body, form)
    index = 0
    seen: set[str] = set()
    while index < len(tokens):
        kind, text, _gap = tokens[index]
        numbers, index = _numbers_after(tokens, index + 1)
        if kind == "code":
            _pair(text, numbers, form, result, seen)
        elif kind == "visit":
            _visit(numbers, result)
        elif kind == "word":
            result.problems.append(Problem(UNKNOWN_CODE, code=text[:10]))
        else:
            result.problems.append(Problem(STRAY, value=_joined([(text, _gap), *numbers])[:20]))


def _numbers_after(
    tokens: list[tuple[str, str, str]], index: int
) -> tuple[list[tuple[str, str]], int]:
    numbers = []
    while index < len(tokens) and tokens[index][0] == "number":
        numbers.append((tokens[index][1], tokens[index][2]))
        index += 1
    return numbers, index


def _joined(numbers: list[tuple[str, str]]) -> str:
    return "".join((gap if i else "") + digits for i, (digits, gap) in enumerate(numbers)).strip()


def _visit(numbers: list[tuple[str, str]], result: ParseResult) -> None:
    if len(numbers) == 1 and 1 <= int(numbers[0][0]) <= MAX_VISIT and numbers[0][0][0] != "0":
        result.visit = int(numbers[0][0])
    else:
        result.problems.append(Problem(BAD_VISIT, value=_joined(numbers)[:20]))


def _pair(
    code: str,
    numbers: list[tuple[str, str]],
    form: SmsForm,
    result: ParseResult,
    seen: set[str],
) -> None:
    question = form.by_code.get(code)
    if question is None:
        result.problems.append(Problem(RETIRED_CODE, code=code))
        return
    if code in seen:
        result.problems.append(Problem(REPEATED, code=code))
        return
    seen.add(code)
    result.codes[code] = question.name
    if not numbers:
        result.problems.append(Problem(NO_ANSWER, code=code, allowed=question.allowed))
        return
    value = _READERS[question.type](question, numbers)
    if value is None:
        problem = Problem(BAD_VALUE, code, _joined(numbers)[:20], question.allowed)
        result.problems.append(problem)
    else:
        result.answers[question.name] = value


# Each reader takes the number tokens after a code: the value, or None when bad.


def _read_select_one(question: SmsQuestion, numbers: list[tuple[str, str]]) -> Any:
    if len(numbers) != 1:
        return None
    return _choice(question, numbers[0][0])


def _choice(question: SmsQuestion, digits: str) -> str | None:
    if len(digits) > 3 or digits[0] == "0":
        return None
    number = int(digits)
    return question.values[number - 1] if 1 <= number <= len(question.values) else None


def _read_select_multiple(question: SmsQuestion, numbers: list[tuple[str, str]]) -> Any:
    if question.one_digit_choices:
        picked = [digit for digits, _gap in numbers for digit in digits]
    else:
        picked = [digits for digits, _gap in numbers]
    values = [_choice(question, digits) for digits in picked]
    if any(value is None for value in values) or len(set(values)) != len(values):
        return None
    return [value for value in question.values if value in values]


def _read_integer(question: SmsQuestion, numbers: list[tuple[str, str]]) -> Any:
    return int(numbers[0][0]) if len(numbers) == 1 else None


def _read_decimal(question: SmsQuestion, numbers: list[tuple[str, str]]) -> Any:
    if len(numbers) == 1:
        return numbers[0][0]
    if len(numbers) == 2 and numbers[1][1] in (".", ","):
        return f"{numbers[0][0]}.{numbers[1][0]}"
    return None


def _read_date(question: SmsQuestion, numbers: list[tuple[str, str]]) -> Any:
    parts = [digits for digits, _gap in numbers]
    if len(parts) == 1 and len(parts[0]) == 8:
        parts = [parts[0][:4], parts[0][4:6], parts[0][6:]]
    joined = len(parts) == 3 and all(gap in "-./" and gap for _digits, gap in numbers[1:])
    if not (len(numbers) == 1 or joined) or [len(part) for part in parts] != [4, 2, 2]:
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except ValueError:
        return None


def _read_time(question: SmsQuestion, numbers: list[tuple[str, str]]) -> Any:
    if len(numbers) == 1 and len(numbers[0][0]) in (3, 4):
        hours, minutes = numbers[0][0][:-2], numbers[0][0][-2:]
    elif len(numbers) == 2 and numbers[1][1] in (":", ".") and len(numbers[0][0]) <= 2:
        hours, minutes = numbers[0][0], numbers[1][0]
    else:
        return None
    if len(minutes) != 2 or not (int(hours) < 24 and int(minutes) < 60):
        return None
    return f"{int(hours):02d}:{minutes}"


_READERS = {
    "select_one": _read_select_one,
    "select_multiple": _read_select_multiple,
    "integer": _read_integer,
    "decimal": _read_decimal,
    "date": _read_date,
    "time": _read_time,
}


# --- composing ---------------------------------------------------------------------------


def compose(
    form: SmsForm,
    answers: Mapping[str, Any],
    observer: str,
    station: str | None,
    visit: int = 1,
    comment: str | None = None,
) -> str:
    """The message that parse() reads back as these answers (engine input format).

    Answers to questions SMS cannot carry are left out; the comment question's
    answer, if given, is the comment.
    """
    words = [form.prefix, observer]
    if station:
        words.append(station)
    if visit != 1 and form.has_visit_marker:
        words.append(f"V{visit}")
    for question in form.questions:
        if question.name in answers and answers[question.name] not in (None, "", []):
            words.append(_pair_text(form, question, answers[question.name]))
    if form.comment_question and answers.get(form.comment_question):
        comment = answers[form.comment_question]
    message = " ".join(words)
    return f"{message} @{comment}" if comment else message


def _pair_text(form: SmsForm, question: SmsQuestion, value: Any) -> str:
    answer = _answer_text(question, value)
    # Glue the answer to the code unless a longer code would swallow its first digits.
    glued = question.code + answer
    swallowed = any(
        len(code) > len(question.code) and glued.startswith(code)
        for code in form.starts.get(question.code[0], ())
    )
    return f"{question.code} {answer}" if swallowed else glued


def _answer_text(question: SmsQuestion, value: Any) -> str:
    if question.type == "select_one":
        return str(question.values.index(value) + 1)
    if question.type == "select_multiple":
        numbers = [str(question.values.index(item) + 1) for item in value]
        return "".join(numbers) if question.one_digit_choices else " ".join(numbers)
    if question.type == "date":
        return str(value).replace("-", "")
    if question.type == "time":
        return str(value).replace(":", "")
    return str(value)

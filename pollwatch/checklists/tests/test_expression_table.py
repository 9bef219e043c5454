"""The shared expression table, against the server engine (the browser runs it too)."""

import datetime
import json
import math
from pathlib import Path

import pytest

from pollwatch.checklists import expressions
from pollwatch.checklists.engine import instance_for, validate_answers
from pollwatch.checklists.testing import group, make_spec, question

TABLE = json.loads((Path(__file__).parent / "expression_table.json").read_text(encoding="utf-8"))


def table_spec():
    questions = [
        question(item["name"], item["type"], group=item.get("group"), choices=item.get("choices"))
        for item in TABLE["spec"]["questions"]
    ]
    return make_spec(questions, groups=[group("g")])


SPEC = table_spec()
KNOWN_PATHS = {item["path"] for item in TABLE["spec"]["questions"]}


def as_expected_type(value, expected):
    if isinstance(expected, bool):
        return expressions.as_boolean(value)
    if isinstance(expected, int | float):
        return expressions.as_number(value)
    return expressions.as_string(value)


@pytest.mark.parametrize(
    "case", TABLE["cases"], ids=[f"{i}: {c['expression']}" for i, c in enumerate(TABLE["cases"])]
)
def test_case(case):
    # the answers are canonical: validating them must leave them unchanged
    assert validate_answers(SPEC, case["answers"]) == {
        q["name"]: case["answers"][q["name"]]
        for q in SPEC["questions"]
        if q["name"] in case["answers"]
    }
    instance = instance_for(SPEC, case["answers"], today=datetime.date(2024, 3, 1))
    result = as_expected_type(
        instance.evaluate(case["expression"], case["context"]), case["expected"]
    )
    if isinstance(case["expected"], float):
        assert math.isclose(result, case["expected"])
    else:
        assert result == case["expected"]
        assert type(result) is type(case["expected"]) or isinstance(case["expected"], int)


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["expression"] for c in TABLE["cases"]])
def test_case_is_inside_the_subset(case):
    assert (
        expressions.check_expression(case["expression"], known_paths=KNOWN_PATHS, allow_dot=True)
        == []
    )


def test_table_covers_every_function_and_operator():
    text = " ".join(case["expression"] for case in TABLE["cases"])
    for name in expressions.ALLOWED_FUNCTIONS:
        assert f"{name}(" in text, name
    for operator in (
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "+",
        "-",
        "*",
        " div ",
        " mod ",
        " and ",
        " or ",
    ):
        assert operator in text, operator
    assert len(TABLE["cases"]) >= 50

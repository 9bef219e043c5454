import datetime
import time

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pollwatch.checklists.engine import (
    AnswersInvalid,
    evaluate,
    run_checks,
    validate_and_check,
    validate_answers,
)
from pollwatch.checklists.testing import group, make_spec, question

YES_NO = ["yes", "no"]


@pytest.fixture
def spec():
    return make_spec(
        [
            question("opened", "select_one", choices=YES_NO, required=True),
            question("registered", "integer", group="counting"),
            question(
                "ballots",
                "integer",
                group="counting",
                required=True,
                constraint=". <= /data/counting/registered",
                constraint_message={
                    "en": "More ballots than voters",
                    "ru": "Бюллетеней больше, чем избирателей",
                },
            ),
            question(
                "turnout",
                "calculate",
                group="counting",
                calculation="/data/counting/ballots * 100 div /data/counting/registered",
            ),
            question("problems", "select_multiple", choices=["queue", "ink", "police"]),
            question(
                "problem_note",
                "text",
                relevant="selected(/data/problems, 'police')",
                required=True,
                required_message={
                    "en": "Describe the police presence",
                    "ru": "Опишите присутствие полиции",
                },
            ),
            question("share", "decimal"),
            question("visit_date", "date", constraint=". <= today()"),
            question("arrived", "time"),
            question("intro", "note"),
        ],
        groups=[group("counting", relevant="/data/opened = 'yes'")],
        languages=["en", "ru"],
        checks=[
            {
                "name": "ballots_under_registered",
                "expression": "/data/counting/ballots <= /data/counting/registered",
                "message": {"en": "check"},
                "row": 2,
            }
        ],
    )


def errors_of(spec, answers, **kwargs):
    with pytest.raises(AnswersInvalid) as caught:
        validate_answers(spec, answers, **kwargs)
    return {(error.field, error.code): error.message for error in caught.value.errors}


def test_canonical_answers_in_form_order(spec):
    canonical = validate_answers(
        spec,
        {
            "problems": "ink queue",
            "ballots": "120",
            "registered": 200,
            "opened": "yes",
            "share": "12.50",
            "visit_date": "2024-03-01",
            "arrived": "07:05:30",
        },
        today=datetime.date(2024, 3, 1),
    )
    assert canonical == {
        "opened": "yes",
        "registered": 200,
        "ballots": 120,
        "turnout": "60",
        "problems": ["queue", "ink"],
        "share": "12.5",
        "visit_date": "2024-03-01",
        "arrived": "07:05",
    }
    assert list(canonical) == [
        "opened",
        "registered",
        "ballots",
        "turnout",
        "problems",
        "share",
        "visit_date",
        "arrived",
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("registered", 3.5),
        ("registered", True),
        ("registered", "12a"),
        ("registered", 2**40),
        ("share", "1,5"),
        ("share", False),
        ("visit_date", "2024-02-30"),
        ("visit_date", "01/03/2024"),
        ("arrived", "25:00"),
        ("arrived", 700),
        ("problems", {"queue": True}),
        ("opened", ["yes"]),
    ],
)
def test_wrong_types_are_refused(spec, name, value):
    answers = {"opened": "yes", "ballots": 1, "registered": 5, name: value}
    assert (name, "type") in errors_of(spec, answers)


def test_choices_must_be_values_of_the_list_without_duplicates(spec):
    errors = errors_of(spec, {"opened": "maybe", "problems": ["ink", "ink"]})
    assert ("opened", "choice") in errors
    assert ("problems", "choice") in errors
    assert "maybe" in errors[("opened", "choice")]


def test_unknown_note_and_calculate_answers_are_refused(spec):
    errors = errors_of(spec, {"opened": "no", "nonsense": 1, "intro": "x", "turnout": "5"})
    assert set(errors) == {("nonsense", "unknown"), ("intro", "unknown"), ("turnout", "unknown")}
    assert "nonsense" in errors[("nonsense", "unknown")]


def test_answers_inside_a_group_that_is_not_relevant_are_refused(spec):
    errors = errors_of(spec, {"opened": "no", "registered": 100})
    assert set(errors) == {("registered", "not_relevant")}
    assert "registered" in errors[("registered", "not_relevant")]


def test_required_only_when_relevant(spec):
    assert validate_answers(spec, {"opened": "no"}) == {"opened": "no"}
    errors = errors_of(spec, {"opened": "yes", "problems": ["police"]})
    assert set(errors) == {("ballots", "required"), ("problem_note", "required")}
    assert errors[("problem_note", "required")] == "Describe the police presence"
    assert "ballots" in errors[("ballots", "required")]


def test_constraint_with_current_answer_and_another_question(spec):
    errors = errors_of(spec, {"opened": "yes", "registered": 100, "ballots": 101})
    assert errors == {("ballots", "constraint"): "More ballots than voters"}
    # an empty answer compares false: the constraint fails rather than erroring
    assert ("ballots", "constraint") in errors_of(spec, {"opened": "yes", "ballots": 5})


def test_constraint_with_today(spec):
    today = datetime.date(2024, 3, 1)
    assert validate_answers(spec, {"opened": "no", "visit_date": "2024-02-29"}, today=today)
    assert ("visit_date", "constraint") in errors_of(
        spec, {"opened": "no", "visit_date": "2024-03-02"}, today=today
    )


def test_every_error_is_reported_at_once(spec):
    errors = errors_of(
        spec,
        {
            "opened": "yes",
            "registered": "x",
            "ballots": 3.5,
            "problems": "fire",
            "share": "abc",
            "ghost": 1,
        },
    )
    assert set(errors) == {
        ("registered", "type"),
        ("ballots", "type"),
        ("problems", "choice"),
        ("share", "type"),
        ("ghost", "unknown"),
    }


def test_messages_in_the_active_language(spec):
    with translation.override("ru"):
        errors = errors_of(
            spec, {"opened": "yes", "registered": 1, "ballots": 2, "problems": ["police"]}
        )
    assert errors[("ballots", "constraint")] == "Бюллетеней больше, чем избирателей"
    assert errors[("problem_note", "required")] == "Опишите присутствие полиции"
    with translation.override("de"):  # not in the form: its default language
        errors = errors_of(spec, {"opened": "yes", "registered": 1, "ballots": 2})
    assert errors[("ballots", "constraint")] == "More ballots than voters"


def test_calculates_feed_later_expressions():
    spec = make_spec(
        [
            question("a", "integer"),
            question("b", "integer"),
            question("total", "calculate", calculation="/data/a + /data/b"),
            question("big", "text", relevant="/data/total > 10"),
        ]
    )
    assert validate_answers(spec, {"a": 6, "b": 5, "big": "yes"})["total"] == "11"
    assert ("big", "not_relevant") in errors_of(spec, {"a": 1, "b": 2, "big": "yes"})


def test_empty_values_count_as_unanswered(spec):
    assert validate_answers(
        spec, {"opened": "no", "problems": [], "share": None, "arrived": ""}
    ) == {"opened": "no"}


def test_run_checks_and_evaluate(spec):
    canonical = validate_answers(spec, {"opened": "yes", "registered": 10, "ballots": 5})
    assert run_checks(spec, canonical) == []
    failing = {"opened": "yes", "registered": 10, "ballots": 50}
    assert [check["name"] for check in run_checks(spec, failing)] == ["ballots_under_registered"]
    assert evaluate(spec, "/data/counting/ballots + 1", failing) == 51
    assert evaluate(spec, "/data/opened", failing) == "yes"
    assert evaluate(spec, ". * 2", failing, "/data/counting/registered") == 20


@pytest.mark.parametrize(
    "answers",
    [{"a": 1, "b": 2}, {"a": 5, "b": 2}, {"a": 5}, {"b": 3}, {}],
)
def test_validate_and_check_agrees_with_the_two_calls(answers):
    spec = make_spec(
        [
            question("a", "integer"),
            question("b", "integer", relevant="/data/a > 0"),
            question("total", "calculate", calculation="/data/a + /data/b", relevant="/data/b > 0"),
        ],
        checks=[
            {"name": "a_under_b", "expression": "/data/a < /data/b", "message": {}, "row": 2},
            {"name": "total_small", "expression": "/data/total < 5", "message": {}, "row": 3},
        ],
    )
    try:
        canonical = validate_answers(spec, answers)
    except AnswersInvalid:
        with pytest.raises(AnswersInvalid):
            validate_and_check(spec, answers)
        return
    assert validate_and_check(spec, answers) == (canonical, run_checks(spec, canonical))


def test_forty_questions_validate_fast():
    questions = [question("opened", "select_one", choices=YES_NO, required=True)]
    for index in range(39):
        questions.append(
            question(
                f"q{index}",
                "integer",
                required=True,
                relevant="/data/opened = 'yes'",
                constraint=f". >= 0 and . <= 1000 and . <= /data/q{index - 1} + 500"
                if index
                else ". >= 0",
            )
        )
    spec = make_spec(questions)
    answers = {"opened": "yes", **{f"q{index}": index for index in range(39)}}
    validate_answers(spec, answers)  # warm the expression cache
    started = time.perf_counter()
    for _ in range(20):
        validate_answers(spec, answers)
    per_call = (time.perf_counter() - started) / 20
    assert per_call < 0.02, per_call


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "opened",
                "registered",
                "ballots",
                "problems",
                "share",
                "visit_date",
                "arrived",
                "turnout",
                "x",
            ]
        ),
        JSON_VALUES,
    )
)
def test_any_json_gives_canonical_answers_or_answer_errors(spec, answers):
    try:
        canonical = validate_answers(spec, answers)
    except AnswersInvalid as invalid:
        assert invalid.errors
        assert all(error.field in answers or error.code == "required" for error in invalid.errors)
    else:
        assert (
            validate_answers(spec, {k: v for k, v in canonical.items() if k != "turnout"})
            == canonical
        )

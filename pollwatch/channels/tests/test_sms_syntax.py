"""The SMS parser: tolerance cases, and hypothesis properties (never raises; round trip)."""

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pollwatch.channels.sms import syntax
from pollwatch.channels.sms.syntax import compose, parse, sms_form
from pollwatch.checklists.testing import make_spec, question

MANY = [f"c{i}" for i in range(12)]


def _spec(prefix="OP"):
    spec = make_spec(
        [
            question("opened", "select_one", choices=["yes", "no", "late"], compact_tag="A"),
            question("voters", "integer", compact_tag="B"),
            question("problems", "select_multiple", choices=["x", "y", "z"], compact_tag="C"),
            question("many", "select_multiple", choices=MANY, compact_tag="D"),
            question("share", "decimal", compact_tag="E"),
            question("day", "date", compact_tag="F"),
            question("at", "time", compact_tag="G"),
            question("q1", "integer", compact_tag="H1"),
            question("q12", "select_one", choices=MANY, compact_tag="H"),
            question("note", "note", compact_tag=""),
            question("comment", "text"),
            question("remarks", "text"),
        ]
    )
    spec["prefix"] = prefix
    return spec


FORM = sms_form(_spec())
INCIDENT = sms_form(_spec(prefix="IN"), needs_station=False)
FORMS = {"OP": FORM, "IN": INCIDENT}


def test_the_example_message():
    result = parse("OP 1234 0457 A1 B420 C13 D 1 12 E3,5 F20171015 G8:05 V2 @door broken", FORMS)
    assert result.problems == []
    assert (result.prefix, result.observer, result.station, result.visit) == (
        "OP",
        "1234",
        "0457",
        2,
    )
    assert result.answers == {
        "opened": "yes",
        "voters": 420,
        "problems": ["x", "z"],
        "many": ["c0", "c11"],
        "share": "3.5",
        "day": "2017-10-15",
        "at": "08:05",
        "comment": "door broken",
    }
    assert result.comment == "door broken"


@pytest.mark.parametrize(
    "text",
    [
        "op 1234 0457 a2 b17",
        "OP1234 0457 A2B17",
        "  Op,1234;0457...A2 - B17 ",
        "OP 1234-0457 A2,B17",
        "OP l234 O457 A2 BI7",  # letters typed for digits
        "ОР 1234 0457 А2 В17",  # Cyrillic look-alikes
        "OP 1234 0457 A 2 B 17",
    ],
)
def test_tolerance(text):
    result = parse(text, FORMS)
    assert result.problems == []
    assert (result.observer, result.station) == ("1234", "0457")
    assert result.answers == {"opened": "no", "voters": 17}


def test_select_multiple_with_more_than_nine_choices_takes_numbers():
    assert parse("OP 1 2 D1 12", FORMS).answers == {"many": ["c0", "c11"]}
    assert parse("OP 1 2 D 12,3", FORMS).answers == {"many": ["c2", "c11"]}


def test_longest_code_wins_and_compose_separates_when_needed():
    assert parse("OP 1 2 H15", FORMS).answers == {"q1": 5}
    assert parse("OP 1 2 H 11", FORMS).answers == {"q12": "c10"}
    assert compose(FORM, {"q12": "c10"}, "1", "2") == "OP 1 2 H 11"


def test_date_and_time_forms():
    answers = parse("OP 1 2 F2017-10-05 G0930", FORMS).answers
    assert answers == {"day": "2017-10-05", "at": "09:30"}
    assert parse("OP 1 2 F20171305", FORMS).problems[0].kind == syntax.BAD_VALUE
    assert parse("OP 1 2 G2460", FORMS).problems[0].kind == syntax.BAD_VALUE


def test_problems_name_codes_and_what_is_allowed():
    result = parse("OP 1234 0457 A4 C14 Z3 B", FORMS)
    assert [(p.kind, p.code, p.allowed) for p in result.problems] == [
        (syntax.BAD_VALUE, "A", "1-3"),
        (syntax.BAD_VALUE, "C", "1-3"),
        (syntax.UNKNOWN_CODE, "Z", ""),
        (syntax.NO_ANSWER, "B", "integer"),
    ]
    assert parse("OP 1 2 A1 A2", FORMS).problems == [syntax.Problem(syntax.REPEATED, "A")]
    assert parse("OP 1 2 C11", FORMS).problems[0].kind == syntax.BAD_VALUE


def test_header_problems():
    assert parse("XY 1234 0457 A1", FORMS).problems[0].kind == syntax.UNKNOWN_PREFIX
    assert parse("OP", FORMS).problems[0].kind == syntax.NO_OBSERVER
    assert parse("OP 1234", FORMS).problems[0].kind == syntax.NO_STATION
    assert parse("", FORMS).problems[0].kind == syntax.EMPTY
    assert parse("x" * 1601, FORMS).problems[0].kind == syntax.TOO_LONG


def test_station_is_optional_for_incidents():
    with_station = parse("IN 1234 0457 A1", FORMS)
    without = parse("IN 1234 A1", FORMS)
    assert (with_station.station, with_station.answers) == ("0457", {"opened": "yes"})
    assert (without.station, without.answers, without.problems) == (None, {"opened": "yes"}, [])


def test_codes_of_an_older_version_are_retired_not_unknown():
    old = _spec()
    old["questions"] = [*old["questions"], question("gone", "integer", compact_tag="K")]
    form = sms_form(_spec(), older_specs=[old])
    assert parse("OP 1 2 K5 A1", {"OP": form}).problems == [
        syntax.Problem(syntax.RETIRED_CODE, "K")
    ]


def test_a_form_with_a_question_coded_v_has_no_visit_marker():
    spec = _spec()
    spec["questions"] = [question("visited", "integer", compact_tag="V")]
    form = sms_form(spec)
    result = parse("OP 1 2 V2", {"OP": form})
    assert (result.visit, result.answers) == (1, {"visited": 2})


def test_text_questions_other_than_the_comment_are_not_sms():
    assert FORM.unsendable == ("remarks",)
    assert FORM.comment_question == "comment"


# --- properties ------------------------------------------------------------------------


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_parse_never_raises(text):
    # The inner function: the outer one's safety net must never be what saves it.
    result = syntax.ParseResult()
    syntax._parse(text, FORMS, result)


@settings(max_examples=200)
@given(st.text(alphabet=string.ascii_letters + string.digits + " ,.-;:@/OIl", max_size=80))
def test_parse_never_raises_on_message_like_text(text):
    syntax._parse("OP 1234 0457 " + text, FORMS, syntax.ParseResult())
    syntax._parse("IN " + text, FORMS, syntax.ParseResult())


def _answer(question):
    if question.type == "select_one":
        return st.sampled_from(question.values)
    if question.type == "select_multiple":
        return st.sets(st.sampled_from(question.values), min_size=1).map(
            lambda chosen: [value for value in question.values if value in chosen]
        )
    if question.type == "integer":
        return st.integers(min_value=0, max_value=10**12)
    if question.type == "decimal":
        return st.from_regex(r"[0-9]{1,6}(\.[0-9]{1,4})?", fullmatch=True)
    if question.type == "date":
        return st.dates().filter(lambda day: day.year >= 1000).map(lambda day: day.isoformat())
    return st.times().map(lambda moment: moment.strftime("%H:%M"))


def answers_for(form):
    """Valid answers for any subset of the form's SMS questions, engine input format."""
    return st.fixed_dictionaries({}, optional={q.name: _answer(q) for q in form.questions})


comments = st.text(min_size=1, max_size=40).map(str.strip).filter(bool)


@settings(max_examples=300)
@given(
    answers=answers_for(FORM),
    observer=st.from_regex(r"[0-9]{3,8}", fullmatch=True),
    station=st.from_regex(r"[0-9]{1,6}", fullmatch=True),
    visit=st.integers(1, 99),
    comment=st.none() | comments,
)
def test_round_trip(answers, observer, station, visit, comment):
    if comment is not None:
        answers = {**answers, "comment": comment}
    text = compose(FORM, answers, observer, station, visit)
    result = parse(text, FORMS)
    assert result.problems == []
    assert result.answers == answers
    assert (result.observer, result.station, result.visit) == (observer, station, visit)


@settings(max_examples=100)
@given(answers=answers_for(INCIDENT), observer=st.from_regex(r"[0-9]{3,8}", fullmatch=True))
def test_round_trip_without_a_station(answers, observer):
    result = parse(compose(INCIDENT, answers, observer, None), FORMS)
    assert (result.problems, result.answers, result.station) == ([], answers, None)

import datetime
import xml.etree.ElementTree as ET

import pytest
from elementpath import ElementPathError, XPath1Parser
from hypothesis import given, settings
from hypothesis import strategies as st

from pollwatch.checklists.expressions import check_expression, evaluate

KNOWN = {"/data/age", "/data/g/votes", "/data/name"}


def problems(expression, allow_dot=True):
    return check_expression(expression, known_paths=KNOWN, allow_dot=allow_dot)


@pytest.mark.parametrize(
    "expression",
    [
        ". <= /data/age",
        "/data/g/votes + 1 div 2 > -3 mod 2",
        "selected(/data/name, 'x') or count-selected(/data/name) = 2",
        "if(coalesce(/data/age, 0) > 1, concat('a', string(1)), 'b')",
        "regex(/data/name, '^[a-z]+$') and string-length(/data/name) < int(number('7.5'))",
        "/data/age < today() and true() and not(false())",
    ],
)
def test_subset_is_accepted(expression):
    assert problems(expression) == []


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        (". <= <= 3", "malformed"),
        ("/data/age >", "malformed"),
        ("'unclosed", "malformed"),
        ("pulldata('x', 'y', 'z', 'w')", "pulldata()"),
        ("count(/data/age)", "count()"),
        ("/data/nope = 1", "/data/nope"),
        ("/data/g/votes[1] = 2", "/data/g/votes[1]"),
        ("child::data", "child::data"),
        ("//votes = 1", "//votes"),
        ("/data/age | /data/name", "|"),
        ("../age = 1", "../age"),
        ("age = 1", "age"),
        ("$x = 1", "$x"),
        ("/data/@id = 1", "@id"),
        ("-/data/age > 1", "0 - x"),
        ("-(/data/age) > 1", "0 - x"),
    ],
)
def test_outside_the_subset_is_refused_naming_the_thing(expression, fragment):
    found = problems(expression)
    assert found, expression
    assert any(fragment in problem for problem in found), found


def test_dot_only_where_allowed():
    assert problems(". > 1", allow_dot=False)
    assert problems(". > 1", allow_dot=True) == []


def test_checking_leaves_the_plain_xpath1_parser_alone():
    # the XForm functions are registered on a subclass only
    problems("selected(/data/name, 'x')")
    with pytest.raises(ElementPathError):
        XPath1Parser().parse("selected('a b', 'a')")


def test_evaluate_with_current_node_and_today():
    root = ET.fromstring("<data><age>30</age><name/><g><votes>12</votes></g></data>")  # noqa: S314 - a literal
    age = root.find("age")
    assert evaluate(". >= 18 and . < /data/g/votes * 3", root, age) is True
    assert evaluate("/data/name > 3", root) is False
    assert evaluate("today()", root, today=datetime.date(2024, 5, 6)) == "2024-05-06"
    assert evaluate("int(/data/g/votes div 5)", root) == 2


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("/data.age()<=>!'\" -+*divmodorand,0123456789$[]@|:xyz")),
        max_size=30,
    )
)
def test_checking_never_crashes(expression):
    found = problems(expression)
    assert isinstance(found, list)
    assert all(isinstance(problem, str) for problem in found)

"""Property-based tests over the report API's body: whatever arrives, never a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pollwatch.reports.testing import report_payload

API = "/api/v1/reports"
pytestmark = pytest.mark.usefixtures("observer_row")
FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

texts = st.text(max_size=12) | st.sampled_from(
    [
        "",
        "\x00",
        "a\x00b",
        "\ud800",
        "\udfff x",
        "yes",
        "no",
        "1001",
        "1",
        "voting",
        "2017-10-15",
        "08:05",
        "uuid:",
    ]
)
numbers = (
    st.integers()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats(allow_nan=False, allow_infinity=False)
)
scalars = st.none() | st.booleans() | numbers | texts
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=8,
)
question_names = st.sampled_from(
    ["opened", "voters", "ballots_found", "invalid", "votes_total", "comment", "category"]
)
answers = st.dictionaries(question_names | texts, values, max_size=6)
payload_keys = st.sampled_from(
    [
        "instance_id",
        "mission",
        "form",
        "form_version",
        "station",
        "visit",
        "observer",
        "observed_at",
        "answers",
        "replaces",
    ]
)


@pytest.fixture
def signed_in(as_user, observer, voting):
    """One session for every example of a test (signing in is not under test)."""
    return as_user(observer)


def post(client, data):
    return client.post(API, data=data, content_type="application/json")


@FUZZ
@given(
    overrides=st.dictionaries(payload_keys | texts, values, max_size=4),
    answers=answers,
    drop=st.lists(payload_keys, max_size=3),
)
def test_a_mangled_payload_never_gives_a_500(signed_in, voting, overrides, answers, drop):
    body = report_payload(voting, answers=answers)
    body.update(overrides)
    for key in drop:
        body.pop(key, None)
    response = post(signed_in, json.dumps(body))
    assert response.status_code < 500, body
    assert "detail" in response.json() or response.status_code in {200, 201}


@FUZZ
@given(answers=answers)
def test_random_answers_are_accepted_or_refused_by_name(signed_in, voting, answers):
    response = post(signed_in, json.dumps(report_payload(voting, answers=answers)))
    assert response.status_code in {200, 201, 400, 422}, answers
    if response.status_code == 422:
        errors = response.json()["errors"]
        assert errors and all(isinstance(error["field"], str) for error in errors)


@FUZZ
@given(body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_raw_bytes_never_give_a_500(signed_in, body):
    response = post(signed_in, body)
    assert 400 <= response.status_code < 500

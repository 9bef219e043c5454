"""The choices sheet's `finding` column, read into the spec (checklists/xlsform.py)."""

import pytest

from pollwatch.checklists.testing import make_xlsform
from pollwatch.checklists.xlsform import FormRejected, read_xlsform

SURVEY = [
    {"type": "select_one overall", "name": "overall", "label": "Overall"},
    {"type": "select_multiple overall", "name": "again", "label": "Again"},
]
SETTINGS = {"form_id": "opening", "form_title": "Opening"}


def _choices(**findings):
    return [
        {"list_name": "overall", "name": value, "label": value, "finding": findings.get(value, "")}
        for value in ("good", "bad", "dk", "closed")
    ]


def test_the_finding_column_is_carried_into_the_choices():
    workbook = make_xlsform(
        SURVEY,
        _choices(good="positive", bad=" Negative ", dk="no_answer", closed="not_applicable"),
        SETTINGS,
    )
    questions = read_xlsform(workbook, "opening.xlsx").spec["questions"]
    for question in questions:
        assert [(c["value"], c.get("finding")) for c in question["choices"] or []] == [
            ("good", "positive"),
            ("bad", "negative"),
            ("dk", "no_answer"),
            ("closed", "not_applicable"),
        ]


def test_a_blank_finding_leaves_no_key():
    workbook = make_xlsform(SURVEY, _choices(bad="negative"), SETTINGS)
    choices = read_xlsform(workbook, "opening.xlsx").spec["questions"][0]["choices"] or []
    assert choices[0] == {"value": "good", "label": {"en": "good"}}
    assert choices[1]["finding"] == "negative"


def test_an_unknown_finding_is_refused_once_with_its_row():
    workbook = make_xlsform(SURVEY, _choices(bad="bad"), SETTINGS)
    with pytest.raises(FormRejected) as refused:
        read_xlsform(workbook, "opening.xlsx")
    # The list serves two questions; the problem is reported once, on the choices row.
    assert [(e.sheet, e.row) for e in refused.value.errors] == [("choices", 3)]
    assert "negative, positive, no_answer, not_applicable" in refused.value.errors[0].message

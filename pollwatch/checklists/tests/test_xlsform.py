import pytest

from pollwatch.checklists.engine import AnswersInvalid, run_checks, validate_answers
from pollwatch.checklists.models import Form, FormVersion
from pollwatch.checklists.services import FormRejected, import_form
from pollwatch.checklists.testing import make_xlsform
from pollwatch.checklists.xlsform import read_xlsform

EN, RU = "label::English (en)", "label::Русский (ru)"
YES_NO = [
    {"list_name": "yes_no", "name": "yes", EN: "Yes", RU: "Да"},
    {"list_name": "yes_no", "name": "no", EN: "No", RU: "Нет"},
]
SETTINGS = {
    "form_id": "voting",
    "form_title": "Voting",
    "version": "1",
    "default_language": "English (en)",
}


def survey(*extra):
    return [
        {
            "type": "select_one yes_no",
            "name": "opened",
            EN: "Opened?",
            RU: "Открыт?",
            "required": "yes",
        },
        {
            "type": "begin_group",
            "name": "counting",
            EN: "Counting",
            RU: "Подсчёт",
            "relevant": "${opened} = 'yes'",
        },
        {
            "type": "integer",
            "name": "registered",
            EN: "Registered",
            RU: "Избиратели",
            "required": "yes",
        },
        {
            "type": "integer",
            "name": "ballots",
            EN: "Ballots",
            "constraint": ". <= ${registered}",
            "constraint_message::English (en)": "Too many",
            "constraint_message::Русский (ru)": "Слишком много",
        },
        {"type": "calculate", "name": "spare", "calculation": "${registered} - ${ballots}"},
        {"type": "end_group"},
        *extra,
    ]


def rejected(survey_rows, choices=YES_NO, settings=SETTINGS, checks=None):
    with pytest.raises(FormRejected) as caught:
        read_xlsform(make_xlsform(survey_rows, choices, settings, checks), "form.xlsx")
    return caught.value.errors


def test_spec_from_a_multilingual_form_with_groups():
    parsed = read_xlsform(
        make_xlsform(survey(), YES_NO, {**SETTINGS, "prefix": "VT", "kind": "voting"}), "v.xlsx"
    )
    spec = parsed.spec
    assert (parsed.form_id, parsed.title, parsed.version, parsed.prefix, parsed.kind) == (
        "voting",
        "Voting",
        "1",
        "VT",
        "voting",
    )
    assert spec["languages"] == ["en", "ru"] and spec["default_language"] == "en"
    questions = {q["name"]: q for q in spec["questions"]}
    assert list(questions) == ["opened", "registered", "ballots", "spare"]
    assert questions["opened"]["label"] == {"en": "Opened?", "ru": "Открыт?"}
    assert (questions["opened"]["choices"] or [])[0] == {
        "value": "yes",
        "label": {"en": "Yes", "ru": "Да"},
    }
    assert questions["ballots"]["path"] == "/data/counting/ballots"
    assert questions["ballots"]["constraint"] == ". <= /data/counting/registered"
    assert questions["ballots"]["constraint_message"] == {"en": "Too many", "ru": "Слишком много"}
    assert questions["spare"]["calculation"] == "/data/counting/registered - /data/counting/ballots"
    assert questions["ballots"]["row"] == 5
    assert spec["groups"] == [
        {
            "name": "counting",
            "path": "/data/counting",
            "label": {"en": "Counting", "ru": "Подсчёт"},
            "relevant": "/data/opened = 'yes'",
            "parent": None,
            "row": 3,
        }
    ]
    assert [q["compact_tag"] for q in spec["questions"]] == ["A", "B", "C", ""]
    assert "<h:html" in parsed.xform and "/data/counting/ballots" in parsed.xform


def test_the_parsed_spec_drives_the_engine():
    spec = read_xlsform(make_xlsform(survey(), YES_NO, SETTINGS), "v.xlsx").spec
    assert validate_answers(spec, {"opened": "yes", "registered": 10, "ballots": 8})["spare"] == "2"
    with pytest.raises(AnswersInvalid) as caught:
        validate_answers(spec, {"opened": "no", "registered": 10})
    assert [(e.field, e.code) for e in caught.value.errors] == [("registered", "not_relevant")]


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ({"type": "geopoint", "name": "where", EN: "Where"}, "geopoint"),
        ({"type": "image", "name": "photo", EN: "Photo"}, "image"),
        ({"type": "integer", "name": "bad", EN: "Bad", "constraint": ". <= <= 3"}, "malformed"),
        (
            {"type": "integer", "name": "bad", EN: "Bad", "relevant": "count(${registered}) > 1"},
            "count()",
        ),
        ({"type": "integer", "name": "bad", EN: "Bad", "relevant": ". > 1"}, "'.'"),
        (
            {"type": "integer", "name": "bad", EN: "Bad", "required": "${opened} = 'yes'"},
            "required",
        ),
    ],
)
def test_unsupported_features_are_refused_with_the_row(row, fragment):
    errors = rejected(survey(row))
    assert any(e.row == 8 and e.sheet == "survey" and fragment in e.message for e in errors), errors


def test_repeats_are_refused_with_the_row():
    rows = survey(
        {"type": "begin_repeat", "name": "visits", EN: "Visits"},
        {"type": "text", "name": "who", EN: "Who"},
        {"type": "end_repeat"},
    )
    errors = rejected(rows)
    assert any(e.row == 8 and "repeat" in e.message for e in errors), errors


def test_pyxform_errors_keep_their_row():
    errors = rejected(survey({"type": "text", "name": "opened", EN: "Twice"}))
    assert errors[0].row == 8
    errors = rejected(survey({"type": "integer", "name": "x", EN: "x", "relevant": "${nope} > 1"}))
    assert errors[0].row == 8 and "nope" in errors[0].message
    errors = rejected(survey({"type": "geopointx", "name": "x", EN: "x"}))
    assert errors[0].row == 8 and "geopointx" in errors[0].message


def test_choice_values_with_spaces_are_refused_with_their_row():
    choices = [*YES_NO, {"list_name": "yes_no", "name": "not sure", EN: "Not sure"}]
    errors = rejected(survey(), choices=choices)
    assert [(e.sheet, e.row) for e in errors] == [("choices", 4)]


def test_languages_need_a_code():
    errors = rejected(
        [{"type": "text", "name": "a", "label::English": "A"}], settings={"form_id": "f"}
    )
    assert "English (en)" in errors[0].message


def test_checks_sheet():
    checks = [
        {
            "name": "fits",
            "expression": "${ballots} <= ${registered}",
            "message::English (en)": "Too many ballots",
        },
    ]
    spec = read_xlsform(make_xlsform(survey(), YES_NO, SETTINGS, checks), "v.xlsx").spec
    assert spec["checks"] == [
        {
            "name": "fits",
            "expression": "/data/counting/ballots <= /data/counting/registered",
            "message": {"en": "Too many ballots"},
            "row": 2,
        }
    ]
    assert [
        c["name"] for c in run_checks(spec, {"opened": "yes", "registered": 1, "ballots": 3})
    ] == ["fits"]
    errors = rejected(survey(), checks=[*checks, {"name": "bad", "expression": "${ghost} > 1"}])
    assert [(e.sheet, e.row) for e in errors] == [("checks", 3)]


def test_compact_tags_from_the_sheet_must_be_unique_and_readable():
    rows = survey({"type": "text", "name": "note_a", EN: "a", "compact_tag": "B"})
    spec = read_xlsform(make_xlsform(rows, YES_NO, SETTINGS), "v.xlsx").spec
    tags = [q["compact_tag"] for q in spec["questions"] if q["compact_tag"]]
    assert tags == ["A", "C", "D", "B"]
    assert (
        rejected(survey({"type": "text", "name": "x", EN: "x", "compact_tag": "OL1"}))[0].row == 8
    )


def test_only_xlsx_is_read():
    with pytest.raises(FormRejected):
        read_xlsform(b"a,b", "form.csv")
    with pytest.raises(FormRejected):
        read_xlsform(b"not a workbook", "form.xlsx")


# --- versioning ---------------------------------------------------------------------------------


def test_first_upload_creates_the_form_and_needs_a_kind(mission, coordinator):
    data = make_xlsform(survey(), YES_NO, SETTINGS)
    with pytest.raises(FormRejected) as caught:
        import_form(mission, data, "v.xlsx")
    assert "kind" in caught.value.errors[0].message
    assert not Form.objects.exists()
    result = import_form(mission, data, "v.xlsx", kind="voting", uploaded_by=coordinator)
    assert result.outcome == "new_form"
    form = Form.objects.get()
    assert (form.code, form.kind, form.current_version) == ("voting", "voting", result.version)
    assert (result.version.number, result.version.version, result.version.uploaded_by) == (
        1,
        "1",
        coordinator,
    )
    assert bytes(result.version.source) == data


def test_unchanged_upload_makes_no_version(mission):
    data = make_xlsform(survey(), YES_NO, {**SETTINGS, "kind": "voting"})
    first = import_form(mission, data, "v.xlsx")
    again = import_form(mission, data, "v.xlsx")
    assert again.outcome == "unchanged" and again.version == first.version
    assert "unchanged" in again.message
    assert FormVersion.objects.count() == 1


def test_changed_upload_makes_a_new_version(mission):
    import_form(mission, make_xlsform(survey(), YES_NO, {**SETTINGS, "kind": "voting"}), "v.xlsx")
    extra = {"type": "text", "name": "remarks", EN: "Remarks"}
    result = import_form(
        mission, make_xlsform(survey(extra), YES_NO, {**SETTINGS, "version": "2"}), "v2.xlsx"
    )
    assert result.outcome == "new_version"
    assert (result.version.number, result.version.version) == (2, "2")
    form = Form.objects.get()
    assert form.current_version == result.version and form.kind == "voting"
    assert list(form.versions.values_list("version", flat=True)) == ["2", "1"]


def test_changed_upload_with_the_same_version_string_is_refused(mission):
    import_form(mission, make_xlsform(survey(), YES_NO, {**SETTINGS, "kind": "voting"}), "v.xlsx")
    extra = {"type": "text", "name": "remarks", EN: "Remarks"}
    with pytest.raises(FormRejected) as caught:
        import_form(mission, make_xlsform(survey(extra), YES_NO, SETTINGS), "v.xlsx")
    assert "raise the version" in caught.value.errors[0].message
    assert FormVersion.objects.count() == 1


def test_without_a_version_string_the_number_is_the_version(mission):
    settings = {"form_id": "inc", "kind": "incident"}
    first = import_form(mission, make_xlsform(survey(), YES_NO, settings), "i.xlsx")
    extra = {"type": "text", "name": "remarks", EN: "Remarks"}
    second = import_form(mission, make_xlsform(survey(extra), YES_NO, settings), "i.xlsx")
    assert (first.version.version, second.version.version) == ("1", "2")
    assert second.version.spec["version"] == "2"

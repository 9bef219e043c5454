import pytest
from django.core.management import CommandError, call_command

from pollwatch.checklists.models import Form
from pollwatch.checklists.testing import make_xlsform

SURVEY = [
    {"type": "integer", "name": "voters", "label::English (en)": "Voters", "constraint": ". >= 0"}
]


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_form", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_the_outcome(tmp_path, mission):
    path = tmp_path / "counting.xlsx"
    path.write_bytes(make_xlsform(SURVEY, settings={"form_id": "counting", "version": "7"}))
    out, _ = run(str(path), "--mission", mission.code, "--kind", "counting")
    assert "created" in out and "7" in out
    out, _ = run(str(path), "--mission", mission.code)
    assert "unchanged" in out
    assert Form.objects.get().kind == "counting"


def test_problems_are_printed_as_a_table_and_fail(tmp_path, mission):
    path = tmp_path / "bad.xlsx"
    bad = [
        *SURVEY,
        {"type": "integer", "name": "x", "label::English (en)": "x", "constraint": ". <= <= 3"},
    ]
    path.write_bytes(make_xlsform(bad, settings={"form_id": "bad", "kind": "voting"}))
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError, match="not imported"):
        call_command("import_form", str(path), "--mission", mission.code, stderr=err)
    assert "malformed" in err.getvalue() and "3" in err.getvalue()
    assert not Form.objects.exists()


def test_unknown_mission(tmp_path, db):
    path = tmp_path / "f.xlsx"
    path.write_bytes(make_xlsform(SURVEY, settings={"form_id": "f"}))
    with pytest.raises(CommandError, match="no mission"):
        run(str(path), "--mission", "nope")

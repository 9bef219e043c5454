"""The cached lookup of a form version by its codes, as submitting a report uses it."""

import pytest
from django.http import Http404

from pollwatch.checklists import access
from pollwatch.checklists.models import Form
from pollwatch.reports.testing import make_form, question

pytestmark = pytest.mark.django_db


def names(spec) -> list[str]:
    return [q["name"] for q in spec["questions"]]


def test_a_version_is_found_by_its_codes_with_its_form_and_spec(mission):
    made = make_form(mission, "voting", question("queue", "integer"), version="2017.1")
    found = access.get_version_by_codes(mission, "voting", "2017.1")
    assert found == made and found.form == made.form and found.form.kind == "voting"
    assert names(found.spec) == ["queue"]


def test_the_spec_is_read_once_per_process(mission, django_assert_num_queries):
    make_form(mission, "voting", question("queue", "integer"))
    access.get_version_by_codes(mission, "voting", "1")
    with django_assert_num_queries(1):
        again = access.get_version_by_codes(mission, "voting", "1")
    assert names(again.spec) == ["queue"]


def test_a_form_made_again_under_the_same_codes_is_not_served_from_the_cache(mission):
    make_form(mission, "voting", question("queue", "integer"))
    assert names(access.get_version_by_codes(mission, "voting", "1").spec) == ["queue"]
    Form.objects.filter(mission=mission, code="voting").delete()
    make_form(mission, "voting", question("opened", "integer"))
    assert names(access.get_version_by_codes(mission, "voting", "1").spec) == ["opened"]


def test_unknown_codes_and_other_missions_are_not_found(mission, other_mission):
    make_form(other_mission, "voting", question("queue", "integer"))
    make_form(mission, "voting", question("queue", "integer"))
    for form_code, version in [("voting", "2"), ("counting", "1")]:
        with pytest.raises(Http404):
            access.get_version_by_codes(mission, form_code, version)
    assert access.get_version_by_codes(other_mission, "voting", "1").form.mission == other_mission

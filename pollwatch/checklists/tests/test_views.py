from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pollwatch.checklists.models import Form
from pollwatch.checklists.services import import_form
from pollwatch.checklists.testing import make_xlsform

SURVEY = [
    {
        "type": "select_one yes_no",
        "name": "opened",
        "label::English (en)": "Opened?",
        "required": "yes",
    },
    {
        "type": "integer",
        "name": "voters",
        "label::English (en)": "Voters",
        "relevant": "${opened} = 'yes'",
        "constraint": ". >= 0",
    },
]
CHOICES = [
    {"list_name": "yes_no", "name": "yes", "label::English (en)": "Yes"},
    {"list_name": "yes_no", "name": "no", "label::English (en)": "No"},
]
SETTINGS = {
    "form_id": "opening",
    "form_title": "Opening",
    "version": "3",
    "default_language": "English (en)",
}


def upload(client, mission, data, kind="opening"):
    url = reverse("checklists:upload", args=[mission.code])
    return client.post(url, {"file": SimpleUploadedFile("opening.xlsx", data), "kind": kind})


def test_coordinator_uploads_a_form_and_sees_its_questions(as_user, coordinator, mission):
    client = as_user(coordinator)
    response = upload(client, mission, make_xlsform(SURVEY, CHOICES, SETTINGS))
    assert response.status_code == 302
    assert response.url == reverse("checklists:version", args=[mission.code, "opening", "3"])
    page = client.get(response.url)
    assert b"created" in page.content
    assert b"/data/opened = &#x27;yes&#x27;" in page.content and b"Voters" in page.content
    listing = client.get(reverse("checklists:list", args=[mission.code]))
    assert b"Opening" in listing.content and b"opening" in listing.content
    again = upload(client, mission, make_xlsform(SURVEY, CHOICES, SETTINGS))
    assert b"unchanged" in client.get(again.url).content
    assert Form.objects.get().versions.count() == 1


def test_rejected_upload_lists_sheet_row_and_problem(as_user, coordinator, mission):
    bad = [*SURVEY, {"type": "geopoint", "name": "where", "label::English (en)": "Where"}]
    response = upload(as_user(coordinator), mission, make_xlsform(bad, CHOICES, SETTINGS))
    assert response.status_code == 422
    assert response.context["problems"][0].row == 4
    assert b"geopoint" in response.content
    assert not Form.objects.exists()


def test_observer_may_read_but_not_upload(as_user, observer, mission):
    import_form(mission, make_xlsform(SURVEY, CHOICES, SETTINGS), "o.xlsx", kind="opening")
    client = as_user(observer)
    assert upload(client, mission, make_xlsform(SURVEY, CHOICES, SETTINGS)).status_code == 403
    assert client.get(reverse("checklists:upload", args=[mission.code])).status_code == 403
    assert client.get(reverse("checklists:form", args=[mission.code, "opening"])).status_code == 200


def test_other_mission_gets_404(as_user, other_coordinator, mission):
    import_form(mission, make_xlsform(SURVEY, CHOICES, SETTINGS), "o.xlsx", kind="opening")
    client = as_user(other_coordinator)
    assert client.get(reverse("checklists:list", args=[mission.code])).status_code == 404
    assert client.get(reverse("checklists:form", args=[mission.code, "opening"])).status_code == 404
    assert upload(client, mission, make_xlsform(SURVEY, CHOICES, SETTINGS)).status_code == 404


def test_other_missions_forms_are_not_reachable_by_code(
    as_user, other_coordinator, other_mission, mission
):
    import_form(mission, make_xlsform(SURVEY, CHOICES, SETTINGS), "o.xlsx", kind="opening")
    client = as_user(other_coordinator)
    assert (
        client.get(reverse("checklists:form", args=[other_mission.code, "opening"])).status_code
        == 404
    )
    assert (
        client.get(reverse("checklists:version", args=[mission.code, "opening", "3"])).status_code
        == 404
    )

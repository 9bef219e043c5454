"""The admin covers every model and opens for platform operators only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

OWN_APPS = {"accounts", "elections", "missions", "checklists", "reports"}


def own_models():
    return [m for m in apps.get_models() if m._meta.app_label in OWN_APPS]


def test_every_model_is_registered():
    missing = [m.__name__ for m in own_models() if m not in admin.site._registry]
    assert missing == []


@pytest.mark.django_db
def test_operator_opens_every_changelist_and_add_page(operator, as_user, rf):
    client = as_user(operator)
    request = rf.get("/")
    request.user = operator
    for model in own_models():
        opts = model._meta
        # Records kept as received (report versions, submissions) have no add page.
        can_add = admin.site._registry[model].has_add_permission(request)
        for view, expected in (("changelist", 200), ("add", 200 if can_add else 403)):
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}")
            assert client.get(url).status_code == expected, url


@pytest.mark.django_db
def test_staff_who_are_not_operators_are_kept_out(coordinator, as_user):
    coordinator.is_staff = True
    coordinator.save()
    response = as_user(coordinator).get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

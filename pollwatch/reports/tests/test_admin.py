"""The reports admin: every model listed for operators; raw reports never edited there."""

import pytest
from django.contrib import admin
from django.urls import reverse

from pollwatch.reports.models import Flag, Report, ReportVersion, ReviewDecision, Submission
from pollwatch.reports.services import decide_report, submit_report
from pollwatch.reports.testing import report_payload

MODELS = [Report, ReportVersion, Submission, Flag, ReviewDecision]


def url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def test_every_model_is_registered():
    assert [m.__name__ for m in MODELS if m not in admin.site._registry] == []


@pytest.mark.usefixtures("observer_row")
def test_an_operator_views_every_row_and_adds_none(
    as_user, operator, observer, coordinator, voting
):
    report = submit_report(
        user=observer, payload=report_payload(voting, answers={"opened": "yes"}), channel="api"
    ).report
    decide_report(report, status="verified", note="ok", user=coordinator)
    Flag.objects.create(report=report, kind=Flag.Kind.CONFLICT, message="test")
    client = as_user(operator)
    for model in MODELS:
        assert client.get(url(model, "changelist")).status_code == 200, model
        row = model._default_manager.get()
        assert client.get(url(model, "change", row.pk)).status_code == 200, model
    for model in [Report, ReportVersion, Submission, ReviewDecision]:
        assert client.get(url(model, "add")).status_code == 403, model
    # A version stays as received: the form posts nothing that changes it.
    version = ReportVersion.objects.get()
    client.post(url(ReportVersion, "change", version.pk), {"answers": "{}"})
    version.refresh_from_db()
    assert version.answers == {"opened": "yes"}

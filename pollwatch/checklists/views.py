"""Forms pages: the list, a version's questions, and the XLSForm upload."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from pollwatch.checklists import access as form_access
from pollwatch.checklists import services
from pollwatch.checklists.models import Form
from pollwatch.checklists.spec import label_in
from pollwatch.missions import access

MAX_UPLOAD = 5 * 1024 * 1024


class XLSFormUploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm workbook (.xlsx)"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("From the settings sheet (or the form's current kind)")),
            *Form.Kind.choices,
        ],
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


@login_required
def form_list(request: HttpRequest, mission_code: str) -> HttpResponse:
    membership = access.get_membership(request.user, mission_code)
    forms_ = form_access.forms_for_membership(membership)
    return TemplateResponse(
        request,
        "checklists/form_list.html",
        access.member_context(membership, "forms", forms=forms_),
    )


@login_required
def form_version(
    request: HttpRequest, mission_code: str, form_code: str, version: str | None = None
) -> HttpResponse:
    """A version's questions, for reviewers: types, labels, relevance, constraints."""
    membership = access.get_membership(request.user, mission_code)
    form = form_access.get_form(membership, form_code)
    if version is None and form.current_version is None:
        return redirect("checklists:list", mission_code)
    shown = form.current_version if version is None else form_access.get_form_version(form, version)
    assert shown is not None  # noqa: S101 - checked above
    context = access.member_context(
        membership,
        "forms",
        form=form,
        shown=shown,
        versions=form_access.versions_of(form),
        rows=_question_rows(shown.spec),
    )
    return TemplateResponse(request, "checklists/form_version.html", context)


def _question_rows(spec: dict) -> list[dict]:
    language = (get_language() or "").split("-")[0]
    default = spec["default_language"]
    rows = []
    for question in spec["questions"]:
        choices = question["choices"] or []
        rows.append(
            {
                **question,
                "label_text": label_in(question["label"], language, default),
                "choices_text": ", ".join(
                    f"{choice['value']} ({label_in(choice['label'], language, default)})"
                    for choice in choices
                ),
                "constraint_message_text": label_in(
                    question["constraint_message"], language, default
                ),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Coordinators upload an XLSForm: a new form, a new version, or nothing new."""
    membership = access.get_membership(request.user, mission_code)
    access.require_role(membership, access.MANAGE_ROLES)
    upload_form = XLSFormUploadForm(request.POST or None, request.FILES or None)
    context = access.member_context(membership, "forms", form=upload_form, problems=None)
    if request.method == "POST" and upload_form.is_valid():
        file = upload_form.cleaned_data["file"]
        try:
            result = services.import_form(
                membership.mission,
                file.read(),
                file.name,
                kind=upload_form.cleaned_data["kind"] or None,
                uploaded_by=membership.user,
            )
        except services.FormRejected as rejected:
            context["problems"] = rejected.errors
            return TemplateResponse(request, "checklists/upload.html", context, status=422)
        (messages.info if result.outcome == "unchanged" else messages.success)(
            request, result.message
        )
        return redirect(
            "checklists:version", mission_code, result.form.code, result.version.version
        )
    return TemplateResponse(request, "checklists/upload.html", context)

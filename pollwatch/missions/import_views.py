"""Roster upload, and the printable sign-in cards that observers log in with."""

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from pollwatch.elections.import_views import CsvUploadForm, error_context
from pollwatch.lib.csvio import ImportRejected
from pollwatch.missions import access, imports
from pollwatch.missions.models import Membership

OBSERVERS_SAMPLE = """name,code,nationality,role,phone,seconded_by,languages,accreditation_number,accreditation_status,accredited_from,accredited_until,team
Aigerim Nurlanovna,1042,KZ,short_term,+7 701 555-12-34,Central Election Commission of Kazakhstan,"kk,ru",ACC-0042,issued,2017-10-10,2017-10-20,T01
Jane Doe,1043,GB,long_term,+44 7700 900123,,en,,pending,,,
"""


class ObserverUploadForm(CsvUploadForm):
    create_logins = forms.BooleanField(
        label=gettext_lazy(
            "Create sign-in links (a printable card with a QR code for each observer)"
        ),
        required=False,
    )


def qr_svg(url: str) -> SafeString:
    """An inline SVG QR code; segno writes the markup itself, with nothing from the user
    but the URL's characters, which it encodes as modules, not text."""
    svg = segno.make(url, error="m").svg_inline(scale=4, omitsize=True)
    return mark_safe(svg)  # noqa: S308


def render_cards(
    request: HttpRequest, membership: Membership, cards: list[imports.SigninCard]
) -> HttpResponse:
    rendered = []
    for card in cards:
        url = request.build_absolute_uri(reverse("accounts:signin_link", args=[card.token]))
        rendered.append({"observer": card.observer, "url": url, "qr_svg": qr_svg(url)})
    response = TemplateResponse(
        request,
        "missions/signin_cards.html",
        access.member_context(membership, "roster", cards=rendered),
    )
    # The page carries live links: keep it out of every cache and the history.
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def import_observers(request: HttpRequest, mission_code: str) -> HttpResponse:
    """Coordinators upload the roster; with logins, the cards are printed right away."""
    membership = access.get_membership(request.user, mission_code)
    access.require_role(membership, access.MANAGE_ROLES)
    mission = membership.mission
    form = ObserverUploadForm(request.POST or None, request.FILES or None)
    context = access.member_context(
        membership,
        "roster",
        form=form,
        required_columns=imports.OBSERVER_COLUMNS,
        optional_columns=imports.OBSERVER_OPTIONAL,
        sample=OBSERVERS_SAMPLE,
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = imports.import_observers(
                mission,
                form.cleaned_data["file"],
                create_logins=form.cleaned_data["create_logins"],
                created_by=membership.user,
            )
        except ImportRejected as rejected:
            context.update(error_context(rejected))
            return TemplateResponse(request, "missions/import_observers.html", context)
        messages.success(
            request,
            _("%(created)d observers imported; %(teams)d teams created.")
            % {"created": result.created, "teams": result.teams_created},
        )
        if result.logins:
            return render_cards(request, membership, result.logins)
        return redirect("missions:roster", mission.code)
    return TemplateResponse(request, "missions/import_observers.html", context)


@never_cache
@login_required
@require_POST
def reset_signin_link(request: HttpRequest, mission_code: str, observer_uuid: str) -> HttpResponse:
    """A new card for one observer; the link on the old card stops working."""
    membership = access.get_membership(request.user, mission_code)
    access.require_role(membership, access.MANAGE_ROLES)
    observer = access.get_observer(membership, observer_uuid)
    card = imports.reset_observer_login(observer, created_by=membership.user)
    return render_cards(request, membership, [card])

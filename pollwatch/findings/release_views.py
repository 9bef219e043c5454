"""Released findings: what every member of the mission may read, and the release action.

Members outside the core team never see live figures: these pages render only a
release's frozen snapshot (findings/releases.py). The release action is for
coordinators, behind a confirmation page and a POST.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from pollwatch.findings import releases
from pollwatch.findings.models import Release
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import Membership

SECTION = "released"
FINDINGS = Release.Kind.FINDINGS


class ReleaseForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("e.g. Preliminary statement, election day"),
    )


def _context(membership: Membership, **extra):
    return mission_access.member_context(
        membership,
        SECTION,
        can_release=membership.role in releases.RELEASE_ROLES,
        **extra,
    )


@login_required
@require_GET
def index(request: HttpRequest, mission_code: str) -> HttpResponse:
    """The latest release of findings, and the list of every release."""
    membership = mission_access.get_membership(request.user, mission_code)
    everything = list(releases.releases_for_membership(membership, FINDINGS))
    latest = everything[0] if everything else None
    context = _context(membership, release=latest, releases=everything, is_latest=True)
    return TemplateResponse(request, "findings/release_index.html", context)


@login_required
@require_GET
def release_detail(request: HttpRequest, mission_code: str, release_uuid: str) -> HttpResponse:
    membership = mission_access.get_membership(request.user, mission_code)
    release = releases.get_release(membership, FINDINGS, release_uuid)
    latest = releases.latest_release(membership, FINDINGS)
    is_latest = latest is not None and latest.pk == release.pk
    context = _context(membership, release=release, is_latest=is_latest)
    return TemplateResponse(request, "findings/release_detail.html", context)


@login_required
@require_GET
def release_statement(request: HttpRequest, mission_code: str, release_uuid: str) -> HttpResponse:
    """A release's tables on a printable page."""
    membership = mission_access.get_membership(request.user, mission_code)
    release = releases.get_release(membership, FINDINGS, release_uuid)
    context = _context(membership, release=release, snapshot=release.snapshot)
    return TemplateResponse(request, "findings/statement.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, mission_code: str) -> HttpResponse:
    """GET: what would be released, and a confirmation; POST: release it (coordinators)."""
    membership = mission_access.get_membership(request.user, mission_code)
    releases.require_release_role(membership)
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        snapshot = releases.findings_snapshot(membership)
        release = releases.do_release(membership, FINDINGS, snapshot, form.cleaned_data["title"])
        messages.success(request, _("The findings are released to every member of the mission."))
        url = reverse("findings_releases:release", args=[membership.mission.code, release.uuid])
        return HttpResponseRedirect(url)
    context = _context(
        membership,
        form=form,
        snapshot=releases.findings_snapshot(membership),
        latest=releases.latest_release(membership, FINDINGS),
    )
    return TemplateResponse(request, "findings/release_confirm.html", context)

"""Forms reached through the mission choke point (missions/access.py)."""

from django.db.models import Count, QuerySet
from django.http import Http404

from pollwatch.checklists.models import Form, FormVersion
from pollwatch.missions.models import Membership


def forms_for_membership(membership: Membership) -> QuerySet[Form]:
    """The forms of the member's mission, with their current version and version count."""
    return (
        Form.objects.filter(mission=membership.mission)
        .select_related("current_version")
        .annotate(version_count=Count("versions"))
    )


def get_form(membership: Membership, code: str) -> Form:
    """One form of the member's mission; Http404 for any other code."""
    form = forms_for_membership(membership).filter(code=code).first()
    if form is None:
        raise Http404
    return form


def versions_of(form: Form) -> QuerySet[FormVersion]:
    return form.versions.select_related("uploaded_by").order_by("-number")


def get_form_version(form: Form, version: str) -> FormVersion:
    """A version of a form already reached through get_form, by its version string."""
    found = form.versions.filter(version=version).first()
    if found is None:
        raise Http404
    return found

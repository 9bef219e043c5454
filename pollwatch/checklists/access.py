"""Forms reached through the mission choke point (missions/access.py)."""

import threading
import uuid
from collections import OrderedDict
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from pollwatch.checklists.models import Form, FormVersion
from pollwatch.missions.models import Membership, Mission

# Decoded specs by FormVersion uuid, the most recently used last (see cached_spec).
SPEC_CACHE_SIZE = 64
_specs: OrderedDict[uuid.UUID, dict[str, Any]] = OrderedDict()
_specs_lock = threading.Lock()


def forms_for_membership(membership: Membership) -> QuerySet[Form]:
    """The forms of the member's mission, with their current version and version count."""
    return (
        Form.objects.filter(mission=membership.mission)
        .select_related("current_version")
        .annotate(version_count=Count("versions"))
    )


def get_form(membership: Membership, code: str) -> Form:
    """One form of the member's mission; Http404 for any other code."""
    return get_object_or_404(forms_for_membership(membership), code=code)


def versions_of(form: Form) -> QuerySet[FormVersion]:
    return form.versions.select_related("uploaded_by").order_by("-number")


def get_form_version(form: Form, version: str) -> FormVersion:
    """A version of a form already reached through get_form, by its version string."""
    return get_object_or_404(form.versions, version=version)


def get_version_by_codes(mission: Mission, form_code: str, version: str) -> FormVersion:
    """A version of one of the mission's forms, with its form, in one query; Http404 if none.

    The spec is set from the process's cache (see cached_spec); the XForm and the
    source file, which submitting a report never reads, stay in the database.
    """
    try:
        found = (
            FormVersion.objects.filter(form__mission=mission, form__code=form_code, version=version)
            .select_related("form")
            .defer("spec", "xform", "source")
            .order_by()  # the default ordering would join the form's mission to sort one row
            .get()
        )
    except FormVersion.DoesNotExist:
        raise Http404 from None
    found.spec = cached_spec(found)
    return found


def cached_spec(form_version: FormVersion) -> dict[str, Any]:
    """The version's spec, decoded once per process; callers must not change it.

    Safe without invalidation because a FormVersion is frozen once made (a new upload
    is a new row): the key is the row's uuid, which no other row ever gets, so a form
    deleted and made again under the same code and version string gets a new key and
    never reads an old spec. Bounded, the least recently used dropped first.
    """
    key = form_version.uuid
    with _specs_lock:
        spec = _specs.get(key)
        if spec is not None:
            _specs.move_to_end(key)
            return spec
    if "spec" in form_version.get_deferred_fields():
        spec = FormVersion.objects.filter(pk=form_version.pk).values_list("spec", flat=True).get()
    else:
        spec = form_version.spec
    with _specs_lock:
        _specs[key] = spec
        while len(_specs) > SPEC_CACHE_SIZE:
            _specs.popitem(last=False)
    return spec

"""The embargo: live figures for the core team, frozen releases for everybody else.

Findings (and the quick count) are computed from the reports on every request and
only the core team sees them live. A coordinator's release freezes a snapshot, a
plain JSON dict, into a Release row; the mission's other members read the latest
release, rendered with the same templates from the dict alone, so later reports
never change what was published.

The quick-count pages use the same three functions with kind "quick_count" and
their own snapshot dict.
"""

import json
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from pollwatch.checklists import access as checklist_access
from pollwatch.checklists.models import Form
from pollwatch.findings import access, coverage
from pollwatch.findings.models import Release
from pollwatch.findings.questions import form_findings
from pollwatch.missions import access as mission_access
from pollwatch.missions.models import Membership, Mission, Role

# Who may publish: a release speaks for the mission.
RELEASE_ROLES = frozenset({Role.COORDINATOR})
SNAPSHOT_VERSION = 1
# How many single-area levels the coverage headline looks through for a breakdown.
MAX_SINGLE_LEVELS = 3


# --- access -----------------------------------------------------------------------------


def releases_for_membership(membership: Membership, kind: str) -> QuerySet[Release]:
    """The mission's releases of that kind, newest first.

    Every member of the mission may read them: publishing them is their purpose.
    """
    return (
        Release.objects.filter(mission=membership.mission, kind=kind)
        .select_related("released_by")
        .order_by("-released_at", "-pk")
    )


def latest_release(membership: Membership, kind: str) -> Release | None:
    """The release members see now, or None before the first one."""
    return releases_for_membership(membership, kind).first()


def get_release(membership: Membership, kind: str, release_uuid: str) -> Release:
    """One release of the member's mission by its uuid; Http404 for any other."""
    key = _uuid_or_404(release_uuid)
    return get_object_or_404(releases_for_membership(membership, kind), uuid=key)


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def require_release_role(membership: Membership) -> None:
    mission_access.require_role(membership, RELEASE_ROLES)


# --- services ---------------------------------------------------------------------------


def do_release(
    membership: Membership, kind: str, snapshot: dict[str, Any], title: str = ""
) -> Release:
    """Publish a snapshot to the mission's members; coordinators only.

    The snapshot is stored as a copy through JSON, so it must be plain data (numbers,
    strings, lists, dicts): anything else (a model, a lazy translation, a Decimal)
    raises TypeError and nothing is stored. ValidationError for an unknown kind.
    """
    require_release_role(membership)
    if kind not in Release.Kind.values:
        raise ValidationError(_("Unknown kind of release."), code="kind")
    frozen = json.loads(json.dumps(snapshot))
    with transaction.atomic():
        return Release.objects.create(
            mission=membership.mission,
            kind=kind,
            title=title.strip()[:200],
            snapshot=frozen,
            released_by=membership.user,
        )


# --- the findings snapshot --------------------------------------------------------------


def findings_forms(membership: Membership) -> QuerySet[Form]:
    """The forms whose findings are published: every form, in the findings index's order."""
    forms = checklist_access.forms_for_membership(membership).select_related("current_version")
    return forms.order_by("created_at", "code")


def findings_snapshot(membership: Membership) -> dict[str, Any]:
    """The live findings as the plain dict a release freezes (core team only).

    {"version", "taken_at", "forms": [form_findings dicts, every form],
     "coverage": [per checklist form: reported, assigned, percent, by top-level area]}
    """
    access.require_core_team(membership)
    mission = membership.mission
    forms = list(findings_forms(membership))
    checklists = [form for form in forms if form.is_checklist]
    return {
        "version": SNAPSHOT_VERSION,
        "taken_at": timezone.now().isoformat(),
        "election": {"name": mission.election.name, "time_zone": mission.election.time_zone},
        "mission": {"code": mission.code, "name": mission.name},
        "forms": [form_findings(mission, form) for form in forms],
        "coverage": coverage_headline(mission, checklists),
    }


def coverage_headline(mission: Mission, forms: list[Form]) -> list[dict[str, Any]]:
    """Per form: k of n assigned stations reported, overall and per top-level area."""
    return [_form_coverage(mission, form) for form in forms]


def _form_coverage(mission: Mission, form: Form) -> dict[str, Any]:
    overall = breakdown = coverage.drilldown(mission, form, None)
    # Below a single root (the country), the first level with several areas says more.
    for _level in range(MAX_SINGLE_LEVELS):
        rows = breakdown.rows
        if len(rows) != 1 or breakdown.direct.assigned or rows[0].area is None:
            break
        breakdown = coverage.drilldown(mission, form, rows[0].area)
    return {
        "form": form.code,
        "title": form.title,
        **_counts(overall.total),
        "areas": [
            {"code": row.area.code, "name": row.area.name, **_counts(row)}
            for row in breakdown.rows
            if row.area
        ],
    }


def _counts(figures: coverage.Coverage) -> dict[str, Any]:
    return {
        "reported": figures.reported,
        "assigned": figures.assigned,
        "percent": figures.percent,
    }

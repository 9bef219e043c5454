"""What the review pages may reach: the mission's reports, for its core team only.

Built on reports/access.py (reports_for_membership requires the core team) so that
the review pages and the API scope reports the same way: outside the caller's
missions Http404, inside the mission but not core team PermissionDenied.
"""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from pollwatch.missions.models import Membership
from pollwatch.reports import access
from pollwatch.reports.models import Flag, Report, ReportVersion, Submission


def get_report_for_review(membership: Membership, report_uuid: str) -> Report:
    """One report of the member's mission with its history loaded; core team only."""
    reports = access.reports_for_membership(membership).select_related(
        "station__area", "current__form_version", "current__entered_by"
    )
    return get_object_or_404(reports, uuid=access.parse_uuid(report_uuid))


def versions_of(report: Report) -> QuerySet[ReportVersion]:
    """The report's versions, oldest first, each with its form version and submissions."""
    return (
        ReportVersion.objects.filter(report=report)
        .select_related("form_version", "entered_by")
        .prefetch_related(
            Prefetch(
                "submissions",
                queryset=Submission.objects.select_related("entered_by").order_by("received_at"),
            )
        )
        .order_by("number")
    )


def flags_of(report: Report) -> QuerySet[Flag]:
    return Flag.objects.filter(report=report).select_related("version").order_by("created_at")

"""Access for the observers' entry pages, built on missions/access.py.

An observer enters reports for the stations their team is deployed to. Every
lookup here starts from the signed-in user's membership, so a code from another
mission is a 404 and a role without an observer record is refused.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from pollwatch.checklists.models import CHECKLIST_KINDS, Form
from pollwatch.elections.models import PollingStation
from pollwatch.missions import access
from pollwatch.missions.models import Membership, Observer
from pollwatch.reports.models import Report


def get_entry_observer(user: access.AnyUser, mission_code: str) -> Observer:
    """The user's observer record in the mission.

    Http404 outside the user's missions; PermissionDenied for a member who is not
    on the roster as an observer (a viewer, an analyst without a record).
    """
    membership: Membership = access.get_membership(user, mission_code)
    observer = (
        Observer.objects.select_related("mission__election", "mission__organisation", "team")
        .filter(mission=membership.mission, user=membership.user)
        .first()
    )
    if observer is None:
        raise PermissionDenied(_("Only observers on the mission's roster enter reports here."))
    return observer


def deployment_stations(observer: Observer) -> QuerySet[PollingStation]:
    """The stations of every deployment of the observer's team, in code order."""
    if observer.team_id is None:
        return PollingStation.objects.none()
    return (
        PollingStation.objects.filter(
            deployments__team_id=observer.team_id, deployments__mission_id=observer.mission_id
        )
        .select_related("area")
        .distinct()
        .order_by("code")
    )


def get_deployment_station(observer: Observer, station_code: str) -> PollingStation:
    return get_object_or_404(deployment_stations(observer), code=station_code)


def entry_forms(observer: Observer) -> QuerySet[Form]:
    """The mission's forms that have a version to fill in."""
    return (
        Form.objects.filter(mission_id=observer.mission_id, current_version__isnull=False)
        .select_related("current_version")
        .order_by("kind", "code")
    )


def get_entry_form(observer: Observer, form_code: str) -> Form:
    return get_object_or_404(entry_forms(observer), code=form_code)


def sent_checklists(observer: Observer) -> set[tuple[int, int]]:
    """(form id, station id) of the observer's first-visit checklists already on the server."""
    rows = Report.objects.filter(
        observer=observer, is_checklist=True, visit=1, form__kind__in=CHECKLIST_KINDS
    ).values_list("form_id", "station_id")
    return {(form_id, station_id) for form_id, station_id in rows if station_id is not None}

"""State changes of the findings app, each in one transaction.

Views, the API and commands call these; they check that what they are given belongs
together, since a caller may have reached the objects by different paths.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pollwatch.accounts.models import User
from pollwatch.checklists.models import Form
from pollwatch.elections.models import PollingStation
from pollwatch.findings.models import CoverageCall, Export
from pollwatch.findings.tasks import build_xlsx
from pollwatch.missions.models import Mission


def record_call(
    mission: Mission,
    form: Form,
    station: PollingStation,
    outcome: str,
    user: User,
    note: str = "",
) -> CoverageCall:
    """Record a call to the observers of a station that has not reported the form.

    Raises ValidationError, storing nothing, for an unknown outcome or a form or
    station of another mission or election.
    """
    if outcome not in CoverageCall.Outcome.values:
        raise ValidationError(_("Unknown call outcome."), code="outcome")
    if form.mission_id != mission.pk or station.election_id != mission.election_id:
        raise ValidationError(_("The form or station is not this mission's."), code="scope")
    with transaction.atomic():
        call = CoverageCall(
            mission=mission,
            form=form,
            station=station,
            outcome=outcome,
            note=note.strip(),
            called_by=user,
        )
        call.full_clean()
        call.save()
    return call


def request_export(form: Form, user: User, *, labels: bool, language: str) -> Export:
    """Queue a spreadsheet of the form's reports; the task fills in the Export row.

    The task is enqueued after the row's own transaction, so that a worker does not
    look for an export it cannot see yet.
    """
    with transaction.atomic():
        export = Export.objects.create(
            mission_id=form.mission_id, form=form, labels=labels, requested_by=user
        )
    build_xlsx.enqueue(str(export.uuid), language)
    export.refresh_from_db()
    return export

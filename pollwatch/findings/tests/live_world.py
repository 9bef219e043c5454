"""A small world for the live dashboard's tests (test_live*.py, test_map*.py).

Region R holds districts D1 and D2. The `observer` persona is observer 1234, whose team
is deployed to the stations listed in ASSIGNED; observer 5678's team is deployed to
district D2 as a whole (no station listed), so it reports for station 2009 without
that station being assigned. Reports go through the real submission path; their
reception time is then set where a test needs it.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from pollwatch.checklists.models import FormVersion
from pollwatch.reports.models import Channel, Report
from pollwatch.reports.services import submit_report
from pollwatch.reports.testing import deploy, make_form, make_observer, question, report_payload
from pollwatch.testing import factories as f

# Station code: (district, latitude, longitude); None where it has no coordinates.
STATIONS: dict[str, tuple[str, Decimal | None, Decimal | None]] = {
    "1001": ("D1", Decimal("42.870000"), Decimal("74.590000")),
    "1002": ("D1", Decimal("42.880000"), Decimal("74.600000")),
    "1003": ("D1", Decimal("42.890000"), Decimal("74.610000")),
    "1004": ("D1", Decimal("42.900000"), Decimal("74.620000")),
    "2001": ("D2", Decimal("42.500000"), Decimal("74.000000")),
    "2002": ("D2", None, None),
    "2003": ("D2", Decimal("42.520000"), Decimal("74.020000")),
    "2009": ("D2", Decimal("42.530000"), Decimal("74.030000")),
}
ASSIGNED = ("1001", "1002", "1003", "1004", "2001", "2002")
INCIDENT_CATEGORIES = ["violence", "intimidation", "obstruction"]


def build(mission) -> dict[str, Any]:
    """Areas, stations, two observers with their deployments, and four forms."""
    election = mission.election
    region = f.AreaFactory(election=election, code="R", name="Region", level="region")
    districts = {
        code: f.AreaFactory(
            election=election, code=code, name=f"District {code}", level="district", parent=region
        )
        for code in ("D1", "D2")
    }
    stations = {
        code: f.PollingStationFactory(
            area=districts[district], code=code, latitude=lat, longitude=lon
        )
        for code, (district, lat, lon) in STATIONS.items()
    }
    return {
        "region": region,
        "districts": districts,
        "stations": stations,
        "forms": _forms(mission),
    }


def observers(world: dict[str, Any], mission, user) -> dict[str, Any]:
    stations = world["stations"]
    first = make_observer(mission, user=user, code="1234")
    deploy(first, *(stations[code] for code in ASSIGNED))
    second = make_observer(mission, user=f.UserFactory(username="second-observer"), code="5678")
    f.MembershipFactory(mission=mission, user=second.user)
    deploy(second, area=world["districts"]["D2"])
    return {"first": first, "second": second}


def _forms(mission) -> dict[str, FormVersion]:
    return {
        "opening": make_form(
            mission, "opening", question("opened", "select_one", choices=["yes", "no"])
        ),
        "voting": make_form(mission, "voting", question("voters", "integer")),
        "incident": make_form(
            mission,
            "incident",
            question("category", "select_one", choices=INCIDENT_CATEGORIES),
            question("severity", "select_one", choices=["low", "medium", "high", "critical"]),
            question("description", "text"),
        ),
        # No "critical" choice: its most serious severity is "high".
        "campaign_event": make_form(
            mission,
            "campaign_event",
            question("category", "select_one", choices=["rally", "intimidation"]),
            question("severity", "select_one", choices=["low", "high"]),
        ),
    }


def submit(
    user,
    form_version: FormVersion,
    *,
    station: str | None = None,
    answers: dict[str, Any] | None = None,
    received: dt.datetime | None = None,
    observer: str | None = None,
) -> Report:
    """One report through submit_report; `received` sets its reception time."""
    overrides: dict[str, Any] = {"station": station}
    if answers is not None:
        overrides["answers"] = answers
    if observer is not None:
        overrides["observer"] = observer
    result = submit_report(
        user=user, payload=report_payload(form_version, **overrides), channel=Channel.API
    )
    report = result.report
    if received is not None:
        Report.objects.filter(pk=report.pk).update(created_at=received)
        report.refresh_from_db()
    return report

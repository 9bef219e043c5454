"""The Albanian 2017 fixtures loaded into the database, for tests and benchmarks.

Real data (see pollwatch/testing/data/albania2017/README.md for its source and
licence): the official results of the 5,362 polling stations of the parliamentary
election of 25 June 2017, and the CDO's opening checklist from a stratified random
sample of 524 of them.

    election = make_albania_election()
    stations = load_albania_frame(election)          # {qvKod: PollingStation}
    form_version = create_opening_form(mission)      # the XLSForm below, uploaded
    load_opening_reports(mission, form_version, make_observer(mission))

The area tree is qarku (12, level "qarku", code the qarku's name) > bashkia (61, level
"bashkia", code "B" + BAS_ID) > njesia administrative (373, level "njesia", code "N" +
COM_ID); each station (code qvKod, registered voters zgjedhes) sits in its njesia.
Areas and stations are bulk-created; the reports go through the real
reports.services.submit_report (channel "import"), one call per observed station.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

from pollwatch.checklists.models import Form, FormVersion
from pollwatch.checklists.services import import_form
from pollwatch.checklists.testing import make_xlsform
from pollwatch.elections.models import Area, Election, ElectionBody, PollingStation
from pollwatch.missions.models import Deployment, Mission, Observer, Team
from pollwatch.reports.models import Channel
from pollwatch.reports.services import submit_report
from pollwatch.testing.data.albania2017 import OPENING_CSV, RESULTS_CSV

ELECTION_DAY = dt.date(2017, 6, 25)
OPENED_AT = "2017-06-25T07:00:00+02:00"
FORM_CODE = "opening_al"
# Answers the CDO wrote for "no answer" and "not applicable" (keep them as strings:
# pandas reads "n/a" as missing unless told not to).
NO_ANSWER = "n/a"
NOT_APPLICABLE = "na"


# --- the files --------------------------------------------------------------------------


def _rows(path: Any) -> Iterator[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def results_rows() -> list[dict[str, str]]:
    """The results file, one dict of strings per station, in file order."""
    return list(_rows(RESULTS_CSV))


def opening_rows() -> list[dict[str, str]]:
    """The CDO opening checklists, one dict of strings per sampled station."""
    return list(_rows(OPENING_CSV))


def station_code(ps_id: str) -> str:
    """The opening file's psID as the results file's qvKod: "0001-00" -> "0001", "0001-02" -> "00012"."""
    number, suffix = ps_id.split("-")
    return number if int(suffix) == 0 else f"{number}{int(suffix)}"


# --- the election -----------------------------------------------------------------------


def make_albania_election(**fields: Any) -> Election:
    """An election dated and zoned as Albania's 2017 parliamentary election."""
    body = ElectionBody.objects.create(
        name="Central Election Commission", short_name="KQZ", country="AL"
    )
    values: dict[str, Any] = {
        "code": "al-2017",
        "name": "Albania parliamentary election 2017",
        "kind": Election.Kind.PARLIAMENTARY,
        "country": "AL",
        "election_day": ELECTION_DAY,
        "time_zone": "Europe/Tirane",
        "administered_by": body,
        **fields,
    }
    return Election.objects.create(**values)


def _area(election: Election, code: str, name: str, level: str, parent: Area | None) -> Area:
    path = f"{parent.path if parent else '/'}{code}/"
    return Area(
        election=election,
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=path,
        depth=path.count("/") - 2,
    )


def load_albania_frame(election: Election) -> dict[str, PollingStation]:
    """Areas and the 5,362 stations of the results file, bulk-created; {qvKod: station}."""
    rows = results_rows()
    qarku: dict[str, Area] = {}
    for row in rows:
        qarku.setdefault(row["qarku"], _area(election, row["qarku"], row["qarku"], "qarku", None))
    Area.objects.bulk_create(qarku.values())
    bashkia: dict[str, Area] = {}
    for row in rows:
        code = f"B{row['BAS_ID']}"
        if code not in bashkia:
            bashkia[code] = _area(election, code, row["bashkia"], "bashkia", qarku[row["qarku"]])
    Area.objects.bulk_create(bashkia.values())
    njesia: dict[str, Area] = {}
    for row in rows:
        code = f"N{row['COM_ID']}"
        if code not in njesia:
            parent = bashkia[f"B{row['BAS_ID']}"]
            njesia[code] = _area(election, code, row["njesiaAdministrative"], "njesia", parent)
    Area.objects.bulk_create(njesia.values())
    stations = [
        PollingStation(
            election=election,
            code=row["qvKod"],
            name=(row["vendndodhja"] or row["qvKod"])[:300],
            area=njesia[f"N{row['COM_ID']}"],
            registered_voters=int(row["zgjedhes"]),
        )
        for row in rows
    ]
    # Both databases return the new primary keys: no need to read the stations back.
    PollingStation.objects.bulk_create(stations, batch_size=2000)
    return {station.code: station for station in stations}


# --- the opening checklist --------------------------------------------------------------

YES_NO = "po_jo"
# (name, XLSForm type, English label); the names are the CSV's columns.
OPENING_QUESTIONS: list[tuple[str, str, str]] = [
    ("votersList", "integer", "Voters on the list"),
    ("ballotPapers", "integer", "Ballot papers received"),
    ("pubPriv", "select_one premises", "Premises"),
    ("openTime", "select_one open_time", "Opening time"),
    ("numKommish", "integer", "Commission members present"),
    ("secrecyOpen", f"select_one {YES_NO}", "Secrecy of the vote ensured"),
    ("movementOpen", f"select_one {YES_NO}", "Free movement in the station"),
    ("removeMatInside", f"select_one {YES_NO}", "Campaign material removed inside"),
    ("removeMatOutside", f"select_one {YES_NO}", "Campaign material removed outside"),
    ("pvComplete", f"select_one {YES_NO}", "Opening record complete"),
    ("boxChecked", f"select_one {YES_NO}", "Ballot box shown empty"),
    ("boxSealed", f"select_one {YES_NO}", "Ballot box sealed"),
    ("recordBox", f"select_one {YES_NO}", "Seal numbers recorded"),
    ("centerMat", f"select_one {YES_NO}", "Centre materials complete"),
    ("blindTools", f"select_one {YES_NO}", "Tools for blind voters"),
    ("disabledTools", f"select_one {YES_NO}", "Access for voters with disabilities"),
    ("overallOpen", "select_one overall", "Overall assessment of the opening"),
]
# (list, value, English label, finding)
OPENING_CHOICES: list[tuple[str, str, str, str]] = [
    ("premises", "pub", "Public", ""),
    ("premises", "priv", "Private", ""),
    ("premises", NO_ANSWER, "No answer", "no_answer"),
    ("open_time", "7_00", "7:00", ""),
    ("open_time", "7-730", "7:00 to 7:30", ""),
    ("open_time", "730-8", "7:30 to 8:00", ""),
    ("open_time", "8-830", "8:00 to 8:30", ""),
    ("open_time", NO_ANSWER, "No answer", "no_answer"),
    (YES_NO, "po", "Yes", ""),
    (YES_NO, "jo", "No", ""),
    (YES_NO, "pjeserisht", "Partly", ""),
    (YES_NO, NO_ANSWER, "No answer", "no_answer"),
    (YES_NO, NOT_APPLICABLE, "Not applicable", "not_applicable"),
    ("overall", "shummir", "Very good", "positive"),
    ("overall", "mir", "Good", "positive"),
    ("overall", "meprob", "Problematic", "negative"),
    ("overall", "shumprob", "Very problematic", "negative"),
    ("overall", NO_ANSWER, "No answer", "no_answer"),
]
INTEGER_COLUMNS = frozenset(name for name, kind, _ in OPENING_QUESTIONS if kind == "integer")


def opening_xlsform() -> bytes:
    """The XLSForm written for the CDO's opening checklist, with the `finding` column."""
    survey = [
        {"type": kind, "name": name, "label::English (en)": label}
        for name, kind, label in OPENING_QUESTIONS
    ]
    choices = [
        {"list_name": list_name, "name": value, "label::English (en)": label, "finding": finding}
        for list_name, value, label, finding in OPENING_CHOICES
    ]
    settings = {"form_id": FORM_CODE, "form_title": "Opening (CDO 2017)", "version": "1"}
    return make_xlsform(survey, choices, settings)


def create_opening_form(
    mission: Mission, *, is_sample: bool = True, stratum_level: str = "qarku"
) -> FormVersion:
    """The opening XLSForm uploaded to the mission (kind opening), marked as a sample."""
    imported = import_form(mission, opening_xlsform(), "opening_al.xlsx", kind=Form.Kind.OPENING)
    form = imported.form
    form.is_sample, form.stratum_level = is_sample, stratum_level
    form.save(update_fields=["is_sample", "stratum_level"])
    return imported.version


def opening_answers(row: dict[str, str]) -> dict[str, Any]:
    """One CSV row as report answers: numbers as integers, a missing number left out."""
    answers: dict[str, Any] = {}
    for name, _, _ in OPENING_QUESTIONS:
        value = row[name].strip()
        if name in INTEGER_COLUMNS:
            if value not in ("", NO_ANSWER, NOT_APPLICABLE):
                answers[name] = int(value)
        elif value:
            answers[name] = value
    return answers


def _deploy_to_sample(mission: Mission, observer: Observer, codes: list[str]) -> None:
    """Deploy the observer's team to the sampled stations, so each report is in scope.

    Listed stations are checked in submit_report's single query; an area deployment
    would cost a query per report.
    """
    team = observer.team
    if team is None:
        team = observer.team = Team.objects.create(mission=mission, code=f"al-{observer.code}")
        observer.save(update_fields=["team"])
    deployment = Deployment.objects.create(mission=mission, team=team, date=ELECTION_DAY)
    deployment.stations.set(
        PollingStation.objects.filter(election=mission.election, code__in=codes)
    )


def load_opening_reports(mission: Mission, form_version: FormVersion, observer: Observer) -> int:
    """Submit the 524 CDO checklists as the observer's reports; the number recorded.

    Each goes through submit_report (channel "import"), with an instance id derived
    from the mission and the station, so loading twice records nothing new.
    """
    rows = opening_rows()
    _deploy_to_sample(mission, observer, [station_code(row["psID"]) for row in rows])
    created = 0
    for row in rows:
        payload = {
            "instance_id": str(
                uuid.uuid5(
                    uuid.NAMESPACE_URL, f"pollwatch:albania2017:{mission.code}:{row['psID']}"
                )
            ),
            "form": form_version.form.code,
            "form_version": form_version.version,
            "station": station_code(row["psID"]),
            "observed_at": OPENED_AT,
            "answers": opening_answers(row),
        }
        result = submit_report(
            user=None, payload=payload, channel=Channel.IMPORT, mission=mission, reporter=observer
        )
        created += result.status == "created"
    return created

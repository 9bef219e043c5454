"""Test helpers: forms from hand-written specs, observers and their deployments.

Tests of reports (and of anything that reads them) need a FormVersion without going
through an XLSForm upload. `make_form` writes the spec dict directly, in the shape of
pollwatch/checklists/spec.py, so these tests do not depend on pyxform.

    form_version = make_form(
        mission, "voting",
        question("voters", "integer", required=True, constraint=". <= 5000"),
        question("queue", "select_one", choices=["yes", "no"]),
        checks=[check("enough", "/data/voters >= 0", "Voters cannot be negative")],
    )
"""

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from pollwatch.checklists.models import Form, FormVersion
from pollwatch.checklists.spec import Check, Question, Spec
from pollwatch.elections.models import Area, PollingStation
from pollwatch.missions.models import Deployment, Mission, Observer, Team
from pollwatch.testing import factories as f

ROOT = "data"
OBSERVED_AT = "2017-10-15T08:05:00+06:00"


def question(
    name: str,
    type: str = "integer",
    *,
    required: bool = False,
    relevant: str | None = None,
    constraint: str | None = None,
    calculation: str | None = None,
    choices: list[str] | None = None,
    label: str | None = None,
) -> Question:
    """One question of a flat form (no groups), its path under /data."""
    return {
        "name": name,
        "type": type,
        "path": f"/{ROOT}/{name}",
        "group": None,
        "label": {"en": label or name.replace("_", " ").capitalize()},
        "hint": {},
        "required": required,
        "required_message": {},
        "relevant": relevant,
        "constraint": constraint,
        "constraint_message": {"en": "Check this answer."} if constraint else {},
        "calculation": calculation,
        "list_name": f"{name}_list" if choices else None,
        "choices": [{"value": value, "label": {"en": value}} for value in choices]
        if choices
        else None,
        "compact_tag": name[:2].upper(),
        "appearance": "",
        "row": 2,
    }


def check(name: str, expression: str, message: str) -> Check:
    return {"name": name, "expression": expression, "message": {"en": message}, "row": 2}


def make_spec(
    code: str, version: str, questions: list[Question], checks: list[Check] | None = None
) -> Spec:
    return {
        "form_id": code,
        "title": code.replace("_", " ").capitalize(),
        "version": version,
        "prefix": code[:2].upper(),
        "root": ROOT,
        "default_language": "en",
        "languages": ["en"],
        "questions": questions,
        "groups": [],
        "checks": checks or [],
    }


def make_form(
    mission: Mission,
    kind: str,
    *questions: Question,
    code: str | None = None,
    version: str = "1",
    checks: list[Check] | None = None,
) -> FormVersion:
    """A form of the mission (made on first use of its code) with one more version.

    Calling it again with the same code and another version string adds a version
    and makes it the form's current one.
    """
    code = code or kind
    form, _ = Form.objects.get_or_create(
        mission=mission, code=code, defaults={"title": code.capitalize(), "kind": kind}
    )
    spec = make_spec(code, version, list(questions), checks)
    text = json.dumps(spec, sort_keys=True)
    form_version = FormVersion.objects.create(
        form=form,
        number=form.versions.count() + 1,
        version=version,
        spec=spec,
        xform="",
        source=text.encode(),
        source_name=f"{code}.json",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    form.current_version = form_version
    form.save(update_fields=["current_version"])
    return form_version


def make_observer(mission: Mission, user: Any = None, code: str | None = None, **extra: Any):
    """An Observer row of the mission in its own team, linked to the user if given."""
    team = extra.pop("team", None) or f.TeamFactory(mission=mission)
    kwargs: dict[str, Any] = {"mission": mission, "user": user, "team": team, **extra}
    if code:
        kwargs["code"] = code
    return f.ObserverFactory(**kwargs)


def deploy(
    observer: Observer | Team,
    *stations: PollingStation | Any,
    area: Area | None = None,
    date: dt.date = dt.date(2017, 10, 15),
) -> Deployment:
    """Deploy the observer's team (or a team) to the stations and/or an area."""
    team = observer if isinstance(observer, Team) else observer.team
    assert team is not None, "the observer has no team"
    deployment = Deployment.objects.create(mission=team.mission, team=team, area=area, date=date)
    deployment.stations.set(stations)
    return deployment


def report_payload(form_version: FormVersion, /, **overrides: Any) -> dict[str, Any]:
    """A report API payload for the form version with a fresh instance id.

    Defaults fit the report tests' forms (station 1001; answers `opened`/`voters` for
    checklists, `category` for others); an override of None drops the key.
    """
    form = form_version.form
    body: dict[str, Any] = {
        "instance_id": str(uuid.uuid4()),
        "mission": form.mission.code,
        "form": form.code,
        "form_version": form_version.version,
        "observed_at": OBSERVED_AT,
    }
    if form.is_checklist:
        body["station"] = "1001"
        body["answers"] = {"opened": "yes", "voters": 420}
    else:
        body["answers"] = {"category": "violence"}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}

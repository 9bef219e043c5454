"""The demo's results form: the naming convention, its quality checks, and any channel.

A results form is an ordinary form, so the report API and SMS take it as they take a
checklist; what they deliver counts in the quick count.
"""

import json
import uuid
from pathlib import Path

import pytest

from pollwatch.channels.models import Gateway, InboundMessage
from pollwatch.channels.sms.services import handle_inbound
from pollwatch.checklists.models import Form
from pollwatch.checklists.services import import_form
from pollwatch.pvt import quickcount
from pollwatch.pvt.tests.qc_helpers import draw, make_world
from pollwatch.reports.models import Channel, Flag, Report

FORM = Path(__file__).resolve().parents[2] / "demo" / "forms" / "results.xlsx"
CANDIDATES = 11
PHONE = "+996555000222"


@pytest.fixture
def world(mission, observer):
    world = make_world(mission, regions=2, per_region=5, candidates=CANDIDATES)
    # The observer persona is the first observer row, texting from its registered phone.
    row = world.observers[0]
    row.user, row.phone = observer, PHONE
    row.save(update_fields=["user", "phone"])
    return world


@pytest.fixture
def version(mission, coordinator):
    return import_form(mission, FORM.read_bytes(), FORM.name, uploaded_by=coordinator).version


def protocol(votes, invalid=7, registered=900, added=3):
    found = sum(votes) + invalid
    answers = {
        "registered_voters": registered,
        "added_voters": added,
        "ballots_issued": found,
        "ballots_found": found,
        "invalid": invalid,
    }
    answers.update({f"c{n}": v for n, v in enumerate(votes, start=1)})
    return answers


VOTES = [3, 4, 20, 2, 5, 180, 3, 4, 290, 40, 2]


def test_the_form_follows_the_results_convention(version):
    assert version.form.kind == Form.Kind.RESULTS
    names = {question["name"]: question["type"] for question in version.spec["questions"]}
    for name in ("registered_voters", "ballots_issued", "ballots_found", "invalid", "added_voters"):
        assert names[name] == "integer"
    assert names["valid"] == "calculate"
    assert [n for n in names if n.startswith("c") and n[1:].isdigit()] == [
        f"c{k}" for k in range(1, CANDIDATES + 1)
    ]
    assert {check["name"] for check in version.spec["checks"]} == {
        "votes_add_up",
        "found_within_register",
    }


def test_a_result_through_the_api_counts(as_user, observer, mission, world, version):
    sample = draw(mission, 4, seed="api")
    station = sample.stations.order_by("station__code")[0].station
    body = {
        "instance_id": str(uuid.uuid4()),
        "mission": mission.code,
        "form": "results",
        "form_version": version.version,
        "station": station.code,
        "observed_at": "2017-10-15T20:40:00+06:00",
        "answers": protocol(VOTES),
    }
    response = as_user(observer).post(
        "/api/v1/reports", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["flags"] == []
    version = Report.objects.get().current
    assert version is not None
    assert version.answers["valid"] == str(sum(VOTES))
    data = quickcount.snapshot(mission)
    assert data["coverage"]["reported"] == 1 and data["form"] == "results"


def test_the_quality_checks_flag_a_protocol_that_does_not_add_up(
    as_user, observer, mission, world, version
):
    station = world.stations[0]
    answers = protocol(VOTES)
    answers["c1"] += 10  # the candidates' votes no longer add up to the ballots found
    answers["ballots_found"] = answers["registered_voters"] + answers["added_voters"] + 1
    body = {
        "instance_id": str(uuid.uuid4()),
        "mission": mission.code,
        "form": "results",
        "form_version": version.version,
        "station": station.code,
        "observed_at": "2017-10-15T20:40:00+06:00",
        "answers": answers,
    }
    response = as_user(observer).post(
        "/api/v1/reports", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    codes = set(Flag.objects.filter(kind=Flag.Kind.QUALITY_CHECK).values_list("code", flat=True))
    assert codes == {"votes_add_up", "found_within_register"}
    assert Report.objects.get().status == Report.Status.FLAGGED


def test_a_result_by_sms_counts(mission, world, version):
    sample = draw(mission, 4, seed="sms")
    station = sample.stations.order_by("station__code")[0].station
    gateway = Gateway.objects.create(
        mission=mission, kind=Gateway.Kind.SMSSYNC, name="g", secret="s"
    )
    answers = protocol(VOTES)
    pairs = " ".join(
        [
            f"R{answers['registered_voters']} N{answers['added_voters']}",
            f"B{answers['ballots_issued']} F{answers['ballots_found']} X{answers['invalid']}",
            *[f"C{k:02d} {v}" for k, v in enumerate(VOTES, start=1)],
        ]
    )
    text = f"RS {world.observers[0].code} {station.code} {pairs}"
    result = handle_inbound(gateway, sender=PHONE, text=text, message_id="m-1")
    assert result.outcome == InboundMessage.Outcome.ACCEPTED, result.reply
    version = Report.objects.get().current
    assert version is not None and version.channel == Channel.SMS
    stored = version.answers
    assert {key: stored[key] for key in answers} == answers
    assert quickcount.snapshot(mission)["coverage"]["reported"] == 1

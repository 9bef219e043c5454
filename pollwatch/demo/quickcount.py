"""The demo's quick count: a stratified sample, the results form and observers' results.

For the main demo mission (OSCE/ODIHR, scenario.MISSIONS[0]) add_quick_count:
- imports the results form (forms/results.xlsx: kind results, the question names of
  the results convention) and sets the mission's quick-count policy (every report
  but rejected ones counts; the call at 99 %);
- draws SIZE stations stratified by region with a fixed seed, and assigns them to the
  short-term teams (each team's election-day deployment is extended);
- has the observers of most sampled stations send their copy of the result protocol
  through reports.services.submit_report, by web, ODK Collect or the API, received
  over the evening in the order the counts end (the cities first), so the
  convergence chart shows the estimate settle;
- at a few stations both observers of the team send copies that disagree: both are
  marked in conflict, and the quick count leaves those stations out until a reviewer
  verifies one (one of them is verified here, to show the difference).

The copies are the stations' protocols (demo/official.py, official_votes_for), so they
agree with the published official results except where the published row itself was
changed on the way (official.PUBLISHED_ERRORS); the official shares fall inside the
quick count's intervals, and the call is an outright win, as in 2017.

Call it after the demo's other reports (demo/reports.py), which take each team's
deployment as it is when they are sent.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Case, Value, When

from pollwatch.accounts.models import User
from pollwatch.checklists.services import import_form
from pollwatch.demo import scenario as sc
from pollwatch.demo.official import official_votes_for
from pollwatch.elections.models import PollingStation
from pollwatch.missions.models import Deployment, Membership, Mission, Observer, Role
from pollwatch.pvt import services as pvt_services
from pollwatch.pvt.models import QuickCountPolicy, Sample, SampledStation
from pollwatch.reports import services
from pollwatch.reports.models import Channel, Report, ReportVersion, Submission

FORM_FILE = Path(__file__).resolve().parent / "forms" / "results.xlsx"
SEED = "kg-2017-odihr-quick-count"
SIZE = 320
STRATUM_LEVEL = "region"
# Share of the sampled stations whose observers send the protocol: a real quick count
# never hears from every one.
REPORTING = 0.93
# Stations (counted among the reporting ones) where the team's two copies disagree.
CONFLICT_EVERY = 90
CHANNELS = ((Channel.WEB, 0.6), (Channel.ODK, 0.25), (Channel.API, 0.15))
# How many sampled stations report (None: REPORTING of them). Every report takes the
# full submission path, so tests that load the demo may use a few.
REPORTING_STATIONS: int | None = None
CITIES = frozenset({"BSH", "OSH-C"})  # scenario.REGIONS codes of Bishkek and Osh city


@dataclass
class QuickCountSummary:
    sampled: int = 0
    reports: int = 0
    stations_reported: int = 0
    in_conflict: int = 0
    seed: str = SEED


def _user(mission: Mission, *roles: str) -> User:
    """The mission's first member with the first of the roles it has."""
    by_role = {
        m.role: m.user for m in Membership.objects.filter(mission=mission).select_related("user")
    }
    return next(by_role[role] for role in roles if role in by_role)


def _team_of(mission: Mission, station_ids: list[int]) -> dict[int, list[Observer]]:
    """Each sampled station's team, as its two short-term observers in code order."""
    through = Deployment.stations.through.objects.filter(
        deployment__mission=mission,
        deployment__date=sc.ELECTION_DAY,
        pollingstation_id__in=station_ids,
    ).values_list("pollingstation_id", "deployment__team_id")
    team_of = dict(through)
    pairs: dict[int, list[Observer]] = {}
    for observer in Observer.objects.filter(
        mission=mission, role=Observer.ObserverRole.SHORT_TERM, team_id__in=set(team_of.values())
    ).order_by("code"):
        pairs.setdefault(observer.team_id or 0, []).append(observer)
    return {station: pairs.get(team, []) for station, team in team_of.items()}


# --- the figures --------------------------------------------------------------------------


def _misread(answers: dict[str, Any]) -> dict[str, Any]:
    """The team mate's copy: two candidates' figures swapped in part, the totals unchanged."""
    moved = min(10, answers.get("c9", 0))
    return dict(answers, c9=answers.get("c9", 0) - moved, c6=answers.get("c6", 0) + moved)


# --- sending ------------------------------------------------------------------------------


def _received(rng: random.Random, station: PollingStation) -> dt.datetime:
    """When the count ends: the cities' first, the mountain villages' last."""
    segments = [part for part in station.area.path.split("/") if part]
    city = len(segments) > 1 and segments[1] in CITIES
    minutes = rng.randint(40, 120) if city else rng.randint(60, 300)
    return dt.datetime(2017, 10, 15, 20, 0, tzinfo=sc.TZ) + dt.timedelta(minutes=minutes)


def _send(
    clerk: User,
    mission: Mission,
    version: str,
    observer: Observer,
    station: PollingStation,
    answers: dict[str, Any],
    at: dt.datetime,
    channel: str,
    ids: random.Random,
) -> Report:
    payload = {
        "instance_id": str(uuid.UUID(int=ids.getrandbits(128), version=4)),
        "form": "results",
        "form_version": version,
        "station": station.code,
        "observer": observer.code,
        "observed_at": at.isoformat(),
        "answers": answers,
    }
    return services.submit_report(
        user=clerk, payload=payload, channel=channel, mission=mission
    ).report


def _at(path: str, received: dict[int, dt.datetime]) -> Case:
    """One UPDATE's value per report: its reception time."""
    return Case(*[When(**{path: pk}, then=Value(at)) for pk, at in received.items()])


def _date_receptions(received: dict[int, dt.datetime]) -> None:
    """Date the reports when they would have arrived on the night, not when the demo loaded.

    The convergence chart orders stations by reception time; a demo loaded in seconds
    would otherwise show them all arriving at once.
    """
    if not received:
        return
    Report.objects.filter(pk__in=received).update(
        created_at=_at("pk", received), updated_at=_at("pk", received)
    )
    ReportVersion.objects.filter(report_id__in=received).update(
        created_at=_at("report_id", received)
    )
    submissions = Submission.objects.filter(version__report_id__in=received)
    by_submission = {
        pk: received[report] for pk, report in submissions.values_list("pk", "version__report_id")
    }
    Submission.objects.filter(pk__in=by_submission).update(received_at=_at("pk", by_submission))


def add_quick_count(mission: Mission, *, size: int = SIZE, seed: str = SEED) -> QuickCountSummary:
    """The demo's sample, results form, policy and results reports for the mission."""
    coordinator = _user(mission, Role.COORDINATOR)
    clerk = _user(mission, Role.DATA_CLERK, Role.COORDINATOR)
    imported = import_form(mission, FORM_FILE.read_bytes(), FORM_FILE.name, uploaded_by=coordinator)
    pvt_services.set_policy(
        mission,
        counts=QuickCountPolicy.Counts.NOT_REJECTED,
        results_form=imported.form,
        confidence=Decimal("0.99"),
    )
    sample = pvt_services.draw_sample_for(
        mission, size=size, seed=seed, stratum_level=STRATUM_LEVEL, user=coordinator
    )
    teams = (
        Deployment.objects.filter(mission=mission, date=sc.ELECTION_DAY)
        .order_by("team__code")
        .values_list("team", flat=True)
    )
    team_rows = list(mission.teams.filter(pk__in=teams).order_by("code"))
    pvt_services.assign_sample(mission, sample, team_rows, sc.ELECTION_DAY)
    summary = _send_results(mission, sample, imported.version.version, clerk, coordinator)
    summary.sampled = SampledStation.objects.filter(sample=sample).count()
    summary.seed = seed
    return summary


def _send_results(
    mission: Mission, sample: Sample, version: str, clerk: User, coordinator: User
) -> QuickCountSummary:
    rng = random.Random(f"{sc.SEED}-quick-count")
    ids = random.Random(f"{sc.SEED}-quick-count-ids")
    stations = list(
        PollingStation.objects.filter(
            pk__in=SampledStation.objects.filter(sample=sample).values("station_id")
        )
        .select_related("area")
        .order_by("code")
    )
    pairs = _team_of(mission, [s.pk for s in stations])
    reporting = [s for s in stations if rng.random() < REPORTING and len(pairs.get(s.pk, [])) == 2]
    summary = QuickCountSummary()
    received: dict[int, dt.datetime] = {}
    conflicts: list[Report] = []
    for k, station in enumerate(reporting[:REPORTING_STATIONS]):
        answers = official_votes_for(station)
        at = _received(rng, station)
        channel = rng.choices([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])[0]
        first, second = pairs[station.pk]
        report = _send(clerk, mission, version, first, station, answers, at, channel, ids)
        received[report.pk] = at + dt.timedelta(minutes=rng.randint(2, 12))
        summary.reports += 1
        if k % CONFLICT_EVERY == CONFLICT_EVERY // 2:
            other = _send(
                clerk, mission, version, second, station, _misread(answers), at, channel, ids
            )
            received[other.pk] = at + dt.timedelta(minutes=rng.randint(5, 20))
            conflicts.append(report)
            summary.reports += 1
    _date_receptions(received)
    if conflicts:
        # A reviewer has settled the first disagreement: the first copy is the right one.
        services.decide_report(conflicts[0], status=Report.Status.VERIFIED, user=coordinator)
    summary.stations_reported = len(reporting[:REPORTING_STATIONS])
    summary.in_conflict = max(0, len(conflicts) - 1)
    return summary

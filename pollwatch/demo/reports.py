"""The demo's forms (pollwatch/demo/forms/*.xlsx) and its synthetic reports.

Every report goes through reports.services.submit_report, the path every channel
takes, so validation, deduplication, quality checks, the silence rule and conflicts
are the real ones. The data clerk (or, in missions without one, the coordinator)
enters each report on the observer's behalf. What the reports say is drawn from
their own random stream (seeded from scenario.SEED), so a reload gives the same
reports without disturbing the draws of the rest of the demo.

What they show:
- short-term teams report at the stations of their deployment: an opening checklist
  at the first, voting checklists through the day, a counting checklist at the last;
- some checklists fail a quality check (counts that do not add up) and are flagged;
- at some stations both observers of a team fill the checklist and disagree, so
  both reports are marked in conflict;
- some checklists are corrected later by SMS (a second version);
- the checklists drawn to come by SMS really do: composed from the form's SMS
  grammar and delivered to one of the mission's gateways through
  sms.services.handle_inbound (demo/channels.py), unless they hold free text,
  which an SMS cannot carry (those come from the web form);
- long-term observers report campaigning on the silence day (flagged by the
  silence rule) and earlier in the campaign (not flagged), and election-day
  incidents come from the short-term teams.
"""

import datetime as dt
import random
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from pollwatch.accounts.models import User
from pollwatch.channels.models import InboundMessage
from pollwatch.checklists.models import FormVersion
from pollwatch.checklists.services import import_form
from pollwatch.demo import scenario as sc
from pollwatch.demo.channels import Phone
from pollwatch.missions.models import Deployment, Membership, Mission, Observer, Role
from pollwatch.reports import services
from pollwatch.reports.models import Channel, Report, ReportVersion

FORMS_DIR = Path(__file__).resolve().parent / "forms"
FORM_FILES = ("opening.xlsx", "voting.xlsx", "counting.xlsx", "incident.xlsx")
TZ = zoneinfo.ZoneInfo(sc.TZ_NAME)
Outcome = InboundMessage.Outcome

# Candidate keys in ballot order, as in counting.xlsx (votes_<key>).
CANDIDATE_KEYS = (
    "zarlykov",
    "umetalieva",
    "sariev",
    "kochkorov",
    "masadykov",
    "babanov",
    "abdyldaev",
    "beknazarov",
    "jeenbekov",
    "madumarov",
    "maliev",
)
# Shares of the valid vote, roughly the certified result (Jeenbekov 54 %, Babanov 33 %).
CANDIDATE_WEIGHTS = (0.3, 0.4, 2.6, 0.2, 0.5, 33.5, 0.3, 0.4, 54.2, 6.5, 0.3)

# How often the demo's reports show each feature.
VOTING_VISITS_PER_TEAM = 4
QUALITY_PROBLEM = 0.04
COUNTING_SUM_WRONG = 0.08
# Every n-th voting visit of a mission (counted, not drawn, so that even the few
# teams the tests load show them): both observers file and disagree; a correction.
BOTH_OBSERVERS_FILE_EVERY = 25
CORRECTED_BY_SMS_EVERY = 30
COUNTING_BOTH_FILE = 0.08
STO_INCIDENTS_PER_TEAM = 0.35
CHANNELS = ((Channel.WEB, 0.7), (Channel.ODK, 0.15), (Channel.SMS, 0.15))
# How many short-term teams of each mission report (None: all). Every report takes the
# full submission path, so the tests, which load the demo several times, use a few.
REPORTING_TEAMS: int | None = None


# --- answers ---------------------------------------------------------------------------


def _yes(rng: random.Random, probability: float) -> str:
    return "yes" if rng.random() < probability else "no"


def _clock(moment: dt.datetime) -> str:
    return moment.astimezone(TZ).strftime("%H:%M")


def _assessment(rng: random.Random, bad: float) -> str:
    if rng.random() < bad:
        return rng.choice(["bad", "bad", "very_bad"])
    return rng.choice(["very_good", "good", "good", "good"])


def opening_answers(rng: random.Random, arrival: dt.datetime, *, problem: bool = False) -> dict:
    """An opening checklist; `problem` makes it fail its quality check."""
    answers: dict[str, Any] = {
        "arrival_time": _clock(arrival),
        "members_present": rng.randint(7, 13),
        "materials_present": _yes(rng, 0.95),
        "box_shown_empty": "no" if problem else _yes(rng, 0.97),
        "box_sealed": _yes(rng, 0.98),
        "observers_allowed": _yes(rng, 0.97),
        "opened_on_time": _yes(rng, 0.9),
        "unauthorised_present": _yes(rng, 0.05),
        "overall_opening": "very_good" if problem else _assessment(rng, 0.06),
    }
    if answers["materials_present"] == "no":
        answers["materials_missing"] = rng.sample(["ballots", "stamps", "booths", "scanner"], 1)
    if answers["observers_allowed"] == "no":
        answers["observers_restriction"] = "Asked to stay behind a rope at the door."
    if answers["opened_on_time"] == "no":
        answers["opening_time"] = f"08:{rng.randint(5, 45):02d}"
    if answers["overall_opening"] in ("bad", "very_bad"):
        answers["overall_reason"] = "Procedures were not followed at the opening."
    return answers


def voting_answers(
    rng: random.Random, registered: int, arrival: dt.datetime, *, problem: bool = False
) -> dict:
    """A voting checklist that passes every constraint of voting.xlsx.

    `problem` reports ballot stuffing yet assesses the voting very good, which fails
    the form's quality check.
    """
    hours = max(0.5, min(12.0, (arrival.astimezone(TZ).hour - 8) + arrival.minute / 60))
    additions = rng.randint(0, max(1, registered // 60))
    voted = min(registered + additions, int(registered * 0.56 * hours / 12 * rng.uniform(0.7, 1.3)))
    answers: dict[str, Any] = {
        "arrival_time": _clock(arrival),
        "departure_time": _clock(arrival + dt.timedelta(minutes=rng.randint(25, 55))),
        "queue": rng.choice([0, 0, 0, 2, 5, 10, 25]),
        "accessible": _yes(rng, 0.6),
        "layout_secrecy": _yes(rng, 0.92),
        "campaign_material": _yes(rng, 0.06),
        "unauthorised_present": _yes(rng, 0.07),
        "tension": _yes(rng, 0.03),
        "ids_checked": _yes(rng, 0.97),
        "biometric_used": _yes(rng, 0.95),
        "ballots_stamped": _yes(rng, 0.96),
        "secrecy_violated": _yes(rng, 0.05),
        "family_voting": _yes(rng, 0.06),
        "mobile_box": _yes(rng, 0.08),
        "multiple_voting": _yes(rng, 0.01),
        "ballot_stuffing": "yes" if problem else _yes(rng, 0.01),
        "vote_buying": _yes(rng, 0.02),
        "pressure_on_voters": _yes(rng, 0.02),
        "complaints": rng.choice([0, 0, 0, 0, 0, 0, 1, 2]),
        "registered_voters": registered,
        "same_day_additions": additions,
        "voted_so_far": voted,
        "observers_present": sorted(rng.sample(["domestic", "agents", "media"], rng.randint(1, 3))),
        "observers_restricted": _yes(rng, 0.03),
        "procedures_followed": _assessment(rng, 0.07),
        "overall_voting": "very_good" if problem else _assessment(rng, 0.07),
    }
    _voting_details(rng, answers, voted)
    return answers


def _voting_details(rng: random.Random, answers: dict[str, Any], voted: int) -> None:
    """The follow-up questions, sent exactly when voting.xlsx makes them relevant."""
    if answers["unauthorised_present"] == "yes":
        answers["unauthorised_who"] = [rng.choice(["police", "officials", "unknown"])]
    if answers["biometric_used"] == "yes":
        answers["biometric_failures"] = min(voted, rng.choice([0, 0, 1, 2, 4]))
    if answers["mobile_box"] == "yes":
        answers["mobile_requests"] = rng.randint(1, 15)
    problems = ("multiple_voting", "ballot_stuffing", "vote_buying", "pressure_on_voters")
    if any(answers[name] == "yes" for name in problems):
        answers["problem_details"] = "Seen by both observers; the chair was informed."
    if answers["complaints"]:
        answers["complaint_details"] = "Voters not found on the list."
    if answers["observers_restricted"] == "yes":
        answers["restriction_details"] = "Not allowed near the registration table."
    if answers["overall_voting"] in ("bad", "very_bad"):
        answers["overall_reason"] = "Several procedural violations during our visit."


def _split_votes(rng: random.Random, total: int) -> list[int]:
    """`total` valid votes over the candidates, noisy around the national shares."""
    weights = [w * rng.uniform(0.5, 1.5) for w in CANDIDATE_WEIGHTS]
    exact = [total * w / sum(weights) for w in weights]
    votes = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: exact[i] - votes[i], reverse=True)
    for i in order[: total - sum(votes)]:
        votes[i] += 1
    return votes


def counting_answers(
    rng: random.Random, registered: int, start: dt.datetime, *, wrong_sum: bool = False
) -> dict:
    """A counting checklist; `wrong_sum` makes it fail a quality check.

    Most such protocols have votes that do not add up to the ballots found; some
    add up but hold more ballots than were issued.
    """
    additions = rng.randint(0, max(1, registered // 60))
    issued = int((registered + additions) * rng.uniform(0.42, 0.7))
    stuffed = wrong_sum and rng.random() < 0.3
    # More ballots in the box than were issued is the mark of stuffing.
    found = issued + rng.randint(5, 40) if stuffed else issued - rng.choice([0, 0, 0, 1, 2])
    invalid = int(found * rng.uniform(0.005, 0.025))
    votes = _split_votes(rng, found - invalid)
    if wrong_sum and not stuffed:
        votes[8] = max(0, votes[8] + rng.choice([-12, -5, 4, 9, 15]))
    answers: dict[str, Any] = {
        "count_started": _clock(start),
        "unused_cancelled": _yes(rng, 0.9),
        "scanner_used": _yes(rng, 0.95),
        "manual_recount": _yes(rng, 0.3),
        "registered_voters": registered,
        "same_day_additions": additions,
        "ballots_received": registered + additions + rng.randint(0, 20),
        "ballots_issued": issued,
        "ballots_found": found,
        "invalid_ballots": invalid,
        **{f"votes_{key}": n for key, n in zip(CANDIDATE_KEYS, votes, strict=True)},
        "protocol_posted": _yes(rng, 0.9),
        "protocol_copy": _yes(rng, 0.85),
        "observers_restricted": _yes(rng, 0.04),
        "overall_counting": _assessment(rng, 0.1),
    }
    if answers["overall_counting"] in ("bad", "very_bad"):
        answers["overall_reason"] = "The count did not follow the procedure."
    return answers


INCIDENT_TEXT = {
    "campaigning": "Leaflets for a candidate were handed out at the market.",
    "intimidation": "Voters were told they would lose their jobs if they did not vote.",
    "vote_buying": "People were offered money near the station entrance.",
    "obstruction": "Observers were asked to leave the station for an hour.",
    "ballot_stuffing": "A commission member put several ballots into the box at once.",
    "violence": "A fight broke out in the queue outside the station.",
    "misuse_of_resources": "A school bus carried voters for one candidate.",
}


def incident_answers(rng: random.Random, category: str) -> dict:
    answers: dict[str, Any] = {
        "category": category,
        "severity": rng.choice(["low", "medium", "medium", "high", "critical"]),
        "reported_to_authorities": _yes(rng, 0.4),
        "description": INCIDENT_TEXT[category],
    }
    if rng.random() < 0.5:
        answers["people_involved"] = rng.randint(1, 30)
    return answers


# --- forms -----------------------------------------------------------------------------


def load_forms(mission: Mission, user: User) -> dict[str, FormVersion]:
    """The four demo forms imported into the mission; their versions by form code."""
    versions = {}
    for name in FORM_FILES:
        path = FORMS_DIR / name
        imported = import_form(mission, path.read_bytes(), name, uploaded_by=user)
        versions[imported.form.code] = imported.version
    return versions


# --- reports ---------------------------------------------------------------------------


@dataclass
class ReportCounts:
    forms: int = 0
    submissions: int = 0
    sms_redeliveries: int = 0


@dataclass
class _Sender:
    """Submits one mission's reports as its clerk (or texts them as the observer: see
    Phone), counting what goes in."""

    mission: Mission
    user: User
    versions: dict[str, FormVersion]
    rng: random.Random
    ids: random.Random
    phone: Phone
    sent: int = 0
    voting_visits: int = 0

    def instance_id(self) -> str:
        return str(uuid.UUID(int=self.ids.getrandbits(128), version=4))

    def channel(self) -> str:
        return self.rng.choices([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])[0]

    def send(
        self,
        form: str,
        observer: Observer,
        station_code: str | None,
        observed_at: dt.datetime,
        answers: dict[str, Any],
        *,
        channel: str | None = None,
        replaces: str | None = None,
        instance_id: str | None = None,
    ) -> str:
        instance_id = instance_id or self.instance_id()
        channel = channel or self.channel()
        if channel == Channel.SMS and self.phone.can_carry(form, answers):
            self.sent += 1
            return self.phone.send(form, observer, station_code, observed_at, answers)
        if channel == Channel.SMS:
            # Free text that SMS cannot carry: the observer used the web form.
            channel = Channel.WEB
        payload: dict[str, Any] = {
            "instance_id": instance_id,
            "form": form,
            "form_version": self.versions[form].version,
            "observer": observer.code,
            "observed_at": observed_at.isoformat(),
            "answers": answers,
        }
        if station_code is not None:
            payload["station"] = station_code
        if replaces is not None:
            payload["replaces"] = replaces
        services.submit_report(
            user=self.user, payload=payload, channel=channel, mission=self.mission
        )
        self.sent += 1
        if station_code is not None and self.phone.also_texts(form, answers):
            # The observer texts the checklist the web form already delivered: counted once.
            self.phone.send(
                form, observer, station_code, observed_at, answers, expect=Outcome.DUPLICATE
            )
        return instance_id


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _clerk(mission: Mission) -> User:
    """Who enters the demo's reports: the data clerk, else the coordinator."""
    memberships = Membership.objects.filter(mission=mission).select_related("user")
    by_role = {m.role: m.user for m in memberships}
    return by_role.get(Role.DATA_CLERK) or by_role[Role.COORDINATOR]


def _team_reports(
    sender: _Sender, deployment: Deployment, pair: list[Observer], claimed: set
) -> None:
    """One short-term team's day: opening, voting visits, counting; sometimes both file."""
    rng = sender.rng
    stations = [s for s in deployment.stations.all() if s.pk not in claimed]
    if not stations or len(pair) < 2:
        return
    claimed.update(s.pk for s in stations)
    day = sc.ELECTION_DAY
    first, last = stations[0], stations[-1]
    opening_at = _at(day, 7, rng.randint(5, 45))
    sender.send(
        "opening",
        pair[0],
        first.code,
        opening_at,
        opening_answers(rng, opening_at, problem=rng.random() < QUALITY_PROBLEM),
    )
    visits = stations[:VOTING_VISITS_PER_TEAM]
    for k, station in enumerate(visits):
        arrival = _at(day, 8 + (11 * k) // len(visits), rng.randint(0, 59))
        _voting_visit(sender, pair, station, arrival)
    count_at = _at(day, 20, rng.randint(0, 40))
    wrong = rng.random() < COUNTING_SUM_WRONG
    answers = counting_answers(rng, last.registered_voters, count_at, wrong_sum=wrong)
    sender.send("counting", pair[1], last.code, count_at, answers)
    if rng.random() < COUNTING_BOTH_FILE:
        # The other observer copied one candidate's figure differently.
        misread = dict(answers, votes_babanov=answers["votes_babanov"] + rng.randint(1, 30))
        sender.send("counting", pair[0], last.code, count_at, misread)
    if rng.random() < STO_INCIDENTS_PER_TEAM:
        category = rng.choice(
            ["intimidation", "vote_buying", "obstruction", "ballot_stuffing", "violence"]
        )
        station = rng.choice(visits)
        moment = _at(day, rng.randint(9, 19), rng.randint(0, 59))
        sender.send("incident", pair[0], station.code, moment, incident_answers(rng, category))


def _voting_visit(
    sender: _Sender, pair: list[Observer], station: Any, arrival: dt.datetime
) -> None:
    rng = sender.rng
    problem = rng.random() < QUALITY_PROBLEM
    answers = voting_answers(rng, station.registered_voters, arrival, problem=problem)
    author = pair[rng.randrange(2)]
    instance_id = sender.send("voting", author, station.code, arrival, answers)
    sender.voting_visits += 1
    if sender.voting_visits % CORRECTED_BY_SMS_EVERY == 2:
        # An SMS names no report it replaces: the texted correction becomes a new
        # version flagged as a changed resubmission (a web correction if it holds text).
        corrected = dict(answers, queue=answers["queue"] + rng.randint(1, 10))
        sender.send(
            "voting",
            author,
            station.code,
            arrival,
            corrected,
            channel=Channel.SMS,
            replaces=instance_id,
        )
    if sender.voting_visits % BOTH_OBSERVERS_FILE_EVERY == 4:
        # The team mate saw it otherwise: the two reports disagree on a question.
        other = pair[1] if author == pair[0] else pair[0]
        disagreeing = dict(
            answers, layout_secrecy="no" if answers["layout_secrecy"] == "yes" else "yes"
        )
        sender.send("voting", other, station.code, arrival, disagreeing)


def _long_term_reports(sender: _Sender, observers: list[Observer]) -> None:
    """Campaigning reports: on the silence day (flagged) and earlier (not flagged)."""
    rng = sender.rng
    silence_day = sc.ELECTION_DAY - dt.timedelta(days=1)
    for k, observer in enumerate(observers):
        if k % 2 == 0:
            moment = _at(silence_day, rng.randint(9, 20), rng.randint(0, 59))
        else:
            moment = _at(silence_day - dt.timedelta(days=rng.randint(2, 20)), 15, 0)
        sender.send("incident", observer, None, moment, incident_answers(rng, "campaigning"))
    for observer in observers[: len(observers) // 3]:
        moment = _at(silence_day - dt.timedelta(days=rng.randint(1, 25)), 11, 30)
        category = rng.choice(["misuse_of_resources", "intimidation", "vote_buying"])
        sender.send("incident", observer, None, moment, incident_answers(rng, category))


def _short_term_teams(mission: Mission) -> list[tuple[Deployment, list[Observer]]]:
    observers: dict[int, list[Observer]] = {}
    for observer in Observer.objects.filter(
        mission=mission, role=Observer.ObserverRole.SHORT_TERM
    ).order_by("code"):
        observers.setdefault(observer.team_id or 0, []).append(observer)
    deployments = (
        Deployment.objects.filter(mission=mission, date=sc.ELECTION_DAY)
        .select_related("team")
        .prefetch_related("stations")
        .order_by("team__code")
    )
    return [(d, observers.get(d.team_id, [])) for d in deployments]


def load_reports(
    missions: list[Mission], step: Callable[[str], None] = lambda _message: None
) -> ReportCounts:
    """The four forms in every mission, then the synthetic reports of every mission."""
    rng = random.Random(f"{sc.SEED}-reports")
    ids = random.Random(f"{sc.SEED}-report-ids")
    sms_rng = random.Random(f"{sc.SEED}-sms")
    counts = ReportCounts()
    for mission in missions:
        step(_("Forms and reports: %(mission)s") % {"mission": mission.name})
        clerk = _clerk(mission)
        versions = load_forms(mission, clerk)
        counts.forms += len(versions)
        phone = Phone.for_mission(mission, sms_rng)
        sender = _Sender(mission, clerk, versions, rng, ids, phone)
        claimed: set[int] = set()
        for deployment, pair in _short_term_teams(mission)[:REPORTING_TEAMS]:
            _team_reports(sender, deployment, pair, claimed)
        long_term = Observer.objects.filter(
            mission=mission, role=Observer.ObserverRole.LONG_TERM
        ).order_by("code")
        _long_term_reports(sender, list(long_term)[:REPORTING_TEAMS])
        counts.submissions += sender.sent
        phone.finish()
        counts.sms_redeliveries += phone.redeliveries
        _receive_when_observed(mission, random.Random(f"{sc.SEED}-delays-{mission.code}"))
    return counts


def _receive_when_observed(mission: Mission, rng: random.Random) -> None:
    """Stamp receptions a few minutes after the observation, as on the day.

    The demo is loaded years after its election; left at the load time, every report
    would arrive in one quarter hour and the timeline would say nothing.
    """
    reports = list(Report.objects.filter(mission=mission).only("id", "observed_at"))
    for report in reports:
        report.created_at = report.updated_at = report.observed_at + dt.timedelta(
            minutes=rng.randint(1, 25)
        )
    Report.objects.bulk_update(reports, ["created_at", "updated_at"], batch_size=500)
    received = {report.id: report.created_at for report in reports}
    versions = list(ReportVersion.objects.filter(report__mission=mission).only("id", "report_id"))
    for version in versions:
        version.created_at = received[version.report_id]
    ReportVersion.objects.bulk_update(versions, ["created_at"], batch_size=500)

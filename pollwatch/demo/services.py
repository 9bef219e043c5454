"""Load, reload and remove the demo scenario (scenario.py) in one transaction.

What belongs to the demo:
- every election with is_demo=True and everything attached to it (calendar,
  candidates, areas, stations, invitations, missions with their memberships,
  teams, observers and deployments);
- the election bodies, organisations and parties those rows point to;
- the demo's user accounts: a name from scenario.DEMO_USERNAMES *and* an e-mail
  address at scenario.DEMO_EMAIL_DOMAIN.

Everything else is non-demo data: an election with is_demo=False, an organisation,
election body or party that no demo election uses, and any account that is neither
a demo account nor a superuser (superusers are platform operators, created by
hand, and never touched). That includes accounts someone made inside a demo
mission, e.g. observer logins from an import: the demo never deletes an account it
did not make, so it refuses instead.

Without force, load_demo() refuses (DemoRefused) when any non-demo data exists.
With force it loads anyway and removes only the demo's own rows, keeping the rest.
A name clash (the demo's election or mission code, or a demo user name, taken by
non-demo data) is refused even with force, since loading would have to overwrite.

- the forms of the demo missions and the reports made with them (demo/reports.py:
  every report goes through the real submission path);
- the missions' example SMS gateways and the text messages through them
  (demo/channels.py), and any ODK app users of their observers.

Tables added by later issues that point at elections, stations or missions with
on_delete=PROTECT must be emptied for the demo in delete_demo().
"""

import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pollwatch.accounts.models import User
from pollwatch.channels.models import InboundMessage
from pollwatch.checklists.models import Form
from pollwatch.demo import channels as demo_channels
from pollwatch.demo import reports as demo_reports
from pollwatch.demo import scenario as sc
from pollwatch.demo.geography import add_geography
from pollwatch.demo.official import add_official_results
from pollwatch.demo.quickcount import add_quick_count
from pollwatch.elections.models import (
    Area,
    BodyMember,
    CalendarPhase,
    Candidate,
    CandidateName,
    Election,
    ElectionBody,
    Party,
    PollingStation,
)
from pollwatch.missions.models import (
    Deployment,
    Invitation,
    Membership,
    Mission,
    Observer,
    Organisation,
    Team,
)
from pollwatch.reports.models import Channel, Flag, Report, ReportVersion

Progress = Callable[[str], None]


class DemoRefused(Exception):
    """The database holds data the demo must not mix with or overwrite."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    mission: str
    role: str
    name: str


@dataclass
class DemoSummary:
    election: str
    areas: int = 0
    stations_in_country: int = 0
    stations_abroad: int = 0
    registered_voters: int = 0
    candidates: int = 0
    election_bodies: int = 0
    organisations: int = 0
    invitations: int = 0
    missions: int = 0
    observers: int = 0
    kazakh_observers: int = 0
    nationalities: int = 0
    teams: int = 0
    deployments: int = 0
    forms: int = 0
    reports: int = 0
    flagged_reports: int = 0
    reports_in_conflict: int = 0
    silence_flags: int = 0
    sms_gateways: int = 0
    sms_messages: int = 0
    sms_reports: int = 0
    # Deliveries a gateway repeated (same message id): answered again, stored once.
    sms_redelivered: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    password: str = sc.DEMO_PASSWORD
    seconds: float = 0.0

    @property
    def stations(self) -> int:
        return self.stations_in_country + self.stations_abroad


# --- Ownership --------------------------------------------------------------


def demo_user_filter() -> Q:
    return Q(username__in=sc.DEMO_USERNAMES, email__iendswith="@" + sc.DEMO_EMAIL_DOMAIN)


@dataclass
class _Scope:
    """Ids of the shared rows (bodies, organisations, parties) the demo elections use."""

    organisations: set[int]
    bodies: set[int]
    parties: set[int]


def _ids(values) -> set[int]:
    return {value for value in values if value is not None}


def _demo_scope() -> _Scope:
    elections = Election.objects.filter(is_demo=True)
    organisations = _ids(
        Mission.objects.filter(election__in=elections).values_list("organisation_id", flat=True)
    ) | _ids(Invitation.objects.filter(election__in=elections).values_list("invitee_id", flat=True))
    bodies = (
        _ids(elections.values_list("administered_by_id", flat=True))
        | _ids(
            Invitation.objects.filter(election__in=elections).values_list(
                "inviting_body_id", flat=True
            )
        )
        | _ids(
            Organisation.objects.filter(id__in=organisations).values_list(
                "election_body_id", flat=True
            )
        )
    )
    parties = _ids(
        Candidate.objects.filter(election__in=elections).values_list("party_id", flat=True)
    )
    return _Scope(organisations, bodies, parties)


def find_non_demo_data() -> list[str]:
    """What the database holds besides the demo, one phrase per kind; empty if nothing."""
    scope = _demo_scope()
    counts = [
        (
            Election.objects.filter(is_demo=False).count(),
            "%(count)d election",
            "%(count)d elections",
        ),
        (
            Organisation.objects.exclude(id__in=scope.organisations).count(),
            "%(count)d organisation",
            "%(count)d organisations",
        ),
        (
            ElectionBody.objects.exclude(id__in=scope.bodies).count(),
            "%(count)d election body",
            "%(count)d election bodies",
        ),
        (
            Party.objects.exclude(id__in=scope.parties).count(),
            "%(count)d party",
            "%(count)d parties",
        ),
        (
            User.objects.filter(is_superuser=False).exclude(demo_user_filter()).count(),
            "%(count)d user account",
            "%(count)d user accounts",
        ),
    ]
    return [ngettext(one, many, n) % {"count": n} for n, one, many in counts if n]


def _check_name_clashes() -> None:
    """Refuse, even with force, when non-demo rows hold the demo's codes or user names."""
    if Election.objects.filter(code=sc.ELECTION_CODE, is_demo=False).exists():
        raise DemoRefused(
            _("An election with the code %(code)s exists and is not the demo's.")
            % {"code": sc.ELECTION_CODE}
        )
    codes = [m.code for m in sc.MISSIONS]
    taken = Mission.objects.filter(code__in=codes, election__is_demo=False).first()
    if taken is not None:
        raise DemoRefused(
            _("A mission with the code %(code)s exists and is not the demo's.")
            % {"code": taken.code}
        )
    user = User.objects.filter(username__in=sc.DEMO_USERNAMES).exclude(demo_user_filter()).first()
    if user is not None:
        raise DemoRefused(
            _("A user named %(username)s exists and is not a demo account.")
            % {"username": user.username}
        )


@transaction.atomic
def delete_demo() -> None:
    """Remove every demo election with what hangs off it, and the demo's accounts.

    Shared rows (bodies, organisations, parties) go only when nothing else uses them.
    """
    scope = _demo_scope()
    elections = Election.objects.filter(is_demo=True)
    # Messages point at reports (SET_NULL): removing them first spares those updates.
    demo_channels.delete_channels(elections)
    _delete_reports(elections)
    # Missions, stations and areas are protected from cascades, so they go first,
    # and areas leaf level first.
    Mission.objects.filter(election__in=elections).delete()
    PollingStation.objects.filter(election__in=elections).delete()
    areas = Area.objects.filter(election__in=elections)
    for depth in sorted(set(areas.values_list("depth", flat=True)), reverse=True):
        areas.filter(depth=depth).delete()
    elections.delete()
    Organisation.objects.filter(
        id__in=scope.organisations, missions=None, invitations=None
    ).delete()
    ElectionBody.objects.filter(
        id__in=scope.bodies, elections=None, invitations_sent=None, organisations=None
    ).delete()
    Party.objects.filter(id__in=scope.parties, candidates=None).delete()
    User.objects.filter(demo_user_filter()).delete()


def _delete_reports(elections) -> None:
    """Reports and forms of the demo missions, before the rows they protect.

    A report protects its observer, station and form, and its versions protect one
    another (`replaces`, Report.current): those links are cut first, so that the
    cascade from Report takes versions, submissions, flags and decisions with it.
    """
    reports = Report.objects.filter(mission__election__in=elections)
    ReportVersion.objects.filter(report__in=reports).update(replaces=None)
    reports.update(current=None)
    reports.delete()
    Form.objects.filter(mission__election__in=elections).delete()


# --- Loading ----------------------------------------------------------------


class _Gen:
    """The scenario's random draws, and stable UUIDs so that demo URLs survive a reload."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._ids = random.Random(f"{seed}-uuids")

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self._ids.getrandbits(128), version=4)


def load_demo(*, force: bool = False, progress: Progress | None = None) -> DemoSummary:
    """Load the demo, replacing any previous demo, all in one transaction.

    Idempotent: the same seed gives the same rows (and UUIDs) on every load. Raises
    DemoRefused when the database holds non-demo data and force is False, or when
    non-demo data holds one of the demo's codes or user names (see the module
    docstring for what counts as demo data).
    """
    started = time.perf_counter()
    step = progress or (lambda _message: None)
    with transaction.atomic():
        _check_name_clashes()
        found = find_non_demo_data() if not force else []
        if found:
            raise DemoRefused(
                _(
                    "The database holds data that is not the demo's (%(found)s). "
                    "Run again with --force to load the demo beside it; only the demo's "
                    "own rows are replaced."
                )
                % {"found": ", ".join(found)}
            )
        step(_("Removing the previous demo"))
        delete_demo()
        summary = _build(_Gen(sc.SEED), step)
    summary.seconds = time.perf_counter() - started
    return summary


def _build(gen: _Gen, step: Progress) -> DemoSummary:
    summary = DemoSummary(election=sc.ELECTION_CODE)
    step(_("Election, calendar and candidates"))
    bodies = _create_bodies(gen)
    election = _create_election(bodies[sc.HOST_BODY.key])
    summary.election_bodies = len(bodies)
    summary.candidates = _create_candidates(gen, election)
    step(_("Areas and polling stations"))
    districts, regions, countries = _create_areas(election)
    summary.areas = 1 + len(regions) + len(districts) + len(countries) + 1
    by_district = _create_stations(gen, election, districts, countries, summary)
    add_geography(election)
    step(_("Organisations and invitations"))
    organisations = _create_organisations(gen, bodies)
    summary.organisations = len(organisations)
    summary.invitations = _create_invitations(gen, election, bodies, organisations)
    step(_("Missions, observers and deployments"))
    missions = _create_missions(election, organisations)
    summary.missions = len(missions)
    for row in sc.MISSIONS:
        _create_roster(gen, missions[row.code], row, regions, by_district, summary)
    summary.nationalities = (
        Observer.objects.filter(mission__election=election).values("nationality").distinct().count()
    )
    step(_("Demo accounts"))
    summary.logins = _create_logins(gen, missions)
    step(_("Example SMS gateways"))
    summary.sms_gateways = demo_channels.create_gateways([missions[r.code] for r in sc.MISSIONS])
    step(_("Official results"))
    add_official_results(election)
    _create_reports([missions[row.code] for row in sc.MISSIONS], summary, step)
    return summary


def _create_reports(missions: list[Mission], summary: DemoSummary, step: Progress) -> None:
    """The demo forms in every mission and reports sent through the real submission path."""
    counts = demo_reports.load_reports(missions, step)
    step(_("The quick count"))
    add_quick_count(missions[0])
    summary.forms = Form.objects.filter(mission__in=missions).count()
    summary.sms_redelivered = counts.sms_redeliveries
    reports = Report.objects.filter(mission__in=missions)
    summary.reports = reports.count()
    summary.flagged_reports = reports.filter(status=Report.Status.FLAGGED).count()
    summary.reports_in_conflict = reports.filter(in_conflict=True).count()
    summary.silence_flags = Flag.objects.filter(
        report__in=reports, kind=Flag.Kind.SILENCE_CAMPAIGNING
    ).count()
    summary.sms_messages = InboundMessage.objects.filter(gateway__mission__in=missions).count()
    summary.sms_reports = reports.filter(versions__channel=Channel.SMS).distinct().count()


def _create_bodies(gen: _Gen) -> dict[str, ElectionBody]:
    rows = [sc.HOST_BODY, *sc.FOREIGN_BODIES]
    bodies = ElectionBody.objects.bulk_create(
        ElectionBody(uuid=gen.uuid(), name=b.name, short_name=b.short_name, country=b.country)
        for b in rows
    )
    BodyMember.objects.bulk_create(
        BodyMember(body=body, name=name, role=role)
        for body, row in zip(bodies, rows, strict=True)
        for name, role in row.members
    )
    return {row.key: body for row, body in zip(rows, bodies, strict=True)}


def _create_election(host: ElectionBody) -> Election:
    election = Election.objects.create(
        code=sc.ELECTION_CODE,
        name=sc.ELECTION_NAME,
        kind=Election.Kind.PRESIDENTIAL,
        country=sc.COUNTRY,
        election_day=sc.ELECTION_DAY,
        time_zone=sc.TZ_NAME,
        win_denominator=sc.WIN_DENOMINATOR,
        win_threshold=sc.WIN_THRESHOLD,
        administered_by=host,
        scenario_clock=sc.SCENARIO_CLOCK,
        notes=sc.ELECTION_NOTES,
        is_demo=True,
    )
    CalendarPhase.objects.bulk_create(
        CalendarPhase(
            election=election, kind=p.kind, starts_at=p.starts_at, ends_at=p.ends_at, note=p.note
        )
        for p in sc.PHASES
    )
    return election


def _create_candidates(gen: _Gen, election: Election) -> int:
    parties = Party.objects.bulk_create(
        Party(country=sc.COUNTRY, name=p.name, short_name=p.short_name) for p in sc.PARTIES
    )
    party_by_key = {row.key: party for row, party in zip(sc.PARTIES, parties, strict=True)}
    candidates = Candidate.objects.bulk_create(
        Candidate(
            uuid=gen.uuid(),
            election=election,
            name=c.name,
            ballot_number=c.ballot_number,
            party=party_by_key[c.party] if c.party else None,
            nominated_by=Candidate.Nominator.PARTY if c.party else Candidate.Nominator.SELF,
            status=Candidate.Status.REGISTERED,
        )
        for c in sc.CANDIDATES
    )
    CandidateName.objects.bulk_create(
        CandidateName(candidate=candidate, name=name, language=language, script=script)
        for candidate, row in zip(candidates, sc.CANDIDATES, strict=True)
        for name, language, script in row.variants
    )
    return len(candidates)


def _area(election: Election, code: str, name: str, level: str, parent: Area | None) -> Area:
    """An unsaved Area with its path and depth set, as save() would, for bulk_create."""
    area = Area(election=election, code=code, name=name, level=level, parent=parent)
    area.set_path()
    return area


def _district_code(region: sc.Region, name: str) -> str:
    slug = name.removesuffix(" district").replace(",", "").replace(" ", "-").upper()
    return f"{region.code}-{slug}"


def _create_areas(
    election: Election,
) -> tuple[list[tuple[sc.Region, int, Area]], list[Area], dict[str, Area]]:
    """The tree: country > regions > districts, and Abroad > countries.

    Returns the districts as (region, index within the region, area), the regions
    in scenario order, and the countries abroad by ISO code.
    """
    root = Area.objects.bulk_create([_area(election, *sc.ROOT_AREA, None)])[0]
    regions = Area.objects.bulk_create(
        [_area(election, r.code, r.name, "region", root) for r in sc.REGIONS]
        + [_area(election, *sc.ABROAD_AREA, root)]
    )
    abroad = regions.pop()
    district_keys = [
        (region, index, name)
        for region in sc.REGIONS
        for index, name in enumerate(region.districts)
    ]
    parent_of = {r.code: area for r, area in zip(sc.REGIONS, regions, strict=True)}
    country_rows = list(dict.fromkeys((s.country, s.country_name) for s in sc.ABROAD_STATIONS))
    created = Area.objects.bulk_create(
        [
            _area(election, _district_code(r, name), name, "district", parent_of[r.code])
            for r, _index, name in district_keys
        ]
        + [
            _area(election, f"{sc.ABROAD_AREA[0]}-{iso}", name, "country", abroad)
            for iso, name in country_rows
        ]
    )
    split = len(district_keys)
    districts = [
        (r, index, area)
        for (r, index, _name), area in zip(district_keys, created[:split], strict=True)
    ]
    countries = {
        iso: area for (iso, _name), area in zip(country_rows, created[split:], strict=True)
    }
    return districts, regions, countries


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` split into `parts` uneven positive shares (largest remainder)."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    exact = [total * w / sum(weights) for w in weights]
    counts = [max(1, int(x)) for x in exact]
    order = sorted(range(parts), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _exact_total(rng: random.Random, weights: Sequence[float], total: int) -> list[int]:
    """Draw one positive count per weight, noisy around it, summing exactly to total."""
    raw = [w * min(2.2, max(0.35, rng.lognormvariate(0, 0.35))) for w in weights]
    exact = [total * r / sum(raw) for r in raw]
    counts = [max(1, int(x)) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    gap, k = total - sum(counts), 0
    while gap:
        i = order[k % len(order)]
        if gap > 0 or counts[i] > 1:
            counts[i] += 1 if gap > 0 else -1
            gap += -1 if gap > 0 else 1
        k += 1
    return counts


def _coordinate(value: float) -> str:
    return f"{value:.6f}"


def _station_rows(
    gen: _Gen, districts: list[tuple[sc.Region, int, Area]]
) -> list[tuple[Area, str, str, str, float, float, float]]:
    """Synthetic in-country stations: (area, code, name, address, lat, lon, weight)."""
    rng = gen.rng
    in_country = 1 - sc.ABROAD_VOTER_SHARE
    rows = []
    for region in sc.REGIONS:
        mine = [(index, area) for r, index, area in districts if r is region]
        counts = _split(rng, region.stations, len(mine))
        south, west, north, east = region.box
        width = (east - west) / len(mine)
        weight = region.voter_share * in_country / region.stations
        number = 0
        for (index, area), count in zip(mine, counts, strict=True):
            for _station in range(count):
                number += 1
                name = rng.choice(sc.STATION_KINDS).format(n=rng.randint(1, 140))
                street = rng.choice(sc.STREETS)
                address = f"{rng.randint(1, 180)} {street} Street, {area.name}, {region.name}"
                lat = rng.uniform(south, north)
                lon = rng.uniform(west + index * width, west + (index + 1) * width)
                rows.append((area, f"{region.digit}{number:03d}", name, address, lat, lon, weight))
    return rows


def _abroad_rows(
    gen: _Gen, countries: dict[str, Area]
) -> list[tuple[Area, str, str, str, float, float, float]]:
    rng = gen.rng
    weight = sc.ABROAD_VOTER_SHARE / len(sc.ABROAD_STATIONS)
    per_city: dict[str, int] = {}
    rows = []
    for number, s in enumerate(sc.ABROAD_STATIONS, start=1):
        per_city[s.city] = per_city.get(s.city, 0) + 1
        name = f"Polling station abroad, {s.city}"
        if sum(1 for other in sc.ABROAD_STATIONS if other.city == s.city) > 1:
            name = f"{name} No. {per_city[s.city]}"
        lat = s.lat + rng.uniform(-0.03, 0.03)
        lon = s.lon + rng.uniform(-0.03, 0.03)
        # Most Kyrgyz citizens abroad live in Russia: its stations are the largest.
        w = weight * (2.0 if s.country == "RU" else 0.8)
        code = f"{sc.ABROAD_STATION_DIGIT}{number:03d}"
        rows.append((countries[s.country], code, name, f"{s.city}, {s.country_name}", lat, lon, w))
    return rows


def _create_stations(
    gen: _Gen,
    election: Election,
    districts: list[tuple[sc.Region, int, Area]],
    countries: dict[str, Area],
    summary: DemoSummary,
) -> dict[int, list[PollingStation]]:
    """All stations, with voters adding up to the reported total; returns them by district."""
    in_country = _station_rows(gen, districts)
    abroad = _abroad_rows(gen, countries)
    rows = in_country + abroad
    voters = _exact_total(gen.rng, [row[6] for row in rows], sc.REGISTERED_VOTERS)
    stations = PollingStation.objects.bulk_create(
        (
            PollingStation(
                election=election,
                area=area,
                code=code,
                name=name,
                address=address,
                registered_voters=count,
                latitude=_coordinate(lat),
                longitude=_coordinate(lon),
            )
            for (area, code, name, address, lat, lon, _w), count in zip(rows, voters, strict=True)
        ),
        batch_size=500,
    )
    summary.stations_in_country = len(in_country)
    summary.stations_abroad = len(abroad)
    summary.registered_voters = sum(voters)
    by_district: dict[int, list[PollingStation]] = {}
    for station in stations[: len(in_country)]:
        by_district.setdefault(station.area_id, []).append(station)
    return by_district


def _create_organisations(gen: _Gen, bodies: dict[str, ElectionBody]) -> dict[str, Organisation]:
    organisations = Organisation.objects.bulk_create(
        Organisation(
            uuid=gen.uuid(),
            name=o.name,
            short_name=o.short_name,
            kind=o.kind,
            country=o.country,
            election_body=bodies[o.body] if o.body else None,
        )
        for o in sc.ORGANISATIONS
    )
    return {row.key: org for row, org in zip(sc.ORGANISATIONS, organisations, strict=True)}


def _create_invitations(
    gen: _Gen,
    election: Election,
    bodies: dict[str, ElectionBody],
    organisations: dict[str, Organisation],
) -> int:
    invitations = Invitation.objects.bulk_create(
        Invitation(
            uuid=gen.uuid(),
            election=election,
            inviting_body=bodies[sc.HOST_BODY.key],
            invitee=organisations[i.invitee],
            sent_on=i.sent_on,
            status=i.status,
            decided_on=i.decided_on,
            decided_where=i.decided_where,
            decided_by=i.decided_by,
            statement=i.statement,
        )
        for i in sc.INVITATIONS
    )
    return len(invitations)


def _create_missions(
    election: Election, organisations: dict[str, Organisation]
) -> dict[str, Mission]:
    missions = Mission.objects.bulk_create(
        Mission(
            code=m.code, name=m.name, organisation=organisations[m.organisation], election=election
        )
        for m in sc.MISSIONS
    )
    return {m.code: m for m in missions}


# --- Rosters ----------------------------------------------------------------


def _nationalities(rng: random.Random, pool: Sequence[str], count: int) -> list[str]:
    """`count` nationalities from the pool, each state at least once while there is room."""
    states = [state for state in pool if state != "KZ"]
    first = rng.sample(states, min(count, len(states)))
    weights = [sc.NATIONALITY_WEIGHTS.get(state, 1) for state in states]
    return first + rng.choices(states, weights=weights, k=count - len(first))


def _person(rng: random.Random, nationality: str) -> str:
    tradition = sc.NAME_TRADITION.get(nationality, "generic")
    men, women, surnames = (part.split() for part in sc.NAMES[tradition])
    woman = rng.random() < 0.45
    given = rng.choice(women if woman else men)
    surname = rng.choice(surnames)
    if woman and tradition in sc.FEMININE_SURNAMES:
        if surname.endswith(("ov", "ev", "in")):
            surname += "a"
        elif surname.endswith("ski"):
            surname = surname[:-1] + "a"
    return f"{given} {surname}"


def _phone(rng: random.Random, nationality: str) -> str:
    country_code = sc.CALLING_CODES[nationality]
    # North America (+1) and Russia/Kazakhstan (+7) have ten-digit national numbers.
    digits = 10 if country_code in ("1", "7") else 9
    return f"+{country_code}{rng.randint(2 * 10 ** (digits - 1), 10**digits - 1)}"


def _languages(nationality: str, row: sc.MissionRow) -> tuple[str, str]:
    """(languages, preferred language) for an observer of that nationality in that mission."""
    native = [code for code in sc.NATIVE_LANGUAGES.get(nationality, "").split(",") if code]
    spoken = list(dict.fromkeys([*native, "ru" if row.cis_language else "en", "en"]))
    preferred = "ru" if row.cis_language or "ru" in native else "en"
    return ",".join(spoken), preferred


@dataclass
class _Slot:
    nationality: str
    role: str


def _slots(rng: random.Random, row: sc.MissionRow) -> list[_Slot]:
    """The mission's observers by role and nationality; Kazakhs are all short-term."""
    others = row.core_team + row.long_term + row.short_term - row.kazakhs
    nationalities = _nationalities(rng, row.nationalities, others)
    rng.shuffle(nationalities)
    roles = (
        [Observer.ObserverRole.CORE_TEAM] * row.core_team
        + [Observer.ObserverRole.LONG_TERM] * row.long_term
        + [Observer.ObserverRole.SHORT_TERM] * (row.short_term - row.kazakhs)
    )
    slots = [_Slot(n, r) for n, r in zip(nationalities, roles, strict=True)]
    short = [s for s in slots if s.role == Observer.ObserverRole.SHORT_TERM]
    short += [_Slot("KZ", Observer.ObserverRole.SHORT_TERM) for _ in range(row.kazakhs)]
    rng.shuffle(short)  # so that Kazakh observers are spread over the teams
    return [s for s in slots if s.role != Observer.ObserverRole.SHORT_TERM] + short


def _seconded_by(slot: _Slot, row: sc.MissionRow) -> str:
    if slot.nationality == "KZ":
        return sc.KZ_SECONDING_BODY
    if slot.role == Observer.ObserverRole.CORE_TEAM:
        return row.core_seconding
    return row.seconding.format(country=sc.COUNTRY_NAMES[slot.nationality])


def _create_teams(mission: Mission, row: sc.MissionRow) -> tuple[list[Team], list[Team]]:
    long_term = [
        Team(mission=mission, code=f"L{k:02d}", name=f"Long-term team {k}")
        for k in range(1, row.long_term // 2 + 1)
    ]
    short_term = [
        Team(mission=mission, code=f"S{k:03d}", name=f"Short-term team {k}")
        for k in range(1, row.short_term // 2 + 1)
    ]
    Team.objects.bulk_create(long_term + short_term)
    return long_term, short_term


def _create_roster(
    gen: _Gen,
    mission: Mission,
    row: sc.MissionRow,
    regions: list[Area],
    by_district: dict[int, list[PollingStation]],
    summary: DemoSummary,
) -> None:
    """Observers, pairs of them as teams, and where each team is deployed."""
    rng = gen.rng
    slots = _slots(rng, row)
    long_teams, short_teams = _create_teams(mission, row)
    pairs: dict[str, Iterator[Team]] = {
        Observer.ObserverRole.LONG_TERM: iter(t for t in long_teams for _ in range(2)),
        Observer.ObserverRole.SHORT_TERM: iter(t for t in short_teams for _ in range(2)),
    }
    codes = rng.sample(range(1000, 10000), len(slots))
    observers = Observer.objects.bulk_create(
        _observer(gen, mission, row, slot, number, str(code), pairs)
        for number, (slot, code) in enumerate(zip(slots, codes, strict=True), start=1)
    )
    summary.observers += len(observers)
    summary.kazakh_observers += sum(1 for o in observers if o.nationality == "KZ")
    summary.teams += len(long_teams) + len(short_teams)
    summary.deployments += _deploy(rng, mission, long_teams, short_teams, regions, by_district)


def _observer(
    gen: _Gen,
    mission: Mission,
    row: sc.MissionRow,
    slot: _Slot,
    number: int,
    code: str,
    pairs: dict[str, Iterator[Team]],
) -> Observer:
    rng = gen.rng
    languages, preferred = _languages(slot.nationality, row)
    valid_from, valid_until = (
        sc.ACCREDITATION_SHORT
        if slot.role == Observer.ObserverRole.SHORT_TERM
        else sc.ACCREDITATION_LONG
    )
    team = next(pairs[slot.role]) if slot.role in pairs else None
    return Observer(
        uuid=gen.uuid(),
        mission=mission,
        code=code,
        name=_person(rng, slot.nationality),
        nationality=slot.nationality,
        seconded_by=_seconded_by(slot, row),
        languages=languages,
        preferred_language=preferred,
        phone=_phone(rng, slot.nationality),
        accreditation_number=f"KG-{row.short}-{number:04d}",
        accreditation_status=Observer.Accreditation.ISSUED,
        accredited_from=valid_from,
        accredited_until=valid_until,
        role=slot.role,
        team=team,
    )


def _deploy(
    rng: random.Random,
    mission: Mission,
    long_teams: list[Team],
    short_teams: list[Team],
    regions: list[Area],
    by_district: dict[int, list[PollingStation]],
) -> int:
    """Long-term teams to a region each; short-term teams to ten stations of a district."""
    deployments = [
        Deployment(
            mission=mission, team=team, area=regions[k % len(regions)], date=sc.LTO_DEPLOYMENT_DAY
        )
        for k, team in enumerate(long_teams)
    ]
    districts = sorted(by_district)
    weights = [len(by_district[d]) for d in districts]
    picks = rng.choices(districts, weights=weights, k=len(short_teams))
    short = [
        Deployment(mission=mission, team=team, area_id=district, date=sc.ELECTION_DAY)
        for team, district in zip(short_teams, picks, strict=True)
    ]
    Deployment.objects.bulk_create(deployments + short)
    through = Deployment.stations.through
    links = []
    for deployment, district in zip(short, picks, strict=True):
        stations = by_district[district]
        chosen = rng.sample(stations, min(sc.STATIONS_PER_TEAM, len(stations)))
        links += [through(deployment_id=deployment.pk, pollingstation_id=s.pk) for s in chosen]
    through.objects.bulk_create(links, batch_size=1000)
    return len(deployments) + len(short)


# --- Accounts ---------------------------------------------------------------


def _create_logins(gen: _Gen, missions: dict[str, Mission]) -> list[DemoLogin]:
    """The demo accounts; observer logins take short-term observers in team order."""
    password = make_password(sc.DEMO_PASSWORD)  # hashed once: hashing is the slow part
    free = {
        code: list(
            Observer.objects.filter(mission=mission, role=Observer.ObserverRole.SHORT_TERM)
            .exclude(nationality="KZ")
            .order_by("team__code", "code")
        )
        for code, mission in missions.items()
    }
    linked: list[tuple[User, Observer]] = []
    users = []
    for login in sc.LOGINS:
        observer = free[login.mission].pop(0) if login.observer else None
        first, _space, last = (observer.name if observer else login.label).partition(" ")
        user = User(
            uuid=gen.uuid(),
            username=login.username,
            email=f"{login.username}@{sc.DEMO_EMAIL_DOMAIN}",
            password=password,
            first_name=first,
            last_name=last,
        )
        users.append(user)
        if observer is not None:
            linked.append((user, observer))
    User.objects.bulk_create(users)
    Membership.objects.bulk_create(
        Membership(user=user, mission=missions[login.mission], role=login.role)
        for user, login in zip(users, sc.LOGINS, strict=True)
    )
    for user, observer in linked:
        observer.user = user
    Observer.objects.bulk_update([o for _u, o in linked], ["user"])
    return [
        DemoLogin(login.username, login.mission, login.role, f"{user.first_name} {user.last_name}")
        for user, login in zip(users, sc.LOGINS, strict=True)
    ]

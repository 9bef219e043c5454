"""Import a mission's observers from CSV, optionally with their logins.

Columns: `name,code,nationality,role` are required; `phone,seconded_by,languages,
preferred_language,accreditation_number,accreditation_status,accredited_from,
accredited_until,team` are optional. All or nothing, every problem reported, as for
stations. Unlike a station code, an observer code that the mission already uses is an
error, not an update: codes name people who sign in and report, and a second file
must not silently overwrite someone else's record.

With logins, each new observer gets a user account without a password, an observer
membership of the mission and a one-time sign-in link; the raw link tokens are
returned once, for the cards or an SMS, and never stored.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollwatch.accounts.models import User
from pollwatch.accounts.services import create_signin_link
from pollwatch.elections.imports import CODE_MESSAGE, CODE_PATTERN
from pollwatch.lib.csvio import Cells, ImportRejected, RowError, read_csv
from pollwatch.missions.models import Membership, Mission, Observer, Role, Team

Progress = Callable[[int, int], None]

OBSERVER_COLUMNS = ["name", "code", "nationality", "role"]
OBSERVER_OPTIONAL = [
    "phone",
    "seconded_by",
    "languages",
    "preferred_language",
    "accreditation_number",
    "accreditation_status",
    "accredited_from",
    "accredited_until",
    "team",
]
BATCH_SIZE = 2000

OBSERVER_CODE = re.compile(r"[0-9]{3,8}")
COUNTRY = re.compile(r"[A-Z]{2}")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# Separators people type inside phone numbers: spaces, dashes, dots, brackets.
PHONE_NOISE = re.compile(r"[\s\-.()\u00a0]")

ROLES = {
    "core_team": Observer.ObserverRole.CORE_TEAM,
    "core": Observer.ObserverRole.CORE_TEAM,
    "long_term": Observer.ObserverRole.LONG_TERM,
    "lto": Observer.ObserverRole.LONG_TERM,
    "short_term": Observer.ObserverRole.SHORT_TERM,
    "sto": Observer.ObserverRole.SHORT_TERM,
}
ACCREDITATION = {choice.value: choice.value for choice in Observer.Accreditation}


@dataclass
class SigninCard:
    """What a printed card or an SMS needs; `token` exists only in this object."""

    observer: Observer
    token: str


@dataclass
class ObserverImportResult:
    rows: int = 0
    created: int = 0
    teams_created: int = 0
    logins: list[SigninCard] = field(default_factory=list)


def login_username(mission: Mission, observer: Observer) -> str:
    return f"{mission.code}-{observer.code}"


def normalise_phone(raw: str) -> str:
    """'+996 555 12-34-56' -> '+996555123456'; a leading 00 becomes +."""
    phone = PHONE_NOISE.sub("", raw)
    return "+" + phone[2:] if phone.startswith("00") else phone


def _phone(cells: Cells) -> str | None:
    raw = cells.values.get("phone", "")
    phone = normalise_phone(raw)
    if phone and not E164.fullmatch(phone):
        message = _(
            "'%(value)s' is not a phone number in international form; "
            "write it with + and the country code, e.g. +996 555 123456."
        )
        cells.error("phone", message % {"value": raw})
        return None
    return phone


def _languages(cells: Cells) -> tuple[str, str] | None:
    """The languages list ('ru,kk') and the preferred language (default: the first)."""
    codes = [
        code.lower() for code in re.split(r"[\s,;/]+", cells.values.get("languages", "")) if code
    ]
    preferred = cells.values.get("preferred_language", "").lower() or (codes[0] if codes else "en")
    bad = [code for code in [*codes, preferred] if not LANGUAGE.fullmatch(code)]
    if bad:
        message = _("'%(value)s' is not a language code; use ISO 639 codes such as ru, kk, en.")
        column = "languages" if bad[0] in codes else "preferred_language"
        cells.error(column, message % {"value": bad[0]})
        return None
    joined = ",".join(codes)
    if len(joined) > 100 or len(preferred) > 10:
        cells.error("languages", _("Too many languages in one cell."))
        return None
    return joined, preferred


def _parse_observer(cells: Cells) -> tuple[Observer, str | None, bool]:
    """An unsaved Observer, its team code, and whether every cell was right.

    A bad cell leaves its field None, and the row is still checked for duplicates.
    """
    before = len(cells.errors)
    # Any: a bad cell leaves its field None in an observer that is never saved.
    fields: dict[str, Any] = {
        "code": cells.text(
            "code",
            required=True,
            pattern=OBSERVER_CODE,
            pattern_message=gettext_lazy("an observer code is 3 to 8 digits."),
        ),
        "name": cells.text("name", required=True, max_length=200),
        "nationality": _nationality(cells),
        "role": cells.choice("role", ROLES),
        "phone": _phone(cells),
        "seconded_by": cells.text("seconded_by", max_length=200),
        "accreditation_number": cells.text("accreditation_number", max_length=50),
        "accreditation_status": cells.choice(
            "accreditation_status", ACCREDITATION, default=Observer.Accreditation.PENDING
        ),
        "accredited_from": cells.date("accredited_from"),
        "accredited_until": cells.date("accredited_until"),
    }
    observer = Observer(**fields)
    team = cells.text(
        "team",
        max_length=30,
        pattern=CODE_PATTERN,
        pattern_message=CODE_MESSAGE,
    )
    start, end = observer.accredited_from, observer.accredited_until
    if start and end and end < start:
        cells.error("accredited_until", _("The accreditation ends before it starts."))
    languages = _languages(cells)
    if languages is not None:
        observer.languages, observer.preferred_language = languages
    return observer, team, len(cells.errors) == before


def _nationality(cells: Cells) -> str | None:
    value = cells.values.get("nationality", "").upper()
    if not COUNTRY.fullmatch(value):
        message = _("'%(value)s' is not a two-letter country code (ISO 3166), e.g. KZ.")
        cells.error("nationality", message % {"value": cells.values.get("nationality", "")})
        return None
    return value


def _check_unique(
    mission: Mission,
    rows: list[tuple[int, Observer]],
    errors: list[RowError],
    *,
    create_logins: bool,
) -> None:
    """Codes and accreditation numbers: once in the file, and not yet in the mission."""
    taken = dict(Observer.objects.filter(mission=mission).values_list("code", "name"))
    numbers = set(
        Observer.objects.filter(mission=mission)
        .exclude(accreditation_number="")
        .values_list("accreditation_number", flat=True)
    )
    seen_codes: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    for row, observer in rows:
        if observer.code:
            _unique_in_file(row, "code", observer.code, seen_codes, errors)
        if observer.code in taken:
            message = _("The observer code %(code)s is already used in this mission by %(name)s.")
            errors.append(
                RowError(
                    row, "code", message % {"code": observer.code, "name": taken[observer.code]}
                )
            )
        if observer.accreditation_number:
            _unique_in_file(
                row, "accreditation_number", observer.accreditation_number, seen_numbers, errors
            )
            if observer.accreditation_number in numbers:
                message = _("The accreditation number %(number)s is already used in this mission.")
                errors.append(
                    RowError(
                        row,
                        "accreditation_number",
                        message % {"number": observer.accreditation_number},
                    )
                )
    if create_logins:
        _check_usernames(mission, rows, errors)


def _unique_in_file(
    row: int, column: str, value: str, seen: dict[str, int], errors: list[RowError]
) -> None:
    first = seen.setdefault(value, row)
    if first != row:
        message = _("'%(value)s' appears again; it is first on row %(first)d.")
        errors.append(RowError(row, column, message % {"value": value, "first": first}))


def _check_usernames(
    mission: Mission, rows: list[tuple[int, Observer]], errors: list[RowError]
) -> None:
    wanted = {login_username(mission, observer): row for row, observer in rows if observer.code}
    for username in User.objects.filter(username__in=list(wanted)).values_list(
        "username", flat=True
    ):
        message = _(
            "A user account named %(username)s already exists; its login cannot be created."
        )
        errors.append(RowError(wanted[username], "code", message % {"username": username}))


@transaction.atomic
def import_observers(
    mission: Mission,
    fileobj: IO[bytes] | bytes,
    *,
    create_logins: bool = False,
    created_by: User | None = None,
    progress: Progress | None = None,
) -> ObserverImportResult:
    """Add the file's observers to the mission, all or nothing; see the module docstring.

    Raises ImportRejected with every problem found. With `create_logins`, the result's
    `logins` hold each new observer's one-time sign-in token, in file order.
    """
    table = read_csv(fileobj, required=OBSERVER_COLUMNS, optional=OBSERVER_OPTIONAL)
    errors = list(table.errors)
    parsed = [(row, *_parse_observer(Cells(row, values, errors))) for row, values in table.rows]
    _check_unique(
        mission,
        [(row, observer) for row, observer, *_ in parsed],
        errors,
        create_logins=create_logins,
    )
    if errors:
        raise ImportRejected(sorted(dict.fromkeys(errors), key=lambda error: error.row or 0))
    result = ObserverImportResult(rows=len(parsed))
    teams = _teams(mission, {team for *_, team, _ok in parsed if team}, result)
    observers = []
    for _row, observer, team_code, _ok in parsed:
        observer.mission, observer.team = mission, teams.get(team_code or "")
        observers.append(observer)
    Observer.objects.bulk_create(observers, batch_size=BATCH_SIZE)
    result.created = len(observers)
    if create_logins:
        result.logins = _create_logins(mission, observers, created_by, progress)
    elif progress:
        progress(len(observers), len(observers))
    return result


def _teams(mission: Mission, codes: set[str], result: ObserverImportResult) -> dict[str, Team]:
    """The mission's teams by code, creating those the file names for the first time."""
    teams = {team.code: team for team in Team.objects.filter(mission=mission, code__in=codes)}
    missing = [Team(mission=mission, code=code, name=code) for code in sorted(codes - set(teams))]
    Team.objects.bulk_create(missing)
    result.teams_created = len(missing)
    teams.update((team.code, team) for team in missing)
    return teams


def _create_logins(
    mission: Mission,
    observers: list[Observer],
    created_by: User | None,
    progress: Progress | None,
) -> list[SigninCard]:
    users = [
        User(
            username=login_username(mission, observer),
            first_name=observer.name[:150],
            password=make_password(None),
        )
        for observer in observers
    ]
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    Membership.objects.bulk_create(
        [Membership(user=user, mission=mission, role=Role.OBSERVER) for user in users],
        batch_size=BATCH_SIZE,
    )
    for observer, user in zip(observers, users, strict=True):
        observer.user = user
    Observer.objects.bulk_update(observers, ["user"], batch_size=BATCH_SIZE)
    cards = []
    for done, (observer, user) in enumerate(zip(observers, users, strict=True), start=1):
        cards.append(SigninCard(observer, create_signin_link(user, created_by=created_by)[1]))
        if progress:
            progress(done, len(observers))
    return cards


@transaction.atomic
def reset_observer_login(observer: Observer, *, created_by: User | None = None) -> SigninCard:
    """A new one-time sign-in link for the observer; the old ones stop working.

    An observer imported without a login gets one now: a user without a password and
    an observer membership of the mission.
    """
    if observer.user is None:
        observer.user = _new_login(observer)
        observer.save(update_fields=["user"])
    _link, token = create_signin_link(observer.user, created_by=created_by)
    return SigninCard(observer, token)


def _new_login(observer: Observer) -> User:
    base = login_username(observer.mission, observer)
    username, n = base, 1
    # The usual name may belong to a login whose observer was deleted and re-added.
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    user = User.objects.create(
        username=username, first_name=observer.name[:150], password=make_password(None)
    )
    Membership.objects.get_or_create(
        user=user, mission=observer.mission, defaults={"role": Role.OBSERVER}
    )
    return user

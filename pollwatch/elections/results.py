"""Official per-station results from the election body: CSV import, checks and totals.

An election body publishes one row per station in whatever columns it likes, so the
import takes a mapping: which column is the station code, registered voters, ballots
issued (optional), ballots found, invalid ballots, valid votes, and which column is
which candidate. Everything else in the file is ignored.

Two kinds of problem, treated differently:
- a file that cannot be read as results (a column that is not there, a candidate
  that is not in the election, an unknown or repeated station, a count that is not a
  whole number >= 0) is refused: ImportRejected lists every problem, nothing is written;
- a row whose own arithmetic does not add up is the election body's figure, and real
  protocols have such rows: it is imported as published and its problems recorded
  (OfficialResult.problems / has_problems), so the pages can list it.

An import replaces all of the election's official results in one transaction.

Totals are SQL sums over the JSON votes (`official_totals`), grouped by the area at a
chosen depth of the tree when asked.
"""

import csv
import io
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, NamedTuple, cast

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Count, F, Func, Max, Q, QuerySet, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollwatch.elections.models import Area, Candidate, Election, OfficialResult, PollingStation
from pollwatch.lib.csvio import (
    Cells,
    ImportRejected,
    RowError,
    decode_csv_bytes,
    normalise_header,
    read_bytes,
    read_csv,
    sniff_delimiter,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000

# The protocol's figures, in the order forms and tables show them.
FIELDS = ("station", "registered", "ballots_issued", "ballots_found", "invalid", "valid")
REQUIRED_FIELDS = ("station", "registered", "ballots_found", "invalid", "valid")
FIELD_LABELS = {
    "station": gettext_lazy("Station code"),
    "registered": gettext_lazy("Registered voters"),
    "ballots_issued": gettext_lazy("Ballots issued"),
    "ballots_found": gettext_lazy("Ballots found"),
    "invalid": gettext_lazy("Invalid ballots"),
    "valid": gettext_lazy("Valid votes"),
}
# Column names election bodies use for each field; compared as `_squash` leaves them.
FIELD_SYNONYMS = {
    "station": ("station", "station_code", "code", "polling_station", "polling_station_code"),
    "registered": ("registered", "registered_voters", "voters_registered", "electors"),
    "ballots_issued": ("ballots_issued", "issued", "issued_ballots"),
    "ballots_found": ("ballots_found", "ballots_cast", "found", "ballots_in_box", "votes_cast"),
    "invalid": ("invalid", "invalid_ballots", "invalid_votes", "spoiled", "spoiled_ballots"),
    "valid": ("valid", "valid_votes", "valid_ballots"),
}

# The checks of a row's own arithmetic. Each problem is stored as a dict with its
# check and the figures, and described when shown, so it reads in the reader's language.
CHECK_VALID_INVALID = "valid_invalid"
CHECK_CANDIDATES = "candidates_valid"
CHECK_REGISTERED = "found_registered"
CHECK_ISSUED = "found_issued"
CHECKS = (CHECK_VALID_INVALID, CHECK_CANDIDATES, CHECK_REGISTERED, CHECK_ISSUED)
CHECK_TITLES = {
    CHECK_VALID_INVALID: gettext_lazy("Valid plus invalid is not the ballots found"),
    CHECK_CANDIDATES: gettext_lazy("Candidates' votes do not add up to the valid votes"),
    CHECK_REGISTERED: gettext_lazy("More ballots found than registered voters"),
    CHECK_ISSUED: gettext_lazy("More ballots found than issued"),
}
CHECK_TEXTS = {
    CHECK_VALID_INVALID: gettext_lazy(
        "Valid votes (%(valid)d) plus invalid ballots (%(invalid)d) make %(sum)d, "
        "not the %(found)d ballots found."
    ),
    CHECK_CANDIDATES: gettext_lazy(
        "The candidates' votes add up to %(sum)d, not the %(valid)d valid votes."
    ),
    CHECK_REGISTERED: gettext_lazy(
        "%(found)d ballots were found for %(registered)d registered voters."
    ),
    CHECK_ISSUED: gettext_lazy("%(found)d ballots were found but %(issued)d were issued."),
}


# --- The mapping ----------------------------------------------------------------------


@dataclass
class ResultsMapping:
    """Which column of the file holds what.

    `fields` maps a field of FIELDS to a column name as the file's header spells it
    (case, spaces and dashes do not matter). `candidates` maps a column to a
    candidate of the election: the Candidate itself, or its ballot number, UUID,
    name (or a name variant) or its party's short name.
    """

    fields: dict[str, str] = field(default_factory=dict)
    candidates: dict[str, Any] = field(default_factory=dict)


def _squash(name: str) -> str:
    """'Ballots cast', 'ballotsCast' and 'ballots_cast' all become 'ballotscast'."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def candidate_keys(candidate: Candidate) -> set[str]:
    """The squashed spellings a file's column may use for the candidate."""
    keys = {_squash(candidate.name), *(_squash(v.name) for v in candidate.names.all())}
    if candidate.party is not None:
        keys |= {_squash(candidate.party.name), _squash(candidate.party.short_name)}
    if candidate.ballot_number is not None:
        number = candidate.ballot_number
        keys |= {str(number), f"c{number}", f"candidate{number}", f"votes{number}"}
    keys.discard("")
    return keys


def _candidates(election: Election) -> list[Candidate]:
    return list(
        Candidate.objects.filter(election=election)
        .select_related("party")
        .prefetch_related("names")
        .order_by("ballot_number", "name")
    )


def guess_mapping(election: Election, columns: Iterable[str]) -> ResultsMapping:
    """A mapping guessed from the header: field synonyms, candidates' names and numbers.

    A column that could be two things, or a candidate two columns could be, is left
    out: the user decides.
    """
    columns = list(columns)
    squashed = {column: _squash(column) for column in columns}
    mapping = ResultsMapping()
    taken: set[str] = set()
    for name, synonyms in FIELD_SYNONYMS.items():
        wanted = {_squash(s) for s in synonyms}
        found = [column for column in columns if squashed[column] in wanted]
        if len(found) == 1 and found[0] not in taken:
            mapping.fields[name] = found[0]
            taken.add(found[0])
    matches = {
        candidate: [
            c for c in columns if c not in taken and squashed[c] in candidate_keys(candidate)
        ]
        for candidate in _candidates(election)
    }
    claims = Counter(column for found in matches.values() for column in found)
    for candidate, found in matches.items():
        if len(found) == 1 and claims[found[0]] == 1:
            mapping.candidates[found[0]] = candidate
    return mapping


def find_candidate(candidates: list[Candidate], reference: Any) -> list[Candidate]:
    """The candidates a mapping's reference names: one, none or (ambiguous) several."""
    if isinstance(reference, Candidate):
        return [c for c in candidates if c.pk == reference.pk]
    text = str(reference).strip()
    by_id = [c for c in candidates if str(c.uuid) == text.lower()]
    if by_id:
        return by_id
    if text.isdigit():
        return [c for c in candidates if c.ballot_number == int(text)]
    key = _squash(text)
    by_name = [
        c for c in candidates if key in {_squash(c.name), *(_squash(v.name) for v in c.names.all())}
    ]
    if by_name:
        return by_name
    return [
        c
        for c in candidates
        if c.party is not None and key in {_squash(c.party.short_name), _squash(c.party.name)}
    ]


# --- Reading the file ---------------------------------------------------------------


@dataclass
class Preview:
    columns: list[str]
    rows: list[list[str]]
    rows_total: int


def read_header(fileobj: IO[bytes] | bytes) -> list[str]:
    """The header's column names as the file spells them; ImportRejected if unreadable."""
    return preview(fileobj, rows=0).columns


def preview(fileobj: IO[bytes] | bytes, rows: int = 10) -> Preview:
    """The header and the first rows, for the mapping page."""
    text = decode_csv_bytes(read_bytes(fileobj))
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise ImportRejected([RowError(1, None, _("The file is empty: it has no header row."))])
    first: list[list[str]] = []
    total = 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        total += 1
        if len(first) < rows:
            first.append([cell.strip() for cell in cells])
    return Preview([name.strip() for name in header], first, total)


@dataclass
class _Plan:
    """A mapping checked against the file's header and the election's candidates."""

    fields: dict[str, str]  # field -> normalised column
    candidates: dict[str, int]  # normalised column -> candidate pk
    spelled: dict[str, str]  # normalised column -> the header's spelling


def _plan(
    mapping: ResultsMapping, header: list[str], candidates: list[Candidate], errors: list[RowError]
) -> _Plan:
    spelled = {normalise_header(name): name for name in header if name}
    plan = _Plan({}, {}, spelled)
    used: dict[str, str] = {}

    def take(column: str, what: str) -> str | None:
        key = normalise_header(column)
        if key not in spelled:
            message = _("The column '%(column)s' is not in the file.") % {"column": column}
            errors.append(RowError(1, column, message))
            return None
        if key in used:
            message = _("The column '%(column)s' is chosen both for %(first)s and for %(second)s.")
            params = {"column": spelled[key], "first": used[key], "second": what}
            errors.append(RowError(1, spelled[key], message % params))
            return None
        used[key] = what
        return key

    for name in FIELDS:
        column = (mapping.fields.get(name) or "").strip()
        if not column:
            if name in REQUIRED_FIELDS:
                message = _("No column is chosen for '%(field)s'; it is required.")
                errors.append(RowError(1, None, message % {"field": FIELD_LABELS[name]}))
            continue
        key = take(column, str(FIELD_LABELS[name]))
        if key is not None:
            plan.fields[name] = key
    _plan_candidates(mapping, candidates, plan, take, errors)
    return plan


def _plan_candidates(mapping, candidates, plan: _Plan, take, errors: list[RowError]) -> None:
    columns_of: dict[int, str] = {}
    for column, reference in mapping.candidates.items():
        found = find_candidate(candidates, reference)
        if len(found) != 1:
            message = (
                _("'%(candidate)s' is not a candidate of this election.")
                if not found
                else _("'%(candidate)s' matches several candidates; use the ballot number.")
            )
            errors.append(RowError(1, column, message % {"candidate": reference}))
            continue
        candidate = found[0]
        if candidate.pk in columns_of:
            message = _("%(candidate)s already has the column '%(column)s'.")
            params = {"candidate": candidate.name, "column": columns_of[candidate.pk]}
            errors.append(RowError(1, column, message % params))
            continue
        key = take(column, candidate.name)
        if key is not None:
            plan.candidates[key] = candidate.pk
            columns_of[candidate.pk] = column
    if not mapping.candidates:
        errors.append(RowError(1, None, _("No column is chosen for any candidate.")))


# --- Checking rows ----------------------------------------------------------------------


def row_problems(
    registered: int,
    issued: int | None,
    found: int,
    invalid: int,
    valid: int,
    votes: Iterable[int],
) -> list[dict[str, Any]]:
    """The row's own arithmetic that does not add up, as stored in `problems`."""
    problems: list[dict[str, Any]] = []
    if valid + invalid != found:
        problems.append(
            {
                "check": CHECK_VALID_INVALID,
                "valid": valid,
                "invalid": invalid,
                "sum": valid + invalid,
                "found": found,
            }
        )
    total = sum(votes)
    if total != valid:
        problems.append({"check": CHECK_CANDIDATES, "sum": total, "valid": valid})
    if found > registered:
        problems.append({"check": CHECK_REGISTERED, "found": found, "registered": registered})
    if issued is not None and found > issued:
        problems.append({"check": CHECK_ISSUED, "found": found, "issued": issued})
    return problems


def describe_problem(problem: Mapping[str, Any]) -> str:
    """One stored problem as a sentence in the current language."""
    text = CHECK_TEXTS.get(problem.get("check", ""))
    if text is None:
        return str(problem)
    try:
        return str(text) % problem
    except (KeyError, TypeError):
        return str(CHECK_TITLES[problem["check"]])


class _Row(NamedTuple):
    """One checked row, in the order of RESULT_COLUMNS after the election."""

    station_id: int
    registered: int
    issued: int | None
    found: int
    invalid: int
    valid: int
    votes: dict[str, int]
    problems: list[dict[str, Any]]


class _RowReader:
    """Turns rows into checked _Rows, recording problems in `errors`."""

    def __init__(self, election: Election, plan: _Plan, errors: list[RowError]):
        self.errors = errors
        self.stations = dict(
            PollingStation.objects.filter(election=election).values_list("code", "pk")
        )
        self.first_row: dict[str, int] = {}
        self.station_column = plan.fields["station"]
        self.issued_column = plan.fields.get("ballots_issued")
        # The required counts, in the order read() unpacks them.
        protocol = ("registered", "ballots_found", "invalid", "valid")
        self.count_columns = [plan.fields[name] for name in protocol] + list(plan.candidates)
        self.vote_keys = [str(pk) for pk in plan.candidates.values()]

    def read(self, row: int, values: dict[str, str]) -> _Row | None:
        cells = Cells(row, values, self.errors)
        station_id = self._station(cells, self.station_column)
        counts = _counts(cells, self.count_columns)
        issued = cells.integer(self.issued_column, required=False) if self.issued_column else None
        if station_id is None or counts is None:
            return None
        registered, found, invalid, valid, *votes = counts
        problems = row_problems(registered, issued, found, invalid, valid, votes)
        by_candidate = dict(zip(self.vote_keys, votes, strict=True))
        return _Row(station_id, registered, issued, found, invalid, valid, by_candidate, problems)

    def _station(self, cells: Cells, column: str) -> int | None:
        code = cells.text(column, required=True)
        if not code:
            return None
        first = self.first_row.setdefault(code, cells.row)
        if first != cells.row:
            message = _("The station '%(code)s' appears again; it is first on row %(first)d.")
            cells.error(column, message % {"code": code, "first": first})
            return None
        station_id = self.stations.get(code)
        if station_id is None:
            message = _("'%(code)s' is not a polling station of this election.")
            cells.error(column, message % {"code": code})
        return station_id


def _counts(cells: Cells, columns: list[str]) -> list[int] | None:
    """Counts >= 0 from the columns, or None with every bad cell recorded by Cells."""
    raw = [cells.values.get(column, "") for column in columns]
    # Nearly every row of a real file is plain digits: one check for the whole row is
    # most of the import's speed; anything else goes through Cells and its messages.
    joined = "".join(raw)
    if joined.isdigit() and joined.isascii() and all(raw) and max(map(len, raw)) < 10:
        return list(map(int, raw))
    counts = [cells.integer(column, required=True) for column in columns]
    return None if None in counts else cast(list[int], counts)


# --- The import -----------------------------------------------------------------------


@dataclass
class ResultsImport:
    rows: int = 0
    replaced: int = 0  # official results of the election there were before
    flagged: int = 0
    by_check: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    stations_without_result: int = 0


def _lock(election: Election) -> None:
    # One import per election at a time on PostgreSQL; SQLite's IMMEDIATE transactions
    # already hold the database's write lock.
    Election.objects.select_for_update().filter(pk=election.pk).first()


def _rejected(errors: list[RowError], spelled: Mapping[str, str]) -> ImportRejected:
    """Every problem once, in file order, naming columns as the file spells them."""
    named = [
        RowError(e.row, spelled.get(e.column, e.column) if e.column else e.column, e.message)
        for e in errors
    ]
    unique = list(dict.fromkeys(named))
    return ImportRejected(sorted(unique, key=lambda error: error.row or 0))


def import_results(
    election: Election, fileobj: IO[bytes] | bytes, mapping: ResultsMapping, user: Any = None
) -> ResultsImport:
    """Replace the election's official results with the file's, all or nothing.

    `user` is who imported (logged; None from the command line).
    """
    data = read_bytes(fileobj)
    header = read_header(data)
    errors: list[RowError] = []
    plan = _plan(mapping, header, _candidates(election), errors)
    if errors:
        raise _rejected(errors, plan.spelled)
    required = [*plan.fields.values(), *plan.candidates]
    others = [name for name in plan.spelled if name not in required]
    table = read_csv(data, required=required, optional=others)
    errors = list(table.errors)
    if not table.rows and not errors:
        errors.append(RowError(None, None, _("The file has no rows of results.")))
    with transaction.atomic():
        _lock(election)
        reader = _RowReader(election, plan, errors)
        parsed = [reader.read(row, values) for row, values in table.rows]
        if errors:
            raise _rejected(errors, plan.spelled)
        rows = [row for row in parsed if row is not None]
        outcome = _write(election, rows)
    outcome.candidates = len(plan.candidates)
    logger.info(
        "official results of %s imported by %s: %d rows, %d replaced",
        election.code,
        getattr(user, "username", None) or "the command line",
        outcome.rows,
        outcome.replaced,
    )
    return outcome


def _write(election: Election, rows: list[_Row]) -> ResultsImport:
    existing = OfficialResult.objects.filter(election=election)
    replaced = existing.count()
    existing.delete()
    _insert(election, rows)
    outcome = ResultsImport(rows=len(rows), replaced=replaced)
    for row in rows:
        for problem in row.problems:
            check = problem["check"]
            outcome.by_check[check] = outcome.by_check.get(check, 0) + 1
    outcome.flagged = sum(1 for row in rows if row.problems)
    stations = PollingStation.objects.filter(election=election).count()
    outcome.stations_without_result = stations - len(rows)
    return outcome


RESULT_COLUMNS = (
    "election_id", "station_id", "registered_voters", "ballots_issued", "ballots_found",
    "invalid", "valid", "votes", "problems", "has_problems", "imported_at",
)  # fmt: skip


def _insert(election: Election, rows: list[_Row]) -> None:
    """Write the rows: COPY on PostgreSQL, executemany on SQLite.

    bulk_create builds a model instance and prepares every field of every row in
    Python, which was two thirds of an import's time, and PostgreSQL runs an
    executemany as one INSERT per row (bench/official_results.py); the values here
    are already checked integers and JSON text, so they go to the driver as they are.
    """
    imported_at = timezone.now()
    dumps = json.dumps
    records = (
        (election.pk, *row[:6], dumps(row.votes), dumps(row.problems), bool(row.problems),
         imported_at)
        for row in rows
    )  # fmt: skip
    ops = connection.ops
    table = ops.quote_name(OfficialResult._meta.db_table)
    columns = ", ".join(ops.quote_name(column) for column in RESULT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Names come from the model, never from input; COPY parses the JSON text.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
            return
        # Table and column names come from the model, never from input.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(RESULT_COLUMNS))})"  # noqa: S608
        stamp = ops.adapt_datetimefield_value(imported_at)
        batch: list[tuple] = []
        for record in records:
            batch.append((*record[:-1], stamp))
            if len(batch) == BATCH_SIZE:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


# --- Totals in SQL ------------------------------------------------------------------------


class JsonCount(Func):
    """The whole number stored under a string key of a JSON column, or NULL.

    Django's key transforms read a key of digits ("12") as an array index on every
    database, and the votes are keyed by primary keys; this spells the lookup as an
    object key on SQLite and PostgreSQL alike. `guarded` reads JSON we did not write
    (report answers, where a calculate is stored as text): anything but a whole number
    or a text of digits gives NULL instead of a failed cast.
    """

    output_field = BigIntegerField()
    WHOLE = r"^[0-9]{1,18}$"

    def __init__(self, column: str, key: str, *, guarded: bool = False):
        super().__init__(F(column))
        self.key = str(key)
        self.guarded = guarded

    def as_sql(  # type: ignore[override]  # neither template nor function: a fixed shape
        self, compiler, connection, **extra_context
    ):
        column, params = compiler.compile(self.source_expressions[0])
        path = "$." + json.dumps(self.key)
        value = f"JSON_EXTRACT({column}, %s)"
        if not self.guarded:
            return f"CAST({value} AS INTEGER)", (*params, path)
        kind = f"JSON_TYPE({column}, %s)"
        sql = (
            f"CASE WHEN {kind} = 'integer' THEN {value} "
            f"WHEN {kind} = 'text' AND {value} <> '' AND {value} NOT GLOB '*[^0-9]*' "
            f"AND LENGTH({value}) <= 18 THEN CAST({value} AS INTEGER) END"
        )
        # Each JSON_EXTRACT or JSON_TYPE takes the column's parameters, then the path.
        uses = sql.count("JSON_EXTRACT(") + sql.count("JSON_TYPE(")
        return sql, (*params, path) * uses

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        value = f"({column} ->> %s)"
        if not self.guarded:
            return f"({value})::bigint", (*params, self.key)
        sql = f"CASE WHEN {value} ~ %s THEN ({value})::bigint END"
        return sql, (*params, self.key, self.WHOLE, *params, self.key)


@dataclass
class ResultTotals:
    """Sums of official results over a set of stations (the country, or one area)."""

    code: str = ""
    name: str = ""
    stations: int = 0
    flagged: int = 0
    registered: int = 0
    ballots_found: int = 0
    invalid: int = 0
    valid: int = 0
    votes: dict[int, int] = field(default_factory=dict)  # candidate pk -> votes

    @property
    def turnout(self) -> Decimal | None:
        """Ballots found per registered voter, in percent."""
        return _percent(self.ballots_found, self.registered)

    def denominator(self, election: Election) -> int:
        """The election's legal base for a share: valid votes or every ballot found."""
        if election.win_denominator == Election.Denominator.BALLOTS_FOUND:
            return self.ballots_found
        return self.valid

    def share(self, election: Election, candidate_pk: int) -> Decimal | None:
        return _percent(self.votes.get(candidate_pk, 0), self.denominator(election))


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return Decimal(100 * part) / Decimal(whole)


def results_for_election(election: Election) -> QuerySet[OfficialResult]:
    """The election's official results, as every mission observing it may read them."""
    return OfficialResult.objects.filter(election=election)


def _sums(candidate_pks: Iterable[int]) -> dict[str, Any]:
    sums: dict[str, Any] = {
        "n_stations": Count("pk"),
        "n_flagged": Count("pk", filter=Q(has_problems=True)),
        "s_registered": Sum("registered_voters"),
        "s_found": Sum("ballots_found"),
        "s_invalid": Sum("invalid"),
        "s_valid": Sum("valid"),
    }
    for pk in candidate_pks:
        sums[f"v_{pk}"] = Sum(JsonCount("votes", str(pk)))
    return sums


def _totals(row: Mapping[str, Any], candidate_pks: Iterable[int]) -> ResultTotals:
    return ResultTotals(
        stations=row["n_stations"] or 0,
        flagged=row["n_flagged"] or 0,
        registered=row["s_registered"] or 0,
        ballots_found=row["s_found"] or 0,
        invalid=row["s_invalid"] or 0,
        valid=row["s_valid"] or 0,
        votes={pk: row[f"v_{pk}"] or 0 for pk in candidate_pks},
    )


def ancestor_at_depth(election: Election, depth: int) -> Case:
    """The id of the station's area, or of its ancestor, at `depth` of the tree.

    Stations hang off areas of any depth, so one WHEN per depth below walks up the
    parents by joins (NULL for a station whose area is shallower than `depth`).
    """
    deepest = Area.objects.filter(election=election).aggregate(deepest=Max("depth"))["deepest"]
    whens = []
    for station_depth in range(depth, (deepest or 0) + 1):
        path = "station__area" + "__parent" * (station_depth - depth)
        whens.append(When(station__area__depth=station_depth, then=F(f"{path}__id")))
    return Case(*whens, default=None)


def official_totals(election: Election) -> ResultTotals:
    """National sums of the election's official results, one SQL query."""
    pks = list(Candidate.objects.filter(election=election).values_list("pk", flat=True))
    row = results_for_election(election).order_by().aggregate(**_sums(pks))
    totals = _totals(row, pks)
    totals.name = election.name
    return totals


def official_totals_by_area(election: Election, depth: int = 0) -> list[ResultTotals]:
    """Sums per area at `depth` of the tree (0: the top level), one SQL query, by path."""
    pks = list(Candidate.objects.filter(election=election).values_list("pk", flat=True))
    rows = (
        results_for_election(election)
        .order_by()
        .annotate(area_group=ancestor_at_depth(election, depth))
        .values("area_group")
        .annotate(**_sums(pks))
    )
    areas = {
        area.pk: area
        for area in Area.objects.filter(election=election, depth=depth).only("code", "name", "path")
    }
    found = []
    for row in rows:
        totals = _totals(row, pks)
        area = areas.get(row["area_group"])
        if area is not None:
            totals.code, totals.name = area.code, area.name
        found.append((area.path if area else "\uffff", totals))
    return [totals for _path, totals in sorted(found, key=lambda pair: pair[0])]


def area_levels(election: Election) -> list[tuple[int, str]]:
    """(depth, level name) of each depth of the election's tree, top first."""
    levels: dict[int, str] = {}
    for depth, level in (
        Area.objects.filter(election=election)
        .order_by("depth", "level")
        .values_list("depth", "level")
        .distinct()
    ):
        if level and depth not in levels:
            levels[depth] = level
        levels.setdefault(depth, "")
    return sorted(levels.items())

"""Import administrative areas and polling stations of an election from CSV.

Two formats:

- stations: `code,name,area_code,registered_voters` and optionally
  `address,latitude,longitude`. A stations file may also describe the areas it uses
  with `area_name,area_level,parent_area_code`, so one file from an election body
  ("district, station, voters") is enough for a two-level tree.
- areas: `code,name` and optionally `level,parent_code`, for deeper trees; parents
  may come before or after their children in the file.

Imports are all or nothing: every row is checked first, and any problem raises
ImportRejected listing every problem found, before anything is written. A code that
already exists in the election updates that area or station ("upsert"); a code that
appears twice in one file is an error. An existing area keeps its place in the tree:
import does not move areas (their paths, and their subtrees', would change).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, cast

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollwatch.elections.models import Area, Election, PollingStation, code_validator
from pollwatch.lib.csvio import Cells, ImportRejected, RowError, read_csv

Progress = Callable[[int, int], None]

STATION_COLUMNS = ["code", "name", "area_code", "registered_voters"]
STATION_OPTIONAL = [
    "address",
    "latitude",
    "longitude",
    "area_name",
    "area_level",
    "parent_area_code",
]
AREA_COLUMNS = ["code", "name"]
AREA_OPTIONAL = ["level", "parent_code"]
BATCH_SIZE = 2000
MAX_PATH = 1000  # Area.path's max_length
# Fields compared to decide whether an existing station changed; also the update set.
STATION_FIELDS = ["name", "area_id", "address", "registered_voters", "latitude", "longitude"]

CODE_PATTERN = cast(re.Pattern[str], code_validator.regex)
CODE_MESSAGE = gettext_lazy("use letters, digits, dots, dashes and underscores only.")


@dataclass
class ImportResult:
    rows: int = 0
    areas_created: int = 0
    areas_updated: int = 0
    stations_created: int = 0
    stations_updated: int = 0
    stations_unchanged: int = 0


@dataclass
class AreaSpec:
    """An area as a file describes it, before it is checked against the tree."""

    row: int
    code: str
    name: str
    level: str
    parent_code: str
    parent_column: str


@dataclass
class StationRow:
    row: int
    code: str
    name: str
    area_code: str
    address: str
    registered_voters: int
    latitude: Decimal | None
    longitude: Decimal | None

    def values(self, area_id: int) -> tuple:
        """The STATION_FIELDS, in order."""
        return (
            self.name,
            area_id,
            self.address,
            self.registered_voters,
            self.latitude,
            self.longitude,
        )

    def station(self, area_id: int, **kwargs) -> PollingStation:
        return PollingStation(
            name=self.name,
            area_id=area_id,
            address=self.address,
            registered_voters=self.registered_voters,
            latitude=self.latitude,
            longitude=self.longitude,
            **kwargs,
        )


@dataclass
class AreaPlan:
    """The election's areas as they are, plus those a file adds or renames."""

    existing: dict[str, Area]
    specs: dict[str, AreaSpec] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    # Area cells already checked and recorded: a stations file repeats its district
    # on every row, and one check per distinct description is enough.
    described: set[tuple[str, ...]] = field(default_factory=set)

    @classmethod
    def load(cls, election: Election) -> "AreaPlan":
        areas = Area.objects.filter(election=election).select_related("parent")
        return cls({area.code: area for area in areas})

    def knows(self, code: str) -> bool:
        return code in self.existing or code in self.specs

    def add(self, spec: AreaSpec, errors: list[RowError], *, code_column: str) -> None:
        """Record a file's description of an area; a different second one is an error."""
        first = self.specs.get(spec.code)
        if first is None:
            self.specs[spec.code] = spec
        elif (first.name, first.level, first.parent_code) != (
            spec.name,
            spec.level,
            spec.parent_code,
        ):
            message = _("The area '%(code)s' is described differently on row %(first)d.")
            errors.append(
                RowError(spec.row, code_column, message % {"code": spec.code, "first": first.row})
            )

    def check(self, errors: list[RowError]) -> None:
        """Check parents (known, no cycles, no moves) and compute the new areas' paths."""
        for spec in self.specs.values():
            existing = self.existing.get(spec.code)
            if existing is not None:
                self._check_not_moved(spec, existing, errors)
            elif spec.parent_code and not self.knows(spec.parent_code):
                message = _(
                    "Unknown parent area '%(code)s': it is neither in the election nor in this file."
                )
                errors.append(
                    RowError(spec.row, spec.parent_column, message % {"code": spec.parent_code})
                )
        if not errors:
            for code in self.specs:
                self._path(code, errors, set())

    def _check_not_moved(self, spec: AreaSpec, area: Area, errors: list[RowError]) -> None:
        current = area.parent.code if area.parent else ""
        if spec.parent_code and spec.parent_code != current:
            message = _(
                "The area '%(code)s' already exists under '%(current)s'; "
                "an import cannot move it under '%(parent)s'."
            )
            params = {"code": spec.code, "current": current or "/", "parent": spec.parent_code}
            errors.append(RowError(spec.row, spec.parent_column, message % params))

    def _path(self, code: str, errors: list[RowError], visiting: set[str]) -> str | None:
        if code in self.existing:
            return self.existing[code].path
        if code in self.paths:
            return self.paths[code]
        spec = self.specs[code]
        if code in visiting:
            message = _("The area '%(code)s' is its own ancestor (a loop of parent codes).")
            errors.append(RowError(spec.row, spec.parent_column, message % {"code": code}))
            return None
        visiting.add(code)
        parent_path = self._path(spec.parent_code, errors, visiting) if spec.parent_code else "/"
        if parent_path is None:
            return None
        path = f"{parent_path}{code}/"
        if len(path) > MAX_PATH:
            errors.append(RowError(spec.row, None, _("The area tree is too deep here.")))
            return None
        self.paths[code] = path
        return path

    def write(self, election: Election, result: ImportResult) -> dict[str, int]:
        """Create and update areas (parents first); return every area's id by code."""
        ids = {code: area.pk for code, area in self.existing.items()}
        new = sorted((s for c, s in self.specs.items() if c not in self.existing), key=self._depth)
        for depth in sorted({self._depth(spec) for spec in new}):
            level = [
                self._new_area(election, spec, ids) for spec in new if self._depth(spec) == depth
            ]
            Area.objects.bulk_create(level, batch_size=BATCH_SIZE)
            ids.update((area.code, area.pk) for area in level)
        result.areas_created = len(new)
        changed = [
            self._renamed(spec) for spec in self.specs.values() if spec.code in self.existing
        ]
        changed_areas = [area for area in changed if area is not None]
        Area.objects.bulk_update(changed_areas, ["name", "level"], batch_size=BATCH_SIZE)
        result.areas_updated = len(changed_areas)
        return ids

    def _depth(self, spec: AreaSpec) -> int:
        return self.paths[spec.code].count("/") - 2

    def _new_area(self, election: Election, spec: AreaSpec, ids: dict[str, int]) -> Area:
        return Area(
            election=election,
            code=spec.code,
            name=spec.name,
            level=spec.level,
            parent_id=ids[spec.parent_code] if spec.parent_code else None,
            path=self.paths[spec.code],
            depth=self._depth(spec),
        )

    def _renamed(self, spec: AreaSpec) -> Area | None:
        area = self.existing[spec.code]
        if (area.name, area.level) == (spec.name, spec.level):
            return None
        area.name, area.level = spec.name, spec.level
        return area


def _area_cells(cells: Cells, prefix: str) -> tuple[str | None, str | None, str | None]:
    """Name, level and parent code of an area from `prefix`-named columns."""
    name = cells.text(f"{prefix}name", required=True, max_length=200)
    level = cells.text(f"{prefix}level", max_length=50)
    parent = cells.text(
        "parent_area_code" if prefix else "parent_code",
        max_length=50,
        pattern=CODE_PATTERN,
        pattern_message=CODE_MESSAGE,
    )
    return name, level, parent


def _parse_area(cells: Cells, plan: AreaPlan, errors: list[RowError]) -> None:
    code = cells.text(
        "code",
        required=True,
        max_length=50,
        pattern=CODE_PATTERN,
        pattern_message=CODE_MESSAGE,
    )
    name, level, parent = _area_cells(cells, "")
    if code and name is not None and level is not None and parent is not None:
        plan.add(
            AreaSpec(cells.row, code, name, level, parent, "parent_code"),
            errors,
            code_column="code",
        )


def _parse_station(
    cells: Cells, plan: AreaPlan, refs: list[tuple[int, str | None, str | None]]
) -> StationRow | None:
    """The row as a StationRow, or None if a cell is wrong.

    Its codes go to `refs` either way, so that a row with a bad cell is still checked
    for a duplicate code and an unknown area.
    """
    code = cells.text(
        "code",
        required=True,
        max_length=30,
        pattern=CODE_PATTERN,
        pattern_message=CODE_MESSAGE,
    )
    name = cells.text("name", required=True, max_length=300)
    area_code = cells.text(
        "area_code",
        required=True,
        max_length=50,
        pattern=CODE_PATTERN,
        pattern_message=CODE_MESSAGE,
    )
    address = cells.text("address", max_length=300)
    voters = cells.integer("registered_voters", required=True)
    latitude = cells.decimal("latitude", minimum=Decimal(-90), maximum=Decimal(90), places=6)
    longitude = cells.decimal("longitude", minimum=Decimal(-180), maximum=Decimal(180), places=6)
    if bool(cells.values.get("latitude")) != bool(cells.values.get("longitude")):
        cells.error(None, _("Give both latitude and longitude, or neither."))
    described = tuple(
        cells.values.get(c, "")
        for c in ("area_code", "area_name", "area_level", "parent_area_code")
    )
    if area_code and described[1] and described not in plan.described:
        area_name, level, parent = _area_cells(cells, "area_")
        if area_name is not None and level is not None and parent is not None:
            plan.add(
                AreaSpec(cells.row, area_code, area_name, level, parent, "parent_area_code"),
                cells.errors,
                code_column="area_code",
            )
            plan.described.add(described)
    refs.append((cells.row, code, area_code))
    if code is None or name is None or area_code is None or address is None or voters is None:
        return None
    return StationRow(cells.row, code, name, area_code, address, voters, latitude, longitude)


def _check_stations(
    refs: list[tuple[int, str | None, str | None]], plan: AreaPlan, errors: list[RowError]
) -> None:
    """Duplicate codes within the file, and areas neither in the election nor the file."""
    first_row: dict[str, int] = {}
    for row, code, area_code in refs:
        first = first_row.setdefault(code, row) if code else row
        if first != row:
            message = _("The station code '%(code)s' appears again; it is first on row %(first)d.")
            errors.append(RowError(row, "code", message % {"code": code, "first": first}))
        if area_code and not plan.knows(area_code):
            message = _(
                "Unknown area '%(code)s': import it first (areas file), or describe it in "
                "this file with an area_name column."
            )
            errors.append(RowError(row, "area_code", message % {"code": area_code}))


def _lock(election: Election) -> None:
    # One import per election at a time on PostgreSQL; SQLite's IMMEDIATE transactions
    # already hold the database's write lock.
    Election.objects.select_for_update().filter(pk=election.pk).first()


def import_areas(
    election: Election, fileobj: IO[bytes] | bytes, *, progress: Progress | None = None
) -> ImportResult:
    """Import an areas file into the election, all or nothing; see the module docstring."""
    table = read_csv(fileobj, required=AREA_COLUMNS, optional=AREA_OPTIONAL)
    errors = list(table.errors)
    with transaction.atomic():
        _lock(election)
        plan = AreaPlan.load(election)
        for row, values in table.rows:
            _parse_area(Cells(row, values, errors), plan, errors)
        if not errors:
            plan.check(errors)
        if errors:
            raise _rejected(errors)
        result = ImportResult(rows=len(table.rows))
        plan.write(election, result)
    if progress:
        progress(result.rows, result.rows)
    return result


def import_stations(
    election: Election, fileobj: IO[bytes] | bytes, *, progress: Progress | None = None
) -> ImportResult:
    """Import a stations file (and the areas it describes), all or nothing.

    `progress(done, total)` is called as rows are written.
    """
    table = read_csv(fileobj, required=STATION_COLUMNS, optional=STATION_OPTIONAL)
    errors = list(table.errors)
    with transaction.atomic():
        _lock(election)
        plan = AreaPlan.load(election)
        refs: list[tuple[int, str | None, str | None]] = []
        stations = [
            _parse_station(Cells(row, values, errors), plan, refs) for row, values in table.rows
        ]
        parsed = [station for station in stations if station is not None]
        plan.check(errors)
        _check_stations(refs, plan, errors)
        if errors:
            raise _rejected(errors)
        result = ImportResult(rows=len(parsed))
        area_ids = plan.write(election, result)
        _write_stations(election, parsed, area_ids, result, progress)
    return result


def _write_stations(
    election: Election,
    stations: list[StationRow],
    area_ids: dict[str, int],
    result: ImportResult,
    progress: Progress | None,
) -> None:
    existing = {
        code: (pk, values)
        for pk, code, *values in PollingStation.objects.filter(election=election).values_list(
            "pk", "code", *STATION_FIELDS
        )
    }
    new, changed = [], []
    for station in stations:
        area_id = area_ids[station.area_code]
        if station.code not in existing:
            new.append(station.station(area_id, election=election, code=station.code))
        elif tuple(existing[station.code][1]) != station.values(area_id):
            changed.append(station.station(area_id, pk=existing[station.code][0]))
    result.stations_unchanged = len(stations) - len(new) - len(changed)
    done, total = result.stations_unchanged, len(stations)
    for start in range(0, len(new), BATCH_SIZE):
        batch = new[start : start + BATCH_SIZE]
        PollingStation.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        done += len(batch)
        if progress:
            progress(done, total)
    for start in range(0, len(changed), BATCH_SIZE):
        batch = changed[start : start + BATCH_SIZE]
        PollingStation.objects.bulk_update(batch, STATION_FIELDS, batch_size=500)
        done += len(batch)
        if progress:
            progress(done, total)
    if progress and not stations:
        progress(0, 0)
    result.stations_created, result.stations_updated = len(new), len(changed)


def _rejected(errors: list[RowError]) -> ImportRejected:
    """Every problem once, in file order (header problems first)."""
    unique = list(dict.fromkeys(errors))
    return ImportRejected(sorted(unique, key=lambda error: error.row or 0))

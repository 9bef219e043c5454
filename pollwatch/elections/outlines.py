"""Import area outlines (the map's borders) from a GeoJSON file.

The file is a FeatureCollection (or one Feature) whose features carry the area's code
in a property, `code` unless told otherwise (boundary files from humanitarian data
portals name it e.g. `ADM1_PCODE`), and a Polygon or MultiPolygon geometry in WGS 84
longitude and latitude, as GeoJSON (RFC 7946) requires. Each outline is stored on
Area.outline, its positions cut to two dimensions and six decimals (about 10 cm),
which is all a map of stations needs and keeps the rows small.

All or nothing, as the CSV imports: every feature is checked first, and any problem
raises ImportRejected listing every problem, each naming its feature (its number in
the file, from 1, and its code when it has one), before anything is written. Areas
the file does not mention keep their outline.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from pollwatch.elections.models import Area, Election
from pollwatch.lib.csvio import ImportRejected, RowError

DEFAULT_PROPERTY = "code"
GEOMETRY = "geometry"
PRECISION = 6
# Coordinate reference systems that mean WGS 84 longitude, latitude (the 2008 GeoJSON
# draft's `crs` member; RFC 7946 dropped it, but desktop GIS still writes it).
WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
}
# A file of many features stops listing problems after this many.
MAX_ERRORS = 200


@dataclass
class OutlineResult:
    features: int = 0
    areas_updated: int = 0


class _Problems:
    """The problems found so far, each naming its feature."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def add(self, number: int | None, code: str, column: str | None, message: str) -> None:
        if number is not None:
            where = (
                _("Feature %(number)d (%(code)s)") % {"number": number, "code": code}
                if code
                else _("Feature %(number)d") % {"number": number}
            )
            message = f"{where}: {message}"
        self.errors.append(RowError(number, column, message))

    def raise_any(self) -> None:
        if self.errors:
            raise ImportRejected(self.errors[:MAX_ERRORS])


def import_outlines(
    election: Election, data: bytes, *, code_property: str = DEFAULT_PROPERTY
) -> OutlineResult:
    """Set the outlines of the election's areas from GeoJSON bytes, all or nothing.

    Raises ImportRejected naming every bad feature: not valid JSON, not a Feature or
    FeatureCollection, a feature without the code property, a code that is not an area
    of the election or appears twice, a geometry that is not a valid Polygon or
    MultiPolygon in longitude and latitude.
    """
    problems = _Problems()
    features = _features(_parse(data, problems), problems)
    problems.raise_any()
    areas = {a.code: a for a in Area.objects.filter(election=election).only("id", "code")}
    outlines = _outlines(features, areas, code_property, problems)
    problems.raise_any()
    with transaction.atomic():
        for code, outline in outlines.items():
            areas[code].outline = outline
        Area.objects.bulk_update([areas[code] for code in outlines], ["outline"], batch_size=200)
    return OutlineResult(features=len(features), areas_updated=len(outlines))


def _parse(data: bytes, problems: _Problems) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.add(None, "", None, _("The file is not UTF-8 text; GeoJSON must be."))
    except json.JSONDecodeError as exc:
        problems.add(
            None,
            "",
            None,
            _("The file is not valid JSON (line %(line)d, column %(column)d: %(reason)s).")
            % {"line": exc.lineno, "column": exc.colno, "reason": exc.msg},
        )
    return None


def _features(document: Any, problems: _Problems) -> list[Any]:
    """The features of a FeatureCollection or a lone Feature; a problem for anything else."""
    if document is None:
        return []
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "Feature":
        return [document]
    if kind != "FeatureCollection" or not isinstance(document.get("features"), list):
        problems.add(None, "", None, _("The file must be a GeoJSON FeatureCollection."))
        return []
    crs = document.get("crs")
    name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
    if crs is not None and name not in WGS84_NAMES:
        problems.add(
            None,
            "",
            "crs",
            _(
                "The file uses the coordinate system %(crs)s; export it as WGS 84 "
                "longitude and latitude (EPSG:4326)."
            )
            % {"crs": name or "?"},
        )
    if not document["features"]:
        problems.add(None, "", None, _("The file has no features."))
    return document["features"]


def _outlines(
    features: list[Any], areas: dict[str, Area], code_property: str, problems: _Problems
) -> dict[str, dict[str, Any]]:
    """The checked outline of each feature by area code; problems noted for the others."""
    outlines: dict[str, dict[str, Any]] = {}
    for number, feature in enumerate(features, start=1):
        code = _code(feature, number, code_property, problems)
        if code is None:
            continue
        if code not in areas:
            problems.add(
                number, code, code_property, _("there is no area with this code in the election.")
            )
        elif code in outlines:
            problems.add(number, code, code_property, _("an earlier feature has this code."))
        geometry = _geometry(feature.get(GEOMETRY), number, code, problems)
        if geometry is not None and code in areas:
            outlines.setdefault(code, geometry)
    return outlines


def _code(feature: Any, number: int, code_property: str, problems: _Problems) -> str | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problems.add(number, "", None, _("this is not a GeoJSON Feature."))
        return None
    value = (feature.get("properties") or {}).get(code_property)
    if value is None or str(value).strip() == "":
        problems.add(
            number,
            "",
            code_property,
            _("the property %(property)s with the area code is missing.")
            % {"property": code_property},
        )
        return None
    return str(value).strip()


def _geometry(geometry: Any, number: int, code: str, problems: _Problems) -> dict[str, Any] | None:
    """The geometry as stored (2D, rounded), or None with the problem noted."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        problems.add(
            number,
            code,
            GEOMETRY,
            _("the geometry must be a Polygon or MultiPolygon, not %(kind)s.")
            % {"kind": kind or _("none")},
        )
        return None
    assert isinstance(geometry, dict)
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        problems.add(number, code, GEOMETRY, _("the geometry has no coordinates."))
        return None
    cleaned = []
    for polygon in polygons:
        rings = _polygon(polygon, number, code, problems)
        if rings is None:
            return None
        cleaned.append(rings)
    return {"type": kind, "coordinates": cleaned[0] if kind == "Polygon" else cleaned}


def _polygon(polygon: Any, number: int, code: str, problems: _Problems) -> list | None:
    if not isinstance(polygon, list) or not polygon:
        problems.add(number, code, GEOMETRY, _("a polygon has no rings."))
        return None
    rings = []
    for ring in polygon:
        cleaned = _ring(ring, number, code, problems)
        if cleaned is None:
            return None
        rings.append(cleaned)
    return rings


def _ring(ring: Any, number: int, code: str, problems: _Problems) -> list | None:
    """A ring as [[lon, lat], ...]: at least four positions, closed, in degrees."""
    if not isinstance(ring, list) or len(ring) < 4:
        problems.add(number, code, GEOMETRY, _("a ring needs at least four positions."))
        return None
    positions = []
    for position in ring:
        point = _position(position)
        if point is None:
            problems.add(
                number,
                code,
                GEOMETRY,
                _(
                    "the position %(position)s is not a longitude and latitude in degrees "
                    "(WGS 84); was the file exported in another coordinate system?"
                )
                % {"position": json.dumps(position)[:60]},
            )
            return None
        positions.append(point)
    if positions[0] != positions[-1]:
        problems.add(
            number,
            code,
            GEOMETRY,
            _("a ring is not closed: its last position must repeat its first."),
        )
        return None
    return positions


def _position(position: Any) -> list[float] | None:
    if not isinstance(position, list) or len(position) < 2:
        return None
    lon, lat = position[0], position[1]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat))
    if not numbers or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return [round(float(lon), PRECISION), round(float(lat), PRECISION)]

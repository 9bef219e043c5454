"""Synthetic outlines of the demo's areas, so its map has borders without any outside data.

The outlines are made from the same boxes that place the demo's stations
(scenario.Region.box and services._station_rows): a region is its box, and its
districts are the box cut into equal vertical strips, in the order the scenario lists
them, which is the strip each district's stations were drawn in. The country is the
convex hull of its regions' boxes. None of this is a real border; the demo banner
says the stations are synthetic, and so are these. The areas abroad get no outline.
"""

from collections.abc import Iterable

from django.db import transaction

from pollwatch.demo import scenario as sc
from pollwatch.elections.models import Area, Election

PRECISION = 6
Point = tuple[float, float]  # (longitude, latitude), as GeoJSON orders them


def _polygon(ring: list[Point]) -> dict:
    closed = [*ring, ring[0]]
    return {
        "type": "Polygon",
        "coordinates": [[[round(lon, PRECISION), round(lat, PRECISION)] for lon, lat in closed]],
    }


def _rectangle(south: float, west: float, north: float, east: float) -> list[Point]:
    """Counter-clockwise, as RFC 7946 asks of an outer ring."""
    return [(west, south), (east, south), (east, north), (west, north)]


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: Iterable[Point]) -> list[Point]:
    """The convex hull, counter-clockwise (Andrew's monotone chain)."""
    ordered = sorted(set(points))
    if len(ordered) < 3:
        return ordered
    lower: list[Point] = []
    upper: list[Point] = []
    for point in ordered:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    for point in reversed(ordered):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    return lower[:-1] + upper[:-1]


def district_strips(region: sc.Region) -> list[tuple[str, list[Point]]]:
    """(district name, rectangle) for each district of the region, west to east."""
    south, west, north, east = region.box
    width = (east - west) / len(region.districts)
    return [
        (name, _rectangle(south, west + i * width, north, west + (i + 1) * width))
        for i, name in enumerate(region.districts)
    ]


def add_geography(election: Election) -> int:
    """Give the demo election's country, regions and districts their synthetic outlines.

    Areas are found by the scenario's codes (regions) and names under their region
    (districts); any that is missing is skipped. Returns how many areas got an outline.
    """
    areas = list(Area.objects.filter(election=election))
    by_code = {area.code: area for area in areas}
    by_parent = {(area.parent_id, area.name): area for area in areas}
    changed: list[Area] = []
    corners: list[Point] = []
    for region in sc.REGIONS:
        corners.extend(_rectangle(*region.box))
        area = by_code.get(region.code)
        if area is None:
            continue
        area.outline = _polygon(_rectangle(*region.box))
        changed.append(area)
        for name, strip in district_strips(region):
            district = by_parent.get((area.pk, name))
            if district is not None:
                district.outline = _polygon(strip)
                changed.append(district)
    country = by_code.get(sc.ROOT_AREA[0])
    if country is not None:
        country.outline = _polygon(convex_hull(corners))
        changed.append(country)
    with transaction.atomic():
        Area.objects.bulk_update(changed, ["outline"], batch_size=200)
    return len(changed)

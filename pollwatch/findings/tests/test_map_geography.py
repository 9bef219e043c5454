"""The demo's synthetic outlines (pollwatch/demo/geography.py): valid GeoJSON around the
demo's stations, made from the same boxes that placed them."""

import json
import random

import pytest

from pollwatch.demo import scenario as sc
from pollwatch.demo.geography import add_geography, district_strips
from pollwatch.elections.models import Area
from pollwatch.elections.outlines import import_outlines
from pollwatch.testing import factories as f

REGIONS = [r for r in sc.REGIONS if r.code in {"BSH", "CHU"}]


def inside(point, ring) -> bool:
    """Ray casting, written here so the test does not lean on the code under test."""
    x, y = point
    found = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            found = not found
    return found


@pytest.fixture
def tree(election):
    """The demo's tree for two regions: the country, the regions, their districts."""
    root = f.AreaFactory(election=election, code=sc.ROOT_AREA[0], name=sc.ROOT_AREA[1])
    areas = {"root": root}
    for region in REGIONS:
        parent = f.AreaFactory(election=election, code=region.code, name=region.name, parent=root)
        areas[region.code] = parent
        for i, name in enumerate(region.districts):
            areas[name] = f.AreaFactory(
                election=election, code=f"{region.code}-{i}", name=name, parent=parent
            )
    f.AreaFactory(election=election, code=sc.ABROAD_AREA[0], parent=root)
    return areas


def test_every_area_of_the_scenario_gets_an_outline(election, tree):
    changed = add_geography(election)
    expected = 1 + sum(1 + len(r.districts) for r in REGIONS)
    assert changed == expected
    with_outline = Area.objects.filter(election=election, outline__isnull=False)
    assert with_outline.count() == expected
    assert Area.objects.get(election=election, code=sc.ABROAD_AREA[0]).outline is None


def test_the_outlines_pass_the_importer(election, tree):
    add_geography(election)
    features = [
        {"type": "Feature", "properties": {"code": a.code}, "geometry": a.outline}
        for a in Area.objects.filter(election=election, outline__isnull=False)
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    result = import_outlines(election, data)
    assert result.areas_updated == len(features)


def ring_of(**lookup) -> list:
    outline = Area.objects.get(**lookup).outline
    assert outline is not None and outline["type"] == "Polygon"
    return outline["coordinates"][0]


def test_stations_placed_as_the_demo_places_them_fall_in_their_district(election, tree):
    """services._station_rows draws a station's latitude across its region's box and its
    longitude across its district's share of the box's width."""
    add_geography(election)
    rng = random.Random(7)
    for region in REGIONS:
        south, west, north, east = region.box
        width = (east - west) / len(region.districts)
        for i, name in enumerate(region.districts):
            ring = ring_of(election=election, name=name)
            for _ in range(20):
                point = (
                    rng.uniform(west + i * width, west + (i + 1) * width),
                    rng.uniform(south, north),
                )
                assert inside(point, ring), (name, point)
    country = ring_of(election=election, code=sc.ROOT_AREA[0])
    for region in REGIONS:
        south, west, north, east = region.box
        centre = ((west + east) / 2, (south + north) / 2)
        assert inside(centre, country)


def test_strips_tile_the_region():
    region = next(r for r in sc.REGIONS if r.code == "CHU")
    strips = district_strips(region)
    assert [name for name, _ring in strips] == list(region.districts)
    _south, west, _north, east = region.box
    edges = [(ring[0][0], ring[1][0]) for _name, ring in strips]
    assert edges[0][0] == west and edges[-1][1] == pytest.approx(east)
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(edges, edges[1:], strict=False))

"""`pollwatch import outlines FILE --election CODE [--property code]`: GeoJSON area outlines."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pollwatch.cli import translate
from pollwatch.elections.models import Area
from pollwatch.elections.outlines import import_outlines
from pollwatch.lib.csvio import ImportRejected
from pollwatch.testing import factories as f

SQUARE = [[[74.0, 42.0], [75.0, 42.0], [75.0, 43.0], [74.0, 43.0], [74.0, 42.0]]]
OLD_OUTLINE = {"type": "Polygon", "coordinates": SQUARE}


@pytest.fixture
def areas(election):
    region = f.AreaFactory(election=election, code="CHU", name="Chuy")
    return {
        "CHU": region,
        "CHU-KEM": f.AreaFactory(election=election, code="CHU-KEM", parent=region),
        "BSH": f.AreaFactory(election=election, code="BSH", outline=OLD_OUTLINE),
    }


def feature(code, geometry, key="code"):
    return {"type": "Feature", "properties": {key: code, "name": "x"}, "geometry": geometry}


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def collection(*features, **extra):
    return {"type": "FeatureCollection", "features": list(features), **extra}


def run(tmp_path, election, document, *args):
    path = tmp_path / "outlines.geojson"
    text = document if isinstance(document, str) else json.dumps(document)
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    try:
        call_command(
            "import_outlines", str(path), "--election", election.code, *args, stdout=out, stderr=err
        )
    except CommandError as error:
        return None, err.getvalue(), str(error)
    return out.getvalue(), err.getvalue(), None


def problems(election, document) -> list[str]:
    """The messages of the service's refusal (the command prints them in a table)."""
    with pytest.raises(ImportRejected) as refused:
        import_outlines(election, json.dumps(document).encode())
    return [error.message for error in refused.value.errors]


def outline(code):
    return Area.objects.get(code=code).outline


def test_a_good_file(tmp_path, election, areas):
    ring = [[74.1234567, 42.1], [74.9, 42.1], [74.9, 42.8], [74.1234567, 42.1]]
    multi = {
        "type": "MultiPolygon",
        "coordinates": [SQUARE, [[[76, 42, 1500], [77, 42, 1500], [77, 43, 0], [76, 42, 1500]]]],
    }
    out, _err, error = run(
        tmp_path,
        election,
        collection(feature("CHU", multi), feature("CHU-KEM", polygon(ring))),
    )
    assert error is None
    assert "2 areas updated" in out
    assert outline("CHU")["type"] == "MultiPolygon"
    # Heights dropped: the map is flat.
    assert outline("CHU")["coordinates"][1] == [[[76, 42], [77, 42], [77, 43], [76, 42]]]
    # Six decimals are kept (about 10 cm).
    assert outline("CHU-KEM")["coordinates"][0][0] == [74.123457, 42.1]
    # An area the file does not name keeps its outline.
    assert outline("BSH") == OLD_OUTLINE


def test_the_code_property_can_be_named(tmp_path, election, areas):
    document = collection(feature("CHU-KEM", polygon(SQUARE[0]), key="ADM2_PCODE"))
    _out, _err, error = run(tmp_path, election, document, "--property", "ADM2_PCODE")
    assert error is None
    assert outline("CHU-KEM") == {"type": "Polygon", "coordinates": SQUARE}


def test_a_lone_feature_is_accepted(tmp_path, election, areas):
    _out, _err, error = run(tmp_path, election, feature("CHU", polygon(SQUARE[0])))
    assert error is None and outline("CHU") is not None


def test_a_bad_file_names_each_bad_feature_and_imports_nothing(tmp_path, election, areas):
    open_ring = [[74, 42], [75, 42], [75, 43], [74, 43]]
    document = collection(
        feature("CHU", polygon(SQUARE[0])),  # good, yet not imported
        feature("NOWHERE", polygon(SQUARE[0])),
        feature("CHU-KEM", {"type": "Point", "coordinates": [74, 42]}),
        feature("BSH", polygon([*open_ring, [74.5, 43]])),
        feature("CHU", polygon(SQUARE[0])),
        {"type": "Feature", "properties": {"name": "no code"}, "geometry": polygon(SQUARE[0])},
    )
    assert problems(election, document) == [
        "Feature 2 (NOWHERE): there is no area with this code in the election.",
        "Feature 3 (CHU-KEM): the geometry must be a Polygon or MultiPolygon, not Point.",
        "Feature 4 (BSH): a ring is not closed: its last position must repeat its first.",
        "Feature 5 (CHU): an earlier feature has this code.",
        "Feature 6: the property code with the area code is missing.",
    ]
    _out, err, error = run(tmp_path, election, document)
    assert error is not None and "Nothing was imported: 5 problem(s)" in error
    assert "NOWHERE" in err and "CHU-KEM" in err
    assert outline("CHU") is None and outline("CHU-KEM") is None
    assert outline("BSH") == OLD_OUTLINE


def test_projected_coordinates_are_refused_with_a_hint(election, areas):
    metres = [[8_237_000, 5_160_000], [8_337_000, 5_160_000], [8_337_000, 5_260_000]]
    ring = [*metres, metres[0]]
    (message,) = problems(election, collection(feature("CHU", polygon(ring))))
    assert message.startswith(
        "Feature 1 (CHU): the position [8237000, 5160000] is not a longitude and latitude"
    )
    assert "another coordinate system" in message
    assert outline("CHU") is None


def test_short_rings_and_empty_geometries(election, areas):
    triangle = [[74, 42], [75, 42], [74, 42]]
    assert problems(election, collection(feature("CHU", polygon(triangle)))) == [
        "Feature 1 (CHU): a ring needs at least four positions."
    ]
    assert problems(election, collection(feature("CHU", None))) == [
        "Feature 1 (CHU): the geometry must be a Polygon or MultiPolygon, not none."
    ]


def test_a_named_projection_is_refused(tmp_path, election, areas):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    document = collection(feature("CHU", polygon(SQUARE[0])), crs=crs)
    assert problems(election, document) == [
        "The file uses the coordinate system urn:ogc:def:crs:EPSG::3857; export it as WGS 84 "
        "longitude and latitude (EPSG:4326)."
    ]
    wgs84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    _out, _err, error = run(
        tmp_path, election, collection(feature("CHU", polygon(SQUARE[0])), crs=wgs84)
    )
    assert error is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"{not json", "The file is not valid JSON (line 1, column 2"),
        (b"\xff\xfe{}", "The file is not UTF-8 text"),
        (b'{"type": "Polygon", "coordinates": []}', "The file must be a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "The file has no features."),
    ],
)
def test_files_that_are_not_outlines(election, areas, text, message):
    with pytest.raises(ImportRejected) as refused:
        import_outlines(election, text)
    (error,) = refused.value.errors
    assert error.message.startswith(message)


def test_another_elections_areas_are_not_touched(tmp_path, election, areas):
    other = f.ElectionFactory(code="other")
    f.AreaFactory(election=other, code="OTHER")
    assert problems(election, collection(feature("OTHER", polygon(SQUARE[0])))) == [
        "Feature 1 (OTHER): there is no area with this code in the election."
    ]
    assert outline("OTHER") is None


def test_the_console_script_knows_the_command():
    assert translate(["import", "outlines", "f.geojson", "--election", "x"]) == [
        "import_outlines",
        "f.geojson",
        "--election",
        "x",
    ]

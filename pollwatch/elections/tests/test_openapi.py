"""The committed openapi.json must be the document the code generates."""

import io
import json

from django.conf import settings
from django.core.management import call_command

from pollwatch.elections.management.commands.export_openapi import render_openapi

COMMITTED = settings.BASE_DIR / "openapi.json"


def test_the_committed_openapi_document_is_up_to_date():
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert committed == render_openapi(), (
        "openapi.json is stale: the API changed. Run `make openapi` and commit openapi.json."
    )


def test_the_export_command_writes_the_document(tmp_path):
    target = tmp_path / "openapi.json"
    call_command("export_openapi", str(target), stdout=io.StringIO())
    assert target.read_text(encoding="utf-8") == render_openapi()


def test_the_document_is_served_without_credentials(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/elections/{code}/stations",
        "/api/v1/elections/{code}/invitations",
        "/api/v1/missions/{code}/observers/{observer_uuid}",
    ]:
        assert path in paths


def test_every_operation_needs_a_token_or_a_session():
    document = json.loads(render_openapi())
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"BearerToken": []}, {"BrowserSession": []}], (
                method,
                path,
            )


def test_the_api_shows_no_integer_keys():
    """Public ids only: codes and UUIDs, never the database's integer keys."""
    document = json.loads(render_openapi())
    for name, schema in document["components"]["schemas"].items():
        properties = schema.get("properties", {})
        assert not {"id", "pk"} & set(properties), name
        integer_ids = [
            key
            for key, prop in properties.items()
            if key.endswith("_id") and prop.get("type") != "string"
        ]
        assert not integer_ids, name

"""The project's URLs plus the two references of the report API benchmark.

`POST /bench/trivial-insert` is the smallest useful Django endpoint: it reads the
JSON body and inserts one row (ignoring a repeated instance id, as a retry must be
harmless) into a table bench/report_api.py creates. It runs the same middleware
and the same database settings as the report API, so the ratio between the two
measures what submitting a report costs over that.

`POST /bench/api-noop` is the report API's front door alone: a Django Ninja
operation behind the same API token check, reading the body as the report API does
(size and JSON), then answering without validating or writing anything. What it
costs, the report API cannot avoid.

`POST /bench/api-unwritten` is the report API without its write: the same front door,
then everything `submit_report` does before its transaction (the payload's checks, the
resolving query, the caller's scope, validation of the answers with their expressions,
the hashes), answering without a transaction or a row. Its rate over the trivial
endpoint's is the most the report API's ratio could be if recording a report (locking
its station, looking for its earlier checklists and writing its three rows) cost
nothing.
"""

import json

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from ninja import NinjaAPI

from pollwatch.accounts.api_auth import api_auth, caller
from pollwatch.reports import services
from pollwatch.reports.api import read_json_body
from pollwatch.reports.models import Channel
from pollwatch.urls import urlpatterns as project_urlpatterns

TABLE = "bench_trivial"


@csrf_exempt
@require_POST
def trivial_insert(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (instance_id, body) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT (instance_id) DO NOTHING",
            [body["instance_id"], request.body.decode()],
        )
        created = cursor.rowcount == 1
    return JsonResponse({"instance_id": body["instance_id"]}, status=201 if created else 200)


front_door = NinjaAPI(urls_namespace="bench_api", auth=api_auth(), docs_url=None)


@front_door.post("api-noop")
def api_noop(request: HttpRequest) -> dict:
    return {"instance_id": read_json_body(request)["instance_id"]}


@front_door.post("api-unwritten")
def api_unwritten(request: HttpRequest) -> dict:
    payload = read_json_body(request)
    services.resolve_submission(user=caller(request), payload=payload, channel=Channel.API)
    return {"instance_id": payload["instance_id"]}


urlpatterns = [
    path("bench/trivial-insert", trivial_insert),
    path("bench/", front_door.urls),
    *project_urlpatterns,
]

"""Sixteen posts at once through the real API: one row, sixteen success answers.

Transactional tests: every thread has its own database connection and commits for
real, on SQLite (a file in WAL mode, writers queued by BEGIN IMMEDIATE) as on
PostgreSQL (row locks, and unique constraints as the last word).
"""

import json
import threading
import uuid

import pytest
from django.db import connection

from pollwatch.conftest import client_for
from pollwatch.missions.models import Observer
from pollwatch.reports.models import Flag, Report, ReportVersion, Submission
from pollwatch.reports.testing import deploy, report_payload
from pollwatch.testing import factories as f

THREADS = 16
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("observer_row")]


def post_at_once(user, bodies: list[dict], users: list | None = None) -> list[int]:
    """Post each body from its own thread, all released together; the status codes.

    Each body is posted by `user`, or by the user at its index in `users`.
    """
    clients = [client_for(one) for one in (users or [user] * len(bodies))]
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = [0] * len(bodies)

    def run(index: int) -> None:
        try:
            barrier.wait()
            response = clients[index].post(
                "/api/v1/reports", json.dumps(bodies[index]), content_type="application/json"
            )
            statuses[index] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def rows():
    return (Report.objects.count(), ReportVersion.objects.count(), Submission.objects.count())


def test_sixteen_identical_checklists_give_one_row(observer, voting):
    body = report_payload(voting)
    assert post_at_once(observer, [body] * THREADS) == [200] * (THREADS - 1) + [201]
    assert rows() == (1, 1, 1)


def test_sixteen_identical_incidents_give_one_row(observer, incident):
    # No station to queue on: the unique instance id decides.
    body = report_payload(incident)
    assert post_at_once(observer, [body] * THREADS) == [200] * (THREADS - 1) + [201]
    assert rows() == (1, 1, 1)


def test_sixteen_copies_of_a_checklist_under_new_ids_give_one_version(observer, voting):
    bodies = [report_payload(voting, instance_id=str(uuid.uuid4())) for _ in range(THREADS)]
    assert post_at_once(observer, bodies) == [200] * (THREADS - 1) + [201]
    assert rows() == (1, 1, THREADS)


def test_two_observers_at_once_at_a_station_each_see_the_other(
    observer, second_observer, voting, areas
):
    # Eight stations, each sent two disagreeing checklists at the same moment: the
    # station's lock queues them, so the second compares with the first and both are
    # marked in conflict (without it, each could miss the other's uncommitted report).
    mine = Observer.objects.get(user=observer)
    stations = [f.PollingStationFactory(area=areas["D1"], code=f"30{n}") for n in range(8)]
    deploy(mine, *stations)
    deploy(second_observer, *stations)
    bodies, users = [], []
    for station in stations:
        bodies.append(report_payload(voting, station=station.code))
        users.append(observer)
        bodies.append(
            report_payload(voting, station=station.code, answers={"opened": "no", "voters": 3})
        )
        users.append(second_observer.user)
    assert post_at_once(None, bodies, users) == [201] * THREADS
    in_conflict = Flag.objects.filter(kind=Flag.Kind.CONFLICT).values("report").distinct()
    assert in_conflict.count() == THREADS

"""reports/prepared.py: the hot statements, prepared once per PostgreSQL connection."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from pollwatch.reports import prepared

SQL = "SELECT CAST(%s AS INTEGER) + CAST(%s AS INTEGER)"


def _run(name: str, *params: int) -> int:
    with connection.cursor() as cursor:
        prepared.execute(cursor, name, SQL, list(params))
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_same_answers_as_the_plain_statement():
    assert _run("pollwatch_test_add", 2, 3) == 5
    assert _run("pollwatch_test_add", 40, 2) == 42


@pytest.mark.django_db
def test_prepared_once_per_connection_then_executed():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite caches its compiled statements itself")
    with CaptureQueriesContext(connection) as first:
        _run("pollwatch_test_once", 1, 1)
    with CaptureQueriesContext(connection) as second:
        _run("pollwatch_test_once", 2, 2)
    assert [q["sql"].split()[0] for q in first.captured_queries] == ["PREPARE", "EXECUTE"]
    assert [q["sql"].split()[0] for q in second.captured_queries] == ["EXECUTE"]


@pytest.mark.django_db(transaction=True)
def test_kept_through_a_rollback_and_made_again_on_a_new_connection():
    with pytest.raises(DatabaseError), transaction.atomic():
        assert _run("pollwatch_test_kept", 1, 2) == 3
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
    # PREPARE is not undone by a rollback: the name is still there to EXECUTE.
    assert _run("pollwatch_test_kept", 3, 4) == 7
    connection.close()
    assert _run("pollwatch_test_kept", 5, 6) == 11

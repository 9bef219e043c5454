"""pollwatch/prepared.py: the hot statements, prepared once per PostgreSQL connection."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from pollwatch import prepared

SQL = "SELECT CAST(%s AS INTEGER) + CAST(%s AS INTEGER)"


def _run(sql: str, *params: object) -> object:
    with prepared.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchone()[0]


def _prepared_here(sql_start: str) -> int:
    """How many statements starting so this connection has prepared (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [sql_start + "%"],
        )
        return cursor.fetchone()[0]


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite caches its compiled statements itself")


@pytest.mark.django_db
def test_same_answers_as_the_plain_statement():
    assert _run(SQL, 2, 3) == 5
    assert _run(SQL, 40, 2) == 42
    text = 'a "quoted" \\ value\'s, ключ'
    assert _run("SELECT CAST(%s AS TEXT)", text) == text


@pytest.mark.django_db
def test_counted_and_logged_as_django_queries():
    with CaptureQueriesContext(connection) as captured:
        _run(SQL, 1, 1)
    (query,) = captured.captured_queries
    assert query["sql"].startswith("SELECT CAST(")


@pytest.mark.django_db
def test_prepared_once_per_connection_then_executed():
    _needs_postgresql()
    statement = "SELECT CAST($1 AS INTEGER) * CAST($2 AS INTEGER)"
    assert _prepared_here(statement) == 0
    assert _run(statement.replace("$1", "%s").replace("$2", "%s"), 6, 7) == 42
    assert _prepared_here(statement) == 1
    assert _run(statement.replace("$1", "%s").replace("$2", "%s"), 3, 5) == 15
    assert _prepared_here(statement) == 1


@pytest.mark.django_db(transaction=True)
def test_made_again_after_a_rollback_and_on_a_new_connection():
    _needs_postgresql()
    sql = "SELECT CAST(%s AS INTEGER) - CAST(%s AS INTEGER)"
    with pytest.raises(DatabaseError), transaction.atomic():
        assert _run(sql, 3, 1) == 2
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
    # psycopg forgets its prepared statements at a rollback, and prepares them again.
    assert _run(sql, 7, 4) == 3
    assert _prepared_here("SELECT CAST($1 AS INTEGER) - ") == 1
    connection.close()
    assert _run(sql, 5, 6) == -1
    assert _prepared_here("SELECT CAST($1 AS INTEGER) - ") == 1


@pytest.mark.django_db
def test_nothing_prepared_when_each_request_opens_its_connection():
    _needs_postgresql()
    statement = "SELECT CAST($1 AS INTEGER) + CAST($2 AS INTEGER) + 1"
    connection.settings_dict["CONN_MAX_AGE"], kept = 0, connection.settings_dict["CONN_MAX_AGE"]
    try:
        assert _run(statement.replace("$1", "%s").replace("$2", "%s"), 1, 2) == 4
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = kept
    assert _prepared_here(statement) == 0

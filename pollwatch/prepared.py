"""A cursor for the API's hot hand-written statements, prepared on PostgreSQL.

Used by the API token check (accounts/services.py) and the report API
(reports/access.py, reports/services.py).

PostgreSQL parses and plans every statement it is sent. For the report API's
resolving query (reports/access.py: seven joins and two EXISTS) planning took about
1 ms of the server's CPU per report, several times what running it takes. Django's
cursors bind parameters on the client (psycopg's ClientCursor writes each value into
the SQL text, quoting it), which rules out prepared statements. This cursor binds
them on the server instead: psycopg sends the statement once per connection to be
prepared (its own cache, by SQL text and parameter types), then only the values. The
answers' JSON is sent as it is, not quoted into the SQL. Connections are kept across
requests (CONN_MAX_AGE), so preparing is paid once per connection, not per request.
With CONN_MAX_AGE=0 (a connection per request) preparing would cost an extra round
trip per statement and never pay back: the values are still bound on the server, but
nothing is prepared.

The cursor is Django's wrapper around psycopg's server-binding cursor, on the same
connection and in the same transaction as every other query, so query counting and
logging see its statements as before. SQLite compiles and caches statements itself:
there it is Django's own cursor.

Prepared statements belong to a session: a pooler in transaction mode (PgBouncer's
default) between the app and PostgreSQL would need session mode.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


class PreparingCursor(psycopg.Cursor):
    """psycopg's cursor (parameters bound on the server), preparing every statement."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        options["prepare"] = True
        return super().execute(query, params, **options)


class DebugCursor(CursorDebugWrapper):
    """Django's logging cursor, logging the statement as written.

    Django's logs show the SQL text the driver sent; with values bound on the server
    there is none, so the statement is logged with its placeholders (and the values
    beside it, as Django logs them).
    """

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def cursor() -> Iterator[Any]:
    """A Django cursor whose statements PostgreSQL prepares (see the module docstring)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as plain:
            yield plain
        return
    # What connection.cursor() does before making its cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    persistent = connection.settings_dict["CONN_MAX_AGE"] != 0  # None: kept for ever
    raw = (PreparingCursor if persistent else psycopg.Cursor)(connection.connection)
    wrapper = DebugCursor if connection.queries_logged else CursorWrapper
    wrapped = wrapper(raw, connection)
    with wrapped:
        yield wrapped

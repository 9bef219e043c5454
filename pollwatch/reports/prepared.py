"""The report API's hand-written statements, prepared once per PostgreSQL connection.

PostgreSQL parses and plans every statement it is sent. For the report API's
resolving query (reports/access.py: seven joins and two EXISTS) planning took about
1 ms of the server's CPU per report, several times what running it takes; as a
prepared statement it is planned a few times per connection and then runs on a
generic plan. The statements are prepared by name on first use on each connection
(PREPARE is not undone by a rollback, so a statement prepared inside a transaction
that fails stays usable) and run with EXECUTE through Django's cursor, so that
query counting and logging see them as before. Connections are kept across
requests (CONN_MAX_AGE), so the PREPARE is paid once per connection, not per
request. SQLite compiles and caches statements itself: there they run as they are.

Named statements belong to a session: a pooler in transaction mode (PgBouncer's
default) between the app and PostgreSQL would need session mode.
"""

import re
import threading
import weakref
from typing import Any

from django.db import connection

_PLACEHOLDER = re.compile(r"%s")
# Names prepared on each live connection (keyed by the driver's connection object,
# which Django replaces when it reconnects).
_prepared: "weakref.WeakKeyDictionary[Any, set[str]]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def execute(cursor: Any, name: str, sql: str, params: list[Any]) -> None:
    """Run `sql` (%s placeholders) with `params` on `cursor`, prepared as `name` on PostgreSQL."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    raw = connection.connection
    with _lock:
        names = _prepared.setdefault(raw, set())
    if name not in names:
        cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
        names.add(name)
    marks = ", ".join(["%s"] * len(params))
    cursor.execute(f"EXECUTE {name}({marks})", params)


def _numbered(sql: str) -> str:
    """PostgreSQL's $1, $2, ... for the %s placeholders, in order."""
    counter = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda _match: f"${next(counter)}", sql)

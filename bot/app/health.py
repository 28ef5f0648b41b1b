"""Whether the service can do its work: the database answers (``/healthz``), and takes a write in time
(``/readyz``)."""

from __future__ import annotations

from storage.database import Database, ping, probe_read_write

READY_WITHIN_S = 2.0  # well inside Slack's three seconds: a database slower than this cannot serve a click


def database_answers(db: Database) -> None:
    """Blocking; raises StoreUnavailable (dialogs.ports) when the database cannot be reached."""
    with db.reading() as session:
        ping(session)


def database_ready(db: Database) -> None:
    """Blocking; raises StoreUnavailable when the database does not take a read and a write (rolled back) within
    READY_WITHIN_S, e.g. a SQLite file another process keeps locked, or a PostgreSQL that is down or read-only."""
    probe_read_write(db.engine, timeout_s=READY_WITHIN_S)

"""Whether the service can do its work: the database answers (``/healthz``)."""

from __future__ import annotations

from storage.database import Database, ping


def database_answers(db: Database) -> None:
    """Blocking; raises StoreUnavailable (dialogs.ports) when the database cannot be reached."""
    with db.reading() as session:
        ping(session)

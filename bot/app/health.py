"""Whether the service can do its work: the database answers (``/healthz``)."""

from __future__ import annotations

from sqlalchemy import text

from storage.database import Database


def database_answers(db: Database) -> None:
    """Blocking; raises StoreUnavailable (dialogs.ports) when the database cannot be reached."""
    with db.reading() as session:
        session.execute(text("SELECT 1"))

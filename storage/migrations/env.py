"""Alembic's entry point. It runs on the connection that ``storage.migrate`` opened, inside its transaction."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from storage.models import Base

MIGRATION_LOCK = 0x6D617475  # PostgreSQL advisory lock key: one migrating process at a time


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run `maturity-bot db upgrade`")
_connection = context.config.attributes.get("connection")
if _connection is None:
    raise SystemExit("run migrations through storage.migrate (`maturity-bot db upgrade`), not the alembic CLI")
run_migrations(_connection)

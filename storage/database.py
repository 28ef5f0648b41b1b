"""Opening the database: URL defaults, engine settings per backend, and the schema check at start-up.

SQLite is the zero-set-up default. Its transactions begin with ``BEGIN IMMEDIATE`` so that two writers queue
on the write lock instead of both reading and then failing to upgrade their lock. The start-up check reads
``alembic_version`` directly; Alembic itself is imported only when a migration actually has to run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import (
    UPGRADE_HINT,
    DatabaseUnavailable,
    SchemaOutOfDate,
    StorageError,
    display_url,
    translate_errors,
)
from storage.schema import SCHEMA_REVISION

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "SchemaOutOfDate",
    "StorageError",
    "default_sqlite_url",
    "normalise_url",
    "open_database",
    "translate_errors",
    "upgrade",
]

APP_NAME = "maturity-bot"
SQLITE_BUSY_TIMEOUT_MS = 15_000  # how long a writer waits for another one to commit
POSTGRES_CONNECT_TIMEOUT_S = 10
READ_ONLY = "maturity_bot_read_only"  # execution option: this transaction never writes


def default_sqlite_url() -> str:
    """The SQLite file in the user's data directory, which is created if needed."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir(APP_NAME, appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return URL.create("sqlite", database=str(folder / f"{APP_NAME}.db")).render_as_string()


def normalise_url(url: str | URL) -> URL:
    """Parse a URL, sending plain ``postgresql://`` (and Heroku's ``postgres://``) to psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            "not a valid database URL; expected e.g. sqlite:///path/to/file.db or postgresql://user@host/dbname",
            reason="invalid URL",
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(
            f"unsupported database {display_url(parsed)}: use SQLite or PostgreSQL", reason=f"unsupported {backend}"
        )
    return parsed


def _sqlite_engine(url: URL, *, foreign_keys: bool) -> Engine:
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver stops emitting BEGIN; the "begin" hook below does
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    if "application_name" not in url.query:
        connect_args["application_name"] = APP_NAME
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def make_engine(url: str | URL, *, migrating: bool = False) -> Engine:
    """An engine set up for this application. Migrations run with SQLite's foreign keys off, as Alembic's
    batch mode rebuilds tables by copy-and-drop, and a drop must not cascade."""
    parsed = normalise_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed, foreign_keys=not migrating)
        return _postgres_engine(parsed)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseUnavailable.unreachable(parsed, str(exc).splitlines()[0]) from exc


@dataclass(frozen=True)
class Database:
    """The engine and the session factories; one per process, shared by every thread."""

    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]

    @classmethod
    def for_engine(cls, engine: Engine) -> Database:
        return cls(
            engine=engine,
            sessions=sessionmaker(engine, expire_on_commit=False),
            read_sessions=sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False),
        )

    @classmethod
    def for_url(cls, url: str | URL) -> Database:
        """Engine and sessions without touching the database; applications call ``open_database``."""
        return cls.for_engine(make_engine(url))

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def name(self) -> str:
        """The URL with its password hidden, for messages."""
        return display_url(self.engine.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction, committed on clean exit; connection failures become DatabaseUnavailable."""
        with translate_errors(self.engine.url), self.sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Like ``transaction`` for work that never writes; on SQLite it does not queue behind writers."""
        with translate_errors(self.engine.url), self.read_sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def ping(session: Session) -> None:
    """A round trip to the database."""
    session.execute(text("SELECT 1"))


def current_revision(conn: Connection) -> str | None:
    """The schema revision recorded by Alembic, or None for a database it never touched."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    revisions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(revisions)) or None


def open_database(url: str | URL, *, auto_upgrade: bool | None = None) -> Database:
    """Connect and check the schema revision, upgrading it first when ``auto_upgrade`` (default: SQLite only).

    Raises DatabaseUnavailable when the database cannot be reached, SchemaOutOfDate when its schema is not the one
    this code needs and may not be upgraded here.
    """
    engine = make_engine(url)
    if auto_upgrade is None:
        auto_upgrade = engine.dialect.name == "sqlite"
    try:
        with translate_errors(engine.url):
            with engine.connect() as conn:
                revision = current_revision(conn)
            if revision != SCHEMA_REVISION:
                _out_of_date(engine, revision, may_upgrade=auto_upgrade)
    except BaseException:
        engine.dispose()
        raise
    return Database.for_engine(engine)


def _out_of_date(engine: Engine, revision: str | None, *, may_upgrade: bool) -> None:
    from storage import migrate

    name = display_url(engine.url)
    if revision is not None and not migrate.is_known_revision(revision):
        raise SchemaOutOfDate(
            f"the database {name} has schema revision {revision}, newer than this version of maturity-bot "
            f"knows ({SCHEMA_REVISION}): upgrade maturity-bot"
        )
    if not may_upgrade:
        state = "has no schema yet" if revision is None else f"has schema revision {revision}"
        raise SchemaOutOfDate(f"the database {name} {state}, this version needs {SCHEMA_REVISION}: {UPGRADE_HINT}")
    upgrade(engine.url)


def upgrade(url: str | URL) -> None:
    """``alembic upgrade head``, programmatically; safe to run from several processes at once."""
    from storage import migrate

    engine = make_engine(url, migrating=True)
    try:
        with translate_errors(engine.url):
            migrate.upgrade_engine(engine)
    finally:
        engine.dispose()

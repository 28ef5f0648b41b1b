"""Opening the database: URL defaults, engine settings per backend, and the schema check at start-up.

SQLite is the zero-set-up default. Its transactions begin with ``BEGIN IMMEDIATE`` so that two writers queue
on the write lock instead of both reading and then failing to upgrade their lock. The start-up check reads
``alembic_version`` directly; Alembic itself is imported only when a migration actually has to run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import (
    SQLITE_LOCKED,
    UPGRADE_HINT,
    DatabaseUnavailable,
    SchemaOutOfDate,
    StorageError,
    display_url,
    short_reason,
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
# How long a SQLite write waits for another process's write lock (see ``LockWait``).
SQLITE_LOCK_WAIT_MS = 1_000  # a request: Slack wants its answer within 3 s
SQLITE_STILL_LOCKED_WAIT_MS = 100  # the next writes, while the file was just found locked that long
SQLITE_STILL_LOCKED_FOR_S = 10.0  # ... for this long after it was
SQLITE_PATIENT_LOCK_WAIT_MS = 15_000  # migrations, and any command an operator runs and waits for
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


class LockWait:
    """How long a SQLite write on one engine waits for the file's write lock before "database is locked".

    Inside the server every write goes through one storage thread (``bot.server.compose.storage_threads``), so the
    process's own writers queue in Python and never wait on the file: only another process holds it for longer
    than one of our transactions, e.g. ``maturity-bot db upgrade``, ``export`` or ``forget``, or a second server.
    A request has to be answered within Slack's three seconds, so it waits ``wait_ms`` (a second) and then fails
    as DatabaseUnavailable, and the person is told to try again. While the file has just been found locked that
    long, the next writes wait only SQLITE_STILL_LOCKED_WAIT_MS: they queue one behind another on the storage
    thread, and a full second each would add up past Slack's limit. The first write that gets the lock ends that.
    Migrations wait SQLITE_PATIENT_LOCK_WAIT_MS: nobody but the operator waits on them, and two processes starting
    at once both migrate."""

    def __init__(self, wait_ms: int) -> None:
        self.wait_ms = wait_ms
        self._locked_at: float | None = None  # time.monotonic() when a write last gave up on the lock

    def now_ms(self) -> int:
        """The wait for a transaction starting now."""
        locked_at = self._locked_at
        if locked_at is not None and time.monotonic() - locked_at < SQLITE_STILL_LOCKED_FOR_S:
            return min(self.wait_ms, SQLITE_STILL_LOCKED_WAIT_MS)
        return self.wait_ms

    def gave_up(self) -> None:
        self._locked_at = time.monotonic()

    def got_it(self) -> None:
        self._locked_at = None


def _is_locked(exc: BaseException) -> bool:
    """SQLite's SQLITE_BUSY: another connection held the lock for the whole wait."""
    return getattr(exc, "sqlite_errorname", None) == "SQLITE_BUSY" or SQLITE_LOCKED in str(exc)


def _sqlite_engine(url: URL, *, foreign_keys: bool, lock_wait_ms: int) -> Engine:
    engine = create_engine(url)
    waits = LockWait(lock_wait_ms)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver stops emitting BEGIN; the "begin" hook below does
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {lock_wait_ms}")
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
        record.info[_BUSY_MS] = lock_wait_ms

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        wait_ms, info = waits.now_ms(), conn.connection.info
        if info.get(_BUSY_MS) != wait_ms:
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {wait_ms}")
            info[_BUSY_MS] = wait_ms
        if conn.get_execution_options().get(READ_ONLY, False):
            conn.exec_driver_sql("BEGIN")
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits here for another process's write lock
        waits.got_it()

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if _is_locked(context.original_exception):
            waits.gave_up()

    return engine


_BUSY_MS = "maturity_bot_busy_timeout_ms"  # a pooled connection's current busy_timeout


def _postgres_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    if "application_name" not in url.query:
        connect_args["application_name"] = APP_NAME
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def make_engine(url: str | URL, *, migrating: bool = False, lock_wait_ms: int | None = None) -> Engine:
    """An engine set up for this application. Migrations run with SQLite's foreign keys off, as Alembic's
    batch mode rebuilds tables by copy-and-drop, and a drop must not cascade. ``lock_wait_ms``: how long a SQLite
    write waits for another process (default: a request's second, or the migrations' longer wait)."""
    parsed = normalise_url(url)
    if lock_wait_ms is None:
        lock_wait_ms = SQLITE_PATIENT_LOCK_WAIT_MS if migrating else SQLITE_LOCK_WAIT_MS
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed, foreign_keys=not migrating, lock_wait_ms=lock_wait_ms)
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
    def for_url(cls, url: str | URL, *, lock_wait_ms: int | None = None) -> Database:
        """Engine and sessions without touching the database; applications call ``open_database``."""
        return cls.for_engine(make_engine(url, lock_wait_ms=lock_wait_ms))

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


_PROBE_READ = "SELECT version_num FROM alembic_version"
_PROBE_WRITE = "UPDATE alembic_version SET version_num = version_num"  # a real row write, rolled back


def probe_read_write(engine: Engine, *, timeout_s: float) -> None:
    """A read and a write in one transaction that is rolled back (it leaves no trace), each waiting at most
    ``timeout_s`` for a lock; raises DatabaseUnavailable when either fails.

    SQLite gets a connection of its own with that wait, closed after: the pool's connections keep the engine's
    own, longer wait. PostgreSQL gets a pooled connection whose lock and statement timeouts are set for this
    transaction only.
    """
    wait_ms = max(1, round(timeout_s * 1000))
    if engine.dialect.name == "sqlite":
        _probe_sqlite(engine, wait_ms)
        return
    try:
        with translate_errors(engine.url), engine.connect() as conn, conn.begin() as transaction:
            conn.execute(
                text("SELECT set_config('lock_timeout', :ms, true), set_config('statement_timeout', :ms, true)"),
                {"ms": str(wait_ms)},
            )
            conn.execute(text(_PROBE_READ)).all()
            conn.execute(text(_PROBE_WRITE))
            transaction.rollback()
    except DBAPIError as exc:  # e.g. a read-only standby, or no schema: reached, but not able to work
        raise DatabaseUnavailable.unreachable(engine.url, short_reason(exc, engine.url)) from exc


def _probe_sqlite(engine: Engine, wait_ms: int) -> None:
    dialect = engine.dialect
    cargs, cparams = dialect.create_connect_args(engine.url)
    path = str(cargs[0]) if cargs else ""
    if not cparams.get("uri") and path not in ("", ":memory:") and not Path(path).exists():
        raise DatabaseUnavailable.unreachable(engine.url, "the database file does not exist")  # nor is it created
    error = dialect.loaded_dbapi.Error
    try:
        connection = dialect.connect(*cargs, **{**cparams, "timeout": wait_ms / 1000})
    except error as exc:
        raise DatabaseUnavailable.unreachable(engine.url, short_reason(exc)) from exc
    try:
        connection.isolation_level = None  # the statements below say where the transaction begins and ends
        cursor = connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")  # the write lock: waits at most wait_ms for another writer
        cursor.execute(_PROBE_READ).fetchall()
        cursor.execute(_PROBE_WRITE)
        cursor.execute("ROLLBACK")
    except error as exc:
        raise DatabaseUnavailable.unreachable(engine.url, short_reason(exc)) from exc
    finally:
        connection.close()


def current_revision(conn: Connection) -> str | None:
    """The schema revision recorded by Alembic, or None for a database it never touched."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    revisions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(revisions)) or None


def open_database(url: str | URL, *, auto_upgrade: bool | None = None, lock_wait_ms: int | None = None) -> Database:
    """Connect and check the schema revision, upgrading it first when ``auto_upgrade`` (default: SQLite only).
    ``lock_wait_ms``: see ``make_engine``; a command nobody waits on in a chat may pass SQLITE_PATIENT_LOCK_WAIT_MS.

    Raises DatabaseUnavailable when the database cannot be reached, SchemaOutOfDate when its schema is not the one
    this code needs and may not be upgraded here.
    """
    engine = make_engine(url, lock_wait_ms=lock_wait_ms)
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

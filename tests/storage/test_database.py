"""Opening the database: defaults, SQLite's settings, and failures that read as one clear line."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from storage.conversations import SqlConversationStore
from storage.database import (
    Database,
    DatabaseUnavailable,
    default_sqlite_url,
    normalise_url,
    open_database,
    upgrade,
)
from storage.models import Round, Team, Workspace
from tests.storage.helpers import MODEL, person, snapshot_of

UNREACHABLE = "postgresql://postgres:s3cret@127.0.0.1:1/test"


def test_the_default_database_lives_in_the_user_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    url = default_sqlite_url()
    assert url == f"sqlite:///{tmp_path}/data/maturity-bot/maturity-bot.db"
    assert (tmp_path / "data" / "maturity-bot").is_dir()
    open_database(url).close()
    assert (tmp_path / "data" / "maturity-bot" / "maturity-bot.db").is_file()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u:p@h:5433/db", "postgresql+psycopg://u:p@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgres_urls_go_to_psycopg_3(given: str, expected: str) -> None:
    assert normalise_url(given).render_as_string(hide_password=False) == expected


def test_unsupported_and_invalid_urls_are_refused_clearly() -> None:
    with pytest.raises(DatabaseUnavailable, match=r"^unsupported database mysql://u:\*\*\*@h/db: use SQLite or"):
        open_database("mysql://u:pw@h/db")
    with pytest.raises(DatabaseUnavailable, match=r"^not a valid database URL"):
        open_database("not a url")


def test_an_unreachable_postgres_is_one_line_without_the_password() -> None:
    with pytest.raises(DatabaseUnavailable) as raised:
        open_database(UNREACHABLE)
    assert str(raised.value) == (
        "cannot reach the database postgresql+psycopg://postgres:***@127.0.0.1:1/test: connection refused"
    )
    assert raised.value.reason == "connection refused"


def test_an_unreachable_sqlite_file_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/missing-dir/x.db"
    with pytest.raises(DatabaseUnavailable) as raised:
        open_database(url)
    assert str(raised.value) == f"cannot reach the database {url}: unable to open database file"


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(lambda db: upgrade(UNREACHABLE), id="upgrade"),
        pytest.param(lambda db: SqlConversationStore(db).turn(person(), MODEL).__enter__(), id="turn"),
        pytest.param(lambda db: snapshot_of(db, platform="slack", workspace="T", team="C"), id="team_snapshot"),
    ],
)
def test_every_entry_point_reports_an_unreachable_database_the_same_way(use: Callable[[Database], object]) -> None:
    db = Database.for_url(UNREACHABLE)
    with pytest.raises(
        DatabaseUnavailable, match=r"^cannot reach the database .*127\.0\.0\.1:1/test: connection refused$"
    ):
        use(db)
    db.close()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Database:
    return open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), sqlite_db.transaction() as session:
        session.add(Team(workspace_id=12345, external_id="orphan"))


def test_sqlite_write_transactions_take_the_write_lock_at_begin(sqlite_db: Database, tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: even a transaction that has only read holds the write lock, so two turns queue instead of
    deadlocking when both try to upgrade a read lock; read-only work does not take it."""
    other = sqlite3.connect(tmp_path / "db.sqlite", timeout=0, isolation_level=None)
    with sqlite_db.transaction() as session:
        session.execute(select(Round.id)).all()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
    with sqlite_db.reading() as session:
        session.execute(select(Round.id)).all()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()


def test_datetimes_come_back_aware_in_utc(db: Database) -> None:
    local = datetime(2025, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with db.transaction() as session:
        session.add(Workspace(platform="slack", external_id="T", created_at=local))
    with db.reading() as session:
        stored = session.scalar(select(Workspace.created_at))
    assert stored == local and stored is not None and stored.tzinfo is UTC and stored.hour == 10
    with pytest.raises(StatementError, match="naive datetime"), db.transaction() as session:
        session.add(Workspace(platform="slack", external_id="U", created_at=datetime(2025, 1, 1)))
        session.flush()


def test_a_database_handle_is_cheap_and_lazy() -> None:
    db = Database.for_url(UNREACHABLE)  # no connection is made until it is used
    assert db.name == "postgresql+psycopg://postgres:***@127.0.0.1:1/test"
    with pytest.raises(DatabaseUnavailable), db.reading() as session:
        session.execute(text("SELECT 1"))
    db.close()

"""The Alembic migrations: they build exactly the models' schema, and start-up checks the revision cheaply."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from checkins.states import DeliveryKind, DeliveryStatus, PauseReason, PlanStatus, RoundStatus, ScheduleKind
from dialogs.state import Phase
from storage import migrate
from storage.database import Database, SchemaOutOfDate, make_engine, open_database, upgrade
from storage.models import Base
from storage.schema import SCHEMA_REVISION

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    *("workspaces", "teams", "members", "rounds", "responses", "answers", "results", "seen_events"),
    *("slack_bots", "slack_installations", "slack_oauth_states", "conversation_refs"),
    *("checkin_settings", "schedules", "deliveries", "plan_items", "plan_events", "erasures", "model_versions"),
}


def tables_and_revision(url: str) -> tuple[set[str], list[str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            return tables, list(revision)
    finally:
        engine.dispose()


def test_schema_revision_is_the_alembic_head() -> None:
    assert migrate.head_revision() == SCHEMA_REVISION


def test_upgrade_creates_every_table_at_the_expected_revision(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    tables, revision = tables_and_revision(empty_db_url)
    assert tables == TABLES | {"alembic_version"} == set(Base.metadata.tables) | {"alembic_version"}
    assert revision == [SCHEMA_REVISION]


def test_the_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert differences == []


ENUMERATED = [
    ("rounds", "status", RoundStatus),
    ("responses", "status", Phase),
    ("schedules", "kind", ScheduleKind),
    ("deliveries", "kind", DeliveryKind),
    ("deliveries", "status", DeliveryStatus),
    ("checkin_settings", "paused_reason", PauseReason),
    ("plan_items", "status", PlanStatus),
]


@pytest.mark.parametrize(("table", "column", "values"), ENUMERATED, ids=[f"{t}.{c}" for t, c, _ in ENUMERATED])
def test_each_status_column_accepts_exactly_its_enumeration(
    db: Database, table: str, column: str, values: type[StrEnum]
) -> None:
    """The migrations' check constraints (which compare_metadata does not compare) hold the enumerations' values:
    a value added in code without a migration fails here."""
    [check] = [c for c in inspect(db.engine).get_check_constraints(table) if c["name"] == f"ck_{table}_{column}"]
    assert sorted(re.findall(r"'([a-z_]+)'", check["sqltext"])) == sorted(values)


def test_downgrade_to_base_removes_everything(database_url: str) -> None:
    engine = make_engine(database_url, migrating=True)
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    engine.dispose()
    tables, revision = tables_and_revision(database_url)
    assert tables == {"alembic_version"} and revision == []


def test_processes_upgrading_at_once_all_succeed(empty_db_url: str) -> None:
    """Replicas starting together: each upgrades, one does the work, the others wait and find nothing to do."""
    start_at = time.time() + 3  # after every process has finished importing
    code = (
        "import sys, time; from storage.database import upgrade; "
        f"time.sleep(max(0, {start_at} - time.time())); upgrade(sys.argv[1])"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, empty_db_url],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
    assert tables_and_revision(empty_db_url) == (TABLES | {"alembic_version"}, [SCHEMA_REVISION])


def test_threads_upgrading_at_once_all_succeed(empty_db_url: str) -> None:
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        upgrade(empty_db_url)

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(run) for _ in range(4)]:
            future.result()
    assert tables_and_revision(empty_db_url) == (TABLES | {"alembic_version"}, [SCHEMA_REVISION])


def test_without_auto_upgrade_an_empty_database_is_refused(empty_db_url: str) -> None:
    with pytest.raises(SchemaOutOfDate, match=r"has no schema yet.*run `maturity-bot db upgrade`"):
        open_database(empty_db_url, auto_upgrade=False)
    engine = make_engine(empty_db_url)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()


@pytest.mark.postgres
def test_postgres_is_not_upgraded_by_default(postgres_url: str) -> None:
    with pytest.raises(SchemaOutOfDate, match="maturity-bot db upgrade"):
        open_database(postgres_url)
    upgrade(postgres_url)
    open_database(postgres_url).close()


def test_sqlite_is_created_and_upgraded_on_first_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'first.db'}"
    open_database(url).close()
    assert tables_and_revision(url) == (TABLES | {"alembic_version"}, [SCHEMA_REVISION])


def test_a_newer_schema_is_refused_even_with_auto_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(SchemaOutOfDate, match="revision 9999, newer than this version of maturity-bot knows"):
        open_database(database_url, auto_upgrade=True)


def test_start_up_on_a_current_schema_does_not_import_alembic(database_url: str) -> None:
    code = (
        "import sys; from storage.database import open_database; "
        f"open_database({database_url!r}).close(); print(sorted(m for m in sys.modules if m.startswith('alembic')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_database_at_the_first_revision_upgrades_to_the_latest(empty_db_url: str) -> None:
    """A database created by an earlier release moves forward through every migration."""
    engine = make_engine(empty_db_url, migrating=True)
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    engine.dispose()
    assert "seen_events" not in tables_and_revision(empty_db_url)[0]
    upgrade(empty_db_url)
    assert tables_and_revision(empty_db_url) == (TABLES | {"alembic_version"}, [SCHEMA_REVISION])

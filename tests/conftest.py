"""Database fixtures: every storage test runs on a fresh SQLite file and on PostgreSQL.

PostgreSQL comes from MATURITY_BOT_TEST_POSTGRES_URL (default: the local server). Each test session works in a
schema of its own (through ``search_path``), emptied before every test, so runs in parallel never meet. Without
a server the PostgreSQL cases are skipped, unless MATURITY_BOT_REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage.database import Database, DatabaseUnavailable, make_engine, normalise_url, open_database, upgrade
from storage.errors import display_url, translate_errors

POSTGRES_URL_ENV = "MATURITY_BOT_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "MATURITY_BOT_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _reset_schema(engine: Engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))


@pytest.fixture(scope="session")
def _postgres() -> Iterator[tuple[Engine, str, str]]:
    """(admin engine, schema, URL whose search_path is that schema) for this test session."""
    url = normalise_url(os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL)
    schema = f"maturity_test_{os.getpid()}_{secrets.token_hex(4)}"
    engine = make_engine(url)
    try:
        with translate_errors(url):
            _reset_schema(engine, schema)
        unreachable = None
    except DatabaseUnavailable as exc:
        engine.dispose()
        unreachable = f"PostgreSQL not reachable at {display_url(url)}: {exc.reason}; set {POSTGRES_URL_ENV}"
    if unreachable is not None:
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(unreachable, pytrace=False)
        pytest.skip(unreachable)
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield engine, schema, scoped.render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def postgres_url(_postgres: tuple[Engine, str, str]) -> str:
    """An empty PostgreSQL database (a schema with no tables at all, not even alembic_version)."""
    engine, schema, url = _postgres
    _reset_schema(engine, schema)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind: a new SQLite file, or an emptied PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'maturity-bot.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def database_url(empty_db_url: str) -> str:
    """A database of each kind at the current schema revision, for code that opens it itself."""
    upgrade(empty_db_url)
    return empty_db_url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.close()

"""Alembic, driven from code: no alembic.ini, the scripts live in the package next to this module.

To write a new migration against a scratch database at the current head::

    python -c "from storage.migrate import new_revision; new_revision('sqlite:///dev.db', 'what changed')"

then check the generated file by hand (revision ids are numbered 0001, 0002, ...), and bump
``storage.schema.SCHEMA_REVISION``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ALEMBIC = threading.Lock()  # Alembic's ``context`` is one global per process: one command at a time


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS}")
    return head


def is_known_revision(revision: str) -> bool:
    scripts = ScriptDirectory.from_config(alembic_config())
    try:
        return all(scripts.get_revision(r) is not None for r in revision.split(","))
    except CommandError:
        return False


def upgrade_engine(engine: Engine) -> None:
    """Upgrade to head in one transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock in env.py),
    so a second process that starts at the same time waits, then finds nothing left to do."""
    config = alembic_config()
    with _ALEMBIC, engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def new_revision(url: str, message: str) -> None:
    """Autogenerate a migration from the models' difference with the database at ``url``."""
    from storage.database import make_engine

    engine = make_engine(url, migrating=True)
    config = alembic_config()
    try:
        with _ALEMBIC, engine.begin() as conn:
            config.attributes["connection"] = conn
            command.revision(config, message=message, autogenerate=True, rev_id=f"{int(head_revision()) + 1:04d}")
    finally:
        engine.dispose()

"""What the server benchmarks share: a scratch PostgreSQL schema made fresh per run."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.database import upgrade


def reset_schema(url: str) -> None:
    """Drop and re-create the schema the URL's search_path names, then migrate it."""
    schema = make_url(url).query["options"].split("=", 1)[1]
    engine = create_engine(make_url(url).difference_update_query(["options"]))
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    engine.dispose()
    upgrade(url)

"""The schema revision this code expects, kept apart from Alembic so that start-up can check it without
importing Alembic (a test keeps it equal to the head of ``storage/migrations``)."""

from __future__ import annotations

SCHEMA_REVISION = "0010"

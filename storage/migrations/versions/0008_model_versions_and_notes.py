"""Model versions kept whole, and notes on answers.

``model_versions`` holds the full text of every maturity model in use and its content hash, so a round keeps
the questions and scoring of the version it was opened on after the file changes. The 2026.12 bank, the only
one before this revision, is stored as the first version (its text as shipped, frozen beside this file), so
every existing round keeps its scoring.

``answers`` gains ``note`` and ``link`` (a short note or an evidence link kept with the answer), and ``level``
may be empty: a profile, "not applicable" or "don't know" answer has no level.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_VERSION = "2026.12"
FIRST_TEXT = Path(__file__).with_name("0008_model_2026_12.yaml")


def upgrade() -> None:
    versions = op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_model_versions_version")),
    )
    text = FIRST_TEXT.read_text(encoding="utf-8")
    op.bulk_insert(
        versions,
        [
            {
                "version": FIRST_VERSION,
                "content_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "content": text,
                "stored_at": datetime.now(UTC),
            }
        ],
    )
    with op.batch_alter_table("answers") as batch:
        batch.alter_column("level", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("note", sa.String(500), nullable=True))
        batch.add_column(sa.Column("link", sa.String(500), nullable=True))


def downgrade() -> None:
    # Answers without a level (profile, "not applicable", "don't know" on newer models) had none before either:
    # 2026.12 scored "don't know" as 0, which is what they become.
    op.execute(sa.text("UPDATE answers SET level = 0 WHERE level IS NULL"))
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("link")
        batch.drop_column("note")
        batch.alter_column("level", existing_type=sa.Integer(), nullable=False)
    op.drop_table("model_versions")

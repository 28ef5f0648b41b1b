"""Conversation references: where the bot may post unprompted in Teams (channels, group and personal chats).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        sa.Column("conversation_id", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(255), nullable=True),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("service_url", sa.String(512), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_refs")),
        sa.UniqueConstraint("platform", "conversation_id", name=op.f("uq_conversation_refs_platform_conversation_id")),
    )
    op.create_index("ix_conversation_refs_team", "conversation_refs", ["platform", "workspace_id", "team_id"])
    op.create_index("ix_conversation_refs_user", "conversation_refs", ["platform", "workspace_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_conversation_refs_user", table_name="conversation_refs")
    op.drop_index("ix_conversation_refs_team", table_name="conversation_refs")
    op.drop_table("conversation_refs")

"""The initial schema: workspaces, teams, members, rounds, responses, answers, results.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("platform", "external_id", name=op.f("uq_workspaces_platform_external_id")),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_teams_workspace_id_workspaces"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("workspace_id", "external_id", name=op.f("uq_teams_workspace_id_external_id")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_members_workspace_id_workspaces"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("workspace_id", "external_id", name=op.f("uq_members_workspace_id_external_id")),
    )
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _timestamp("opened_at"),
        _timestamp("closed_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_rounds_team_id_teams"), ondelete="CASCADE"),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_rounds_team_id_number")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_rounds_status")),
    )
    op.create_index(
        "ux_rounds_open_team",
        "rounds",
        ["team_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(100), nullable=True),
        sa.Column("navigation", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _timestamp("started_at"),
        _timestamp("updated_at"),
        _timestamp("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_responses_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_responses_member_id_members"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("round_id", "member_id", name=op.f("uq_responses_round_id_member_id")),
        sa.CheckConstraint("status IN ('new', 'asking', 'paused', 'finished')", name=op.f("ck_responses_status")),
    )
    op.create_index("ix_responses_member_id", "responses", ["member_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("option_id", sa.String(100), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        _timestamp("answered_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.ForeignKeyConstraint(
            ["response_id"], ["responses.id"], name=op.f("fk_answers_response_id_responses"), ondelete="CASCADE"
        ),
    )
    op.create_index("ix_answers_response_id_attempt_question_id", "answers", ["response_id", "attempt", "question_id"])
    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _timestamp("computed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results")),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_results_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["responses.id"], name=op.f("fk_results_response_id_responses"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("response_id", name=op.f("uq_results_response_id")),
        sa.CheckConstraint("scope IN ('member', 'team')", name=op.f("ck_results_scope")),
        sa.CheckConstraint("(scope = 'member') = (response_id IS NOT NULL)", name=op.f("ck_results_scope_response")),
    )
    op.create_index(
        "ux_results_team_round",
        "results",
        ["round_id"],
        unique=True,
        sqlite_where=sa.text("scope = 'team'"),
        postgresql_where=sa.text("scope = 'team'"),
    )


def downgrade() -> None:
    for table in ("results", "answers", "responses", "rounds", "members", "teams", "workspaces"):
        op.drop_table(table)

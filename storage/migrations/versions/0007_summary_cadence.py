"""A team's summary cadence: ``checkin_settings.summary_weeks`` (0: a summary only when a round closes) and the
"summary" schedule kind that posts one every that many weeks.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = ("nudge", "reassess", "round")
KINDS_AFTER = (*KINDS_BEFORE, "summary")


def upgrade() -> None:
    with op.batch_alter_table("checkin_settings") as batch:
        batch.add_column(sa.Column("summary_weeks", sa.Integer(), server_default="0", nullable=False))
    _allow_kinds(KINDS_AFTER)


def downgrade() -> None:
    # Foreign keys are off while SQLite migrates, so the deliveries go first rather than by cascade.
    op.execute(sa.text("DELETE FROM deliveries WHERE schedule_id IN (SELECT id FROM schedules WHERE kind = 'summary')"))
    op.execute(sa.text("DELETE FROM schedules WHERE kind = 'summary'"))
    _allow_kinds(KINDS_BEFORE)
    with op.batch_alter_table("checkin_settings") as batch:
        batch.drop_column("summary_weeks")


def _allow_kinds(kinds: tuple[str, ...]) -> None:
    """Replace the check on ``schedules.kind``; SQLite has no ALTER for it, so batch mode copies the table."""
    with op.batch_alter_table("schedules") as batch:
        batch.drop_constraint(op.f("ck_schedules_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_schedules_kind"), "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")")

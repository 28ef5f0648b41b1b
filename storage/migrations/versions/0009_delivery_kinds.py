"""A check on ``deliveries.kind``: a delivery says one of the kinds the sender knows how to word
(``checkins.states.DeliveryKind``), like every other status column.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("announce", "nudge", "invite", "reassess", "reminder", "summary")  # written out: fixed at this revision


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:  # SQLite has no ALTER for a check: batch mode copies the table
        batch.create_check_constraint(
            op.f("ck_deliveries_kind"), "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")"
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_kind"), type_="check")

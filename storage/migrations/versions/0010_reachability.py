"""Whether the bot can reach a team: ``checkin_settings.unreachable_since`` (its channel refused a post because
the bot is not in it; the owner has been told) and ``checkin_settings.paused_reason`` (check-ins paused by the
platform, e.g. the app was uninstalled, rather than by a person). Deliveries get a "waiting" status (parked until
the bot can reach the channel again) and an "unreachable" kind (the owner's private note about it).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out: fixed at this revision.
KINDS_BEFORE = ("announce", "nudge", "invite", "reassess", "reminder", "summary")
KINDS_AFTER = (*KINDS_BEFORE, "unreachable")
STATUSES_BEFORE = ("pending", "sending", "sent", "failed", "skipped")
STATUSES_AFTER = (*STATUSES_BEFORE, "waiting")


def upgrade() -> None:
    with op.batch_alter_table("checkin_settings") as batch:
        batch.add_column(sa.Column("unreachable_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("paused_reason", sa.String(16), nullable=True))
        batch.create_check_constraint(op.f("ck_checkin_settings_paused_reason"), "paused_reason IN ('uninstalled')")
    _allow(KINDS_AFTER, STATUSES_AFTER)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM deliveries WHERE kind = 'unreachable'"))
    op.execute(sa.text("UPDATE deliveries SET status = 'failed' WHERE status = 'waiting'"))
    _allow(KINDS_BEFORE, STATUSES_BEFORE)
    with op.batch_alter_table("checkin_settings") as batch:
        batch.drop_constraint(op.f("ck_checkin_settings_paused_reason"), type_="check")
        batch.drop_column("paused_reason")
        batch.drop_column("unreachable_since")


def _allow(kinds: tuple[str, ...], statuses: tuple[str, ...]) -> None:
    """Replace the checks on ``deliveries.kind`` and ``.status``; SQLite has no ALTER for them (batch mode)."""
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(op.f("ck_deliveries_kind"), type_="check")
        batch.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_deliveries_kind"), "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"
        )
        batch.create_check_constraint(
            op.f("ck_deliveries_status"), "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"
        )

"""What an audit or a privacy request needs: everything recorded, and erasing a person's answers."""

from __future__ import annotations

from datetime import datetime

from storage import audit
from storage.audit import ANSWER_FIELDS, ERASURE_FIELDS, PLAN_FIELDS, RESULT_FIELDS, AuditTrail, Erased
from storage.database import Database

__all__ = ["ANSWER_FIELDS", "ERASURE_FIELDS", "PLAN_FIELDS", "RESULT_FIELDS", "AuditTrail", "Erased"]


def export(db: Database, *, team: str | None = None, since: datetime | None = None) -> AuditTrail:
    """Every answer, result, plan change and erasure, oldest first, read in one transaction so the parts agree."""
    with db.reading() as session:
        return audit.export(session, team=team, since=since)


def forget(db: Database, user: str, *, platform: str | None = None, workspace: str | None = None) -> Erased:
    """Erase the person's answers everywhere (or in one workspace), in one transaction, and record that it was done."""
    with db.transaction() as session:
        return audit.forget(session, user, platform=platform, workspace=workspace)

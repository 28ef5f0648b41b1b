"""The team's plan in the database: each investment's status, every change kept as an event, and the latest
finished answers the plan is computed from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkins.plan import SNOOZE, SNOOZED, STATUSES, Stored
from storage.database import Database
from storage.models import PlanEvent, PlanItem, Round, Team
from storage.queries import insert_for, team_of
from storage.reports import finished_answers


@dataclass(frozen=True)
class PlanChange:
    investment_id: str
    status: str
    by_user: str | None
    source: str
    at: datetime


def statuses(session: Session, team_id: int) -> dict[str, Stored]:
    return {
        row.investment_id: Stored(row.status, row.snoozed_until)
        for row in session.scalars(select(PlanItem).where(PlanItem.team_id == team_id))
    }


def latest_answer_sets(session: Session, team_id: int) -> list[dict[str, str]]:
    """The finished answers of the team's latest round that has any (a round just opened has none yet)."""
    for round_id in session.scalars(select(Round.id).where(Round.team_id == team_id).order_by(Round.number.desc())):
        _, answers, _ = finished_answers(session, round_id)
        if answers:
            return list(answers.values())
    return []


def find_team(session: Session, platform: str, workspace: str, team: str) -> Team | None:
    return session.scalars(team_of(platform, workspace, team)).first()


def set_status(
    db: Database,
    *,
    platform: str,
    workspace: str,
    team: str,
    investment_id: str,
    status: str,
    by_user: str | None,
    source: str,
    now: datetime,
) -> bool:
    """Record a plan change (snoozing sets the week); False when the team is unknown."""
    if status not in STATUSES:
        raise ValueError(f"unknown plan status {status!r}")
    snoozed_until = now + SNOOZE if status == SNOOZED else None
    with db.transaction() as session:
        found = find_team(session, platform, workspace, team)
        if found is None:
            return False
        values = {"status": status, "snoozed_until": snoozed_until, "updated_at": now, "updated_by": by_user}
        stmt = insert_for(session, PlanItem).values(team_id=found.id, investment_id=investment_id, **values)
        session.execute(stmt.on_conflict_do_update(index_elements=["team_id", "investment_id"], set_=values))
        session.add(
            PlanEvent(
                team_id=found.id, investment_id=investment_id, status=status, by_user=by_user, source=source, at=now
            )
        )
        return True


def history(db: Database, *, platform: str, workspace: str, team: str) -> list[PlanChange]:
    with db.reading() as session:
        found = find_team(session, platform, workspace, team)
        if found is None:
            return []
        rows = session.scalars(select(PlanEvent).where(PlanEvent.team_id == found.id).order_by(PlanEvent.id))
        return [PlanChange(r.investment_id, r.status, r.by_user, r.source, r.at) for r in rows]

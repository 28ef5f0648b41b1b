"""Teams with a finished assessment and check-ins, written straight into the database: for scheduler tests that
need many teams, and for benchmarks/checkins.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from checkins.cadence import Cadence
from checkins.states import RoundStatus
from scoring.model import MaturityModel
from storage.checkins import cadence_columns
from storage.database import Database
from storage.models import Answer, Base, CheckinSettings, Member, Response, Round, Schedule, Team, Workspace


def _insert_ids(session: Session, table: type[Base], rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in one statement; their new ids, in the rows' order."""
    return list(session.execute(insert(table).returning(table.id, sort_by_parameter_order=True), rows).scalars())


def seed_teams(
    db: Database,
    model: MaturityModel,
    count: int,
    *,
    answers: dict[str, str],
    due_at: datetime,
    opened_at: datetime,
    platform: str = "slack",
    workspace: str = "T0001",
    prefix: str = "C",
    cadence: Cadence | None = None,
) -> list[str]:
    """``count`` teams (channels ``prefix00000``...), each with one member who finished with ``answers`` in an
    open round, default check-ins, and a nudge due at ``due_at``. Returns the channel ids."""
    channels = [f"{prefix}{n:05d}" for n in range(count)]
    columns = cadence_columns(cadence or Cadence())
    with db.transaction() as session:
        ws = session.scalar(
            select(Workspace.id).where(Workspace.platform == platform, Workspace.external_id == workspace)
        )
        if ws is None:
            ws = session.execute(
                insert(Workspace)
                .values(platform=platform, external_id=workspace, created_at=opened_at)
                .returning(Workspace.id)
            ).scalar_one()
        team_ids = _insert_ids(
            session,
            Team,
            [{"workspace_id": ws, "external_id": c, "name": f"team-{c}", "created_at": opened_at} for c in channels],
        )
        member_ids = _insert_ids(
            session,
            Member,
            [{"workspace_id": ws, "external_id": f"U{c}", "created_at": opened_at} for c in channels],
        )
        round_ids = _insert_ids(
            session,
            Round,
            [
                {
                    "team_id": t,
                    "number": 1,
                    "model_version": model.version,
                    "status": RoundStatus.OPEN,
                    "opened_at": opened_at,
                }
                for t in team_ids
            ],
        )
        response_ids = _insert_ids(
            session,
            Response,
            [
                {
                    "round_id": r,
                    "member_id": m,
                    "status": "finished",
                    "attempt": 1,
                    "navigation": {"pending": [], "history": list(answers), "skipped": []},
                    "version": 1,
                    "started_at": opened_at,
                    "updated_at": opened_at,
                    "finished_at": opened_at,
                }
                for r, m in zip(round_ids, member_ids, strict=True)
            ],
        )
        levels = {q: model.option(q, o).level for q, o in answers.items()}  # type: ignore[union-attr]
        session.execute(
            insert(Answer),
            [
                {
                    "response_id": r,
                    "attempt": 1,
                    "question_id": q,
                    "option_id": o,
                    "level": levels[q],
                    "model_version": model.version,
                    "source": "seed",
                    "answered_at": opened_at,
                }
                for r in response_ids
                for q, o in answers.items()
            ],
        )
        session.execute(
            insert(CheckinSettings),
            [
                {
                    "team_id": t,
                    "owner_id": m,
                    "paused": False,
                    "updated_at": opened_at,
                    "announced_at": opened_at,
                    **columns,
                }
                for t, m in zip(team_ids, member_ids, strict=True)
            ],
        )
        session.execute(
            insert(Schedule),
            [
                {
                    "team_id": t,
                    "kind": kind,
                    "next_fire_at": due_at if kind == "nudge" else None,
                    "step": 0,
                    "updated_at": opened_at,
                }
                for t in team_ids
                for kind in ("nudge", "reassess", "round")
            ],
        )
    return channels

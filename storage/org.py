"""The organisation view's facts: every team of a workspace, when it last took the assessment, and how often it
means to (scoring their answers is not storage's job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import CheckinSettings, Response, Round, Team, Workspace


@dataclass(frozen=True)
class TeamFacts:
    team_id: int
    team: str  # external id
    name: str | None
    last_finished: datetime | None
    reassess_weeks: int | None  # 0: the team asked for no re-assessments; None: it has no check-ins


def workspace_teams(session: Session, *, platform: str, workspace: str) -> list[TeamFacts]:
    """Every team of the workspace, when it last finished a round and how often it means to."""
    teams = session.execute(
        select(Team.id, Team.external_id, Team.name, CheckinSettings.reassess_weeks)
        .join(Workspace, Workspace.id == Team.workspace_id)
        .outerjoin(CheckinSettings, CheckinSettings.team_id == Team.id)
        .where(Workspace.platform == platform, Workspace.external_id == workspace)
        .order_by(Team.external_id)
    ).all()
    ids = [row.id for row in teams]
    finished = dict(
        session.execute(
            select(Round.team_id, func.max(Response.finished_at))
            .join(Response, Response.round_id == Round.id)
            .where(Round.team_id.in_(ids))
            .group_by(Round.team_id)
        ).all()
    )
    return [
        TeamFacts(
            team_id=row.id,
            team=row.external_id,
            name=row.name,
            last_finished=finished.get(row.id),
            reassess_weeks=row.reassess_weeks,
        )
        for row in teams
    ]

"""The organisation view's facts: every team of a workspace with its latest finished answers, when it last took
the assessment, and how often it means to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from checkins.cadence import Cadence
from storage.database import Database
from storage.models import CheckinSettings, Response, Round, Team, Workspace
from storage.plan import latest_answer_sets_for

DEFAULT_WEEKS = Cadence().reassess_weeks  # a team without check-ins is expected to re-assess as often as the default


@dataclass(frozen=True)
class TeamFacts:
    team: str  # external id
    name: str | None
    model_version: str | None  # of its latest finished round; None when nobody has finished
    answer_sets: list[dict[str, str]]
    last_finished: datetime | None
    reassess_weeks: int  # 0: the team asked for no re-assessments


def workspace_teams(db: Database, *, platform: str, workspace: str) -> list[TeamFacts]:
    with db.reading() as session:
        teams = session.execute(
            select(Team.id, Team.external_id, Team.name, CheckinSettings.reassess_weeks)
            .join(Workspace, Workspace.id == Team.workspace_id)
            .outerjoin(CheckinSettings, CheckinSettings.team_id == Team.id)
            .where(Workspace.platform == platform, Workspace.external_id == workspace)
            .order_by(Team.external_id)
        ).all()
        ids = [row.id for row in teams]
        answers = latest_answer_sets_for(session, ids) if ids else {}
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
                team=row.external_id,
                name=row.name,
                model_version=answers[row.id].model_version if row.id in answers else None,
                answer_sets=answers[row.id].answer_sets if row.id in answers else [],
                last_finished=finished.get(row.id),
                reassess_weeks=DEFAULT_WEEKS if row.reassess_weeks is None else row.reassess_weeks,
            )
            for row in teams
        ]

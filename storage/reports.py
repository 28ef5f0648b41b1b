"""Read models for the CLI and the chat adapters: a team's latest round, a member's progress and result.

Each function is a handful of queries whatever the team size (answers of all responses come in one query).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import distinct, func, select

from dialogs.ports import Participant
from dialogs.state import Phase
from storage.database import Database
from storage.models import SCOPE_MEMBER, Answer, Member, Response, Result, Round
from storage.queries import latest_answer_ids, latest_round, team_of, upsert_result


@dataclass(frozen=True)
class TeamSnapshot:
    """A team's latest round: the answers of everyone who finished, and how many are still answering."""

    team: str  # display name, or the external id when no name is known
    round_number: int
    model_version: str
    status: str  # "open" or "closed"
    responses: list[tuple[str, dict[str, str]]]  # (member name, {question id: option id}), in order of finishing
    in_progress: int


class MemberStatus(NamedTuple):
    round_number: int
    phase: Phase
    answered: int  # questions answered in the current attempt


def team_snapshot(db: Database, *, platform: str, workspace: str, team: str) -> TeamSnapshot | None:
    """None when the team is unknown (nobody in it has started)."""
    with db.reading() as session:
        found = session.scalars(team_of(platform, workspace, team)).first()
        if found is None:
            return None
        round_ = session.scalars(latest_round(found.id)).first()
        if round_ is None:
            return None
        rows = session.execute(
            select(Response.id, Response.status, Member.display_name, Member.external_id)
            .join(Member, Member.id == Response.member_id)
            .where(Response.round_id == round_.id)
            .order_by(Response.finished_at, Response.id)
        ).all()
        finished = {row.id: row.display_name or row.external_id for row in rows if row.status == Phase.FINISHED}
        answers: dict[int, dict[str, str]] = {response_id: {} for response_id in finished}
        if finished:
            current = latest_answer_ids(attempt_of=Response.attempt).join(Response, Response.id == Answer.response_id)
            current = current.where(Response.round_id == round_.id, Response.status == Phase.FINISHED.value)
            for response_id, question, option in session.execute(
                select(Answer.response_id, Answer.question_id, Answer.option_id)
                .where(Answer.id.in_(current))
                .order_by(Answer.id)
            ):
                answers[response_id][question] = option
        return TeamSnapshot(
            team=found.name or found.external_id,
            round_number=round_.number,
            model_version=round_.model_version,
            status=round_.status,
            responses=[(name, answers[response_id]) for response_id, name in finished.items()],
            in_progress=len(rows) - len(finished),
        )


def save_team_result(
    db: Database,
    *,
    platform: str,
    workspace: str,
    team: str,
    round_number: int,
    overall: int,
    payload: dict[str, Any],
) -> None:
    """Store (or replace) the team's scored result for one round. LookupError if there is no such round."""
    with db.transaction() as session:
        teams = team_of(platform, workspace, team).subquery()
        round_ = session.scalars(
            select(Round).join(teams, teams.c.id == Round.team_id).where(Round.number == round_number)
        ).first()
        if round_ is None:
            raise LookupError(f"team {team!r} has no round {round_number}")
        upsert_result(
            session,
            round_id=round_.id,
            response_id=None,
            overall=overall,
            model_version=round_.model_version,
            payload=payload,
        )


def member_status(db: Database, who: Participant) -> MemberStatus | None:
    """Where the member is in the team's latest round; None if they have not started in it."""
    with db.reading() as session:
        found = session.scalars(team_of(who.platform, who.workspace, who.team)).first()
        if found is None:
            return None
        answered = (
            select(func.count(distinct(Answer.question_id)))
            .where(Answer.response_id == Response.id, Answer.attempt == Response.attempt)
            .scalar_subquery()
        )
        row = session.execute(
            select(Round.number, Response.status, answered)
            .join(Response, Response.round_id == Round.id)
            .join(Member, Member.id == Response.member_id)
            .where(
                Round.id == latest_round(found.id).with_only_columns(Round.id).scalar_subquery(),
                Member.workspace_id == found.workspace_id,
                Member.external_id == who.user,
            )
        ).first()
        return None if row is None else MemberStatus(row[0], Phase(row[1]), row[2])


def last_member_result(db: Database, who: Participant) -> dict[str, Any] | None:
    """The payload of the member's most recent result in this team, whichever round it was in."""
    with db.reading() as session:
        found = session.scalars(team_of(who.platform, who.workspace, who.team)).first()
        if found is None:
            return None
        return session.scalars(
            select(Result.payload)
            .join(Response, Response.id == Result.response_id)
            .join(Round, Round.id == Result.round_id)
            .join(Member, Member.id == Response.member_id)
            .where(
                Round.team_id == found.id,
                Result.scope == SCOPE_MEMBER,
                Member.workspace_id == found.workspace_id,
                Member.external_id == who.user,
            )
            .order_by(Result.computed_at.desc(), Result.id.desc())
            .limit(1)
        ).first()

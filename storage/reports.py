"""Reads the application's use cases make in their own session: a round's finished answers, and the teams a
member takes part in. Each is a handful of queries whatever the team size."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session, aliased

from dialogs.state import Phase
from storage.models import Answer, Member, Response, Result, Round, Team, Workspace
from storage.queries import finished_answer_rows


@dataclass(frozen=True)
class FinishedAnswers:
    """Of one round: who finished (response id -> member name, in order of finishing), their answers, how many
    of those carry a note or an evidence link, and how many responses there are in all."""

    members: dict[int, str]
    answers: dict[int, dict[str, str]]
    notes: int
    links: int
    started: int

    @property
    def answer_sets(self) -> list[dict[str, str]]:
        return list(self.answers.values())


def finished_answers(session: Session, round_id: int) -> FinishedAnswers:
    rows = session.execute(
        select(Response.id, Response.finished_at, Member.display_name, Member.external_id)
        .join(Member, Member.id == Response.member_id)
        .where(Response.round_id == round_id)
        .order_by(Response.finished_at, Response.id)
    ).all()
    finished = {row.id: row.display_name or row.external_id for row in rows if row.finished_at is not None}
    answers: dict[int, dict[str, str]] = {response_id: {} for response_id in finished}
    notes = links = 0
    if finished:
        for row in finished_answer_rows(session, [round_id]):
            answers[row.response_id][row.question_id] = row.option_id
            notes += row.note is not None
            links += row.link is not None
    return FinishedAnswers(finished, answers, notes, links, len(rows))


@dataclass(frozen=True)
class MemberTeam:
    """One team a member has taken part in: their place in its latest round and their last result there."""

    team: str  # external id
    team_name: str
    round_number: int
    phase: Phase
    answered: int  # answers in the current attempt
    overall: int | None  # the member's last result in this round, if any
    team_id: int = field(default=0, compare=False)  # storage's own id, for reading more about the team


def member_teams(session: Session, *, platform: str, workspace: str, user: str) -> list[MemberTeam]:
    """Every team of this member in the workspace (latest round each), most recently active first."""
    answered = (
        select(func.count(distinct(Answer.question_id)))
        .where(Answer.response_id == Response.id, Answer.attempt == Response.attempt)
        .scalar_subquery()
    )
    overall = select(Result.overall).where(Result.response_id == Response.id).limit(1).scalar_subquery()
    columns = (Team.external_id, Team.name, Round.number, Response.status, answered, overall, Team.id)
    rows = session.execute(_member_teams(platform, workspace, user).with_only_columns(*columns)).all()
    return [
        MemberTeam(t, name or t, number, Phase(status), n, level, team_id)
        for t, name, number, status, n, level, team_id in rows
    ]


def last_team(session: Session, *, platform: str, workspace: str, user: str) -> str | None:
    """The team (external id) this member worked on last: where a private chat's typed replies belong. Every
    typed reply asks, so it reads the one id, not the overview."""
    return session.scalar(_member_teams(platform, workspace, user).with_only_columns(Team.external_id).limit(1))


def _member_teams(platform: str, workspace: str, user: str) -> Select[Team]:
    """The member's response in each team's latest round, most recently active first (columns to be chosen)."""
    later = aliased(Round)
    latest = select(func.max(later.id)).where(later.team_id == Team.id).correlate(Team).scalar_subquery()
    return (
        select(Team)
        .join(Workspace, Workspace.id == Team.workspace_id)
        .join(Round, (Round.team_id == Team.id) & (Round.id == latest))
        .join(Response, Response.round_id == Round.id)
        .join(Member, Member.id == Response.member_id)
        .where(
            Workspace.platform == platform,
            Workspace.external_id == workspace,
            Member.workspace_id == Workspace.id,
            Member.external_id == user,
        )
        .order_by(Response.updated_at.desc(), Response.id.desc())
    )

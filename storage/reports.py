"""Read models for the CLI and the chat adapters: a team's latest round and its stored results.

Each function is a handful of queries whatever the team size (answers of all responses come in one query).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session, aliased

from dialogs.state import Phase
from storage.models import Answer, Member, Response, Result, Round, Team, Workspace
from storage.queries import find_team, finished_answer_rows, latest_round


@dataclass(frozen=True)
class TeamSnapshot:
    """A team's latest round: the answers of everyone who finished, and how many are still answering."""

    team: str  # display name, or the external id when no name is known
    round_number: int
    model_version: str
    status: str  # "open" or "closed"
    responses: list[tuple[str, dict[str, str]]]  # (member name, {question id: option id}), in order of finishing
    in_progress: int

    @property
    def answer_sets(self) -> list[dict[str, str]]:
        """The finished members' answers, ready for scoring."""
        return [answers for _, answers in self.responses]


def team_snapshot(session: Session, *, platform: str, workspace: str, team: str) -> TeamSnapshot | None:
    """None when the team is unknown (nobody in it has started)."""
    found = find_team(session, platform, workspace, team)
    if found is None:
        return None
    round_ = session.scalars(latest_round(found.id)).first()
    if round_ is None:
        return None
    done = finished_answers(session, round_.id)
    return TeamSnapshot(
        team=found.name or found.external_id,
        round_number=round_.number,
        model_version=round_.model_version,
        status=round_.status,
        responses=[(name, done.answers[response_id]) for response_id, name in done.members.items()],
        in_progress=done.started - len(done.members),
    )


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

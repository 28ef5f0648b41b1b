"""The audit trail: every answer as it was given, every round's results, the plan's history and the erasures,
for a governance review; and the erasure itself (one person's answers deleted on request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.orm import Session

from storage.models import (
    SCOPE_MEMBER,
    Answer,
    Erasure,
    Member,
    PlanEvent,
    Response,
    Result,
    Round,
    Team,
    Workspace,
    utcnow,
)

ANSWER_FIELDS = (
    "answered_at",
    "platform",
    "workspace",
    "team",
    "team_name",
    "round",
    "member",
    "member_name",
    "attempt",
    "question",
    "option",
    "level",
    "change",
    "note",
    "link",
    "source",
    "model_version",
)
RESULT_FIELDS = ("computed_at", "platform", "workspace", "team", "round", "scope", "member", "overall", "model_version")
PLAN_FIELDS = ("at", "platform", "workspace", "team", "investment", "status", "by", "source")
ERASURE_FIELDS = ("at", "platform", "workspace", "user", "answers_removed", "responses_removed")


@dataclass
class AuditTrail:
    answers: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list)
    erasures: list[dict[str, Any]] = field(default_factory=list)


def export(session: Session, *, team: str | None = None, since: datetime | None = None) -> AuditTrail:
    """Everything an audit asks for, oldest first; ``team`` matches a team's id or name, ``since`` is inclusive."""
    trail = AuditTrail()
    # A row whose option is the same as that answer's row before it only changed the note: "note", not "answer".
    earlier = (
        select(
            Answer.id,
            func.lag(Answer.option_id)
            .over(partition_by=(Answer.response_id, Answer.attempt, Answer.question_id), order_by=Answer.id)
            .label("earlier"),
        )
    ).subquery()
    query = _in_teams(
        select(Answer, earlier.c.earlier, Round.number, Member.external_id, Member.display_name, *_team_columns())
        .join(earlier, earlier.c.id == Answer.id)
        .join(Response, Response.id == Answer.response_id)
        .join(Member, Member.id == Response.member_id)
        .join(Round, Round.id == Response.round_id),
        Round.team_id,
        team,
    )
    query = query.where(*_since(Answer.answered_at, since)).order_by(Answer.answered_at, Answer.id)
    for answer, was, number, user, user_name, platform, workspace, team_id, team_name in session.execute(query):
        trail.answers.append(
            {
                "answered_at": answer.answered_at.isoformat(),
                "platform": platform,
                "workspace": workspace,
                "team": team_id,
                "team_name": team_name,
                "round": number,
                "member": user,
                "member_name": user_name,
                "attempt": answer.attempt,
                "question": answer.question_id,
                "option": answer.option_id,
                "level": answer.level,
                "change": "note" if was == answer.option_id else "answer",
                "note": answer.note,
                "link": answer.link,
                "source": answer.source,
                "model_version": answer.model_version,
            }
        )
    results = _in_teams(
        select(Result, Round.number, Member.external_id, *_team_columns())
        .join(Round, Round.id == Result.round_id)
        .outerjoin(Response, Response.id == Result.response_id)
        .outerjoin(Member, Member.id == Response.member_id),
        Round.team_id,
        team,
    )
    results = results.where(*_since(Result.computed_at, since)).order_by(Result.computed_at, Result.id)
    for result, number, user, platform, workspace, team_id, _ in session.execute(results):
        trail.results.append(
            {
                "computed_at": result.computed_at.isoformat(),
                "platform": platform,
                "workspace": workspace,
                "team": team_id,
                "round": number,
                "scope": result.scope,
                "member": user if result.scope == SCOPE_MEMBER else None,
                "overall": result.overall,
                "model_version": result.model_version,
                "result": result.payload,
            }
        )
    plan = _in_teams(select(PlanEvent, *_team_columns()), PlanEvent.team_id, team)
    plan = plan.where(*_since(PlanEvent.at, since)).order_by(PlanEvent.at, PlanEvent.id)
    for event, platform, workspace, team_id, _ in session.execute(plan):
        trail.plan.append(
            {
                "at": event.at.isoformat(),
                "platform": platform,
                "workspace": workspace,
                "team": team_id,
                "investment": event.investment_id,
                "status": event.status,
                "by": event.by_user,
                "source": event.source,
            }
        )
    if team is None:  # an erasure belongs to a person, not to a team
        erased = select(Erasure).where(*_since(Erasure.at, since)).order_by(Erasure.at)
        trail.erasures = [
            {
                "at": e.at.isoformat(),
                "platform": e.platform,
                "workspace": e.workspace_id,
                "user": e.user_id,
                "answers_removed": e.answers_removed,
                "responses_removed": e.responses_removed,
            }
            for e in session.scalars(erased)
        ]
    return trail


def _since(column: Any, since: datetime | None) -> list[ColumnElement[bool]]:
    return [column >= since] if since else []


def _team_columns() -> tuple[Any, ...]:
    return (Workspace.platform, Workspace.external_id, Team.external_id, Team.name)


def _in_teams(query: Select[Any], team_id: Any, team: str | None) -> Select[Any]:
    """``query`` joined to its team (by the ``team_id`` column) and workspace, for ``_team_columns``; narrowed to
    the team whose id or name is ``team``, when given."""
    query = query.join(Team, Team.id == team_id).join(Workspace, Workspace.id == Team.workspace_id)
    return query.where(or_(Team.external_id == team, Team.name == team)) if team else query


@dataclass(frozen=True)
class Erased:
    workspaces: int
    answers: int
    responses: int


def forget(session: Session, user: str, *, platform: str | None = None, workspace: str | None = None) -> Erased:
    """Delete every answer of the person with platform id ``user`` (in every workspace, unless narrowed), with
    their responses and personal results, and record each erasure. Team results computed before stay."""
    people = session.execute(
        select(Member.id, Workspace.platform, Workspace.external_id)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .where(
            Member.external_id == user,
            *([Workspace.platform == platform] if platform else []),
            *([Workspace.external_id == workspace] if workspace else []),
        )
    ).all()
    total_answers = total_responses = 0
    for member_id, where_platform, where_workspace in people:
        answers, responses = _erase(session, member_id)
        session.add(
            Erasure(
                platform=where_platform,
                workspace_id=where_workspace,
                user_id=user,
                answers_removed=answers,
                responses_removed=responses,
                at=utcnow(),
            )
        )
        total_answers, total_responses = total_answers + answers, total_responses + responses
    return Erased(len(people), total_answers, total_responses)


def _erase(session: Session, member_id: int) -> tuple[int, int]:
    """The member's answers, responses (their place in each round) and personal results; the member row keeps
    only its platform id, without a display name."""
    responses = select(Response.id).where(Response.member_id == member_id)
    answers = session.execute(delete(Answer).where(Answer.response_id.in_(responses))).rowcount  # type: ignore[attr-defined]
    session.execute(delete(Result).where(Result.response_id.in_(responses)))
    removed = session.execute(delete(Response).where(Response.member_id == member_id)).rowcount  # type: ignore[attr-defined]
    member = session.get(Member, member_id)
    if member is not None:
        member.display_name = None
    return answers, removed

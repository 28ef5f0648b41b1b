"""Query pieces shared by the conversation store, the check-ins and the reports."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from checkins.states import RoundStatus
from storage.models import (
    SCOPE_MEMBER,
    SCOPE_TEAM,
    Answer,
    Base,
    Member,
    Response,
    Result,
    Round,
    Team,
    Workspace,
    utcnow,
)


def insert_for(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT, in the dialect of the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def latest_answer_ids(*, attempt_of: Any) -> Select[int]:
    """Ids of the answers that count: the newest per (response, question) in the attempt ``attempt_of`` gives
    (a value or a column correlated with the response)."""
    return (
        select(func.max(Answer.id)).where(Answer.attempt == attempt_of).group_by(Answer.response_id, Answer.question_id)
    )


# Built once: every turn runs it, and a statement object keeps its compiled form and cache key between runs.
_LATEST_ANSWERS = (
    select(Answer.question_id, Answer.option_id, Answer.note, Answer.link)
    .where(
        Answer.id.in_(
            latest_answer_ids(attempt_of=bindparam("attempt")).where(Answer.response_id == bindparam("response_id"))
        )
    )
    .order_by(Answer.id)
)


def latest_answers(session: Session, response_id: int, attempt: int) -> dict[str, tuple[str, str | None, str | None]]:
    """question id -> (option id, note, link) of the answers that count, oldest first."""
    rows = session.execute(_LATEST_ANSWERS, {"attempt": attempt, "response_id": response_id})
    return {question: (option, note, link) for question, option, note, link in rows}


def team_of(platform: str, workspace: str, team: str) -> Select[Team]:
    return (
        select(Team)
        .join(Workspace, Workspace.id == Team.workspace_id)
        .where(Workspace.platform == platform, Workspace.external_id == workspace, Team.external_id == team)
    )


def members_by_team(session: Session, team_ids: Collection[int]) -> dict[int, tuple[str, ...]]:
    """Everyone who has taken part in each team, in any round (platform ids, sorted)."""
    found: dict[int, set[str]] = {team_id: set() for team_id in team_ids}
    for team_id, member in session.execute(
        select(Round.team_id, Member.external_id)
        .join(Response, Response.round_id == Round.id)
        .join(Member, Member.id == Response.member_id)
        .where(Round.team_id.in_(list(team_ids)))
        .distinct()
    ):
        found[team_id].add(member)
    return {team_id: tuple(sorted(members)) for team_id, members in found.items()}


def latest_finished_rounds(session: Session, team_ids: Collection[int]) -> dict[int, Round]:
    """Each team's latest round that somebody finished, by team id (teams without one left out); one query."""
    latest = (
        select(Round.team_id, func.max(Round.number).label("number"))
        .join(Response, Response.round_id == Round.id)
        .where(Round.team_id.in_(list(team_ids)), Response.finished_at.is_not(None))
        .group_by(Round.team_id)
        .subquery()
    )
    rounds = session.scalars(
        select(Round).join(latest, (Round.team_id == latest.c.team_id) & (Round.number == latest.c.number))
    )
    return {round_.team_id: round_ for round_ in rounds}


class AnswerRow(NamedTuple):
    response_id: int
    round_id: int
    question_id: str
    option_id: str
    note: str | None
    link: str | None


def finished_answer_rows(session: Session, round_ids: Collection[int]) -> Iterable[AnswerRow]:
    """The answers that count in these rounds' finished responses, oldest first. Finished once in the current
    attempt counts, even while the member is back changing an answer."""
    current = latest_answer_ids(attempt_of=Response.attempt).join(Response, Response.id == Answer.response_id)
    current = current.where(Response.round_id.in_(list(round_ids)), Response.finished_at.is_not(None))
    rows = session.execute(
        select(Answer.response_id, Response.round_id, Answer.question_id, Answer.option_id, Answer.note, Answer.link)
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.id.in_(current))
        .order_by(Answer.id)
    )
    return (AnswerRow(*row) for row in rows)


@dataclass(frozen=True)
class RoundAnswers:
    """A round's finished answer sets (never who gave them), with the model version they are scored on."""

    round_number: int
    model_version: str
    answer_sets: list[dict[str, str]]


def find_team(session: Session, platform: str, workspace: str, team: str) -> Team | None:
    return session.scalars(team_of(platform, workspace, team)).first()


def round_numbered(session: Session, team_id: int, number: int) -> Round | None:
    return session.scalars(select(Round).where(Round.team_id == team_id, Round.number == number)).first()


def started_members(session: Session, round_id: int) -> frozenset[str]:
    """Members (platform ids) who have begun answering the round."""
    return frozenset(
        session.scalars(
            select(Member.external_id)
            .join(Response, Response.member_id == Member.id)
            .where(Response.round_id == round_id, Response.position.is_not(None))
        )
    )


def latest_round_of(session: Session, team_id: int) -> Round | None:
    return session.scalars(select(Round).where(Round.team_id == team_id).order_by(Round.number.desc()).limit(1)).first()


def open_round(session: Session, team_id: int, model_version: str, *, opened_at: datetime | None = None) -> Round:
    """The team's open round, opened (as the next number, on this model version) when there is none.

    A round stays open whatever model version later turns run on: each answer records its own version, and
    replicas in a rolling deploy never fight over the round. Rounds are closed by the check-in tick (which opens
    the next at its slot, ``opened_at``; default now) or by ``maturity-bot new-round``.
    """
    query = select(Round).where(Round.team_id == team_id, Round.status == RoundStatus.OPEN)
    current = session.scalars(query).first()
    if current is not None:
        return current
    session.execute(select(Team.id).where(Team.id == team_id).with_for_update())  # one new round per team at a time
    current = session.scalars(query.execution_options(populate_existing=True)).first()
    if current is not None:
        return current
    last = session.scalar(select(func.max(Round.number)).where(Round.team_id == team_id)) or 0
    new = Round(
        team_id=team_id,
        number=last + 1,
        model_version=model_version,
        status=RoundStatus.OPEN,
        opened_at=opened_at or utcnow(),
    )
    session.add(new)
    session.flush()
    return new


def upsert_result(
    session: Session,
    *,
    round_id: int,
    response_id: int | None,
    overall: int,
    model_version: str,
    payload: dict[str, Any],
) -> None:
    """One member result per response, one team result per round: a newer score replaces the old one."""
    now = utcnow()
    stmt = insert_for(session, Result).values(
        round_id=round_id,
        response_id=response_id,
        scope=SCOPE_TEAM if response_id is None else SCOPE_MEMBER,
        overall=overall,
        model_version=model_version,
        payload=payload,
        computed_at=now,
    )
    changes = {
        "overall": stmt.excluded.overall,
        "model_version": stmt.excluded.model_version,
        "payload": stmt.excluded.payload,
        "computed_at": stmt.excluded.computed_at,
    }
    if response_id is None:
        stmt = stmt.on_conflict_do_update(
            index_elements=[Result.round_id], index_where=Result.scope == SCOPE_TEAM, set_=changes
        )
    else:
        stmt = stmt.on_conflict_do_update(index_elements=[Result.response_id], set_=changes)
    session.execute(stmt)

"""Small builders and readers shared by the storage tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialogs.ports import Participant
from dialogs.state import ConversationState, Phase
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.models import Base, Round
from storage.queries import find_team, latest_round_of, team_of, upsert_result
from storage.reports import finished_answers

MODEL = "2025.1"


def person(
    user: str = "U1", *, team: str = "C1", workspace: str = "T1", platform: str = "slack", **names: str
) -> Participant:
    return Participant(platform, workspace, team, user, **names)


def answered(state: ConversationState, answers: dict[str, str], *, phase: Phase = Phase.ASKING) -> ConversationState:
    """``state`` after answering ``answers``: they move from pending to history."""
    new = state.model_copy(deep=True)
    for question, option in answers.items():
        new.answers[question] = option
        if question in new.pending:
            new.pending.remove(question)
        if question not in new.history:
            new.history.append(question)
    new.phase = phase
    return new


def take_turn(
    store: SqlConversationStore,
    who: Participant,
    answers: dict[str, str],
    *,
    phase: Phase = Phase.ASKING,
    result: dict[str, Any] | None = None,
    model_version: str = MODEL,
) -> ConversationState:
    """One turn that answers ``answers`` (every option's level is its length, so levels are checkable)."""
    with store.turn(who, model_version) as turn:
        state = answered(turn.state, answers, phase=phase)
        turn.save(state, source="test", result=result, levels={q: len(o) for q, o in state.answers.items()})
    return state


def count(db: Database, model: type[Base], *where: Any) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


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
    round_ = latest_round_of(session, found.id)
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


def snapshot_of(db: Database, *, platform: str, workspace: str, team: str) -> TeamSnapshot | None:
    """The team's latest round as stored, read in a transaction of its own."""
    with db.reading() as session:
        return team_snapshot(session, platform=platform, workspace=workspace, team=team)


def save_team_result(
    db: Database, *, platform: str, workspace: str, team: str, round_number: int, overall: int, payload: dict[str, Any]
) -> None:
    """Store a team result for one of the team's rounds, as a round's close does (the summary shows it)."""
    with db.transaction() as session:
        teams = team_of(platform, workspace, team).subquery()
        round_ = session.scalars(
            select(Round).join(teams, teams.c.id == Round.team_id).where(Round.number == round_number)
        ).one()
        upsert_result(
            session,
            round_id=round_.id,
            response_id=None,
            overall=overall,
            model_version=round_.model_version,
            payload=payload,
        )

"""What a team summary is made of, read in one go: a round's finished answers, how many took part, the previous
round's levels and the plan's statuses. The words are ``bot/app/summary.py``'s job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkins.plan import Stored
from checkins.states import RoundStatus
from storage.models import SCOPE_TEAM, Response, Result, Round, Team
from storage.plan import statuses
from storage.queries import latest_finished_rounds, latest_round_of, members_by_team
from storage.reports import finished_answers


@dataclass(frozen=True)
class PreviousRound:
    """The round before: its stored team result when there is one (what the team was told then, which a later
    erasure leaves alone), else its finished answers, to be scored."""

    number: int
    model_version: str  # the model it was taken on: the trend says so when the rubric changed since
    stored: dict[str, Any] | None
    answer_sets: list[dict[str, str]]


@dataclass(frozen=True)
class SummaryFacts:
    team: str  # external id
    team_name: str
    round_number: int
    round_open: bool
    model_version: str  # the model the round was taken on
    answer_sets: list[dict[str, str]]  # the finished members' answers; never who gave them
    notes: int  # of their answers, how many carry a note
    links: int  # and how many an evidence link
    in_progress: int
    members: int  # everyone who has ever answered for the team: the bot cannot see who is in a channel
    previous: PreviousRound | None
    plan: dict[str, Stored]


def summary_facts(session: Session, team_id: int, round_number: int | None = None) -> SummaryFacts | None:
    """The facts of one round of the team; by default its latest round that anyone finished (else its latest).
    None when the team has no such round."""
    team = session.get(Team, team_id)
    if round_number is not None:
        round_ = session.scalars(select(Round).where(Round.team_id == team_id, Round.number == round_number)).first()
    else:  # the latest round anyone finished; if nobody has, the latest, to say who is answering
        round_ = latest_finished_rounds(session, [team_id]).get(team_id) or latest_round_of(session, team_id)
    if team is None or round_ is None:
        return None
    done = finished_answers(session, round_.id)
    return SummaryFacts(
        team=team.external_id,
        team_name=team.name or team.external_id,
        round_number=round_.number,
        round_open=round_.status == RoundStatus.OPEN,
        model_version=round_.model_version,
        answer_sets=done.answer_sets,
        notes=done.notes,
        links=done.links,
        in_progress=done.started - len(done.members),
        members=len(members_by_team(session, [team_id])[team_id]),
        previous=_previous_round(session, team_id, round_.number),
        plan=statuses(session, team_id),
    )


def _previous_round(session: Session, team_id: int, number: int) -> PreviousRound | None:
    """The latest earlier round with a team result or anyone finished; rounds nobody finished are passed over."""
    finished = select(Response.id).where(Response.round_id == Round.id, Response.finished_at.is_not(None)).exists()
    earlier = session.execute(
        select(Round.id, Round.number, Round.model_version, Result.payload)
        .outerjoin(Result, (Result.round_id == Round.id) & (Result.scope == SCOPE_TEAM))
        .where(Round.team_id == team_id, Round.number < number, Result.id.is_not(None) | finished)
        .order_by(Round.number.desc())
        .limit(1)
    ).first()
    if earlier is None:
        return None
    round_id, earlier_number, version, payload = earlier
    if payload:
        return PreviousRound(earlier_number, version, payload, [])
    done = finished_answers(session, round_id)
    return PreviousRound(earlier_number, version, None, done.answer_sets) if done.answers else None

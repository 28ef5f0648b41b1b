"""The team's plan in the database: each investment's status, every change kept as an event, and the latest
finished answers the plan is computed from."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkins.plan import Stored
from checkins.states import PlanStatus
from storage.models import PlanEvent, PlanItem
from storage.queries import RoundAnswers, finished_answer_rows, insert_for, latest_finished_rounds


def statuses(session: Session, team_id: int) -> dict[str, Stored]:
    """Each investment's status in the team's plan (those never touched are absent: still to do)."""
    return statuses_for(session, [team_id])[team_id]


def statuses_for(session: Session, team_ids: Collection[int]) -> dict[int, dict[str, Stored]]:
    """``statuses`` of many teams in one query."""
    found: dict[int, dict[str, Stored]] = {team_id: {} for team_id in team_ids}
    for row in session.scalars(select(PlanItem).where(PlanItem.team_id.in_(team_ids))):
        found[row.team_id][row.investment_id] = Stored(PlanStatus(row.status), row.snoozed_until)
    return found


def latest_answer_sets_for(session: Session, team_ids: Collection[int]) -> dict[int, RoundAnswers]:
    """The finished answers of each team's latest round that has any (a round just opened has none yet), in two
    queries: each team's latest round with a finished response, then the answers that count in those rounds.
    Teams without one are left out."""
    rounds = latest_finished_rounds(session, team_ids)
    team_of_round = {round_.id: team_id for team_id, round_ in rounds.items()}
    if not team_of_round:
        return {}
    by_response: dict[int, dict[str, str]] = {}
    round_of: dict[int, int] = {}
    for row in finished_answer_rows(session, team_of_round):
        by_response.setdefault(row.response_id, {})[row.question_id] = row.option_id
        round_of[row.response_id] = row.round_id
    found = {team_id: RoundAnswers(round_.number, round_.model_version, []) for team_id, round_ in rounds.items()}
    for response_id, answers in by_response.items():
        found[team_of_round[round_of[response_id]]].answer_sets.append(answers)
    return found


def record_status(
    session: Session,
    team_id: int,
    investment_id: str,
    status: PlanStatus,
    *,
    snoozed_until: datetime | None,
    by_user: str | None,
    source: str,
    now: datetime,
) -> None:
    """Keep a plan item's new status, and the change as an event."""
    values = {"status": status, "snoozed_until": snoozed_until, "updated_at": now, "updated_by": by_user}
    stmt = insert_for(session, PlanItem).values(team_id=team_id, investment_id=investment_id, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["team_id", "investment_id"], set_=values))
    session.add(
        PlanEvent(team_id=team_id, investment_id=investment_id, status=status, by_user=by_user, source=source, at=now)
    )

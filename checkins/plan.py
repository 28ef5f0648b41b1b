"""A team's plan: the key investments toward its next level, each with where the team stands on it, and which
one the next nudge is about. Pure: statuses come in, decisions go out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from checkins.states import PlanStatus
from scoring.model import Investment
from scoring.score import Result

SETTLED = frozenset({PlanStatus.DONE, PlanStatus.NOT_FOR_US})
SNOOZE = timedelta(weeks=1)
LABELS = {
    PlanStatus.OPEN: "to do",
    PlanStatus.IN_PROGRESS: "in progress",
    PlanStatus.DONE: "done",
    PlanStatus.NOT_FOR_US: "not for us",
    PlanStatus.SNOOZED: "snoozed",
}


def snoozed_until(status: PlanStatus, now: datetime) -> datetime | None:
    """A snoozed step comes back after a week; any other status holds until it is changed."""
    return now + SNOOZE if status is PlanStatus.SNOOZED else None


@dataclass(frozen=True)
class Stored:
    status: PlanStatus
    snoozed_until: datetime | None = None


@dataclass(frozen=True)
class PlanEntry:
    investment: Investment
    status: PlanStatus
    snoozed_until: datetime | None
    blocking: bool  # lifts a dimension that holds the next level back

    def waiting(self, now: datetime) -> bool:
        """Snoozed and the week is not over yet."""
        return self.status == PlanStatus.SNOOZED and self.snoozed_until is not None and self.snoozed_until > now


def plan_for(result: Result, stored: Mapping[str, Stored]) -> list[PlanEntry]:
    """The team's next steps in the scorer's order (blockers' investments first), with their statuses."""
    blockers = set(result.blockers)
    return [
        PlanEntry(
            investment=i.investment,
            status=stored[i.id].status if i.id in stored else PlanStatus.OPEN,
            snoozed_until=stored[i.id].snoozed_until if i.id in stored else None,
            blocking=bool(blockers.intersection(i.lifts)),
        )
        for i in result.next_steps
    ]


def next_nudge_item(entries: list[PlanEntry], now: datetime) -> PlanEntry | None:
    """One investment at a time: keep the focus on one in progress, else the first still to do (a snoozed one
    comes back once its week is over); None when nothing is left to nudge about."""
    in_progress = [e for e in entries if e.status == PlanStatus.IN_PROGRESS]
    if in_progress:
        return in_progress[0]
    return next((e for e in entries if e.status in (PlanStatus.OPEN, PlanStatus.SNOOZED) and not e.waiting(now)), None)


def ready_to_reassess(entries: list[PlanEntry]) -> bool:
    """Every investment that lifts a blocker is settled, and at least one of them was done: worth re-assessing."""
    blocking = [e for e in entries if e.blocking]
    return (
        bool(blocking)
        and all(e.status in SETTLED for e in blocking)
        and any(e.status == PlanStatus.DONE for e in blocking)
    )

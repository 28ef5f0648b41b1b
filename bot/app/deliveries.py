"""Delivering check-ins: the sender's use cases (claim what is ready under a lease, record how each send went)
and the ports the platforms' outboxes implement.

The scheduler (an adapter driving the tick) and each platform's outbox meet here, so neither imports the other
and neither reads storage: a delivery arrives as a ``DeliveryJob``, goes out as a ``Notice``, and a platform that
did not take it raises ``Retry`` or ``Undeliverable``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from bot.app.notices import Notice
from bot.app.replies import Style
from checkins.rules import after_send, tell_owner
from storage.checkins import DeliveryJob, add_deliveries, mark_unreachable, owner_of, record_send, settings_of
from storage.checkins import claim_deliveries as claim
from storage.database import Database

__all__ = [
    "STALE",
    "DeliveryJob",
    "Notice",
    "Outbox",
    "Outcome",
    "Retry",
    "Undeliverable",
    "Unreachable",
    "claim_deliveries",
    "finish_deliveries",
    "finish_delivery",
]
STALE = "stale"  # a sender's late answer after its lease ran out: nothing was recorded


def claim_deliveries(db: Database, now: datetime, *, limit: int = 100, lease: timedelta) -> list[DeliveryJob]:
    """Pending deliveries whose time has come (and any whose sender died mid-lease), leased to this sender."""
    with db.transaction() as session:
        return claim(session, now, limit=limit, lease=lease)


@dataclass(frozen=True)
class Outcome:
    """How one send went: ``error`` None for sent; with ``retry_at`` the delivery is tried again then;
    ``unreachable``: the team's channel does not let the bot in."""

    job: DeliveryJob
    error: str | None = None
    retry_at: datetime | None = None
    unreachable: bool = False


def finish_delivery(
    db: Database, job: DeliveryJob, now: datetime, *, error: str | None = None, retry_at: datetime | None = None
) -> str:
    return finish_deliveries(db, [Outcome(job, error, retry_at)], now)[0]


def finish_deliveries(db: Database, outcomes: list[Outcome], now: datetime) -> list[str]:
    """Record sends' outcomes in one transaction; returns each delivery's new status, or "stale" for a sender
    whose lease ran out (the delivery was claimed again since, and nothing changes). A team post the channel
    refused is parked, and the team's owner is owed one private note about it."""
    statuses = []
    with db.transaction() as session:
        for outcome in outcomes:
            job, sent, may_retry = outcome.job, outcome.error is None, outcome.retry_at is not None
            status = after_send(sent=sent, may_retry=may_retry, attempts=job.attempts, unreachable=outcome.unreachable)
            recorded = record_send(session, job, status, now, error=outcome.error, retry_at=outcome.retry_at)
            statuses.append(status if recorded else STALE)
            if recorded and outcome.unreachable:
                _tell_owner_once(session, job, now)
    return statuses


def _tell_owner_once(session: Session, job: DeliveryJob, now: datetime) -> None:
    settings = settings_of(session, job.team_id)
    if settings is None:
        return
    owed = tell_owner(first=mark_unreachable(session, job.team_id, now), owner=owner_of(session, settings), now=now)
    if owed is not None:
        add_deliveries(session, [(job.schedule_id, owed)], now)


class Retry(Exception):
    """The post did not go out, and may later: ``after`` is the platform's Retry-After, in seconds, if it gave one."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after

    @classmethod
    def after_header(cls, reason: str, retry_after: object) -> Retry:
        """A Retry with the seconds of an HTTP Retry-After header, when it holds a number."""
        try:
            return cls(reason, float(str(retry_after)))
        except ValueError:
            return cls(reason)


class Undeliverable(Exception):
    """The post can never go out as addressed (channel gone, bot removed): not retried."""


class Unreachable(Undeliverable):
    """The team's channel does not let the bot in (never invited, or removed): parked until it is back in."""


class Outbox(Protocol):
    style: Style

    async def send(self, job: DeliveryJob, notice: Notice) -> None:
        """Post ``notice`` to the job's team channel, or privately to its recipient. Raises Retry or
        Undeliverable; returns only once the platform has accepted the post."""

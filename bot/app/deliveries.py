"""What the platforms' outboxes see of a check-in delivery, and how they report back: the delivery ports.

The scheduler (an adapter driving the tick) and each platform's outbox meet here, so neither imports the other
and neither reads storage: a delivery arrives as a ``DeliveryJob``, goes out as a ``Notice``, and a platform that
did not take it raises ``Retry`` or ``Undeliverable``.
"""

from __future__ import annotations

from typing import Protocol

from bot.app.notices import Notice
from bot.app.replies import Style
from storage.checkins import DeliveryJob, FireReport, Outcome, claim_deliveries, finish_deliveries, fire_due

# The tick's use cases (fire what is due, claim what is ready, record how each send went): the scheduler drives
# them, storage runs them in their own units of work.
__all__ = [
    "DeliveryJob",
    "FireReport",
    "Notice",
    "Outbox",
    "Outcome",
    "Retry",
    "Undeliverable",
    "claim_deliveries",
    "finish_deliveries",
    "fire_due",
]


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


class Outbox(Protocol):
    style: Style

    async def send(self, job: DeliveryJob, notice: Notice) -> None:
        """Post ``notice`` to the job's team channel, or privately to its recipient. Raises Retry or
        Undeliverable; returns only once the platform has accepted the post."""

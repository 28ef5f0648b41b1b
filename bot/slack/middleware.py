"""Global Bolt middleware: drop Slack's retried deliveries of an event already handled.

An event's id is recorded before it is handled. Bolt runs global middleware and listeners in one flat loop, so
``next()`` returns None, never the listener's response (``async_dispatch`` in slack_bolt/app/async_app.py): an
event whose handling failed is forgotten by the error handler (bot/slack/errors.py) through ``handle_its_retry``.
When the id cannot even be recorded because the database is down or locked, the StoreUnavailable goes to that
same handler, which answers 200 and tells the person; nothing was recorded, so nothing is dropped later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.app.conversations import first_sighting, forget_sighting
from bot.app.runtime import Runtime
from bot.slack import PLATFORM


def register(app: AsyncApp, bot: Runtime) -> None:
    @app.middleware
    async def once_per_event(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        """Deduplicate on ``event_id``, not on the retry header: a retry may be the first delivery that got
        through, and then it must be handled."""
        event_id = _event_id(body)
        if event_id and not await bot.write(first_sighting, PLATFORM, event_id):
            return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})
        await next()
        return None


async def handle_its_retry(bot: Runtime, body: dict[str, Any]) -> None:
    """The event failed: Slack's retry of it must be handled, not dropped as a repeat (nothing for a request that
    is not an event)."""
    event_id = _event_id(body)
    if event_id:
        await bot.write(forget_sighting, PLATFORM, event_id)


def _event_id(body: dict[str, Any]) -> str | None:
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    return str(event_id) if event_id else None

"""Global Bolt middleware: drop Slack's retried deliveries of an event already handled."""

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
    async def once_per_event(
        body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse | None]]
    ) -> BoltResponse | None:
        """Deduplicate on ``event_id``, not on the retry header: a retry may be the first delivery that got
        through, and then it must be handled."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await bot.write(first_sighting, PLATFORM, str(event_id)):
            return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})
        response = await next()
        if event_id and response is not None and response.status >= 500:
            await bot.write(forget_sighting, PLATFORM, str(event_id))  # failed: Slack's retry must be handled
        return response

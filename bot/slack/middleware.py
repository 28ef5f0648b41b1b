"""Global Bolt middleware: drop Slack's retried deliveries of an event already handled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.slack.bot import PLATFORM, SlackBot
from storage.events import first_sighting


def register(app: AsyncApp, bot: SlackBot) -> None:
    @app.middleware
    async def once_per_event(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        """Deduplicate on ``event_id``, not on the retry header: a retry may be the first delivery that got
        through, and then it must be handled."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await asyncio.to_thread(first_sighting, bot.db, PLATFORM, str(event_id)):
            return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})
        await next()
        return None

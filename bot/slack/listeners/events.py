"""Typed replies in the DM: the same commands and answers as the terminal, for the team last worked on.

Bolt acknowledges an event before its listener runs, so the turn is taken in listener middleware, which runs
before that acknowledgement: the answer is committed first, and the listener then only posts the reply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.bot import PLATFORM, SlackBot
from dialogs.parse import parse_text
from dialogs.ports import Participant
from storage.reports import member_overview

NOT_STARTED = "Type `/maturity` in your team's channel to start the assessment."


async def typed_by_a_person_in_a_dm(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")


def register(app: AsyncApp, bot: SlackBot) -> None:
    async def take_turn(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> None:
        workspace, user = body["team_id"], event["user"]
        # A DM carries no channel of its own: the reply belongs to the team the member worked on last.
        teams = await asyncio.to_thread(member_overview, bot.db, platform=PLATFORM, workspace=workspace, user=user)
        if teams:
            who = Participant(PLATFORM, workspace, teams[0].team, user)
            context["maturity_turn"] = (who, await bot.turn(who, parse_text(event.get("text") or "")))
        await next()

    @app.event("message", matchers=[typed_by_a_person_in_a_dm], middleware=[take_turn])
    async def direct_message(event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        taken = context.get("maturity_turn")
        if taken is None:
            await client.chat_postMessage(channel=event["channel"], text=NOT_STARTED)
            return
        who, step = taken
        await bot.show(client, event["channel"], who, step)

    @app.event("message")
    async def other_messages() -> None:
        """Channel messages, edits and the bot's own posts: nothing to do (and no "unhandled" warnings)."""

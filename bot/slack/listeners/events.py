"""Typed replies in the DM: the same commands and answers as the terminal, for the team last worked on."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.bot import PLATFORM, SlackBot
from dialogs.parse import parse_text
from dialogs.ports import Participant
from storage.reports import active_team


def register(app: AsyncApp, bot: SlackBot) -> None:
    @app.event("message")
    async def direct_message(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        workspace, user, text = body["team_id"], event["user"], event.get("text") or ""
        team = await asyncio.to_thread(active_team, bot.db, platform=PLATFORM, workspace=workspace, user=user)
        if team is None:
            await client.chat_postMessage(
                channel=event["channel"], text="Type `/maturity` in your team's channel to start the assessment."
            )
            return
        who = Participant(PLATFORM, workspace, team, user)
        step = await bot.turn(who, parse_text(text))
        await bot.show(client, event["channel"], who, step)

"""Typed replies in the DM: the same commands and answers as the terminal, for the team last worked on.

The listener runs before Bolt acknowledges the event, so the answer is committed first; the reply is posted
after the acknowledgement.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.conversations import last_team
from bot.app.replies import not_started_text
from bot.app.runtime import Runtime
from bot.slack import PLATFORM
from bot.slack.render import SLACK
from bot.slack.show import show
from dialogs.parse import parse_text
from dialogs.ports import Participant


async def typed_by_a_person_in_a_dm(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")


def register(app: AsyncApp, bot: Runtime) -> None:
    @app.event("message", matchers=[typed_by_a_person_in_a_dm])
    async def direct_message(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        workspace, user, channel = body["team_id"], event["user"], event["channel"]
        # A DM carries no channel of its own: the reply belongs to the team the member worked on last.
        team = await bot.read(last_team, platform=PLATFORM, workspace=workspace, user=user)
        if team is None:
            bot.later(client.chat_postMessage(channel=channel, text=not_started_text(SLACK)), "answering a DM")
            return
        who = Participant(PLATFORM, workspace, team, user)
        step = await bot.turn(who, parse_text(event.get("text") or ""))
        bot.later(show(client, channel, who, step), "answering a DM")

    @app.event("message")
    async def other_messages() -> None:
        """Channel messages, edits and the bot's own posts: nothing to do (and no "unhandled" warnings)."""

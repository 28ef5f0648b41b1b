"""Events: typed replies in the DM (the same commands and answers as the terminal, for the team last worked on),
the bot joining a channel, and the app leaving a workspace.

The listeners run before Bolt acknowledges the event, so an answer is committed first; replies are posted after
the acknowledgement.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.clock import now
from bot.app.conversations import last_team
from bot.app.reach import team_reachable, workspace_uninstalled
from bot.app.replies import not_started_text
from bot.app.runtime import Runtime
from bot.slack import PLATFORM
from bot.slack.identity import user_of, workspace_of
from bot.slack.render import SLACK
from bot.slack.show import show
from dialogs.parse import parse_text
from dialogs.ports import Participant


def typed_in_a_dm(event: dict[str, Any]) -> bool:
    """A person's own message in a DM with the bot (never a bot's post: replying to one could loop)."""
    return (
        event.get("type") == "message"
        and event.get("channel_type") == "im"
        and not (event.get("subtype") or event.get("bot_id"))
    )


async def typed_by_a_person_in_a_dm(event: dict[str, Any]) -> bool:
    """``typed_in_a_dm`` as a Bolt matcher."""
    return typed_in_a_dm(event)


def register(app: AsyncApp, bot: Runtime, forget_tokens: Callable[[str], Awaitable[None]] | None) -> None:
    @app.event("message", matchers=[typed_by_a_person_in_a_dm])
    async def direct_message(event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        channel = event["channel"]
        # A DM carries no channel of its own: the reply belongs to the team the member worked on last.
        workspace, user = workspace_of(context), user_of(context)
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

    @app.event("member_joined_channel")
    async def joined(event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Someone invited the bot: the check-ins parked for that channel go out."""
        if event.get("user") and event.get("user") == context.bot_user_id:
            await bot.write(team_reachable, PLATFORM, workspace_of(context), event["channel"], now())

    async def removed(event: dict[str, Any], context: AsyncBoltContext) -> None:
        """The app was removed or its bot token revoked: the tokens go (in OAuth mode) and the workspace's
        check-ins pause; the teams' data stays until an admin runs ``maturity-bot forget``."""
        if event["type"] == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return  # only user tokens were revoked; the bot never holds any
        workspace = workspace_of(context)
        if forget_tokens is not None:
            await forget_tokens(workspace)
        await bot.write(workspace_uninstalled, PLATFORM, workspace, now())

    app.event("app_uninstalled")(removed)
    app.event("tokens_revoked")(removed)

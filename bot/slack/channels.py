"""Whether the bot can post in a team's channel, and what to tell people when it cannot.

Slash commands work in a channel the bot was never invited to, so a team could finish its assessment there and
then lose every check-in. When a team starts, the bot looks: a member already, it is done; a public channel, it
joins; a private one, it asks the person to invite it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
BOT_NAME = "@maturity-bot"  # the manifest's bot user display name


def invite_text(channel: str) -> str:
    return (
        f"I'm not a member of <#{channel}>, so I can't post the team's check-ins and summaries there. "
        f"Type `/invite {BOT_NAME}` in <#{channel}> and I'll pick up from there."
    )


async def make_sure_member(
    client: AsyncWebClient, respond: AsyncRespond, channel: str, reachable: Callable[[], Awaitable[object]]
) -> None:
    """After the acknowledgement: join a public channel, ask for an invitation to a private one; ``reachable``
    runs once the bot is in (check-ins parked for this channel go out again)."""
    try:
        info = (await client.conversations_info(channel=channel))["channel"]
    except SlackApiError as exc:
        # A private channel the bot is not in looks like no channel at all; an install from before the bot asked
        # for channels:read cannot look (reinstalling grants it). Either way, an invitation settles it.
        if exc.response.get("error") not in ("channel_not_found", "missing_scope"):
            raise
        await respond(invite_text(channel), response_type="ephemeral")
        return
    if not info.get("is_member"):
        if info.get("is_private") or info.get("is_im") or info.get("is_mpim"):
            await respond(invite_text(channel), response_type="ephemeral")
            return
        try:
            await client.conversations_join(channel=channel)
        except SlackApiError as exc:  # e.g. a workspace whose policy keeps apps from joining by themselves
            await respond(invite_text(channel), response_type="ephemeral")
            if exc.response.get("error") not in ("method_not_supported_for_channel_type", "missing_scope"):
                raise
            return
    await reachable()

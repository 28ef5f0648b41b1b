"""Check-ins to Slack: a team's post in its channel, a member's in their DM, with the workspace's own token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.deliveries import DeliveryJob, Retry, Undeliverable, Unreachable
from bot.app.notices import Notice
from bot.slack.channels import NOT_A_MEMBER
from bot.slack.chart_upload import upload_chart
from bot.slack.render import SLACK, notice_payload

# Slack's answers that no retry will change: the channel or person is gone, or the bot was removed.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "team_access_not_granted",
        "no_installation",
    }
)


class SlackOutbox:
    style = SLACK

    def __init__(self, client_for: Callable[[str], Awaitable[AsyncWebClient | None]]) -> None:
        """``client_for(workspace)``: a Web API client with that workspace's bot token, None if not installed."""
        self.client_for = client_for

    async def send(self, job: DeliveryJob, notice: Notice) -> None:
        client = await self.client_for(job.workspace)
        if client is None:
            raise Undeliverable(f"no Slack installation for workspace {job.workspace}")
        try:
            channel = job.team
            if job.recipient:
                channel = (await client.conversations_open(users=job.recipient))["channel"]["id"]
            await client.chat_postMessage(channel=channel, **notice_payload(notice, team=job.team))
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if exc.response.status_code == 429:
                raise Retry.after_header("rate limited", exc.response.headers.get("Retry-After")) from exc
            if error in NOT_A_MEMBER and not job.recipient:
                raise Unreachable(error) from exc  # parked; the owner is told, and it goes once the bot is invited
            if error in PERMANENT:
                raise Undeliverable(error) from exc
            raise Retry(error or f"HTTP {exc.response.status_code}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Retry(f"network: {exc!r}") from exc
        if notice.summary is not None:
            await upload_chart(client, channel, notice.summary)  # the text is delivered: never a reason to retry

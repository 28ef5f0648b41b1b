"""Check-ins to Teams: through the conversation references stored when the bot was added or first spoke."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ConversationReference, ErrorResponseException

from bot.app.conversations import personal_conversation, team_conversation
from bot.app.deliveries import DeliveryJob, Retry, Undeliverable
from bot.app.notices import Notice
from bot.app.runtime import Runtime
from bot.teams import PLATFORM
from bot.teams.cards import TEAMS, notice_activity
from bot.teams.summary_post import send_summary

RETRYABLE = frozenset({412, 429, 500, 502, 503, 504})  # what Microsoft's rate-limit guidance says to retry


class TeamsOutbox:
    style = TEAMS

    def __init__(self, bot: Runtime, adapter: CloudAdapter, app_id: str | None) -> None:
        self.bot = bot
        self.adapter = adapter
        self.app_id = app_id or ""

    async def send(self, job: DeliveryJob, notice: Notice) -> None:
        if job.recipient:
            ref = await self.bot.read(personal_conversation, PLATFORM, job.workspace, job.recipient)
        else:
            ref = await self.bot.read(team_conversation, PLATFORM, job.workspace, job.team)
        if ref is None:
            raise Undeliverable("no stored conversation to post into (the bot has not been added there)")

        async def post(turn_context: TurnContext) -> None:
            if notice.summary is not None:
                await send_summary(turn_context.send_activity, notice.summary, text=notice.text)
            else:
                await turn_context.send_activity(notice_activity(notice, team=job.team))

        try:
            await self.adapter.continue_conversation(
                ConversationReference().deserialize(ref.reference), post, self.app_id
            )
        except ErrorResponseException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in RETRYABLE:
                headers = exc.response.headers if exc.response is not None else {}
                raise Retry.after_header(f"HTTP {status}", headers.get("Retry-After")) from exc
            raise Undeliverable(f"HTTP {status}: {exc}") from exc
        except OSError as exc:  # the connector could not be reached
            raise Retry(f"network: {exc!r}") from exc

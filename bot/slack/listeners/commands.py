"""``/maturity [start|status|summary|plan|schedule|org|help]`` in a channel: the channel is the team."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.checkins import Asker, change_schedule
from bot.app.clock import now
from bot.app.commands import PostSummary, ScheduleForm, Start, may_administer, run_command
from bot.app.replies import nobody_finished_text
from bot.app.runtime import Runtime
from bot.slack import PLATFORM
from bot.slack.chart_upload import upload_chart
from bot.slack.listeners.actions import turn_in_dm
from bot.slack.render import SCHEDULE_CALLBACK, SLACK, schedule_form, schedule_view, summary_payload
from dialogs.messages import Command
from dialogs.ports import Participant


def participant(command: dict[str, Any]) -> Participant:
    return Participant(
        PLATFORM,
        command["team_id"],
        command["channel_id"],
        command["user_id"],
        team_name=command.get("channel_name"),
        user_name=command.get("user_name"),
    )


def register(app: AsyncApp, bot: Runtime) -> None:
    @app.command("/maturity")
    async def maturity(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        """Every subcommand goes through the one router; this only turns its outcome into Slack calls."""
        who = participant(command)
        trigger_id = command.get("trigger_id")
        outcome = await run_command(
            bot,
            who,
            command.get("text") or "",
            SLACK,
            platform_admin=lambda: workspace_admin(client, who.user),
            forms=bool(trigger_id),
        )
        if isinstance(outcome, Start):
            sent = f"I've sent you a direct message with your assessment for <#{who.team}>."
            await turn_in_dm(bot, ack, client, who, Command.START, response_type="ephemeral", text=sent)
        elif isinstance(outcome, PostSummary):
            await ack(response_type="ephemeral", text="Posting the team summary in this channel.")
            bot.later(post_summary(client, outcome, who), "posting a team summary")
        elif isinstance(outcome, ScheduleForm):
            await client.views_open(trigger_id=trigger_id, view=schedule_view(outcome.current, who.team))
            await ack()
        else:
            await ack(response_type="ephemeral", text=outcome.text)


async def workspace_admin(client: AsyncWebClient, user: str) -> bool:
    """A workspace admin or owner, as users.info tells."""
    try:
        info = (await client.users_info(user=user))["user"]
    except SlackApiError:
        return False
    return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))


async def post_summary(client: AsyncWebClient, outcome: PostSummary, who: Participant) -> None:
    summary = await outcome.read()
    post = summary_payload(summary) if summary else {"text": nobody_finished_text(SLACK)}
    try:
        await client.chat_postMessage(channel=who.team, **post)
        if summary is not None:
            await upload_chart(client, who.team, summary)
    except SlackApiError as exc:
        if exc.response.get("error") not in ("not_in_channel", "channel_not_found"):
            raise
        dm = await client.conversations_open(users=who.user)  # tell the person who asked, privately
        await client.chat_postMessage(
            channel=dm["channel"]["id"],
            text=f"I couldn't post the summary in <#{who.team}>: invite me there first with `/invite @maturity-bot`.",
        )


def register_views(app: AsyncApp, bot: Runtime) -> None:
    @app.view(SCHEDULE_CALLBACK)
    async def schedule_saved(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        """The settings form: permission is checked again, a wrong field is answered on that field."""
        user, team = body["user"]["id"], view.get("private_metadata") or ""
        try:
            form = schedule_form(view["state"]["values"])
            who = Participant(PLATFORM, body["team"]["id"], team, user)
        except (KeyError, TypeError, ValueError):
            await ack(response_action="errors", errors={"timezone": "This form could not be read; open it again."})
            return
        asker = Asker(who, await may_administer(bot, who, lambda: workspace_admin(client, user)))
        reply = await bot.write(change_schedule, asker, form.apply, SLACK, now())
        if not reply.startswith("Done"):
            await ack(response_action="errors", errors={_field_of(reply): reply})
            return
        await ack()
        bot.later(client.chat_postEphemeral(channel=team, user=user, text=reply), "confirming check-in settings")


# Words in a refusal -> the form field it is about; the first match wins ("a team summary every x weeks").
FIELD_WORDS = (
    ("time zone", "timezone"),
    ("time of day", "time"),
    ("summary", "summary"),
    ("weeks", "weeks"),
    ("working", "days"),
)


def _field_of(problem: str) -> str:
    """Which field of the form a refusal is about (Slack shows an error under one field)."""
    for words, block in FIELD_WORDS:
        if words in problem:
            return block
    return "weekday"

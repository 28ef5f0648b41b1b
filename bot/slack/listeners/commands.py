"""``/maturity [start|status|summary|help]`` in a channel: the channel is the team."""

from __future__ import annotations

import difflib
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.slack import PLATFORM
from bot.slack.render import escape, result_blocks
from bot.slack.show import show_in_dm
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from dialogs.state import Phase
from scoring.score import score
from storage.reports import member_overview, team_snapshot

SUBCOMMANDS = ("start", "status", "summary", "help")
HELP = (
    "*MLOps maturity assessment*: 19 questions about how your team builds, ships and watches models; about "
    "five minutes. The channel you run it in is the team.\n"
    "• `/maturity` or `/maturity start`: take (or resume) the assessment in a DM with me\n"
    "• `/maturity status`: the team's level and how many have taken part, and your own progress\n"
    "• `/maturity summary`: post the team's result in this channel\n"
    "• `/maturity help`: this message\n"
    "In the DM, click an answer or type its number, letter or words; also `back`, `skip`, `why`, `stop`."
)


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
        sub = (command.get("text") or "").strip().lower().split(" ")[0]
        who = participant(command)
        if sub in ("", "start"):
            await start(ack, client, bot, who)
        elif sub == "status":
            await ack(response_type="ephemeral", text=await status_text(bot, who))
        elif sub == "summary":
            await ack(response_type="ephemeral", text="Posting the team summary in this channel.")
            bot.later(post_summary(client, bot, who), "posting a team summary")
        elif sub == "help":
            await ack(response_type="ephemeral", text=HELP)
        else:
            close = difflib.get_close_matches(sub, SUBCOMMANDS, n=1)
            hint = f"Did you mean `/maturity {close[0]}`? " if close else ""
            await ack(response_type="ephemeral", text=f"I don't know `{escape(sub[:40])}`. {hint}\n\n{HELP}")


async def start(ack: AsyncAck, client: AsyncWebClient, bot: Runtime, who: Participant) -> None:
    """The first turn is committed before the acknowledgement; opening the DM and posting come after it."""
    step = await bot.turn(who, Input(Command.START))
    await ack(
        response_type="ephemeral",
        text=f"I've sent you a direct message with your assessment for <#{who.team}>.",
    )
    bot.later(show_in_dm(client, bot.model, who, step), "starting an assessment")


async def status_text(bot: Runtime, who: Participant) -> str:
    snapshot = await bot.read(team_snapshot, platform=who.platform, workspace=who.workspace, team=who.team)
    if snapshot is None:
        return "Nobody in this channel has started the assessment yet. Type `/maturity` to be the first."
    lines = [f"Round {snapshot.round_number}: {len(snapshot.responses)} finished, {snapshot.in_progress} in progress."]
    if snapshot.responses:
        result = score(bot.model, snapshot.answer_sets)
        lines.insert(0, f"*Team level {result.overall}, {result.overall_name}.*")
    lines.append(await own_progress(bot, who))
    return "\n".join(lines)


async def own_progress(bot: Runtime, who: Participant) -> str:
    """The asking member's own place in this team's round: their counts only, never anyone's answers."""
    mine = await bot.read(member_overview, platform=who.platform, workspace=who.workspace, user=who.user)
    here = next((t for t in mine if t.team == who.team), None)
    total = len(bot.model.questions)
    if here is None:
        return "You have not started yet: type `/maturity`."
    if here.phase is Phase.FINISHED:
        return f"You have finished ({here.answered} of {total} answered)."
    return f"You: {here.answered} of {total} answered; type `/maturity` to carry on."


async def post_summary(client: AsyncWebClient, bot: Runtime, who: Participant) -> None:
    snapshot = await bot.read(team_snapshot, platform=who.platform, workspace=who.workspace, team=who.team)
    if snapshot is None or not snapshot.responses:
        post = {"text": "No one in this channel has finished the assessment yet; try `/maturity`."}
    else:
        result = score(bot.model, snapshot.answer_sets)
        title = f"Team summary ({len(snapshot.responses)} member(s))"
        post = {
            "text": f"{title}: level {result.overall}, {result.overall_name}",
            "blocks": result_blocks(bot.model, result, title=title),
        }
    try:
        await client.chat_postMessage(channel=who.team, **post)
    except SlackApiError as exc:
        if exc.response.get("error") not in ("not_in_channel", "channel_not_found"):
            raise
        dm = await client.conversations_open(users=who.user)  # tell the person who asked, privately
        await client.chat_postMessage(
            channel=dm["channel"]["id"],
            text=f"I couldn't post the summary in <#{who.team}>: invite me there first with `/invite @maturity-bot`.",
        )

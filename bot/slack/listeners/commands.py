"""``/maturity [start|status|summary|plan|schedule|org|help]`` in a channel: the channel is the team.

No Slack Web API call is made before the acknowledgement. Whether someone administers the workspace comes from a
cache; when it is not known yet, the command is acknowledged at once and run again after ``users.info`` answered.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.checkins import Asker, change_schedule
from bot.app.checkins import ScheduleForm as FilledForm
from bot.app.clock import now
from bot.app.commands import (
    IsAdmin,
    Outcome,
    PostSummary,
    ScheduleForm,
    Start,
    command_word,
    may_administer,
    owns_schedule,
    run_command,
)
from bot.app.home import overview_with_team_levels
from bot.app.reach import team_reachable
from bot.app.replies import admin_check_failed_text, known_team_name, nobody_finished_text, private_chat_text
from bot.app.runtime import Runtime
from bot.slack import PLATFORM
from bot.slack.admins import AdminCache, AdminCheckFailed, AdminUnknown
from bot.slack.channels import NOT_A_MEMBER, invite_text, make_sure_member
from bot.slack.chart_upload import upload_chart
from bot.slack.identity import person
from bot.slack.listeners.actions import turn_in_dm
from bot.slack.render import (
    SCHEDULE_CALLBACK,
    SLACK,
    NoticeValue,
    schedule_form,
    schedule_view,
    summary_payload,
)
from dialogs.messages import Command
from dialogs.ports import Participant

# Subcommands that mean something in a private chat: everything else is about the channel's team.
ANYWHERE = frozenset({"help", "org"})
TEAMS_OFFERED = 10  # buttons in the "which team?" answer; more would bury the message


def in_private_chat(command: dict[str, Any]) -> bool:
    """A DM or a group DM: no team lives there, so nothing may create one."""
    name = str(command.get("channel_name") or "")
    return str(command.get("channel_id", "")).startswith("D") or name == "directmessage" or name.startswith("mpdm-")


def register(app: AsyncApp, bot: Runtime, admins: AdminCache) -> None:
    @app.command("/maturity")
    async def maturity(
        ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        """Every subcommand goes through the one router; this only turns its outcome into Slack calls."""
        channel = command["channel_id"]
        name = known_team_name(channel, command.get("channel_name"))  # not Slack's "privategroup" placeholder
        who = person(context, channel, team_name=name, user_name=command.get("user_name"))
        text = command.get("text") or ""
        if in_private_chat(command) and command_word(text) not in ANYWHERE:
            await ack()
            bot.later(offer_teams(bot, respond, who, text), "answering /maturity in a private chat")
            return
        trigger_id = command.get("trigger_id")
        try:
            outcome = await run_command(
                bot,
                who,
                text,
                SLACK,
                platform_admin=admins.known_or_raise(who.workspace, who.user),
                forms=bool(trigger_id),
            )
        except AdminUnknown:
            await ack()  # users.info may take longer than Slack waits: ask after the acknowledgement
            bot.later(run_after_admin_check(bot, admins, client, respond, who, text, trigger_id), "/maturity")
            return
        await carry_out(bot, client, respond, who, outcome, trigger_id, ack=ack)


async def carry_out(
    bot: Runtime,
    client: AsyncWebClient,
    respond: AsyncRespond,
    who: Participant,
    outcome: Outcome,
    trigger_id: str | None,
    *,
    ack: AsyncAck | None,
) -> None:
    """The router's outcome as Slack calls; ``ack`` is None once the command has been acknowledged already."""
    if isinstance(outcome, Start):
        assert ack is not None, "the router asks nobody's admin rights before a start"
        sent = f"I've sent you a direct message with your assessment for <#{who.team}>."
        await turn_in_dm(bot, ack, client, who, Command.START, response_type="ephemeral", text=sent)
        reachable = partial(bot.write, team_reachable, PLATFORM, who.workspace, who.team, now())
        bot.later(make_sure_member(client, respond, who.team, reachable), "checking the bot is in the channel")
    elif isinstance(outcome, PostSummary):
        if ack is not None:
            await ack(response_type="ephemeral", text="Posting the team summary in this channel.")
        bot.later(post_summary(client, respond, outcome, who), "posting a team summary")
    elif isinstance(outcome, ScheduleForm):
        if ack is not None:
            await ack()
        bot.later(open_form(client, respond, trigger_id or "", schedule_view(outcome.current, who.team)), "a form")
    elif ack is not None:
        await ack(response_type="ephemeral", text=outcome.text)
    else:
        await respond(outcome.text, response_type="ephemeral")


async def run_after_admin_check(
    bot: Runtime,
    admins: AdminCache,
    client: AsyncWebClient,
    respond: AsyncRespond,
    who: Participant,
    text: str,
    trigger_id: str | None,
) -> None:
    try:
        admin = await admins.ask(client, who.workspace, who.user)
    except AdminCheckFailed as exc:
        await respond(admin_check_failed_text(SLACK, str(exc)), response_type="ephemeral")
        return

    outcome = await run_command(bot, who, text, SLACK, platform_admin=_answer(admin), forms=bool(trigger_id))
    await carry_out(bot, client, respond, who, outcome, trigger_id, ack=None)


async def open_form(client: AsyncWebClient, respond: AsyncRespond, trigger_id: str, view: dict[str, Any]) -> None:
    """Slack's trigger id lasts three seconds: when it ran out (a slow admin check), say how to get the form."""
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        if exc.response.get("error") not in ("expired_trigger_id", "invalid_trigger_id"):
            raise
        await respond(
            "The settings form took too long to open. Type `/maturity schedule` again, and it will open at once.",
            response_type="ephemeral",
        )


async def offer_teams(bot: Runtime, respond: AsyncRespond, who: Participant, text: str) -> None:
    """``/maturity`` in a DM or group DM: where to run it, and the person's own teams to carry on with."""
    teams, _ = await bot.read(overview_with_team_levels, bot.models, who.workspace, who.user, platform=PLATFORM)
    intro = private_chat_text(SLACK, command_word(text), bool(teams))
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": intro}}]
    if teams:
        buttons = [
            {
                "type": "button",
                "action_id": f"start_{n}",  # Slack refuses one action id twice in a block
                "text": {"type": "plain_text", "text": _label(known_team_name(team.team, team.team_name))},
                "value": NoticeValue(team.team).encode(),
            }
            for n, team in enumerate(teams[:TEAMS_OFFERED])
        ]
        blocks.append({"type": "actions", "elements": buttons})
        rest = teams[TEAMS_OFFERED:]
        if rest:
            named = ", ".join(f"<#{team.team}>" for team in rest[:TEAMS_OFFERED])
            more = f" and {len(rest) - TEAMS_OFFERED} more" if len(rest) > TEAMS_OFFERED else ""
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Also: {named}{more}"}]})
    await respond(text=intro, blocks=blocks, response_type="ephemeral")


def _label(name: str | None) -> str:
    """A button can show no channel mention: a channel's name, or what it is when its name is not known."""
    return f"#{name}"[:75] if name else "A private channel"


async def post_summary(client: AsyncWebClient, respond: AsyncRespond, outcome: PostSummary, who: Participant) -> None:
    """In the channel with the chart; where the bot is not a member, through the command's response URL (which
    Slack lets post in the channel without membership), with how to invite the bot for the chart and check-ins."""
    summary = await outcome.read()
    post = summary_payload(summary) if summary else {"text": nobody_finished_text(SLACK)}
    try:
        await client.chat_postMessage(channel=who.team, **post)
    except SlackApiError as exc:
        if exc.response.get("error") not in NOT_A_MEMBER:
            raise
        await respond(**post, response_type="in_channel")
        await respond(invite_text(who.team), response_type="ephemeral")
        return
    if summary is not None:
        await upload_chart(client, who.team, summary)


def register_views(app: AsyncApp, bot: Runtime, admins: AdminCache) -> None:
    @app.view(SCHEDULE_CALLBACK)
    async def schedule_saved(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """The settings form: permission is checked again, a wrong field is answered on that field."""
        team = view.get("private_metadata") or ""
        try:
            form = schedule_form(view["state"]["values"])
            who = person(context, team)
        except (KeyError, TypeError, ValueError):
            await ack(response_action="errors", errors={"timezone": "This form could not be read; open it again."})
            return
        known = admins.cached(who.workspace, who.user)
        if known is None and await owns_schedule(bot, who):
            known = False  # the owner may change it whether or not they administer the workspace
        if known is None:  # not asked within the last minutes: close the form, ask, then say how it went
            await ack()
            bot.later(save_after_admin_check(bot, admins, client, who, form), "saving check-in settings")
            return
        asker = Asker(who, await may_administer(bot, who, _answer(known)))
        reply = await bot.write(change_schedule, asker, form.apply, SLACK, now())
        if not reply.startswith("Done"):
            await ack(response_action="errors", errors={_field_of(reply): reply})
            return
        await ack()
        bot.later(client.chat_postEphemeral(channel=team, user=who.user, text=reply), "confirming check-in settings")


async def save_after_admin_check(
    bot: Runtime, admins: AdminCache, client: AsyncWebClient, who: Participant, form: FilledForm
) -> None:
    try:
        admin = await admins.ask(client, who.workspace, who.user)
    except AdminCheckFailed as exc:
        reply = admin_check_failed_text(SLACK, str(exc))
    else:
        asker = Asker(who, await may_administer(bot, who, _answer(admin)))
        reply = await bot.write(change_schedule, asker, form.apply, SLACK, now())
    dm = await client.conversations_open(users=who.user)
    await client.chat_postMessage(channel=dm["channel"]["id"], text=f"Check-in settings for <#{who.team}>: {reply}")


def _answer(known: bool) -> IsAdmin:
    async def answer() -> bool:
        return known

    return answer


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

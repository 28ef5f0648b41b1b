"""The Teams activity handler: channel commands, the personal chat, card submits and installs.

It only translates: activities become turns on the shared runtime, and steps become cards (``show``). A channel
or group chat is the team; the assessment itself runs in the person's personal chat with the bot, so nobody
sees anyone else's answers.
"""

from __future__ import annotations

import dataclasses
import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import ChannelAccount, ConversationParameters
from botbuilder.schema.teams import TeamInfo

from bot.app.checkins import (
    Asker,
    change_schedule,
    mark_plan_item,
)
from bot.app.clock import now
from bot.app.commands import PostSummary, ScheduleForm, Start, may_administer, run_command
from bot.app.conversations import PERSONAL, first_sighting, forget_sighting, last_team, remember
from bot.app.replies import (
    nobody_finished_text,
    not_started_text,
)
from bot.app.runtime import Runtime
from bot.steps import present
from bot.teams import PLATFORM
from bot.teams.cards import (
    TEAMS,
    Submit,
    answered_card,
    card_activity,
    escape,
    message_activity,
    plan_submit,
    schedule_card,
    schedule_submit,
)
from bot.teams.conversation import Where, delivery_id
from bot.teams.summary_post import send_summary
from dialogs.engine import Step
from dialogs.messages import Command, Input, Message
from dialogs.parse import parse_text
from dialogs.ports import Participant

log = logging.getLogger("maturity_bot.teams")
TEAM_COMMANDS = ("status", "summary", "plan", "schedule", "org")  # also typed in the personal chat, for the last team

HELLO_TEAM = (
    "Hi! I run the **MLOps maturity assessment**: questions on how a team builds, ships and watches its models, "
    "scored 0-4 per dimension, with the next investments to make. This channel is the team: mention me with "
    "`start` and I'll send each of you the questions in a personal chat. `help` lists everything."
)
HELLO_PERSONAL = (
    "Hi! I run the **MLOps maturity assessment**. Mention me with `start` in your team's channel to begin; "
    "the questions then come here, in this chat. `help` lists everything."
)
NOT_OUR_CARD = "That card isn't one of mine, so nothing changed."
NO_PERSONAL_CHAT = (
    "I couldn't open a personal chat with you. Add me as a personal app (Apps, then Maturity, then Add), then "
    "mention me here with `start` again."
)


class TeamsBot(TeamsActivityHandler):
    def __init__(self, bot: Runtime, app_id: str | None) -> None:
        self.bot = bot
        self.app_id = app_id or ""

    # --- messages ---------------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        key = delivery_id(activity) if activity.id else None
        if key and not await self.bot.write(first_sighting, PLATFORM, key):
            return  # a retried delivery of a message already handled
        try:
            await self._message(turn_context)
        except Exception:
            if key:  # not handled after all: Teams' retry of it must not be dropped as a repeat
                await self.bot.write(forget_sighting, PLATFORM, key)
            raise

    async def _message(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        where = Where.of(activity)
        if activity.value is not None:
            await self._submitted(turn_context, where)
            return
        text = (TurnContext.remove_recipient_mention(activity) or "").strip()
        if where.kind == PERSONAL:
            await self._in_personal_chat(turn_context, where, text)
        else:
            await self._in_team(turn_context, where, text)

    async def _in_team(self, turn_context: TurnContext, where: Where, text: str) -> None:
        """A mention in a channel or a message in a group chat: the team's commands."""
        await self._command(turn_context, where.participant(), text, where)

    async def _command(self, turn_context: TurnContext, who: Participant, text: str, where: Where) -> None:
        """Every command goes through the one router; this only turns its outcome into activities. Teams tells a
        bot nothing about tenant admins, so MATURITY_BOT_ADMINS decides."""
        outcome = await run_command(self.bot, who, text, TEAMS, platform_admin=None)
        if isinstance(outcome, Start):
            await self._start(turn_context, where)
        elif isinstance(outcome, PostSummary):
            summary = await outcome.read()
            if summary is None:
                await turn_context.send_activity(nobody_finished_text(TEAMS))
            else:
                await send_summary(turn_context.send_activity, summary)
        elif isinstance(outcome, ScheduleForm):
            card = schedule_card(outcome.current, who.team)
            await turn_context.send_activity(card_activity(card, "Check-in settings"))
        else:
            await turn_context.send_activity(outcome.text)

    async def _in_personal_chat(self, turn_context: TurnContext, where: Where, text: str) -> None:
        """Typed answers and commands go to the team the person worked on last, as in a Slack DM."""
        team = await self.bot.read(last_team, platform=PLATFORM, workspace=where.tenant, user=where.user)
        if team is None:
            await turn_context.send_activity(HELLO_PERSONAL if not text else not_started_text(TEAMS))
            return
        who = where.participant(team)
        words = text.lower().split()
        if words and words[0] in TEAM_COMMANDS:  # the team's commands, answered here, privately
            await self._command(turn_context, who, text, where)
        else:
            step = await self.bot.turn(who, parse_text(text))
            await self._show(turn_context, who, step)

    async def _submitted(self, turn_context: TurnContext, where: Where) -> None:
        """A card button: the card names the team and round; the person is always the sender."""
        planned = plan_submit(turn_context.activity.value)
        if planned is not None:
            await self._plan_clicked(turn_context, where, *planned)
            return
        try:
            settings = schedule_submit(turn_context.activity.value)
        except ValueError:
            await turn_context.send_activity(NOT_OUR_CARD)
            return
        if settings is not None:
            team, form = settings
            who = where.participant(team)
            asker = Asker(who, admin=await may_administer(self.bot, who, None))
            reply = await self.bot.write(change_schedule, asker, form.apply, TEAMS, now())
            await turn_context.send_activity(reply)
            return
        try:
            submit = Submit.parse(turn_context.activity.value)
            who = where.participant(submit.team)
        except ValueError:
            await turn_context.send_activity(NOT_OUR_CARD)
            return
        step = await self.bot.turn(who, submit.to_input())
        await self._show(turn_context, who, step, card_id=turn_context.activity.reply_to_id)

    async def _plan_clicked(
        self, turn_context: TurnContext, where: Where, team: str, investment_id: str, status: str
    ) -> None:
        """A nudge's button: the plan records the new status and the nudge card says who set it."""
        who = where.participant(team)
        change = await self.bot.write(mark_plan_item, self.bot.models, who, investment_id, status, now())
        if change is None:
            await turn_context.send_activity(NOT_OUR_CARD)
            return
        title = change.investment.title
        text = f"{title}: marked {change.label} by {escape(where.user_name or 'a team member')}."
        updated = card_activity(answered_card(title, f"{change.label} ({escape(where.user_name or '')})"), text)
        updated.id = turn_context.activity.reply_to_id
        if updated.id:
            try:
                await turn_context.update_activity(updated)
                return
            except Exception:
                log.warning("could not update the nudge card", exc_info=True)
        await turn_context.send_activity(text)

    async def _start(self, turn_context: TurnContext, where: Where) -> None:
        """Commit the first turn, then open the personal chat and ask there; the channel hears where to look.
        Both conversations are remembered, for the check-ins to reach them later."""
        who = where.participant()
        activity = turn_context.activity
        await self.bot.write(remember, where.reference(activity))
        step = await self.bot.turn(who, Input(Command.START))
        opened = False

        async def in_personal_chat(personal: TurnContext) -> None:
            nonlocal opened
            opened = True
            personal.activity.id = None  # a made-up event, not a message: post into the chat, not as a reply
            chat = dataclasses.replace(where, kind=PERSONAL, team=None, team_name=None)
            await self.bot.write(remember, chat.reference(personal.activity, user=activity.from_property))
            await self._show(personal, who, step)

        params = ConversationParameters(
            is_group=False,
            bot=activity.recipient,
            members=[ChannelAccount(id=activity.from_property.id)],
            tenant_id=who.workspace,
            channel_data={"tenant": {"id": who.workspace}},
        )
        try:
            await turn_context.adapter.create_conversation(
                self.app_id, in_personal_chat, params, activity.channel_id, activity.service_url
            )
        except Exception:
            if opened:
                raise  # the chat was opened; what failed after that is the turn's error, not this one
            log.exception("could not open a personal chat with %s", who.user)
            await turn_context.send_activity(NO_PERSONAL_CHAT)
            return
        await turn_context.send_activity("I've sent you a personal message with the assessment for this channel.")

    async def _show(
        self, turn_context: TurnContext, who: Participant, step: Step, *, card_id: str | None = None
    ) -> None:
        """Send the step's messages in order; an answer given on a card turns that card into the answer."""

        async def post(message: Message) -> None:
            await turn_context.send_activity(message_activity(message, team=who.team, round_=step.round))

        async def show_answered(message: Message) -> None:
            question, answer = message.question_text or "", message.answer_label or ""
            updated = card_activity(answered_card(question, answer), f"{question}: {answer}")
            updated.id = card_id
            await turn_context.update_activity(updated)

        await present(step, post=post, show_answered=show_answered if card_id else None)

    # --- installs ---------------------------------------------------------------------------------------

    async def on_teams_members_added_dispatch(
        self, members_added: list[ChannelAccount], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        """Only the bot's own arrival matters: greet and remember where it is (no lookups of other members)."""
        activity = turn_context.activity
        if any(member.id == activity.recipient.id for member in members_added):
            await self._welcome(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        """Outside Teams (the Emulator) the same arrival comes without Teams' channel data."""
        if any(member.id == turn_context.activity.recipient.id for member in members_added):
            await self._welcome(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        where = Where.of(turn_context.activity)
        await self.bot.write(remember, where.reference(turn_context.activity))

    async def _welcome(self, turn_context: TurnContext) -> None:
        where = Where.of(turn_context.activity)
        await self.bot.write(remember, where.reference(turn_context.activity))
        await turn_context.send_activity(HELLO_PERSONAL if where.kind == PERSONAL else HELLO_TEAM)

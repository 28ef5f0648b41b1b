"""Button clicks on a question: an answer, back, skip or why. The button's value names the team; the person is
always the clicking user, so nobody can answer for someone else."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.checkins import mark_plan_item
from bot.app.clock import now
from bot.app.runtime import Runtime
from bot.slack.identity import person
from bot.slack.render import NOTE_CALLBACK, ActionValue, NoticeValue, escape, note_form, note_view
from bot.slack.show import show, show_in_dm
from checkins.states import PlanStatus
from dialogs.messages import Command, Input
from dialogs.ports import Participant

NAVIGATION = {"back": Command.BACK, "skip": Command.SKIP, "why": Command.WHY}


def register(app: AsyncApp, bot: Runtime) -> None:
    @app.action(re.compile(r"^(answer_\d+|back|skip|why)$"))
    async def clicked(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        try:
            value = ActionValue.decode(action.get("value", ""))
        except ValueError:
            await ack()
            return
        who = person(context, value.team)
        name = action["action_id"]
        if name in NAVIGATION:
            inp = Input(NAVIGATION[name], question_id=value.question, round=value.round)
        else:
            inp = Input(Command.ANSWER, value.option, question_id=value.question, round=value.round)
        step = await bot.turn(who, inp)  # committed before the acknowledgement
        await ack()
        channel = body.get("container", {}).get("channel_id") or body["channel"]["id"]
        ts = body.get("container", {}).get("message_ts")
        bot.later(show(client, channel, who, step, clicked_ts=ts), "posting the next question")

    @app.action("note")
    async def add_note(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """An answered question's "Add a note" button: the form opens right after the acknowledgement (its
        trigger id lasts three seconds)."""
        try:
            value = ActionValue.decode(action.get("value", ""))
        except ValueError:
            await ack()
            return
        await ack()
        found = bot.model.question_by_id.get(value.question)
        question = found.text if found else "Your answer"
        view = note_view(value, question)
        bot.later(client.views_open(trigger_id=body["trigger_id"], view=view), "opening the note form")

    @app.view(NOTE_CALLBACK)
    async def note_saved(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """The note form: a bad link is answered on its field; the note is kept with the answer, and the DM says
        so."""
        try:
            value = ActionValue.decode(view.get("private_metadata") or "")
            note, link = note_form(view["state"]["values"])
        except (AttributeError, KeyError, TypeError, ValueError):
            await ack(response_action="errors", errors={"note": "This form could not be read; open it again."})
            return
        if link and not link.lower().startswith(("http://", "https://")):
            await ack(response_action="errors", errors={"link": "Only http or https links can be kept as evidence."})
            return
        if not note and not link:
            await ack(response_action="errors", errors={"note": "Write a note or give a link, or press Cancel."})
            return
        who = person(context, value.team)
        inp = Input(Command.NOTE, note, question_id=value.question, round=value.round, link=link or None)
        step = await bot.turn(who, inp)
        await ack()
        bot.later(show_in_dm(client, who, step), "confirming a note")

    @app.action(re.compile("^plan_(" + "|".join(PlanStatus) + ")$"))
    async def plan_clicked(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """A nudge's button: the team's plan records the new status, and the nudge says who set it."""
        try:
            value = NoticeValue.decode(action.get("value", ""))
        except ValueError:
            await ack()
            return
        who = person(context, value.team)
        user = who.user
        change = await bot.write(mark_plan_item, bot.models, who, value.investment, value.status, now())
        await ack()  # a button this bot did not write, or a team it does not know, changes nothing
        container = body.get("container", {})
        if change is not None and container.get("message_ts"):
            text = f"{escape(change.investment.title)}: marked *{change.label}* by <@{user}>."
            bot.later(
                client.chat_update(
                    channel=container.get("channel_id"),
                    ts=container["message_ts"],
                    text=text,
                    blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
                ),
                "updating a nudge",
            )

    @app.action(re.compile(r"^(start|resume)(_\d+)?$"))
    async def outside_the_dm(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """A button outside the DM: an invitation's or reminder's Start (start, or carry on with, the team's
        current round), App Home's Resume, a team offered in a DM (``start_<n>``). Their values name the team the
        same way."""
        try:
            team = NoticeValue.decode(action.get("value", "")).team
        except ValueError:
            await ack()
            return
        command = Command.START if action["action_id"].startswith("start") else Command.RESUME
        await turn_in_dm(bot, ack, client, person(context, team), command)


async def turn_in_dm(
    bot: Runtime, ack: AsyncAck, client: AsyncWebClient, who: Participant, command: Command, **acknowledgement: Any
) -> None:
    """A turn asked for outside the DM: it is committed, acknowledged (with ``acknowledgement``, e.g. a slash
    command's reply), then its messages go to the DM."""
    step = await bot.turn(who, Input(command))
    await ack(**acknowledgement)
    bot.later(show_in_dm(client, who, step), f"{command} outside the DM")

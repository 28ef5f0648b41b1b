"""Button clicks on a question: an answer, back, skip or why. The button's value names the team; the person is
always the clicking user, so nobody can answer for someone else."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.slack import PLATFORM
from bot.slack.render import ActionValue
from bot.slack.show import show
from dialogs.messages import Command, Input
from dialogs.ports import Participant

NAVIGATION = {"back": Command.BACK, "skip": Command.SKIP, "why": Command.WHY}


def register(app: AsyncApp, bot: Runtime) -> None:
    @app.action(re.compile(r"^(answer_\d+|back|skip|why)$"))
    async def clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        try:
            value = ActionValue.decode(action.get("value", ""))
        except ValueError:
            await ack()
            return
        who = Participant(PLATFORM, body["team"]["id"], value.team, body["user"]["id"])
        name = action["action_id"]
        if name in NAVIGATION:
            inp = Input(NAVIGATION[name], question_id=value.question, round=value.round)
        else:
            inp = Input(Command.ANSWER, value.option, question_id=value.question, round=value.round)
        step = await bot.turn(who, inp)  # committed before the acknowledgement
        await ack()
        channel = body.get("container", {}).get("channel_id") or body["channel"]["id"]
        ts = body.get("container", {}).get("message_ts")
        bot.later(show(client, bot.model, channel, who, step, clicked_ts=ts), "posting the next question")

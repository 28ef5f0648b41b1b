"""Posting a turn's messages in the person's DM, updating a clicked question in place."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.render import answered_blocks, escape, message_payload
from bot.steps import present
from dialogs.engine import Step
from dialogs.messages import Message
from dialogs.ports import Participant


async def show(
    client: AsyncWebClient,
    channel: str,
    who: Participant,
    step: Step,
    *,
    clicked_ts: str | None = None,
) -> None:
    """Post the step's messages in order; an answer recorded from a click updates that question in place. A why
    is a message of its own without buttons: the question it explains keeps the only live ones."""

    async def post(message: Message) -> None:
        await client.chat_postMessage(channel=channel, **message_payload(message, team=who.team, round_=step.round))

    async def show_answered(message: Message) -> None:
        await client.chat_update(
            channel=channel,
            ts=clicked_ts or "",
            text=escape(f"{message.question_text}: {message.answer_label}"),
            blocks=answered_blocks(message, who.team, step.round),
        )

    await present(step, post=post, show_answered=show_answered if clicked_ts else None)  # only with a ts


async def show_in_dm(client: AsyncWebClient, who: Participant, step: Step) -> None:
    """Open (or find) the DM with the person, then post there."""
    dm = await client.conversations_open(users=who.user)
    await show(client, dm["channel"]["id"], who, step)

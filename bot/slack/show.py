"""Posting a turn's messages in the person's DM, updating a clicked question in place."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.render import answered_blocks, message_payload
from bot.steps import present
from dialogs.engine import Step
from dialogs.messages import Message
from dialogs.ports import Participant
from scoring.model import MaturityModel


async def show(
    client: AsyncWebClient,
    model: MaturityModel,
    channel: str,
    who: Participant,
    step: Step,
    *,
    clicked_ts: str | None = None,
) -> None:
    """Post the step's messages in order; an answer recorded from a click updates that question in place."""

    async def post(message: Message) -> None:
        await client.chat_postMessage(
            channel=channel, **message_payload(message, model=model, team=who.team, round_=step.round)
        )

    async def show_answered(question: str, answer: str) -> None:
        await client.chat_update(
            channel=channel, ts=clicked_ts, text=f"{question}: {answer}", blocks=answered_blocks(question, answer)
        )

    await present(step, model, post=post, show_answered=show_answered if clicked_ts else None)


async def show_in_dm(client: AsyncWebClient, model: MaturityModel, who: Participant, step: Step) -> None:
    """Open (or find) the DM with the person, then post there."""
    dm = await client.conversations_open(users=who.user)
    await show(client, model, dm["channel"]["id"], who, step)

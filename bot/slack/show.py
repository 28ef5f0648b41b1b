"""Posting a turn's messages in the person's DM, updating a clicked question in place."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.render import answered_blocks, message_payload
from dialogs.engine import Step
from dialogs.messages import Kind
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
    for message in step.messages:
        if message.kind is Kind.RECORDED:
            if clicked_ts and message.question_id:
                question = model.question_by_id[message.question_id]
                label = question.option(message.option_id or "")
                await client.chat_update(
                    channel=channel,
                    ts=clicked_ts,
                    text=f"{question.text}: {label.label if label else ''}",
                    blocks=answered_blocks(question.text, label.label if label else ""),
                )
            continue
        payload = message_payload(message, model=model, team=who.team, round_=step.round)
        if payload is not None:
            await client.chat_postMessage(channel=channel, **payload)


async def show_in_dm(client: AsyncWebClient, model: MaturityModel, who: Participant, step: Step) -> None:
    """Open (or find) the DM with the person, then post there."""
    dm = await client.conversations_open(users=who.user)
    await show(client, model, dm["channel"]["id"], who, step)

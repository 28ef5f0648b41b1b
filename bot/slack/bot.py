"""The Slack side of a turn: run it off the event loop, then post or update messages in the person's DM."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.render import answered_blocks, message_payload
from dialogs.engine import Step
from dialogs.messages import Input, Kind
from dialogs.ports import ConversationStore, Participant
from dialogs.turn import run_turn
from scoring.model import MaturityModel
from storage.database import Database

SOURCE = "slack"
PLATFORM = "slack"


@dataclass
class SlackBot:
    store: ConversationStore
    db: Database
    model: MaturityModel
    on_turn: Callable[[], None] = lambda: None  # metrics hook
    storage_threads: Executor | None = None  # None: asyncio's default pool

    async def turn(self, who: Participant, inp: Input) -> Step:
        """Committed when this returns: storage is synchronous, so it runs in a worker thread."""
        call = functools.partial(run_turn, self.store, self.model, who, inp, source=SOURCE)
        step = await asyncio.get_running_loop().run_in_executor(self.storage_threads, call)
        self.on_turn()
        return step

    async def show(
        self, client: AsyncWebClient, channel: str, who: Participant, step: Step, *, clicked_ts: str | None = None
    ) -> None:
        """Post the step's messages in order; an answer recorded from a click updates that question in place."""
        for message in step.messages:
            if message.kind is Kind.RECORDED:
                if clicked_ts and message.question_id:
                    question = self.model.question_by_id[message.question_id]
                    label = question.option(message.option_id or "")
                    await client.chat_update(
                        channel=channel,
                        ts=clicked_ts,
                        text=f"{question.text}: {label.label if label else ''}",
                        blocks=answered_blocks(question.text, label.label if label else ""),
                    )
                continue
            payload = message_payload(message, model=self.model, team=who.team)
            if payload is not None:
                await client.chat_postMessage(channel=channel, **payload)

"""Showing a turn's messages, on any platform: posts in order, and the clicked question turned into the answer
given. Updating the old message is a courtesy: if the platform refuses it, the next question still goes out."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from dialogs.engine import Step
from dialogs.messages import Kind, Message

log = logging.getLogger("maturity_bot.steps")

Post = Callable[[Message], Awaitable[None]]
ShowAnswered = Callable[[Message], Awaitable[None]]  # a RECORDED message: its question and the answer given


async def present(step: Step, *, post: Post, show_answered: ShowAnswered | None) -> None:
    for message in step.messages:
        if message.kind is not Kind.RECORDED:
            await post(message)
        elif show_answered is not None and message.question_text:
            try:
                await show_answered(message)
            except Exception:
                log.warning("could not turn the answered question into its answer", exc_info=True)

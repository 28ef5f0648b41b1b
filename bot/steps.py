"""Showing a turn's messages, on any platform: posts in order, and the clicked question turned into the answer
given. Updating the old message is a courtesy: if the platform refuses it, the next question still goes out."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from dialogs.engine import Step
from dialogs.messages import Kind, Message
from scoring.model import MaturityModel

log = logging.getLogger("maturity_bot.steps")

Post = Callable[[Message], Awaitable[None]]
ShowAnswered = Callable[[str, str], Awaitable[None]]  # (question text, answer label)


async def present(step: Step, model: MaturityModel, *, post: Post, show_answered: ShowAnswered | None) -> None:
    for message in step.messages:
        if message.kind is not Kind.RECORDED:
            await post(message)
        elif show_answered is not None and message.question_id:
            question = model.question_by_id[message.question_id]
            option = question.option(message.option_id or "")
            try:
                await show_answered(question.text, option.label if option else "")
            except Exception:
                log.warning("could not turn the answered question into its answer", exc_info=True)

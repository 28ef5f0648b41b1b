"""One turn, end to end: load the member's state, run the engine, save, commit; then show the reply.

The answer is committed before any message goes back to the person, so an acknowledged answer is never lost.
A lost race with another writer on the same response is retried on fresh state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from dialogs.engine import Step, handle
from dialogs.messages import Input, Kind, Message
from dialogs.ports import ConcurrentTurn, ConversationStore, ModelVersions, Participant, Turn
from dialogs.state import ConversationState
from scoring.model import MaturityModel

RETRIES = 5
T = TypeVar("T", bound=Turn)


def answer_levels(model: MaturityModel, answers: dict[str, str]) -> dict[str, int | None]:
    """Each answer's level on this model (None: a profile, "not applicable" or "don't know"), for storage to
    keep beside the answer as it was scored then."""
    return {qid: option.level for qid, oid in answers.items() if (option := model.option(qid, oid)) is not None}


class _Discard(Exception):
    """Leave the turn's transaction without a trace (rolled back), answering with ``step``."""

    def __init__(self, step: Step) -> None:
        self.step = step


def closed_round(inp: Input) -> Step:
    """A button from a round that has closed since: nothing changes, and the person is told why."""
    note = Message(
        Kind.NOTE,
        f"That question was from round {inp.round}, which has closed, so nothing changed. Type start to take "
        "part in your team's current round.",
        question_id=inp.question_id,
    )
    return Step(ConversationState(), [note])


def unknown_version(version: str) -> Step:
    """A round on a rubric version this server cannot read: nothing changes rather than answers being recorded
    against the wrong questions."""
    note = Message(
        Kind.NOTE,
        f"Your team's current round uses rubric version {version}, which this server cannot read, so nothing "
        "changed. Whoever runs the bot can start a new round (maturity-bot new-round) or restore that version.",
    )
    return Step(ConversationState(), [note])


def _adopt_current(turn: Turn, current: str) -> None:
    """A round keeps the rubric version it was opened on, so its answers are scored as they were given; a round
    nobody has answered in yet moves to the current version at once (nothing is lost, the new rubric applies)."""
    if turn.model_version == current:
        return  # the usual turn: no lock on the round
    answered = turn.round_answered()  # locks the round and reads its version again: another turn may have moved it
    if not answered and turn.model_version != current:
        turn.move_round(current)


def run_turn(
    store: ConversationStore[T],
    models: ModelVersions,
    who: Participant,
    inp: Input,
    *,
    source: str,
    finished: Callable[[T], None] | None = None,
) -> Step:
    """The turn runs on the model version of the team's round: a round opened before the model file changed
    keeps its questions and scoring; a new round opens on the current version. ``finished`` is called in the
    turn's transaction when the person has just finished (the application's work that must commit with it)."""
    for attempt in range(RETRIES):
        try:
            with store.turn(who, models.current.version) as turn:
                _adopt_current(turn, models.current.version)
                if inp.round is not None and inp.round != turn.round_number:
                    # Opening the turn may have opened a round or a response: none of it may stay.
                    raise _Discard(closed_round(inp))
                try:
                    model = models.exact(turn.model_version)
                except LookupError:
                    raise _Discard(unknown_version(turn.model_version)) from None
                step = dataclasses.replace(handle(model, turn.state, inp), round=turn.round_number)
                turn.save(
                    step.state,
                    source=source,
                    result=step.result.to_dict() if step.result else None,
                    levels=answer_levels(model, step.state.answers),
                )
                if step.result is not None and finished is not None:
                    finished(turn)
            return step
        except _Discard as discarded:
            return discarded.step
        except ConcurrentTurn:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")

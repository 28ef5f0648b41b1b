"""One turn, end to end: load the member's state, run the engine, save, commit; then show the reply.

The answer is committed before any message goes back to the person, so an acknowledged answer is never lost.
A lost race with another writer on the same response is retried on fresh state.
"""

from __future__ import annotations

from dialogs.engine import Step, handle
from dialogs.messages import Input
from dialogs.ports import ConcurrentTurn, ConversationStore, Participant
from scoring.model import MaturityModel

RETRIES = 5


def answer_levels(model: MaturityModel, answers: dict[str, str]) -> dict[str, int]:
    return {qid: model.question_by_id[qid].option(oid).level for qid, oid in answers.items()}  # type: ignore[union-attr]


def run_turn(store: ConversationStore, model: MaturityModel, who: Participant, inp: Input, *, source: str) -> Step:
    for attempt in range(RETRIES):
        try:
            with store.turn(who, model.version) as turn:
                step = handle(model, turn.state, inp)
                turn.save(
                    step.state,
                    source=source,
                    result=step.result.to_dict() if step.result else None,
                    levels=answer_levels(model, step.state.answers),
                )
            return step
        except ConcurrentTurn:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")

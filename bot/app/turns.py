"""Taking a turn: the conversation engine's turn, committed with whatever the person's finishing sets off."""

from __future__ import annotations

from bot.app.clock import now
from dialogs.engine import Step
from dialogs.messages import Input
from dialogs.ports import ConversationStore, ModelVersions, Participant
from dialogs.turn import run_turn
from storage.conversations import SqlTurn

TurnStore = ConversationStore[SqlTurn]  # where turns are kept: the adapters name it without importing storage


def take_turn(store: TurnStore, models: ModelVersions, who: Participant, inp: Input, *, source: str) -> Step:
    """One turn, committed when this returns. A team's first finish on a chat platform sets up its check-ins in
    the same transaction, so a team never has a finished assessment and no check-ins."""
    return run_turn(store, models, who, inp, source=source, finished=_first_finish)


def _first_finish(turn: SqlTurn) -> None:
    from bot.app.schedules import start_checkins  # here: the terminal chat starts faster without it

    start_checkins(turn.session, turn.team_id, now())

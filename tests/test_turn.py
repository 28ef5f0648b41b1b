"""The turn runner on a real store: a button from a round that has closed changes nothing and says so."""

from __future__ import annotations

from sqlalchemy import update

from dialogs.messages import Command, Input, Kind
from dialogs.ports import Participant
from dialogs.turn import run_turn
from scoring.model import default_model
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.models import ROUND_OPEN, Answer, Response, Round, utcnow
from tests.storage.helpers import count

MODEL = default_model()
WHO = Participant("slack", "T1", "C1", "U1")


def test_every_turn_names_its_round(db: Database) -> None:
    store = SqlConversationStore(db)
    step = run_turn(store, MODEL, WHO, Input(Command.START), source="test")
    assert step.round == 1


def test_a_click_from_a_closed_round_is_answered_with_a_note_and_saves_nothing(db: Database) -> None:
    store = SqlConversationStore(db)
    first = MODEL.questions[0]
    run_turn(store, MODEL, WHO, Input(Command.START), source="test")
    with db.transaction() as session:
        session.execute(update(Round).where(Round.status == ROUND_OPEN).values(status="closed", closed_at=utcnow()))

    click = Input(Command.ANSWER, first.options[2].id, question_id=first.id, round=1)
    step = run_turn(store, MODEL, WHO, click, source="test")

    assert [m.kind for m in step.messages] == [Kind.NOTE]
    assert "round 1, which has closed" in step.messages[0].text
    assert count(db, Answer) == 0
    assert count(db, Round) == 1 and count(db, Response) == 1  # the old click opened no round and no response

    # The same click carrying the current round is an ordinary answer.
    run_turn(store, MODEL, WHO, Input(Command.START), source="test")
    step = run_turn(
        store, MODEL, WHO, Input(Command.ANSWER, first.options[2].id, question_id=first.id, round=2), source="test"
    )
    assert step.messages[0].kind is Kind.RECORDED
    assert count(db, Answer) == 1

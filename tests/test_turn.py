"""The turn runner on a real store: a button from a round that has closed changes nothing and says so; notes and
evidence links are kept on answer rows and come back with the state (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from checkins.states import RoundStatus
from dialogs.messages import Command, Input, Kind
from dialogs.parse import parse_text
from dialogs.ports import Participant
from dialogs.state import Note
from dialogs.turn import run_turn
from scoring.catalog import ModelCatalog
from scoring.model import default_model
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.models import Answer, Response, Round, utcnow
from tests.personas import ASKED
from tests.storage.helpers import count

MODEL = default_model()
MODELS = ModelCatalog(MODEL)
WHO = Participant("slack", "T1", "C1", "U1")
PROFILE, DATA, FEATURES = ASKED[0], ASKED[1], ASKED[3]  # system_type, data_pipeline, feature_consistency


@pytest.fixture
def store(db: Database) -> SqlConversationStore:
    return SqlConversationStore(db)


def turn(store: SqlConversationStore, inp: Input | str) -> list[Kind]:
    """One turn (typed text or an input); the kinds of the messages it answered with."""
    step = run_turn(store, MODELS, WHO, parse_text(inp) if isinstance(inp, str) else inp, source="test")
    return [m.kind for m in step.messages]


def rows(db: Database) -> list[tuple[str, str, int | None, str | None, str | None]]:
    """Every stored answer row, oldest first: (question, option, level, note, link)."""
    with db.reading() as session:
        found = session.execute(
            select(Answer.question_id, Answer.option_id, Answer.level, Answer.note, Answer.link).order_by(Answer.id)
        )
        return [tuple(r) for r in found]  # type: ignore[misc]


def loaded_notes(store: SqlConversationStore) -> dict[str, Note]:
    """What a fresh turn loads from the database (not what the last step returned)."""
    with store.turn(WHO, MODEL.version) as current:
        return dict(current.state.notes)


def test_every_turn_names_its_round(db: Database) -> None:
    store = SqlConversationStore(db)
    step = run_turn(store, MODELS, WHO, Input(Command.START), source="test")
    assert step.round == 1


def test_a_click_from_a_closed_round_is_answered_with_a_note_and_saves_nothing(db: Database) -> None:
    store = SqlConversationStore(db)
    first = ASKED[0]
    batch = MODEL.option(first.id, "batch")
    assert batch is not None
    run_turn(store, MODELS, WHO, Input(Command.START), source="test")
    with db.transaction() as session:
        session.execute(
            update(Round).where(Round.status == RoundStatus.OPEN).values(status="closed", closed_at=utcnow())
        )

    click = Input(Command.ANSWER, batch.id, question_id=first.id, round=1)
    step = run_turn(store, MODELS, WHO, click, source="test")

    assert [m.kind for m in step.messages] == [Kind.NOTE]
    assert "round 1, which has closed" in step.messages[0].text
    assert count(db, Answer) == 0
    assert count(db, Round) == 1 and count(db, Response) == 1  # the old click opened no round and no response

    # The same click carrying the current round is an ordinary answer.
    run_turn(store, MODELS, WHO, Input(Command.START), source="test")
    step = run_turn(store, MODELS, WHO, Input(Command.ANSWER, batch.id, question_id=first.id, round=2), source="test")
    assert step.messages[0].kind is Kind.RECORDED
    assert count(db, Answer) == 1


def test_a_typed_note_is_a_new_row_with_the_same_answer_and_comes_back_with_the_state(
    store: SqlConversationStore, db: Database
) -> None:
    turn(store, "start")
    turn(store, "online")
    turn(store, "versioned_datasets")
    answered = [("system_type", "online", None, None, None), ("data_pipeline", "versioned_datasets", 2, None, None)]
    assert rows(db) == answered

    kinds = turn(store, "note DVC tags every dataset, see https://dvc.example.com/runs?id=7.")
    assert kinds == [Kind.NOTE]  # kept; the question on screen stays the current one
    link = "https://dvc.example.com/runs?id=7"  # the sentence's full stop is not part of the link
    text = f"DVC tags every dataset, see {link}."
    assert rows(db)[-1] == ("data_pipeline", "versioned_datasets", 2, text, link)
    assert count(db, Answer) == 3  # the answer itself is kept as it was given, the note on a row of its own
    assert loaded_notes(store) == {"data_pipeline": Note(text=text, link=link)}

    turn(store, "back")  # change the answer: the note stays with it
    turn(store, "dataset_lineage")
    assert rows(db)[-1] == ("data_pipeline", "dataset_lineage", 3, text, link)
    assert loaded_notes(store) == {"data_pipeline": Note(text=text, link=link)}

    turn(store, "note clear")
    assert rows(db)[-1] == ("data_pipeline", "dataset_lineage", 3, None, None)
    assert loaded_notes(store) == {}
    assert count(db, Answer) == 5


def test_only_an_http_link_is_evidence_other_addresses_stay_text(store: SqlConversationStore, db: Database) -> None:
    turn(store, "start")
    turn(store, "online")
    turn(store, "versioned_datasets")
    turn(store, "note runbook at https://wiki.example.com/runbook")
    for address in ("javascript://%0Aalert(1)", "file:///etc/passwd", "FTP://files.example.com/data"):
        assert turn(store, f"note see {address}") == [Kind.NOTE]
        assert loaded_notes(store) == {"data_pipeline": Note(text=f"see {address}", link=None)}
    stored = [row for row in rows(db) if row[0] == "data_pipeline"]
    assert [row[4] for row in stored] == [None, "https://wiki.example.com/runbook", None, None, None]
    assert all(row[1] == "versioned_datasets" and row[2] == 2 for row in stored), "a note never changes the answer"


def test_a_note_sent_with_an_answer_is_stored_in_the_same_row(store: SqlConversationStore, db: Database) -> None:
    turn(store, "start")
    turn(store, Input(Command.ANSWER, "online", question_id=PROFILE.id))
    with_note = Input(Command.ANSWER, "dataset_lineage", question_id=DATA.id, note="  lineage in   OpenLineage ")
    assert turn(store, with_note)[0] is Kind.RECORDED
    assert rows(db) == [
        ("system_type", "online", None, None, None),
        ("data_pipeline", "dataset_lineage", 3, "lineage in OpenLineage", None),
    ]
    assert loaded_notes(store) == {"data_pipeline": Note(text="lineage in OpenLineage")}


def test_not_applicable_and_dont_know_answers_store_no_level(store: SqlConversationStore, db: Database) -> None:
    turn(store, "start")
    turn(store, "online")
    turn(store, Input(Command.ANSWER, "dont_know", question_id=DATA.id))
    turn(store, Input(Command.ANSWER, "automatic_checks", question_id=ASKED[2].id))
    turn(store, Input(Command.ANSWER, "na_other", question_id=FEATURES.id, note="raw text in"))
    assert rows(db) == [
        ("system_type", "online", None, None, None),
        ("data_pipeline", "dont_know", None, None, None),
        ("data_quality", "automatic_checks", 2, None, None),
        ("feature_consistency", "na_other", None, "raw text in", None),
    ]


def test_a_long_display_name_is_shortened_and_a_long_id_refused() -> None:
    """Teams allows display names past 255 characters; they are shown, so they are cut, while ids must be whole."""
    who = Participant("teams", "tenant", "19:team", "29:user", user_name="N" * 300, team_name="T" * 256)
    assert who.user_name is not None and len(who.user_name) == 255 and who.user_name.endswith("…")
    assert who.team_name is not None and len(who.team_name) == 255
    with pytest.raises(ValueError, match="user is longer than 255"):
        Participant("teams", "tenant", "19:team", "2" * 256)

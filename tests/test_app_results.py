"""One definition of a team's current result: status, App Home, the plan, nudges and the organisation view read
the same round (the latest anyone finished) on the same model version, also after a new round opens."""

from __future__ import annotations

from bot.app.checkins import plan_text
from bot.app.home import overview_with_team_levels
from bot.app.org import org_view
from bot.app.replies import status_text, team_status
from bot.app.results import current_result
from bot.app.schedules import start_new_round
from bot.app.turns import take_turn
from bot.terminal import TERMINAL
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from scoring.catalog import ModelCatalog
from scoring.model import default_model
from scoring.score import score_answers
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.models import utcnow
from storage.queries import find_team
from tests.personas import ASKED, PERSONAS

MODEL = default_model()
MODELS = ModelCatalog(MODEL)
ANA = Participant("slack", "T1", "C1", "U1", team_name="recsys")


def finish(db: Database, who: Participant, answers: dict[str, str]) -> None:
    store = SqlConversationStore(db)
    take_turn(store, MODELS, who, Input(Command.START), source="slack")
    for question in ASKED:
        take_turn(store, MODELS, who, Input(Command.ANSWER, answers[question.id], question_id=question.id), source="s")


def test_every_reader_agrees_on_the_result_after_a_new_round_opens(db: Database) -> None:
    expected, answers = PERSONAS["faq_level_2"]
    finish(db, ANA, answers)
    start_new_round(db, MODELS, platform="slack", workspace="T1", team="C1", now=utcnow())
    take_turn(SqlConversationStore(db), MODELS, ANA, Input(Command.START), source="slack")  # round 2, unfinished

    with db.reading() as session:
        team = find_team(session, "slack", "T1", "C1")
        assert team is not None
        current = current_result(session, MODELS, team.id)
    assert current is not None and (current.round_number, current.finished) == (1, 1)
    assert current.result == score_answers(MODEL, answers) and current.result.overall == expected

    status = team_status(db, MODELS, ANA)
    assert (status.round_number, status.finished, status.in_progress, status.result_round) == (2, 0, 1, 1)
    assert status.result is not None and status.result.overall == expected
    text = status_text(TERMINAL, status)
    assert f"Team level {expected}, {current.result.overall_name} (round 1)." in text and "Round 2: 0 finished" in text
    assert f"The plan toward level {expected + 1}" in plan_text(db, MODELS, ANA, TERMINAL, utcnow())
    assert org_view(db, MODELS, platform="slack", workspace="T1", now=utcnow()).at_level[expected] == 1
    _, levels = overview_with_team_levels(db, MODELS, "T1", "U1")
    assert levels == {"C1": (expected, current.result.overall_name)}


def test_a_team_nobody_has_finished_has_no_result_anywhere(db: Database) -> None:
    take_turn(SqlConversationStore(db), MODELS, ANA, Input(Command.START), source="slack")
    status = team_status(db, MODELS, ANA)
    assert status.result is None and status.result_round is None and status.round_number == 1
    assert plan_text(db, MODELS, ANA, TERMINAL, utcnow()).startswith("No plan yet")
    assert org_view(db, MODELS, platform="slack", workspace="T1", now=utcnow()).assessed == 0
    assert overview_with_team_levels(db, MODELS, "T1", "U1")[1] == {"C1": None}

"""The terminal chat offers what Slack and Teams offer: the profile question, "not applicable" with a reason,
"don't know" and notes, all kept in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

from rich.console import Console
from sqlalchemy import select

from bot.terminal import chat
from dialogs.ports import Participant
from dialogs.state import Phase
from scoring.model import DEFAULT_MODEL_FILE, default_model
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.model_versions import model_catalog
from storage.models import Answer

MODEL = default_model()
WHO = Participant("terminal", "local", "recsys", "ana")


def typed_session(db: Database, lines: list[str]) -> tuple[Phase, str]:
    out = io.StringIO()
    models = model_catalog(db, DEFAULT_MODEL_FILE.read_text(encoding="utf-8"), MODEL, source="test")
    phase = chat(
        SqlConversationStore(db),
        models,
        WHO,
        stdin=io.StringIO("\n".join(lines) + "\n"),
        console=Console(file=out, width=400),
    )
    return phase, out.getvalue()


def until(question: str, profile: str) -> list[str]:
    """Typed lines that pick ``profile`` and answer level 2 up to ``question``."""
    asked = [q.id for q in MODEL.questions_for(profile)]
    return [profile] + ["3"] * (asked.index(question) - 1)


def test_the_terminal_asks_the_profile_first_and_keeps_na_dont_know_and_notes(db: Database) -> None:
    lines = [
        *until("fairness_checks", "online"),
        "n/a",
        "its outputs do not affect people",
        "note a routing model; nobody is scored",
        "dont know",
        "note see https://wiki.example.com/ai-act",
        "stop",
    ]
    phase, shown = typed_session(db, lines)
    assert phase is Phase.PAUSED
    assert "What is the main ML system this team is assessing?" in shown
    assert "That fits more than one option" in shown and "left out of the score" in shown
    assert "your risk, compliance or legal contact for AI could probably answer it" in shown
    with db.reading() as session:
        rows = session.execute(
            select(Answer.question_id, Answer.option_id, Answer.level, Answer.note, Answer.link).order_by(Answer.id)
        ).all()
    latest = {row.question_id: row for row in rows}
    assert latest["system_type"].option_id == "online" and latest["system_type"].level is None
    fairness = latest["fairness_checks"]
    assert (fairness.option_id, fairness.level) == ("na_no_decisions_about_people", None)
    assert fairness.note == "a routing model; nobody is scored" and fairness.link is None
    act = latest["eu_ai_act"]
    assert (act.option_id, act.level, act.link) == ("dont_know", None, "https://wiki.example.com/ai-act")


def test_the_terminal_result_shows_not_assessed_and_the_not_applicable_answers(db: Database) -> None:
    asked = MODEL.questions_for("llm")
    lines = ["llm"]
    for question in asked[1:]:
        options = MODEL.choices(question)
        na = next((n for n, o in enumerate(options, start=1) if o.not_applicable), None)
        lines.append(str(na) if question.id == "retrieval_index" and na else str(len(options)))  # else don't know
    phase, shown = typed_session(db, lines)
    assert phase is Phase.FINISHED
    assert "not assessed" in shown and "Not applicable, left out of the levels" in shown
    assert "Nobody could answer" in shown

"""The audit trail and the erasure: the export holds every stored answer once, with its context; forgetting a
person removes every answer of theirs and nothing else, and leaves a record (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app.audit import export, forget
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from dialogs.turn import run_turn
from scoring.catalog import ModelCatalog
from scoring.model import default_model
from scoring.score import score
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.models import Answer, Erasure, Member, Response, Result
from tests.personas import ASKED, PERSONAS
from tests.storage.helpers import count, save_team_result, snapshot_of
from tests.test_cli import run

MODEL = default_model()
MODELS = ModelCatalog(MODEL)
NOTE, LINK = "evidence:", "https://registry.example.com/models/churn"
ROWS = len(ASKED) + 2  # every question once, the first profile answer, the note's row


def assess(db: Database, user: str, persona: str, *, team: str = "C1", platform: str = "slack") -> None:
    """A whole assessment through the turn runner: the profile changed once and back, a note with an evidence
    link typed after the first scored answer."""
    store = SqlConversationStore(db)
    who = Participant(platform, "T1", team, user, team_name=f"team {team}", user_name=f"name {user}")
    _, answers = PERSONAS[persona]
    run_turn(store, MODELS, who, Input(Command.START), source=platform)
    first = ASKED[0]
    other = next(o.id for o in MODEL.choices(first) if o.id != answers[first.id])
    run_turn(store, MODELS, who, Input(Command.ANSWER, other, question_id=first.id), source=platform)
    run_turn(store, MODELS, who, Input(Command.BACK), source=platform)  # and changes the first answer back
    for q in ASKED:
        run_turn(store, MODELS, who, Input(Command.ANSWER, answers[q.id], question_id=q.id), source=platform)
        if q == ASKED[1]:
            run_turn(store, MODELS, who, Input(Command.NOTE, f"{NOTE} {LINK}"), source=platform)


def stored_answers(db: Database) -> list[tuple[str, str, str, str]]:
    with db.reading() as session:
        rows = session.execute(
            select(Member.external_id, Answer.question_id, Answer.option_id, Answer.answered_at)
            .join(Response, Response.id == Answer.response_id)
            .join(Member, Member.id == Response.member_id)
        )
        return sorted((u, q, o, at.isoformat()) for u, q, o, at in rows)


def test_the_export_holds_every_stored_answer_once_with_its_context(db: Database) -> None:
    assess(db, "U1", "faq_level_2")
    assess(db, "U2", "faq_level_3", team="C2", platform="teams")
    trail = export(db)
    exported = sorted((a["member"], a["question"], a["option"], a["answered_at"]) for a in trail.answers)
    assert exported == stored_answers(db)  # every row once, the changed answer's first version included
    assert len(exported) == 2 * ROWS
    first = trail.answers[0]
    assert {k: first[k] for k in ("platform", "workspace", "team", "team_name", "round", "member_name", "source")} == {
        "platform": "slack",
        "workspace": "T1",
        "team": "C1",
        "team_name": "team C1",
        "round": 1,
        "member_name": "name U1",
        "source": "slack",
    }
    assert first["model_version"] == MODEL.version and first["question"] == ASKED[0].id and first["level"] is None
    for row in trail.answers:  # each row's level as the model gives it: none for the profile, N/A, don't know
        option = MODEL.option(row["question"], row["option"])
        assert option is not None and row["level"] == option.level
    noted = [(a["member"], a["question"], a["option"], a["note"], a["link"]) for a in trail.answers if a["note"]]
    assert noted == [
        (user, ASKED[1].id, PERSONAS[persona][1][ASKED[1].id], f"{NOTE} {LINK}", LINK)
        for user, persona in (("U1", "faq_level_2"), ("U2", "faq_level_3"))
    ]
    assert all(a["link"] is None for a in trail.answers if not a["note"])
    assert {(r["scope"], r["member"]) for r in trail.results} == {("member", "U1"), ("member", "U2")}
    json.dumps(vars(trail))  # serialisable as it is


def test_the_export_narrows_to_a_team_by_id_or_name_and_to_a_date(db: Database) -> None:
    assess(db, "U1", "faq_level_2", team="C1")
    assess(db, "U2", "faq_level_3", team="C2")
    assert {a["team"] for a in export(db, team="C2").answers} == {"C2"}
    assert {a["team"] for a in export(db, team="team C1").answers} == {"C1"}
    assert export(db, since=datetime.now(tz=UTC) + timedelta(days=1)).answers == []


def test_forgetting_a_person_removes_their_answers_and_nothing_else(db: Database) -> None:
    assess(db, "U1", "faq_level_2")
    assess(db, "U2", "faq_level_3")
    snapshot = snapshot_of(db, platform="slack", workspace="T1", team="C1")
    assert snapshot is not None
    team_result = score(MODEL, snapshot.answer_sets)
    save_team_result(
        db,
        platform="slack",
        workspace="T1",
        team="C1",
        round_number=1,
        overall=team_result.overall,
        payload=team_result.to_dict(),
    )
    others = [row for row in stored_answers(db) if row[0] != "U1"]

    erased = forget(db, "U1")

    assert (erased.workspaces, erased.answers, erased.responses) == (1, ROWS, 1)
    assert stored_answers(db) == others  # every answer of U1 gone, every other one kept
    with db.reading() as session:
        assert session.scalars(select(Result.scope).order_by(Result.scope)).all() == ["member", "team"]
        assert session.scalar(select(Result.overall).where(Result.scope == "team")) == team_result.overall
        assert session.scalar(select(Member.display_name).where(Member.external_id == "U1")) is None
        erasure = session.scalars(select(Erasure)).one()
    assert (erasure.user_id, erasure.platform, erasure.answers_removed) == ("U1", "slack", ROWS)
    assert [e["user"] for e in export(db).erasures] == ["U1"]
    assert forget(db, "nobody").workspaces == 0 and count(db, Erasure) == 1


def test_the_cli_exports_csv_and_forgets(database_url: str, db: Database) -> None:
    assess(db, "ana", "faq_level_1", team="recsys", platform="terminal")
    done = run("export", "--format", "csv", "--team", "recsys", url=database_url)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    answers = [r for r in rows if r["record"] == "answer"]
    assert len(answers) == ROWS and {r["member"] for r in answers} == {"ana"}
    assert {"answered_at", "question", "option", "level", "note", "link", "source", "model_version", "round"} <= set(
        rows[0]
    )
    noted = [(r["question"], r["note"], r["link"]) for r in answers if r["note"]]
    assert noted == [(ASKED[1].id, f"{NOTE} {LINK}", LINK)]
    assert {r["level"] for r in answers if r["question"] == ASKED[0].id} == {""}  # the profile is not a level
    assert run("export", "--since", "yesterday", url=database_url).returncode == 2

    done = run("forget", "--user", "ana", url=database_url)
    assert done.returncode == 0 and f"{ROWS} answer(s)" in done.stdout
    assert run("forget", "--user", "nobody", url=database_url).returncode == 4
    trail = json.loads(run("export", url=database_url).stdout)
    assert trail["answers"] == [] and [e["user"] for e in trail["erasures"]] == ["ana"]


def test_the_export_tells_a_note_from_a_new_answer(db: Database) -> None:
    assess(db, "ana", "faq_level_2")
    rows = [r for r in export(db).answers if r["question"] == ASKED[1].id]
    assert [(r["change"], r["note"]) for r in rows] == [("answer", None), ("note", f"{NOTE} {LINK}")]
    assert rows[0]["option"] == rows[1]["option"]
    assert {r["change"] for r in export(db).answers if r["question"] != ASKED[1].id} == {"answer"}


def test_a_typed_note_that_looks_like_a_formula_is_text_in_the_csv(database_url: str, db: Database) -> None:
    store = SqlConversationStore(db)
    who = Participant("terminal", "local", "recsys", "ana")
    run_turn(store, MODELS, who, Input(Command.START), source="terminal")
    run_turn(store, MODELS, who, Input(Command.ANSWER, "online", question_id="system_type"), source="terminal")
    formula = '=HYPERLINK("https://evil.example","click")'
    run_turn(store, MODELS, who, Input(Command.NOTE, formula), source="terminal")
    done = run("export", "--format", "csv", url=database_url)
    noted = [r["note"] for r in csv.DictReader(io.StringIO(done.stdout)) if r["note"]]
    assert noted == ["'" + formula]
    assert json.loads(run("export", url=database_url).stdout)["answers"][-1]["note"] == formula, "JSON stays exact"

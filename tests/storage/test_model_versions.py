"""Model versions in the database (issue 13, section 6): migration 0008 stores the 2026.12 bank and every round
taken on it keeps its scoring; a version is stored once and never with other content; a round keeps the version
it was opened on when the model file changes. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic import command
from sqlalchemy import Connection, MetaData, Table, insert, inspect, select, update

from checkins.states import RoundStatus
from dialogs.engine import Step
from dialogs.messages import Command, Input, Kind
from dialogs.ports import Participant
from dialogs.turn import run_turn
from scoring.catalog import ModelCatalog
from scoring.model import MaturityModel, content_hash, load_model, parse_model, read_model_file
from scoring.score import Result as Scored
from scoring.score import score, score_answers, unknown_answers
from storage import migrate
from storage.conversations import SqlConversationStore
from storage.database import Database, make_engine, open_database
from storage.model_versions import ModelVersionConflict, model_catalog, register, stored_text, stored_versions
from storage.models import Answer, ModelVersion, Response, Result, Round, utcnow
from storage.schema import SCHEMA_REVISION
from tests.legacy_personas import PERSONAS_2026_12
from tests.personas import ASKED, PERSONAS
from tests.storage.helpers import count, snapshot_of

ROOT = Path(__file__).resolve().parents[2]
FROZEN = ROOT / "storage" / "migrations" / "versions" / "0008_model_2026_12.yaml"
OLD = "2026.12"
# sha256 of scoring/data/mlops-maturity.yaml as release 2026.12 shipped it: the frozen copy must never change,
# or rounds taken on 2026.12 would change their scoring.
SHIPPED_2026_12 = "48d968d7c6fb452cccc61158e5ba29173667f0cbb6d0d779f042952a71851fe7"
TEXT, MODEL = read_model_file()  # the bundled file, as the bot reads it


# --- the 2026.12 rules, restated from its own file (independent of scoring/) -----------------------------------

RAW = yaml.safe_load(FROZEN.read_text(encoding="utf-8"))
OLD_LEVEL = {(q["id"], o["id"]): o["level"] for q in RAW["questions"] for o in q["options"]}


def levels_2026_12(answers: dict[str, str]) -> tuple[int, dict[str, int]]:
    """(overall, {dimension: level}) as the 2026.12 file's header states its scoring: a dimension is its lowest
    answer ("don't know" and unanswered count 0); the overall level is the highest L whose gates up to L have
    all their dimensions at their gate's level or above."""
    dimensions = {d["id"]: 4 for d in RAW["dimensions"]}
    for q in RAW["questions"]:
        level = OLD_LEVEL.get((q["id"], answers.get(q["id"], "")), 0)
        dimensions[q["dimension"]] = min(dimensions[q["dimension"]], level)
    overall = 0
    for gate in sorted(RAW["gates"], key=lambda g: g["level"]):
        if not all(dimensions[d] >= gate["level"] for d in gate["dimensions"]):
            break
        overall = gate["level"]
    return overall, dimensions


def levels_of(result: Scored) -> tuple[int, dict[str, int | None]]:
    return result.overall, {d.id: d.level for d in result.dimensions}


# "Level 3 everywhere plus one don't know gave overall 0" on 2026.12: its rounds keep that.
DONT_KNOW_TEAM = PERSONAS_2026_12["faq_level_3"][1] | {"rebuild_old_model": "dont_know"}
OLD_TEAMS = {name: answers for name, (_, answers) in PERSONAS_2026_12.items()} | {"dont_know_team": DONT_KNOW_TEAM}
MIDWAY = "faq_level_2"  # a member half-way through a 2026.12 round when the upgrade runs
MIDWAY_ANSWERED = 7  # of the 2026.12 questions, in the bank's order


# --- migrating, and writing data the way revision 0007 did ------------------------------------------------------


def migrate_to(url: str, revision: str, *, down: bool = False) -> None:
    engine = make_engine(url, migrating=True)
    config = migrate.alembic_config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


@pytest.fixture
def old_url(empty_db_url: str) -> str:
    """A database at revision 0007 holding rounds taken on the 2026.12 bank (written with 0007's own tables)."""
    migrate_to(empty_db_url, "0007")
    engine = make_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            _write_2026_12_rounds(conn)
    finally:
        engine.dispose()
    return empty_db_url


def _write_2026_12_rounds(conn: Connection) -> None:
    tables = MetaData()
    tables.reflect(conn, only=["workspaces", "teams", "members", "rounds", "responses", "answers"])
    t = tables.tables
    assert "level" in t["answers"].c and "note" not in t["answers"].c and not t["answers"].c.level.nullable

    def add(table: Table, **values: Any) -> int:
        return conn.execute(insert(table).values(**values)).inserted_primary_key[0]  # type: ignore[index]

    now = utcnow() - timedelta(days=30)
    workspace = add(t["workspaces"], platform="slack", external_id="T1", name="Acme", created_at=now)
    questions = [q["id"] for q in RAW["questions"]]
    for n, (name, answers) in enumerate([*OLD_TEAMS.items(), ("midway", PERSONAS_2026_12[MIDWAY][1])]):
        midway = name == "midway"
        given = questions[:MIDWAY_ANSWERED] if midway else questions
        team = add(t["teams"], workspace_id=workspace, external_id=name, name=name, created_at=now)
        member = add(
            t["members"], workspace_id=workspace, external_id=f"U{n}", display_name=f"member {n}", created_at=now
        )
        round_ = add(
            t["rounds"],
            team_id=team,
            number=1,
            model_version=OLD,
            status=RoundStatus.OPEN if midway else "closed",
            opened_at=now,
            closed_at=None if midway else now + timedelta(days=7),
        )
        navigation = {"phase": "asking" if midway else "finished", "history": given, "skipped": []}
        response = add(
            t["responses"],
            round_id=round_,
            member_id=member,
            status="asking" if midway else "finished",
            attempt=1,
            position=questions[MIDWAY_ANSWERED] if midway else None,
            navigation=navigation | {"pending": questions[MIDWAY_ANSWERED:] if midway else []},
            version=len(given),
            started_at=now,
            updated_at=now,
            finished_at=None if midway else now + timedelta(hours=1),
        )
        conn.execute(
            insert(t["answers"]),
            [
                {
                    "response_id": response,
                    "attempt": 1,
                    "question_id": q,
                    "option_id": answers[q],
                    "level": OLD_LEVEL.get((q, answers[q]), 0),  # 2026.12 stored "don't know" as level 0
                    "model_version": OLD,
                    "source": "slack",
                    "answered_at": now,
                }
                for q in given
            ],
        )


ANSWER_COLUMNS = ("id", "response_id", "attempt", "question_id", "option_id", "level", "model_version", "source")


def answer_rows(url: str) -> list[tuple[Any, ...]]:
    """Every answer row's columns that revision 0007 had (answered_at as stored), whatever the revision."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            answers = Table("answers", MetaData(), autoload_with=conn)
            columns = [answers.c[c] for c in ANSWER_COLUMNS] + [answers.c.answered_at]
            return [tuple(r) for r in conn.execute(select(*columns).order_by(answers.c.id))]
    finally:
        engine.dispose()


def schema_of(url: str) -> tuple[set[str], set[str], bool]:
    """(tables, answers' columns, whether answers.level may be empty)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            columns = {c["name"]: c for c in inspector.get_columns("answers")}
            return set(inspector.get_table_names()), set(columns), bool(columns["level"]["nullable"])
    finally:
        engine.dispose()


@pytest.fixture
def upgraded(old_url: str) -> Iterator[Database]:
    migrate_to(old_url, "head")
    db = open_database(old_url)
    yield db
    db.close()


# --- migration 0008 ----------------------------------------------------------------------------------------------


def test_the_old_answers_cannot_be_scored_on_the_current_model() -> None:
    """Why 2026.12 must be kept: its question and option ids mean nothing to the current bank."""
    for answers in OLD_TEAMS.values():
        assert unknown_answers(MODEL, answers)
    assert MODEL.option("rebuild_old_model", "pipeline_rebuilds") is None  # a 2026.12 option the bank dropped
    assert ("rebuild_old_model", "pipeline_rebuilds") in OLD_LEVEL


def test_the_2026_12_rules_restated_here_give_the_faq_levels() -> None:
    """The independent expectation below is right: it gives each FAQ team its known level."""
    for name, (expected, answers) in PERSONAS_2026_12.items():
        assert levels_2026_12(answers)[0] == expected, name
    overall, dimensions = levels_2026_12(DONT_KNOW_TEAM)
    assert (overall, dimensions["reproducibility"]) == (0, 0)
    assert dimensions["deployment"] == dimensions["monitoring"] == 3


def test_migration_0008_stores_2026_12_whole_and_keeps_every_old_answer(old_url: str) -> None:
    before = answer_rows(old_url)
    assert len(before) == len(OLD_TEAMS) * len(RAW["questions"]) + MIDWAY_ANSWERED

    migrate_to(old_url, "head")

    tables, columns, nullable = schema_of(old_url)
    assert "model_versions" in tables and {"note", "link"} <= columns and nullable
    assert answer_rows(old_url) == before  # not one answer changed, the 2026.12 "don't know" still level 0
    frozen = FROZEN.read_text(encoding="utf-8")
    db = open_database(old_url)
    try:
        with db.reading() as session:
            stored = session.execute(select(ModelVersion.version, ModelVersion.content_hash, ModelVersion.content))
            assert [tuple(r) for r in stored] == [(OLD, SHIPPED_2026_12, frozen)]
            assert session.scalars(select(Answer.note).where(Answer.note.is_not(None))).all() == []
        assert hashlib.sha256(frozen.encode()).hexdigest() == content_hash(frozen) == SHIPPED_2026_12
        assert stored_versions(db) == [(OLD, content_hash(frozen))]
        assert stored_text(db, OLD) == frozen
    finally:
        db.close()


def test_rounds_taken_on_2026_12_keep_its_scoring_after_the_upgrade(upgraded: Database) -> None:
    models = model_catalog(upgraded, TEXT, MODEL, source="the bundled model")
    assert models.current is MODEL and models.has(OLD)
    old = models.get(OLD)
    frozen = load_model(FROZEN)
    assert old.version == frozen.version == OLD
    for name, answers in OLD_TEAMS.items():
        snapshot = snapshot_of(upgraded, platform="slack", workspace="T1", team=name)
        assert snapshot is not None and snapshot.model_version == OLD and snapshot.answer_sets == [answers]
        result = score(models.get(snapshot.model_version), snapshot.answer_sets)
        assert levels_of(result) == levels_2026_12(answers), name  # the 2026.12 rules, restated independently
        assert levels_of(result) == levels_of(score(frozen, [answers])), name  # and the frozen file's own scoring
        if name in PERSONAS_2026_12:
            assert result.overall == PERSONAS_2026_12[name][0], name  # the FAQ level it always had

    dont_know = score(old, [DONT_KNOW_TEAM])
    assert (dont_know.overall, dont_know.dimension("reproducibility").level) == (0, 0)
    assert "rebuild_old_model" in dont_know.dont_know  # still counted as a knowledge gap
    unscored = {**DONT_KNOW_TEAM, "rebuild_old_model": "cannot_rebuild"}  # the level-0 option: the same levels
    assert levels_of(score(old, [unscored])) == levels_of(dont_know)


def test_a_round_half_way_through_on_2026_12_carries_on_with_its_questions(upgraded: Database) -> None:
    models = model_catalog(upgraded, TEXT, MODEL, source="the bundled model")
    store = SqlConversationStore(upgraded)
    who = Participant("slack", "T1", "midway", f"U{len(OLD_TEAMS)}")
    expected, answers = PERSONAS_2026_12[MIDWAY]
    remaining = [q["id"] for q in RAW["questions"]][MIDWAY_ANSWERED:]

    step = run_turn(store, models, who, Input(Command.RESUME), source="slack")
    assert step.round == 1 and step.messages[-1].question is not None
    assert step.messages[-1].question.id == remaining[0]  # a 2026.12 question, where the member left off
    for q in remaining:
        step = run_turn(store, models, who, Input(Command.ANSWER, answers[q], question_id=q), source="slack")
        assert step.messages[0].kind is Kind.RECORDED, (q, step.messages[0].text)
    assert step.result is not None
    assert step.result.model_version == OLD and step.result.overall == expected
    assert levels_of(step.result) == levels_2026_12(answers)
    with upgraded.reading() as session:
        rows = session.execute(
            select(Answer.question_id, Answer.option_id, Answer.level, Answer.model_version)
            .join(Response, Response.id == Answer.response_id)
            .join(Round, Round.id == Response.round_id)
            .where(Round.status == RoundStatus.OPEN)
            .order_by(Answer.id)
        ).all()
        stored = session.execute(select(Result.overall, Result.model_version)).all()
    assert [tuple(r) for r in rows] == [(q, answers[q], OLD_LEVEL[(q, answers[q])], OLD) for q in answers]
    assert [tuple(r) for r in stored] == [(expected, OLD)]


def test_downgrading_to_0007_and_upgrading_again_keeps_the_answers(old_url: str) -> None:
    migrate_to(old_url, "head")
    db = open_database(old_url)
    try:
        models = model_catalog(db, TEXT, MODEL, source="the bundled model")
        who = Participant("slack", "T1", "new-team", "U-new")
        store = SqlConversationStore(db)
        run_turn(store, models, who, Input(Command.START), source="slack")
        run_turn(
            store,
            models,
            who,
            Input(Command.ANSWER, "online", question_id="system_type", note="our API"),
            source="slack",
        )
    finally:
        db.close()
    after_upgrade = answer_rows(old_url)
    assert after_upgrade[-1][3:6] == ("system_type", "online", None)  # no level: a profile answer

    migrate_to(old_url, "0007", down=True)
    tables, columns, nullable = schema_of(old_url)
    assert "model_versions" not in tables and not {"note", "link"} & columns and not nullable
    downgraded = answer_rows(old_url)
    assert downgraded[:-1] == after_upgrade[:-1]  # every 2026.12 answer as it was
    assert downgraded[-1][3:6] == ("system_type", "online", 0)  # what 0007 can hold: level 0, like "don't know"

    migrate_to(old_url, "head")
    tables, columns, nullable = schema_of(old_url)
    assert "model_versions" in tables and {"note", "link"} <= columns and nullable
    assert answer_rows(old_url) == downgraded
    db = open_database(old_url)
    try:
        assert stored_versions(db) == [(OLD, content_hash(FROZEN.read_text(encoding="utf-8")))]
        assert migrate.head_revision() == SCHEMA_REVISION
    finally:
        db.close()


# --- register ----------------------------------------------------------------------------------------------------


def test_a_version_is_stored_once(db: Database) -> None:
    assert register(db, TEXT, MODEL, source="the bundled model") is True
    assert register(db, TEXT, MODEL, source="the bundled model") is False
    assert stored_versions(db)[-1] == (MODEL.version, content_hash(TEXT))
    assert count(db, ModelVersion, ModelVersion.version == MODEL.version) == 1
    assert stored_text(db, MODEL.version) == TEXT and stored_text(db, "1999.1") is None


def test_the_same_version_with_other_content_is_refused_in_one_line(db: Database) -> None:
    register(db, TEXT, MODEL, source="the bundled model")
    changed = TEXT.replace("What is the main ML system", "Which ML system", 1)
    changed_model = parse_model(changed, "changed")
    with pytest.raises(ModelVersionConflict) as raised:
        register(db, changed, changed_model, source="/etc/maturity/model.yaml")
    message = str(raised.value)
    assert "\n" not in message and f"'{MODEL.version}'" in message and "/etc/maturity/model.yaml" in message
    assert "new version" in message
    with pytest.raises(ModelVersionConflict):
        model_catalog(db, changed, changed_model, source="/etc/maturity/model.yaml")
    assert stored_text(db, MODEL.version) == TEXT  # the stored version is untouched
    assert count(db, ModelVersion) == 2  # 2026.12 and this one


def test_registering_at_once_ends_with_one_row(db: Database) -> None:
    threads = 4
    start = threading.Barrier(threads)

    def at_once(_: int) -> bool:
        start.wait()
        return register(db, TEXT, MODEL, source="the bundled model")

    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(at_once, range(threads)))
    assert sorted(outcomes) == [False] * (threads - 1) + [True]
    assert count(db, ModelVersion, ModelVersion.version == MODEL.version) == 1


def test_a_change_to_comments_or_layout_only_is_the_same_version(db: Database) -> None:
    assert register(db, TEXT, MODEL, source="the bundled model") is True
    commented = "# adapted by the platform team: nothing changed but this line\n" + TEXT
    assert register(db, commented, parse_model(commented, "commented"), source="the adapted file") is False
    assert stored_text(db, MODEL.version) == TEXT


def test_registering_other_content_at_once_lets_exactly_one_win(db: Database) -> None:
    texts = [TEXT, TEXT.replace("What is the main ML system", "Which ML system", 1)]
    start = threading.Barrier(len(texts))

    def at_once(text: str) -> bool | str:
        start.wait()
        try:
            return register(db, text, parse_model(text, "a replica"), source="a replica")
        except ModelVersionConflict:
            return "refused"

    with ThreadPoolExecutor(len(texts)) as pool:
        outcomes = list(pool.map(at_once, texts))
    assert sorted(outcomes, key=str) == [True, "refused"]
    winner = texts[outcomes.index(True)]
    assert stored_text(db, MODEL.version) == winner
    assert count(db, ModelVersion, ModelVersion.version == MODEL.version) == 1


# --- a round keeps the version it was opened on --------------------------------------------------------------------

NEXT = "2026.12.99-test"
RENAMED = {"versioned_datasets": "dataset_version_per_run", "checks_stop_pipeline": "checks_gate_the_pipeline"}


def changed_file() -> tuple[str, MaturityModel]:
    """The bundled file adapted: a new version, and two options replaced (their old ids exist only in A)."""
    text = TEXT.replace(f'version: "{MODEL.version}"', f'version: "{NEXT}"', 1)
    for old, new in RENAMED.items():
        assert text.count(f"- id: {old}\n") == 1
        text = text.replace(f"- id: {old}\n", f"- id: {new}\n")
    return text, parse_model(text, "the adapted file")


def test_a_round_keeps_its_model_version_when_the_file_changes(db: Database) -> None:
    store = SqlConversationStore(db)
    ana = Participant("slack", "T1", "C1", "ana")
    answers = PERSONAS["faq_level_3"][1] | {"data_pipeline": "versioned_datasets"}

    def answer(models: ModelCatalog, q: str) -> Step:
        return run_turn(store, models, ana, Input(Command.ANSWER, answers[q], question_id=q), source="slack")

    before = model_catalog(db, TEXT, MODEL, source="the bundled model")
    run_turn(store, before, ana, Input(Command.START), source="slack")
    for q in ASKED[:2]:  # the profile, and data_pipeline with an option the next file drops
        assert answer(before, q.id).messages[0].kind is Kind.RECORDED

    text_b, model_b = changed_file()
    after = model_catalog(db, text_b, model_b, source="the adapted file")  # the bot restarted on the new file
    assert after.current.version == NEXT and [v for v, _ in stored_versions(db)] == [OLD, MODEL.version, NEXT]
    assert after.has(MODEL.version) and after.get(MODEL.version) is not MODEL  # parsed from the database
    assert model_b.option("data_quality", "checks_stop_pipeline") is None

    for q in ASKED[2:]:  # data_quality's checks_stop_pipeline exists only in the round's version: still accepted
        step = answer(after, q.id)
        assert step.messages[0].kind is Kind.RECORDED and step.round == 1, q.id
    assert step.result is not None
    result = step.result
    assert result.model_version == MODEL.version and result.unanswered == ()
    assert result.dimension("data").level == 2  # versioned_datasets is level 2 on the round's version
    assert result.to_dict() == score_answers(MODEL, answers).to_dict()
    assert score_answers(model_b, answers).dimension("data").level == 0  # what re-scoring on B would have said

    with db.reading() as session:
        rows = session.execute(select(Answer.question_id, Answer.level, Answer.model_version)).all()
        stored = session.execute(select(Result.overall, Result.model_version)).all()
    assert {(q, level) for q, level, _ in rows} == {(q, MODEL.option(q, o).level) for q, o in answers.items()}  # type: ignore[union-attr]
    assert {version for _, _, version in rows} == {MODEL.version}
    assert [tuple(r) for r in stored] == [(result.overall, MODEL.version)]
    snapshot = snapshot_of(db, platform="slack", workspace="T1", team="C1")
    assert snapshot is not None and snapshot.model_version == MODEL.version
    assert score(after.get(snapshot.model_version), snapshot.answer_sets).to_dict() == result.to_dict()

    # The next round opens on the new version: the dropped option is refused, its replacement taken.
    with db.transaction() as session:
        session.execute(update(Round).values(status="closed", closed_at=utcnow()))
    step = run_turn(store, after, ana, Input(Command.START), source="slack")
    assert step.round == 2
    with store.turn(ana, NEXT) as turn:
        assert turn.model_version == NEXT
    assert answer(after, "system_type").messages[0].kind is Kind.RECORDED
    kept = count(db, Answer)
    assert answer(after, "data_pipeline").messages[0].kind is Kind.HINT and count(db, Answer) == kept
    replaced = Input(Command.ANSWER, RENAMED["versioned_datasets"], question_id="data_pipeline")
    assert run_turn(store, after, ana, replaced, source="slack").messages[0].kind is Kind.RECORDED
    with db.reading() as session:
        last = session.execute(select(Answer.option_id, Answer.level, Answer.model_version).order_by(Answer.id.desc()))
        assert tuple(last.first() or ()) == (RENAMED["versioned_datasets"], 2, NEXT)


def test_a_version_never_stored_is_scored_with_the_current_model(db: Database) -> None:
    models = model_catalog(db, TEXT, MODEL, source="the bundled model")
    assert models.get("1999.1") is MODEL and not models.has("1999.1")
    assert models.get(OLD).version == OLD and models.has(OLD)


# --- moving to a new version, and a version that cannot be read ------------------------------------------------------


def _round_versions(db: Database) -> list[tuple[int, str, str]]:
    with db.reading() as session:
        return [tuple(row) for row in session.execute(select(Round.number, Round.status, Round.model_version))]


def test_a_round_nobody_has_answered_in_moves_to_the_new_version(db: Database) -> None:
    store = SqlConversationStore(db)
    ana, ben = Participant("slack", "T1", "C1", "ana"), Participant("slack", "T1", "C1", "ben")
    before = model_catalog(db, TEXT, MODEL, source="the bundled model")
    run_turn(store, before, ana, Input(Command.START), source="slack")  # a response, but no answer yet
    text_b, model_b = changed_file()
    after = model_catalog(db, text_b, model_b, source="the adapted file")
    step = run_turn(store, after, ben, Input(Command.START), source="slack")
    assert _round_versions(db) == [(1, RoundStatus.OPEN, NEXT)] and step.round == 1
    step = run_turn(store, after, ana, Input(Command.ANSWER, "online", question_id="system_type"), source="slack")
    assert step.messages[0].kind is Kind.RECORDED
    with db.reading() as session:
        assert session.scalars(select(Answer.model_version)).all() == [NEXT]


def test_a_round_with_answers_keeps_its_version_until_a_new_round(db: Database) -> None:
    from bot.app.schedules import start_new_round

    store = SqlConversationStore(db)
    ana = Participant("terminal", "local", "recsys", "ana")
    before = model_catalog(db, TEXT, MODEL, source="the bundled model")
    run_turn(store, before, ana, Input(Command.START), source="terminal")
    run_turn(store, before, ana, Input(Command.ANSWER, "online", question_id="system_type"), source="terminal")
    text_b, model_b = changed_file()
    after = model_catalog(db, text_b, model_b, source="the adapted file")
    run_turn(store, after, ana, Input(Command.START), source="terminal")
    assert _round_versions(db) == [(1, RoundStatus.OPEN, MODEL.version)]
    done = start_new_round(db, after, platform="terminal", workspace="local", team="recsys", now=utcnow())
    assert done is not None and (done.closed, done.closed_version, done.opened, done.version) == (
        1,
        MODEL.version,
        2,
        NEXT,
    )
    assert sorted(_round_versions(db)) == [(1, "closed", MODEL.version), (2, RoundStatus.OPEN, NEXT)]
    step = run_turn(store, after, ana, Input(Command.START), source="terminal")
    assert step.round == 2 and step.state.answers == {}
    assert start_new_round(db, after, platform="terminal", workspace="local", team="nobody", now=utcnow()) is None


def test_a_turn_on_a_version_this_server_cannot_read_changes_nothing(db: Database) -> None:
    store = SqlConversationStore(db)
    ana = Participant("slack", "T1", "C1", "ana")
    models = model_catalog(db, TEXT, MODEL, source="the bundled model")
    run_turn(store, models, ana, Input(Command.START), source="slack")
    run_turn(store, models, ana, Input(Command.ANSWER, "online", question_id="system_type"), source="slack")
    with db.transaction() as session:  # the round was opened on a version whose text was never stored
        session.execute(update(Round).values(model_version="acme-7"))
        session.execute(update(Answer).values(model_version="acme-7"))
    answers_before = count(db, Answer)
    step = run_turn(
        store, models, ana, Input(Command.ANSWER, "manual_exports", question_id="data_pipeline"), source="s"
    )
    assert [m.kind for m in step.messages] == [Kind.NOTE] and "acme-7" in step.messages[0].text
    assert "maturity-bot new-round" in step.messages[0].text
    assert count(db, Answer) == answers_before
    assert models.get("acme-7") is MODEL and not models.has("acme-7"), "reports still get a stand-in"

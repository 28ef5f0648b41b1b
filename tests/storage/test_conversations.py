"""The conversation store on real databases: what a turn loads, what a save writes, and races."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

import pytest
from sqlalchemy import select, update

from dialogs.ports import ConcurrentTurn
from dialogs.state import ConversationState, Note, Phase
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.models import Answer, Member, Response, Result, Round, Team, Workspace, utcnow
from tests.storage.helpers import MODEL, answered, count, person, take_turn


@pytest.fixture
def store(db: Database) -> SqlConversationStore:
    return SqlConversationStore(db)


def test_a_first_turn_creates_everything_and_starts_new(store: SqlConversationStore, db: Database) -> None:
    who = person(team_name="Recsys", user_name="Ana", workspace_name="Acme")
    with store.turn(who, MODEL) as turn:
        assert turn.state == ConversationState()
        assert turn.round_number == 1
    with db.reading() as session:
        workspace = session.scalars(select(Workspace)).one()
        team = session.scalars(select(Team)).one()
        member = session.scalars(select(Member)).one()
        round_ = session.scalars(select(Round)).one()
        response = session.scalars(select(Response)).one()
    assert (workspace.platform, workspace.external_id, workspace.name) == ("slack", "T1", "Acme")
    assert (team.external_id, team.name, member.external_id, member.display_name) == ("C1", "Recsys", "U1", "Ana")
    assert (round_.number, round_.model_version, round_.status) == (1, MODEL, "open")
    assert (response.status, response.attempt, response.version) == ("new", 1, 0)
    assert round_.opened_at.tzinfo is UTC and response.started_at.tzinfo is UTC


def test_names_follow_the_platform(store: SqlConversationStore, db: Database) -> None:
    take_turn(store, person(team_name="Old", user_name="Ana"), {})
    take_turn(store, person(team_name="New"), {})  # no user name given this time: keep the known one
    with db.reading() as session:
        assert session.scalar(select(Team.name)) == "New"
        assert session.scalar(select(Member.display_name)) == "Ana"


def test_a_saved_turn_comes_back_equal_with_answers_from_their_rows(store: SqlConversationStore, db: Database) -> None:
    who = person()
    with store.turn(who, MODEL) as turn:
        saved = ConversationState(
            phase=Phase.ASKING,
            pending=["q3", "q4"],
            history=["q1", "q2"],
            skipped=["q2"],
            answers={"q1": "often", "q2": "never"},
        )
        turn.save(saved, source="slack", levels={"q1": 3, "q2": 0})
    with store.turn(who, MODEL) as turn:
        assert turn.state == saved
    with db.reading() as session:
        response = session.scalars(select(Response)).one()
        rows = session.execute(select(Answer.question_id, Answer.option_id, Answer.level, Answer.source)).all()
    assert "answers" not in response.navigation and response.position == "q3" and response.status == "asking"
    assert sorted(rows) == [("q1", "often", 3, "slack"), ("q2", "never", 0, "slack")]


def test_every_answer_is_kept_and_the_latest_counts(store: SqlConversationStore, db: Database) -> None:
    who = person()
    take_turn(store, who, {"q1": "a"})
    take_turn(store, who, {"q1": "bb"})
    with store.turn(who, MODEL) as turn:
        assert turn.state.answers == {"q1": "bb"}
    with db.reading() as session:
        rows = session.execute(select(Answer.option_id, Answer.level).order_by(Answer.id)).all()
    assert rows == [("a", 1), ("bb", 2)]


def test_the_same_answer_sent_twice_is_recorded_once(store: SqlConversationStore, db: Database) -> None:
    who = person()
    take_turn(store, who, {"q1": "a"})
    take_turn(store, who, {"q1": "a", "q2": "b"})
    take_turn(store, who, {"q1": "a", "q2": "b"})
    assert count(db, Answer) == 2


def test_a_restart_keeps_old_rows_and_starts_empty(store: SqlConversationStore, db: Database) -> None:
    who = person()
    take_turn(store, who, {"q1": "a", "q2": "b"}, phase=Phase.FINISHED)
    with store.turn(who, MODEL) as turn:
        restarted = ConversationState(phase=Phase.ASKING, attempt=2, pending=["q1", "q2"])
        turn.save(restarted, source="test")
    with store.turn(who, MODEL) as turn:
        assert turn.state == restarted and turn.state.answers == {}
        turn.save(answered(turn.state, {"q1": "a"}), source="test", levels={"q1": 1})
    with store.turn(who, MODEL) as turn:
        assert turn.state.attempt == 2 and turn.state.answers == {"q1": "a"}
    with db.reading() as session:
        rows = session.execute(select(Answer.attempt, Answer.question_id).order_by(Answer.id)).all()
        finished_at = session.scalar(select(Response.finished_at))
    assert rows == [(1, "q1"), (1, "q2"), (2, "q1")]  # the same answer in a new attempt is a new row
    assert finished_at is None  # no longer finished


def test_finished_at_is_set_once_when_finishing(store: SqlConversationStore, db: Database) -> None:
    who = person()
    take_turn(store, who, {"q1": "a"})
    with db.reading() as session:
        assert session.scalar(select(Response.finished_at)) is None
    take_turn(store, who, {"q1": "a"}, phase=Phase.FINISHED)
    with db.reading() as session:
        first = session.scalar(select(Response.finished_at))
    take_turn(store, who, {"q1": "a"}, phase=Phase.FINISHED)
    with db.reading() as session:
        assert first is not None and session.scalar(select(Response.finished_at)) == first


def test_an_answer_without_its_level_is_refused_and_nothing_is_written(
    store: SqlConversationStore, db: Database
) -> None:
    who = person()
    with pytest.raises(ValueError, match="no level given for the answer to q2"), store.turn(who, MODEL) as turn:
        turn.save(answered(turn.state, {"q1": "a", "q2": "b"}), source="test", levels={"q1": 1})
    assert count(db, Answer) == 0 and count(db, Workspace) == 0  # the whole turn rolled back


def test_a_member_result_is_stored_and_replaced_on_finishing_again(store: SqlConversationStore, db: Database) -> None:
    who = person()
    take_turn(store, who, {"q1": "a"}, phase=Phase.FINISHED, result={"overall": 1, "dimensions": ["x"]})
    take_turn(store, who, {"q1": "abc"}, phase=Phase.FINISHED, result={"overall": 3, "dimensions": ["y"]})
    with db.reading() as session:
        result = session.scalars(select(Result)).one()
        response_id = session.scalar(select(Response.id))
    assert (result.scope, result.overall, result.model_version) == ("member", 3, MODEL)
    assert result.payload == {"overall": 3, "dimensions": ["y"]} and result.response_id == response_id


def test_a_round_keeps_the_model_version_it_was_opened_on(store: SqlConversationStore, db: Database) -> None:
    """Turns asking for a newer current version still run on the open round's version; its answers and results
    record it; the next round opens on the newer version."""
    take_turn(store, person("U1"), {"q1": "a"})
    with store.turn(person("U1"), "2026.1") as turn:
        assert (turn.round_number, turn.model_version, turn.state.answers) == (1, MODEL, {"q1": "a"})
        turn.save(answered(turn.state, {"q2": "bb"}), source="test", levels={"q2": 2})
    take_turn(store, person("U2"), {"q1": "a"}, phase=Phase.FINISHED, result={"overall": 1}, model_version="2026.1")
    with db.reading() as session:
        rounds = session.execute(select(Round.number, Round.model_version, Round.status)).all()
        versions = session.execute(select(Answer.question_id, Answer.model_version).order_by(Answer.id)).all()
        assert session.scalar(select(Result.model_version)) == MODEL
    assert rounds == [(1, MODEL, "open")]
    assert versions == [("q1", MODEL), ("q2", MODEL), ("q1", MODEL)]

    with db.transaction() as session:
        session.execute(update(Round).values(status="closed", closed_at=utcnow()))
    with store.turn(person("U1"), "2026.1") as turn:
        assert (turn.round_number, turn.model_version) == (2, "2026.1")
        turn.save(answered(turn.state, {"q1": "a"}), source="test", levels={"q1": 1})
    with db.reading() as session:
        assert session.scalar(select(Round.model_version).where(Round.number == 2)) == "2026.1"
        assert session.scalars(select(Answer.model_version).order_by(Answer.id.desc())).first() == "2026.1"


def test_a_note_is_kept_on_a_new_answer_row_and_comes_back_with_the_state(
    store: SqlConversationStore, db: Database
) -> None:
    who, evidence = person(), Note(text="see https://mlflow.example.com/m/7", link="https://mlflow.example.com/m/7")
    take_turn(store, who, {"q1": "a", "q2": "bb"})
    with store.turn(who, MODEL) as turn:
        state = turn.state.model_copy(deep=True)
        state.notes["q1"] = evidence
        turn.save(state, source="test", levels={"q1": 1})  # only the noted answer is written again
    with store.turn(who, MODEL) as turn:
        assert turn.state.notes == {"q1": evidence} and turn.state.answers == {"q1": "a", "q2": "bb"}
        turn.save(turn.state, source="test")  # the same note again: nothing new to write
        changed = answered(turn.state, {"q1": "ccc"})  # another option: the note stays with the answer
        turn.save(changed, source="test", levels={"q1": 3})
    with store.turn(who, MODEL) as turn:
        assert turn.state.notes == {"q1": evidence} and turn.state.answers["q1"] == "ccc"
        cleared = turn.state.model_copy(deep=True)
        cleared.notes.clear()
        turn.save(cleared, source="test", levels={"q1": 3})
    with store.turn(who, MODEL) as turn:
        assert turn.state.notes == {} and turn.state.answers == {"q1": "ccc", "q2": "bb"}
    with db.reading() as session:
        rows = session.execute(
            select(Answer.question_id, Answer.option_id, Answer.level, Answer.note, Answer.link).order_by(Answer.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("q1", "a", 1, None, None),
        ("q2", "bb", 2, None, None),
        ("q1", "a", 1, evidence.text, evidence.link),
        ("q1", "ccc", 3, evidence.text, evidence.link),
        ("q1", "ccc", 3, None, None),
    ]


def test_an_answer_that_is_not_a_level_is_stored_without_one(store: SqlConversationStore, db: Database) -> None:
    with store.turn(person(), MODEL) as turn:
        state = answered(turn.state, {"profile": "online", "q1": "dont_know", "q2": "na_other"})
        state.notes["q2"] = Note(text="no such system")
        turn.save(state, source="test", levels={"profile": None, "q1": None, "q2": None})
    with db.reading() as session:
        rows = session.execute(select(Answer.question_id, Answer.level, Answer.note).order_by(Answer.id)).all()
    assert [tuple(r) for r in rows] == [("profile", None, None), ("q1", None, None), ("q2", None, "no such system")]


def test_a_paused_response_keeps_its_position(store: SqlConversationStore, db: Database) -> None:
    with store.turn(person(), MODEL) as turn:
        paused = ConversationState(phase=Phase.PAUSED, pending=["q2", "q3"], history=["q1"], answers={"q1": "a"})
        turn.save(paused, source="test", levels={"q1": 1})
    with db.reading() as session:
        assert session.execute(select(Response.status, Response.position)).one() == ("paused", "q2")


def test_a_round_closed_elsewhere_makes_the_next_turn_open_the_next(store: SqlConversationStore, db: Database) -> None:
    take_turn(store, person("U1"), {"q1": "a"}, phase=Phase.FINISHED)
    with db.transaction() as session:
        session.execute(update(Round).values(status="closed", closed_at=utcnow()))
    with store.turn(person("U1"), MODEL) as turn:
        assert turn.round_number == 2 and turn.state == ConversationState()


def test_the_same_team_id_in_another_workspace_or_platform_is_another_team(
    store: SqlConversationStore, db: Database
) -> None:
    take_turn(store, person("U1", workspace="T1"), {"q1": "a"}, phase=Phase.FINISHED)
    with store.turn(person("U1", workspace="T2"), MODEL) as turn:
        assert turn.state == ConversationState() and turn.round_number == 1
    with store.turn(person("U1", workspace="T1", platform="teams"), MODEL) as turn:
        assert turn.state == ConversationState()
    assert count(db, Workspace) == 3 and count(db, Team) == 3 and count(db, Member) == 3 and count(db, Round) == 3


def test_a_moved_version_raises_concurrent_turn_and_writes_nothing(store: SqlConversationStore, db: Database) -> None:
    who = person()
    take_turn(store, who, {"q1": "a"})
    with pytest.raises(ConcurrentTurn), store.turn(who, MODEL) as turn:
        # another writer got there first: simulated inside the same transaction, as the row is locked
        turn.session.execute(update(Response).values(version=Response.version + 1))
        turn.save(answered(turn.state, {"q2": "b"}), source="test", levels={"q2": 1})
    with store.turn(who, MODEL) as turn:
        assert turn.state.answers == {"q1": "a"}
    with db.reading() as session:
        assert session.scalar(select(Response.version)) == 1
    assert count(db, Answer) == 1


def test_two_saves_in_one_turn_both_land(store: SqlConversationStore, db: Database) -> None:
    who = person()
    with store.turn(who, MODEL) as turn:
        turn.save(answered(turn.state, {"q1": "a"}), source="test", levels={"q1": 1})
        turn.save(answered(turn.state, {"q2": "b"}), source="test", levels={"q2": 1})
    with db.reading() as session:
        assert session.scalar(select(Response.version)) == 2
    assert count(db, Answer) == 2


def test_an_exception_in_the_turn_rolls_it_back(store: SqlConversationStore, db: Database) -> None:
    who = person()
    take_turn(store, who, {"q1": "a"})
    with pytest.raises(RuntimeError), store.turn(who, MODEL) as turn:
        turn.save(answered(turn.state, {"q2": "b"}), source="test", levels={"q2": 1})
        raise RuntimeError("the reply could not be rendered")
    assert count(db, Answer) == 1


def test_concurrent_turns_on_one_response_lose_nothing(store: SqlConversationStore, db: Database) -> None:
    who, per_thread, threads = person(), 12, 2
    take_turn(store, who, {})  # the rows exist; the race is on the response itself
    start = threading.Barrier(threads)
    saves: list[int] = []

    def worker(tag: str) -> None:
        start.wait()
        for i in range(per_thread):
            question = f"{tag}{i}"
            for _ in range(100):
                try:
                    with store.turn(who, MODEL) as turn:
                        state = turn.state.model_copy(deep=True)
                        state.history.append(question)
                        state.answers[question] = "x"
                        turn.save(state, source="test", levels={question: 1})
                    saves.append(1)
                    break
                except ConcurrentTurn:
                    continue
            else:
                raise AssertionError(f"{question} never got saved")

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker, tag) for tag in "ab"[:threads]]:
            future.result()
    expected = sorted(f"{tag}{i}" for tag in "ab" for i in range(per_thread))
    with store.turn(who, MODEL) as turn:
        assert sorted(turn.state.history) == expected
        assert sorted(turn.state.answers) == expected
    with db.reading() as session:
        assert session.scalar(select(Response.version)) == 1 + len(saves) == 1 + len(expected)
    assert count(db, Answer) == len(expected)


def test_a_turn_holds_its_response_until_it_commits(store: SqlConversationStore) -> None:
    who = person()
    take_turn(store, who, {})
    inside = threading.Event()

    def slow_turn() -> None:
        with store.turn(who, MODEL) as turn:
            inside.set()
            time.sleep(0.5)
            turn.save(answered(turn.state, {"q1": "a"}), source="test", levels={"q1": 1})

    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(slow_turn)
        assert inside.wait(10)
        with store.turn(who, MODEL) as turn:  # must wait for the slow turn, then see what it saved
            assert turn.state.answers == {"q1": "a"}
        slow.result()


@pytest.mark.postgres
def test_on_postgres_members_of_one_team_do_not_wait_for_each_other(postgres_url: str) -> None:
    from storage.database import open_database, upgrade

    upgrade(postgres_url)
    db = open_database(postgres_url)
    store = SqlConversationStore(db)
    take_turn(store, person("U1"), {})
    take_turn(store, person("U2"), {})
    other_done = threading.Event()

    def other_member() -> None:
        take_turn(store, person("U2"), {"q1": "a"})
        other_done.set()

    try:
        with ThreadPoolExecutor(1) as pool, store.turn(person("U1"), MODEL):
            other = pool.submit(other_member)
            assert other_done.wait(10), "U2's turn waited for U1's"
            other.result()
    finally:
        db.close()


def test_many_first_turns_at_once_share_one_team_and_round(store: SqlConversationStore, db: Database) -> None:
    people = [person(f"U{i}", team_name="Recsys") for i in range(6)]
    start = threading.Barrier(len(people))

    def first_turn(i: int) -> int:
        start.wait()
        with store.turn(people[i], MODEL) as turn:
            return turn.round_number

    with ThreadPoolExecutor(len(people)) as pool:
        rounds = list(pool.map(first_turn, range(len(people))))
    assert rounds == [1] * len(people)
    assert (count(db, Workspace), count(db, Team), count(db, Round), count(db, Response)) == (1, 1, 1, len(people))

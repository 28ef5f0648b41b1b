"""The report queries the CLI and adapters use."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, select, update

from dialogs.state import ConversationState, Phase
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.models import Result, Round
from storage.reports import MemberTeam, member_teams
from tests.storage.helpers import MODEL, TeamSnapshot, count, person, save_team_result, snapshot_of, take_turn


@pytest.fixture
def store(db: Database) -> SqlConversationStore:
    return SqlConversationStore(db)


def snapshot(db: Database, team: str = "C1", workspace: str = "T1", platform: str = "slack") -> TeamSnapshot | None:
    return snapshot_of(db, platform=platform, workspace=workspace, team=team)


def test_an_unknown_team_has_no_snapshot(db: Database) -> None:
    assert snapshot(db, "nobody") is None


def test_the_snapshot_holds_finished_responses_only_with_their_latest_current_answers(
    store: SqlConversationStore, db: Database
) -> None:
    ana, bo, cy = person("U1", user_name="Ana", team_name="Recsys"), person("U2"), person("U3", user_name="Cy")
    take_turn(store, ana, {"q1": "a", "q2": "b"})
    take_turn(store, ana, {"q1": "changed", "q2": "b"}, phase=Phase.FINISHED)
    take_turn(store, bo, {"q1": "old"}, phase=Phase.FINISHED)
    with store.turn(bo, MODEL) as turn:  # bo starts over: only the new attempt's answers count
        turn.save(ConversationState(phase=Phase.ASKING, attempt=2, pending=["q1", "q2"]), source="test")
    take_turn(store, bo, {"q2": "new"}, phase=Phase.FINISHED)
    take_turn(store, cy, {"q1": "a"})  # still answering
    take_turn(store, person("U9", team="other"), {"q1": "x"}, phase=Phase.FINISHED)  # another team

    found = snapshot(db)
    assert found is not None
    assert (found.team, found.round_number, found.model_version, found.status) == ("Recsys", 1, MODEL, "open")
    assert found.responses == [("Ana", {"q1": "changed", "q2": "b"}), ("U2", {"q2": "new"})]
    assert found.in_progress == 1


def test_the_snapshot_is_of_the_latest_round(store: SqlConversationStore, db: Database) -> None:
    take_turn(store, person("U1"), {"q1": "a"}, phase=Phase.FINISHED)
    with db.transaction() as session:
        session.execute(update(Round).values(status="closed"))
    take_turn(store, person("U1"), {}, model_version="2026.1")
    found = snapshot(db)
    assert found is not None
    assert (found.round_number, found.model_version, found.responses, found.in_progress) == (2, "2026.1", [], 1)


def test_a_member_changing_an_answer_after_finishing_still_counts(store: SqlConversationStore, db: Database) -> None:
    take_turn(store, person("U1"), {"q1": "a", "q2": "b"}, phase=Phase.FINISHED)
    take_turn(store, person("U1"), {"q2": "changed"}, phase=Phase.ASKING)  # went back, changed, not finished again
    found = snapshot(db)
    assert found is not None and found.in_progress == 0
    assert found.responses == [("U1", {"q1": "a", "q2": "changed"})]


def test_the_snapshot_takes_a_fixed_number_of_queries(store: SqlConversationStore, db: Database) -> None:
    for i in range(8):
        take_turn(store, person(f"U{i}"), {"q1": "a", "q2": "b", "q3": "c"}, phase=Phase.FINISHED)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        found = snapshot(db)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert found is not None and len(found.responses) == 8
    assert len(statements) <= 4, statements


def test_the_team_result_is_one_row_per_round_replaced_when_scored_again(
    store: SqlConversationStore, db: Database
) -> None:
    take_turn(store, person(), {"q1": "a"}, phase=Phase.FINISHED, result={"overall": 1})
    for overall in (1, 2):
        save_team_result(
            db, platform="slack", workspace="T1", team="C1", round_number=1, overall=overall, payload={"o": overall}
        )
    with db.reading() as session:
        team = session.execute(select(Result.overall, Result.payload, Result.response_id).where(Result.scope == "team"))
        assert team.all() == [(2, {"o": 2}, None)]
    assert count(db, Result) == 2  # and the member's own result is untouched


def test_reading_does_not_wait_for_an_open_turn(store: SqlConversationStore, db: Database) -> None:
    who = person()
    take_turn(store, who, {"q1": "a"})
    inside, read = threading.Event(), threading.Event()

    def long_turn() -> None:
        with store.turn(who, MODEL):
            inside.set()
            assert read.wait(5), "the reader waited for the turn to end"

    with ThreadPoolExecutor(1) as pool:
        turn = pool.submit(long_turn)
        assert inside.wait(10)
        snapshot = snapshot_of(db, platform=who.platform, workspace=who.workspace, team=who.team)
        assert snapshot is not None and snapshot.in_progress == 1
        read.set()
        turn.result()


def test_member_overview_lists_each_team_with_progress_and_last_result(
    store: SqlConversationStore, db: Database
) -> None:
    recsys = person("U1", team="C1", team_name="Recsys")
    take_turn(store, recsys, {"q1": "a", "q2": "bb"}, phase=Phase.FINISHED, result={"overall": 2})
    take_turn(store, person("U1", team="C2"), {"q1": "a"}, phase=Phase.PAUSED)
    take_turn(store, person("U2", team="C3"), {"q1": "a"})  # someone else
    with db.reading() as session:
        overview = member_teams(session, platform="slack", workspace="T1", user="U1")
        elsewhere = member_teams(session, platform="slack", workspace="T2", user="U1")
    assert overview == [
        MemberTeam("C2", "C2", 1, Phase.PAUSED, 1, None),
        MemberTeam("C1", "Recsys", 1, Phase.FINISHED, 2, 2),
    ]
    assert elsewhere == []

"""A database that is down or locked, over real HTTP against the real server: every request is still answered
200, the person is told that nothing saved is lost and to try again, and once the database is back the assessment
carries on from the last saved answer. SQLite is locked by another connection holding ``BEGIN EXCLUSIVE`` (as a
CLI command or a second server would); PostgreSQL is cut with a TCP proxy that is taken down and brought back.

A bug, unlike an outage, stays a 500: the person is told something went wrong, and a failed event is handled
again when Slack retries it."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.app.replies import SOMETHING_WENT_WRONG, unavailable_text
from bot.app.runtime import Runtime
from bot.slack.render import NOTE_CALLBACK, ActionValue
from dialogs.ports import StoreUnavailable
from storage.database import (
    SQLITE_LOCK_WAIT_MS,
    SQLITE_PATIENT_LOCK_WAIT_MS,
    SQLITE_STILL_LOCKED_WAIT_MS,
    DatabaseUnavailable,
    make_engine,
    open_database,
)
from storage.models import Answer
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi
from tests.personas import ASKED, MODEL, PERSONAS
from tests.slack_posts import button, posted_texts, question_id, questions_posted, wait_until
from tests.slack_requests import app_home_opened, block_action, dm_message, event, slash_command, view_submission
from tests.tcp_proxy import TcpProxy
from tests.test_slack_server import CHANNEL, SECRET, USER, WORKSPACE, click, post, start_server

ANSWERS = PERSONAS["faq_level_2"][1]
DM = f"D{USER}"


class Outage:
    """The database the server is given, and a way to make it stop answering: SQLite's file locked by another
    connection, or PostgreSQL reached through a proxy that is taken down."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.sqlite = url.get_backend_name() == "sqlite"
        self._locker: sqlite3.Connection | None = None
        self._proxy: TcpProxy | None = None
        if self.sqlite:
            self.path = str(url.database)
            self.url = database_url
        else:
            self._proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
            self.url = url.set(host="127.0.0.1", port=self._proxy.port).render_as_string(hide_password=False)

    def begin(self) -> None:
        if self._proxy is not None:
            self._proxy.down()
            return
        self._locker = sqlite3.connect(self.path, isolation_level=None)
        self._locker.execute("BEGIN EXCLUSIVE")  # held until ``end``: every write elsewhere finds the file locked

    def end(self) -> None:
        if self._proxy is not None:
            self._proxy.up()
        if self._locker is not None:
            self._locker.execute("ROLLBACK")
            self._locker.close()
            self._locker = None

    def close(self) -> None:
        self.end()
        if self._proxy is not None:
            self._proxy.close()


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=WORKSPACE) as fake:
        yield fake


@pytest.fixture
def outage(database_url: str) -> Iterator[Outage]:
    made = Outage(database_url)
    yield made
    made.close()


def typed(question_index: int) -> str:
    """What a person types in the DM to give the persona's answer to the question asked at ``question_index``."""
    question = ASKED[question_index]
    ids = [choice.id for choice in MODEL.choices(question)]
    return str(ids.index(ANSWERS[question.id]) + 1)


def posts_to_dm(slack_api: FakeSlackApi, text_: str) -> int:
    return sum(
        1 for c in slack_api.calls_to("chat.postMessage") if c.args.get("channel") == DM and c.args["text"] == text_
    )


def saved_answers(database_url: str) -> list[tuple[str, str]]:
    db = open_database(database_url)
    try:
        with db.reading() as session:
            rows = session.execute(select(Answer.question_id, Answer.option_id, Answer.note).order_by(Answer.id)).all()
    finally:
        db.close()
    assert all(note is None for _, _, note in rows), "the note sent during the outage must not have been saved"
    return [(q, o) for q, o, _ in rows]


def test_an_outage_is_answered_200_tells_the_person_and_loses_nothing(
    database_url: str, outage: Outage, slack_api: FakeSlackApi
) -> None:
    server = start_server(outage.url, slack_api)
    try:
        # Before: two answers saved, one by a click and one typed; the third question is waiting.
        assert post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))[0] == 200
        wait_until(lambda: len(questions_posted(slack_api)) == 1)
        assert click(server, questions_posted(slack_api)[0], ANSWERS[ASKED[0].id], ts="10.1") == 200
        wait_until(lambda: len(questions_posted(slack_api)) == 2)
        assert post(server, event(SECRET, dm_message(USER, typed(1)), team_id=WORKSPACE))[0] == 200
        wait_until(lambda: len(questions_posted(slack_api)) == 3)
        third = questions_posted(slack_api)[-1]
        assert question_id(third) == ASKED[2].id

        outage.begin()
        started = time.monotonic()

        # A slash command: told in the acknowledgement itself.
        status, reply = post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
        assert status == 200
        assert reply == {"response_type": "ephemeral", "text": unavailable_text()}

        # A click: acknowledged, then told beside it, through its response URL (no token needed).
        action_id, value = button(third, ANSWERS[ASKED[2].id])
        built = block_action(
            SECRET,
            team_id=WORKSPACE,
            user_id=USER,
            channel_id=third["channel"],
            message_ts="10.3",
            action_id=action_id,
            value=value,
            response_url=slack_api.response_url(),
        )
        assert post(server, built)[0] == 200
        [told] = slack_api.wait_for(RESPONSE_URL)
        assert told.args == {"text": unavailable_text(), "response_type": "ephemeral", "replace_original": False}

        # A typed answer: its event id cannot even be recorded; acknowledged, then told to send it again.
        answer_three = event(SECRET, dm_message(USER, typed(2)), team_id=WORKSPACE, event_id="Ev0OUTAGE")
        assert post(server, answer_three)[0] == 200
        wait_until(lambda: posts_to_dm(slack_api, unavailable_text("send your message again")) == 1)

        # A form: it stays open, the message under its first field.
        note_form = ActionValue(CHANNEL, ASKED[0].id, ANSWERS[ASKED[0].id], 1).encode()
        values = {
            "note": {"note": {"type": "plain_text_input", "value": "we have a registry"}},
            "link": {"link": {"type": "url_text_input", "value": None}},
        }
        status, reply = post(
            server,
            view_submission(
                SECRET,
                team_id=WORKSPACE,
                user_id=USER,
                callback_id=NOTE_CALLBACK,
                private_metadata=note_form,
                values=values,
            ),
        )
        assert status == 200
        assert reply == {"response_action": "errors", "errors": {"note": unavailable_text("press Save again")}}

        # App Home: the tab says so.
        assert post(server, event(SECRET, app_home_opened(USER), team_id=WORKSPACE))[0] == 200
        home = slack_api.wait_for("views.publish")[-1].args["view"]
        assert unavailable_text("open this tab again") in (home if isinstance(home, str) else json.dumps(home))

        kind = "SQLite locked" if outage.sqlite else "PostgreSQL down"
        print(f"\n{kind}: 5 requests answered in {time.monotonic() - started:.1f} s")
        assert len(questions_posted(slack_api)) == 3  # nothing moved on
        outage.end()

        # Back: Slack's redelivery of the typed answer is handled (its id was never recorded), and the next
        # question follows the last answer saved before the outage.
        assert (
            post(
                server, event(SECRET, dm_message(USER, typed(2)), team_id=WORKSPACE, event_id="Ev0OUTAGE", retry_num=1)
            )[0]
            == 200
        )
        wait_until(lambda: len(questions_posted(slack_api)) == 4, slack_api=slack_api)
        assert question_id(questions_posted(slack_api)[-1]) == ASKED[3].id
        assert click(server, questions_posted(slack_api)[-1], ANSWERS[ASKED[3].id], ts="10.4") == 200
        wait_until(lambda: len(questions_posted(slack_api)) == 5)
        assert question_id(questions_posted(slack_api)[-1]) == ASKED[4].id
        code, health, _ = server.request("GET", "/healthz")
        assert code == 200 and json.loads(health)["status"] == "ok"
    finally:
        server.stop()
    assert saved_answers(database_url) == [(q.id, ANSWERS[q.id]) for q in ASKED[:4]]
    assert not any("Something went wrong" in t for t in posted_texts(slack_api))  # an outage is not a bug


def test_a_bug_stays_a_500_tells_the_person_once_and_slacks_retry_is_handled(
    database_url: str, slack_api: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_server(database_url, slack_api)
    try:
        assert post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))[0] == 200
        wait_until(lambda: len(questions_posted(slack_api)) == 1)

        async def bug(self: Runtime, *args: Any) -> Any:
            raise RuntimeError("a bug in a turn")

        monkeypatch.setattr(Runtime, "turn", bug)
        status, _ = post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
        assert status == 500
        wait_until(lambda: posts_to_dm(slack_api, SOMETHING_WENT_WRONG) == 1, slack_api=slack_api)

        answer = dm_message(USER, typed(0))
        assert post(server, event(SECRET, answer, team_id=WORKSPACE, event_id="Ev0BUG"))[0] == 500
        wait_until(lambda: posts_to_dm(slack_api, SOMETHING_WENT_WRONG) == 2)
        assert post(server, event(SECRET, answer, team_id=WORKSPACE, event_id="Ev0BUG", retry_num=1))[0] == 500
        monkeypatch.undo()  # fixed: Slack's last retry gets through
        assert post(server, event(SECRET, answer, team_id=WORKSPACE, event_id="Ev0BUG", retry_num=2))[0] == 200
        wait_until(lambda: len(questions_posted(slack_api)) == 2, slack_api=slack_api)
        assert question_id(questions_posted(slack_api)[-1]) == ASKED[1].id
        assert posts_to_dm(slack_api, SOMETHING_WENT_WRONG) == 2  # a retry that failed again said nothing more
    finally:
        server.stop()


def test_a_request_waits_about_a_second_for_a_locked_sqlite_file(tmp_path: Any) -> None:
    """Not the 15 s a migration may wait: Slack wants its answer in 3 s. While the file stays locked, later writes
    (queued one behind another on the storage thread) wait less still; the first write that gets the lock ends
    that."""
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    db = open_database(url)

    def busy_timeout() -> int:
        with db.reading() as session:  # a read never waits for the write lock
            return int(session.execute(text("PRAGMA busy_timeout")).scalar_one())

    migrating = make_engine(url, migrating=True)
    locker = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    try:
        with migrating.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_PATIENT_LOCK_WAIT_MS
        assert busy_timeout() == SQLITE_LOCK_WAIT_MS <= 2_000
        locker.execute("BEGIN EXCLUSIVE")
        for _ in range(2):
            started = time.monotonic()
            with pytest.raises(DatabaseUnavailable) as raised, db.transaction() as session:
                session.execute(text("SELECT 1"))
            print(f"gave up after {time.monotonic() - started:.2f} s")
            assert isinstance(raised.value, StoreUnavailable) and raised.value.reason == "database is locked"
            assert "is busy: another program is writing to it" in str(raised.value)
            assert busy_timeout() == SQLITE_STILL_LOCKED_WAIT_MS
        locker.execute("ROLLBACK")
        with db.transaction() as session:
            session.execute(text("SELECT 1"))
        assert busy_timeout() == SQLITE_LOCK_WAIT_MS
    finally:
        locker.close()
        migrating.dispose()
        db.close()


def test_an_event_no_person_waits_on_is_left_to_slacks_retry_during_an_outage(
    database_url: str, outage: Outage, slack_api: FakeSlackApi
) -> None:
    """The bot invited while the database is down: a 200 would lose it (nobody types it again), so Slack is asked
    to retry, and the retry after the outage is handled."""
    server = start_server(outage.url, slack_api)
    try:
        joined = {"type": "member_joined_channel", "user": "U0BOT", "channel": CHANNEL, "event_ts": "1.0"}
        built = event(SECRET, joined, team_id=WORKSPACE, event_id="Ev0JOINED")
        outage.begin()
        assert post(server, built)[0] == 500
        outage.end()
        retry = event(SECRET, joined, team_id=WORKSPACE, event_id="Ev0JOINED", retry_num=1)
        assert post(server, retry)[0] == 200
        assert post(server, retry)[0] == 200  # and handled once: a further retry is a repeat
    finally:
        server.stop()

"""Slack end to end: the real server on 127.0.0.1 gets signed Slack requests over HTTP, and the bot's Web API
calls go to a fake Slack Web API on 127.0.0.1 that records them."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from bot.chart import WIDTH_PX, chart_height
from bot.server.compose import build_app
from bot.settings import Settings
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from dialogs.turn import run_turn
from scoring.catalog import ModelCatalog
from scoring.model import default_model
from scoring.score import score_answers
from storage.conversations import SqlConversationStore
from storage.database import open_database
from tests.fakes.slack_api import RESPONSE_URL, UPLOAD, FakeSlackApi
from tests.personas import ASKED, PERSONAS
from tests.server_thread import ServerThread
from tests.slack_posts import button, posted_texts, question_id, questions_posted, wait_until
from tests.slack_requests import block_action, dm_message, event, forge, slash_command

SECRET = "test-signing-secret"
MODEL = default_model()
WORKSPACE, CHANNEL, USER = "T0001", "C0001", "U0001"
PROFILE = MODEL.profile_question
assert PROFILE is not None and ASKED[0] == PROFILE  # every assessment opens with what the team runs


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=WORKSPACE) as fake:
        yield fake


def start_server(database_url: str, slack_api: FakeSlackApi) -> ServerThread:
    settings = Settings.model_validate(
        {
            "scheduler": False,  # check-ins are tested in test_checkins*.py
            "MATURITY_BOT_DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack_api.url,
        }
    )
    return ServerThread(build_app(settings)).start()


@pytest.fixture
def server(database_url: str, slack_api: FakeSlackApi) -> Iterator[ServerThread]:
    srv = start_server(database_url, slack_api)
    yield srv
    srv.stop()


def post(server: ServerThread, built: tuple[str, dict[str, str]]) -> tuple[int, Any]:
    body, headers = built
    return server.post_json("/slack/events", body, headers)


def click(server: ServerThread, message: dict[str, Any], option_id: str, ts: str = "1.0") -> int:
    action_id, value = button(message, option_id)
    status, _ = post(
        server,
        block_action(
            SECRET,
            team_id=WORKSPACE,
            user_id=USER,
            channel_id=message["channel"],
            message_ts=ts,
            action_id=action_id,
            value=value,
        ),
    )
    return status


def test_a_whole_assessment_by_buttons(server: ServerThread, slack_api: FakeSlackApi) -> None:
    expected, answers = PERSONAS["faq_level_2"]
    status, reply = post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    assert status == 200 and reply["response_type"] == "ephemeral" and "direct message" in reply["text"]
    slack_api.wait_for("conversations.open")
    for n, question in enumerate(ASKED, start=1):
        wait_until(lambda n=n: len(questions_posted(slack_api)) == n)
        message = questions_posted(slack_api)[-1]
        assert question_id(message) == question.id
        assert message["channel"] == f"D{USER}"
        assert click(server, message, answers[question.id], ts=f"100.{n}") == 200
        updates = slack_api.wait_for("chat.update", n)
        assert updates[-1].args["ts"] == f"100.{n}"  # the answered question is updated in place
    wait_until(lambda: posted_texts(slack_api)[-1].startswith("Your result"))
    result = slack_api.calls_to("chat.postMessage")[-1].args
    assert f"level {expected}" in result["text"]
    assert result["text"] == f"Your result: level {expected}, {score_answers(MODEL, answers).overall_name}"
    assert len(questions_posted(slack_api)) == len(ASKED) == 26


def test_typed_replies_in_the_dm(server: ServerThread, slack_api: FakeSlackApi) -> None:
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(lambda: len(questions_posted(slack_api)) == 1)
    assert question_id(questions_posted(slack_api)[0]) == PROFILE.id
    status, _ = post(server, event(SECRET, dm_message(USER, "1"), team_id=WORKSPACE))  # models served online
    assert status == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 2)
    assert question_id(questions_posted(slack_api)[-1]) == ASKED[1].id
    post(server, event(SECRET, dm_message(USER, "what is this"), team_id=WORKSPACE))
    wait_until(lambda: any("couldn't match 'what is this'" in t for t in posted_texts(slack_api)))
    post(server, event(SECRET, dm_message(USER, "why"), team_id=WORKSPACE))
    wait_until(lambda: any(t.startswith("Why we ask:") for t in posted_texts(slack_api)))
    post(server, event(SECRET, dm_message(USER, MODEL.choices(ASKED[1])[3].label), team_id=WORKSPACE))
    wait_until(lambda: question_id(questions_posted(slack_api)[-1]) == ASKED[2].id)


def test_a_dm_before_any_assessment_points_to_the_command(server: ServerThread, slack_api: FakeSlackApi) -> None:
    post(server, event(SECRET, dm_message("U0777", "hello"), team_id=WORKSPACE))
    wait_until(lambda: any("/maturity" in t for t in posted_texts(slack_api)))


def test_a_restart_of_the_server_loses_nothing(
    database_url: str, slack_api: FakeSlackApi, server: ServerThread
) -> None:
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(lambda: len(questions_posted(slack_api)) == 1)
    first = questions_posted(slack_api)
    assert click(server, first[0], "online") == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 2)
    server.stop()
    again = start_server(database_url, slack_api)
    try:
        status, _ = post(again, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
        assert status == 200
        wait_until(lambda: len(questions_posted(slack_api)) == 3)
        resumed = questions_posted(slack_api)[-1]
        assert question_id(resumed) == ASKED[1].id  # the profile chosen before the restart still plans the questions
        assert any(
            "Welcome back: 1 answer(s)" in c.args.get("text", "") for c in slack_api.calls_to("chat.postMessage")
        )
    finally:
        again.stop()


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda b, h: (b, forge(h)), id="forged signature"),
        pytest.param(lambda b, h: (b, {k: v for k, v in h.items() if k != "X-Slack-Signature"}), id="no signature"),
        pytest.param(lambda b, h: (b + "&text=status", h), id="body changed after signing"),
    ],
)
def test_unsigned_or_forged_requests_get_401_and_change_nothing(
    server: ServerThread, slack_api: FakeSlackApi, tamper
) -> None:
    body, headers = tamper(*slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    status, _ = server.post_json("/slack/events", body, headers)
    assert status == 401
    time.sleep(0.3)
    assert slack_api.calls_to("conversations.open") == [] and slack_api.calls_to("chat.postMessage") == []


def test_a_stale_timestamp_gets_401(server: ServerThread, slack_api: FakeSlackApi) -> None:
    old = int(time.time()) - 6 * 60
    status, _ = post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER, timestamp=old))
    assert status == 401


def test_a_malformed_payload_gets_400_and_the_server_keeps_running(
    server: ServerThread, slack_api: FakeSlackApi
) -> None:
    from slack_sdk.signature import SignatureVerifier

    ts = str(int(time.time()))
    body = "payload=%7Bnot-json"
    headers = {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    status, _ = server.post_json("/slack/events", body, headers)
    assert status == 400
    code, text, _ = server.request("GET", "/healthz")
    assert code == 200 and json.loads(text)["status"] == "ok"


def test_an_old_button_gets_a_friendly_note(server: ServerThread, slack_api: FakeSlackApi) -> None:
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(lambda: len(questions_posted(slack_api)) == 1)
    first = questions_posted(slack_api)[0]
    assert click(server, first, "online") == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 2)
    before = len(slack_api.calls_to("chat.update"))
    assert click(server, first, "llm") == 200  # the old message, another option
    wait_until(
        lambda: any(
            "no longer the current one" in c.args.get("text", "") for c in slack_api.calls_to("chat.postMessage")
        )
    )
    assert len(slack_api.calls_to("chat.update")) == before


def test_another_workspace_cannot_touch_this_ones_answers(server: ServerThread, slack_api: FakeSlackApi) -> None:
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(lambda: len(questions_posted(slack_api)) == 1)
    first = questions_posted(slack_api)[0]
    action_id, value = button(first, "batch")
    status, _ = post(
        server,
        block_action(
            SECRET,
            team_id="T9999",
            user_id=USER,
            channel_id=f"D{USER}",
            message_ts="1.0",
            action_id=action_id,
            value=value,
        ),
    )
    assert status == 200
    # Same channel and user ids, other workspace: a separate (new) response; ours still waits on question 1.
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(
        lambda: any(
            "Welcome back: 0 answer(s)" in c.args.get("text", "") for c in slack_api.calls_to("chat.postMessage")
        )
    )


def test_help_and_unknown_subcommands(server: ServerThread) -> None:
    status, reply = post(
        server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER, text="help")
    )
    assert status == 200 and "/maturity status" in reply["text"]
    status, reply = post(
        server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER, text="stauts")
    )
    assert status == 200 and "Did you mean `/maturity status`?" in reply["text"]
    status, reply = post(
        server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER, text="<!channel>")
    )
    assert "<!channel>" not in reply["text"] and "&lt;!channel&gt;" in reply["text"]


def test_metrics_count_requests_and_turns(server: ServerThread, slack_api: FakeSlackApi) -> None:
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    slack_api.wait_for("chat.postMessage")
    code, text, headers = server.request("GET", "/metrics")
    assert code == 200 and headers["Content-Type"].startswith("text/plain")
    assert 'maturity_bot_turns_total{platform="slack"} 1.0' in text
    assert 'maturity_bot_http_requests_total{path="/slack/events",status="200"} 1.0' in text


def test_a_retried_event_is_handled_once(server: ServerThread, slack_api: FakeSlackApi) -> None:
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(lambda: len(questions_posted(slack_api)) == 1)
    message = dm_message(USER, "3")
    assert post(server, event(SECRET, message, team_id=WORKSPACE, event_id="Ev0RETRY"))[0] == 200
    for retry in (1, 2):
        status, _ = post(server, event(SECRET, message, team_id=WORKSPACE, event_id="Ev0RETRY", retry_num=retry))
        assert status == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 2)
    time.sleep(0.3)
    assert len(questions_posted(slack_api)) == 2, "the retries must not answer question 2"
    # A retry whose first delivery never arrived is handled: dedupe is by event id, not by retry header.
    post(server, event(SECRET, dm_message(USER, "1"), team_id=WORKSPACE, event_id="Ev0LOST", retry_num=1))
    wait_until(lambda: len(questions_posted(slack_api)) == 3)


def test_a_double_click_records_one_answer_and_posts_one_next_question(
    server: ServerThread, slack_api: FakeSlackApi
) -> None:
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(lambda: len(questions_posted(slack_api)) == 1)
    first = questions_posted(slack_api)[0]
    option = "batch"
    assert click(server, first, option) == 200
    assert click(server, first, option) == 200
    wait_until(lambda: any("already saved" in t for t in posted_texts(slack_api)))
    assert len(questions_posted(slack_api)) == 2
    assert len(slack_api.calls_to("chat.update")) == 1


def test_app_home_shows_teams_and_resumes_an_unfinished_assessment(
    server: ServerThread, slack_api: FakeSlackApi
) -> None:
    from tests.slack_requests import app_home_opened

    post(server, event(SECRET, app_home_opened(USER), team_id=WORKSPACE))
    empty = slack_api.wait_for("views.publish")[0].args
    assert "not taken the assessment yet" in json.dumps(empty["view"])
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(lambda: len(questions_posted(slack_api)) == 1)
    assert click(server, questions_posted(slack_api)[0], "online") == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 2)
    post(server, event(SECRET, app_home_opened(USER), team_id=WORKSPACE))
    view = slack_api.wait_for("views.publish", 2)[1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    text = json.dumps(view)
    assert f"<#{CHANNEL}>" in text and "You: round 1, in progress, 1 answered" in text
    assert "No team result yet" in text
    resume = next(b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "resume")
    status, _ = post(
        server,
        block_action(
            SECRET,
            team_id=WORKSPACE,
            user_id=USER,
            channel_id=f"D{USER}",
            message_ts="5.0",
            action_id="resume",
            value=resume["value"],
        ),
    )
    assert status == 200
    wait_until(lambda: any("Welcome back: 1 answer(s)" in t for t in posted_texts(slack_api)))


def test_status_and_summary(server: ServerThread, slack_api: FakeSlackApi) -> None:
    status, reply = post(
        server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER, text="status")
    )
    assert status == 200 and "Nobody in this channel has started" in reply["text"]
    expected, answers = PERSONAS["faq_level_3"]
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    for n, question in enumerate(ASKED, start=1):
        wait_until(lambda n=n: len(questions_posted(slack_api)) == n)
        assert click(server, questions_posted(slack_api)[-1], answers[question.id]) == 200
    wait_until(lambda: posted_texts(slack_api)[-1].startswith("Your result"))
    status, reply = post(
        server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id="U0002", text="status")
    )
    assert f"Team level {expected}" in reply["text"] and "1 finished, 0 in progress" in reply["text"]
    assert "You have not started yet" in reply["text"]  # U0002's own progress; never U0001's answers
    from tests.slack_requests import app_home_opened

    post(server, event(SECRET, app_home_opened(USER), team_id=WORKSPACE))
    home = slack_api.wait_for("views.publish")[0].args["view"]
    home_text = home if isinstance(home, str) else json.dumps(home)
    assert f"Team level {expected}" in home_text and "Your last result: level" in home_text
    status, reply = post(
        server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER, text="summary")
    )
    assert status == 200
    wait_until(lambda: any(c.args.get("channel") == CHANNEL for c in slack_api.calls_to("chat.postMessage")))
    summary = next(c.args for c in slack_api.calls_to("chat.postMessage") if c.args.get("channel") == CHANNEL)
    assert summary["text"].startswith(f"Team summary, round 1: level {expected}")
    [chart] = slack_api.wait_for_uploads()
    assert chart.channel_id == CHANNEL


def finish_in_database(database_url: str, users: list[str], persona: str) -> None:
    """Members who finished, written through the same store the server uses (quicker than clicking)."""
    db = open_database(database_url)
    store = SqlConversationStore(db)
    answers = PERSONAS[persona][1]
    models = ModelCatalog(MODEL)
    try:
        for user in users:
            who = Participant("slack", WORKSPACE, CHANNEL, user, team_name="ml-platform")
            run_turn(store, models, who, Input(Command.START), source="slack")
            for q in ASKED:
                run_turn(store, models, who, Input(Command.ANSWER, answers[q.id], question_id=q.id), source="slack")
    finally:
        db.close()


def test_a_summary_posts_its_chart_as_a_file_after_the_text(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    finish_in_database(database_url, ["U1", "U2", "U3"], "faq_level_2")
    status, _ = post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id="U1", text="summary"))
    assert status == 200
    [chart] = slack_api.wait_for_uploads()
    assert (chart.channel_id, chart.filename) == (CHANNEL, "maturity-round-1.png")
    image = Image.open(io.BytesIO(chart.content))
    assert image.format == "PNG" and image.size == (WIDTH_PX, chart_height(len(MODEL.dimensions_for("online"))))
    methods = [c.method for c in slack_api.calls if c.method != "auth.test"]
    assert methods == ["chat.postMessage", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    text = json.dumps(slack_api.calls_to("chat.postMessage")[0].args)
    assert "3 of 3 members finished" in text and "Plan toward level 3" in text


def test_a_failed_chart_upload_still_posts_the_summary_text(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    finish_in_database(database_url, ["U1"], "faq_level_2")
    slack_api.fail_next(UPLOAD, status=500)
    summary = slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id="U1", text="summary")
    assert post(server, summary)[0] == 200
    slack_api.wait_for(UPLOAD)
    [posted] = slack_api.wait_for("chat.postMessage")
    assert posted.args["channel"] == CHANNEL and posted.args["text"].startswith("Team summary, round 1: level 2")
    assert post(server, summary)[0] == 200  # the server carries on: the next summary has its chart
    [chart] = slack_api.wait_for_uploads()
    assert chart.channel_id == CHANNEL
    # One text per summary: the failed upload did not post the first one again.
    assert [c.args["channel"] for c in slack_api.calls_to("chat.postMessage")] == [CHANNEL, CHANNEL]


def test_a_summary_for_a_channel_the_bot_is_not_in_goes_through_the_response_url(
    server: ServerThread, slack_api: FakeSlackApi
) -> None:
    """Slack lets a command's response URL post in the channel without membership: the summary still reaches the
    team, and the person who asked hears how to invite the bot (for the chart and the check-ins)."""
    slack_api.keep_out(CHANNEL)
    response_url = slack_api.response_url()
    command = slash_command(
        SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER, text="summary", response_url=response_url
    )
    status, _ = post(server, command)
    assert status == 200
    public, private = slack_api.wait_for(RESPONSE_URL, 2)
    assert public.args["response_type"] == "in_channel"
    assert "finished the assessment" in public.args["text"]  # nobody has yet: the summary says so
    assert private.args["response_type"] == "ephemeral"
    assert "/invite @maturity-bot" in private.args["text"] and f"<#{CHANNEL}>" in private.args["text"]


def test_a_typed_answer_is_committed_before_slack_gets_its_acknowledgement(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    from sqlalchemy import func, select

    from storage.database import open_database
    from storage.models import Answer

    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(lambda: len(questions_posted(slack_api)) == 1)
    assert post(server, event(SECRET, dm_message(USER, "2"), team_id=WORKSPACE))[0] == 200
    db = open_database(database_url)  # no waiting: the row must already be there when the 200 arrives
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Answer)) == 1
    db.close()


def test_a_click_is_answered_without_waiting_for_slack_and_posts_finish_at_shutdown(
    database_url: str, slack_api: FakeSlackApi
) -> None:
    """The answer is committed and acknowledged while Slack is slow to take the next question; a shutdown then
    waits for that post instead of dropping it."""
    server = start_server(database_url, slack_api)
    try:
        assert post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))[0] == 200
        slack_api.wait_for("chat.postMessage", 2)
        first = questions_posted(slack_api)[0]
        release = slack_api.hold("chat.postMessage")
        assert click(server, first, "online") == 200  # acknowledged, Slack still busy
        slack_api.wait_for("chat.postMessage", 3)  # the next question is on its way, held by the fake
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        time.sleep(0.5)
        assert stopping.is_alive()  # the shutdown waits for the post in flight
        release.set()
        stopping.join(timeout=30)
    finally:
        server.stop()
    assert not stopping.is_alive()
    assert question_id(questions_posted(slack_api)[-1]) == ASKED[1].id

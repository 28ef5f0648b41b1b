"""Slack end to end in Socket Mode: the real server connects to a fake Socket Mode websocket (its URL from the fake
Web API's ``apps.connections.open``), gets Slack's envelopes over it and acknowledges them there; its Web API calls
go to the fake Web API, which records them."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk.errors import SlackApiError

from bot.server.compose import build_app
from bot.settings import Settings
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.socket_mode import FakeSocketMode
from tests.personas import ASKED
from tests.server_thread import ServerThread
from tests.slack_posts import button, question_id, questions_posted, wait_until
from tests.slack_requests import block_action, dm_message, event, slash_command

APP_TOKEN = "xapp-test"
UNSIGNED = "not-checked"  # the builders sign their bodies; nothing signs or checks Socket Mode envelopes
WORKSPACE, CHANNEL, USER = "T0001", "C0001", "U0001"


@pytest.fixture
def socket() -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as fake:
        yield fake


@pytest.fixture
def slack_api(socket: FakeSocketMode) -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=WORKSPACE) as fake:
        fake.valid_tokens.add(APP_TOKEN)
        fake.set_response("apps.connections.open", {"ok": True, "url": socket.url})
        yield fake


def settings(database_url: str, slack_api: FakeSlackApi) -> Settings:
    return Settings.model_validate(
        {
            "scheduler": False,  # check-ins are tested in test_checkins*.py
            "MATURITY_BOT_DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": APP_TOKEN,  # and no SLACK_SIGNING_SECRET: Socket Mode does without
            "SLACK_API_URL": slack_api.url,
        }
    )


@pytest.fixture
def server(database_url: str, slack_api: FakeSlackApi, socket: FakeSocketMode) -> Iterator[ServerThread]:
    srv = ServerThread(build_app(settings(database_url, slack_api))).start()
    yield srv
    srv.stop()


# -- envelope payloads: the fields Slack sends over HTTP, as the JSON Socket Mode carries them ----------------------


def command_payload(text: str = "") -> dict[str, Any]:
    body, _ = slash_command(UNSIGNED, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER, text=text)
    return dict(parse_qsl(body, keep_blank_values=True))


def click_payload(message: dict[str, Any], option_id: str, ts: str) -> dict[str, Any]:
    action_id, value = button(message, option_id)
    body, _ = block_action(
        UNSIGNED,
        team_id=WORKSPACE,
        user_id=USER,
        channel_id=message["channel"],
        message_ts=ts,
        action_id=action_id,
        value=value,
    )
    return json.loads(dict(parse_qsl(body))["payload"])


def event_payload(inner: dict[str, Any], event_id: str) -> dict[str, Any]:
    body, _ = event(UNSIGNED, inner, team_id=WORKSPACE, event_id=event_id)
    return json.loads(body)


def test_the_server_connects_with_the_app_token_and_serves_no_events_endpoint(
    server: ServerThread, slack_api: FakeSlackApi, socket: FakeSocketMode
) -> None:
    [opened] = slack_api.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN
    socket.wait_connected()  # the client may see the handshake before the fake's handler records it
    assert socket.connections == 1
    code, text, _ = server.request("GET", "/healthz")
    assert code == 200 and json.loads(text)["status"] == "ok"
    body, headers = slash_command("any-secret", team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER)
    status, _ = server.post_json("/slack/events", body, headers)
    assert status == 404
    assert slack_api.calls_to("conversations.open") == []


def test_a_command_and_a_click_over_the_socket(
    server: ServerThread, slack_api: FakeSlackApi, socket: FakeSocketMode
) -> None:
    envelope_id = socket.send("slash_commands", command_payload())
    ack = socket.wait_for_ack(envelope_id)
    assert ack["payload"]["response_type"] == "ephemeral" and "direct message" in ack["payload"]["text"]
    [dm] = slack_api.wait_for("conversations.open")
    assert dm.args["users"] == USER and dm.token == "xoxb-test"
    wait_until(lambda: len(questions_posted(slack_api)) == 1)
    first = questions_posted(slack_api)[0]
    assert question_id(first) == ASKED[0].id and first["channel"] == f"D{USER}"  # the profile question

    envelope_id = socket.send("interactive", click_payload(first, "online", ts="100.1"))
    assert socket.wait_for_ack(envelope_id).get("payload") in (None, {})
    [update] = slack_api.wait_for("chat.update")
    assert update.args["ts"] == "100.1"  # the answered question is updated in place
    wait_until(lambda: len(questions_posted(slack_api)) == 2)
    assert question_id(questions_posted(slack_api)[-1]) == ASKED[1].id

    code, text, _ = server.request("GET", "/metrics")
    assert code == 200 and 'maturity_bot_turns_total{platform="slack"} 2.0' in text
    assert socket.other_messages == []


def test_a_typed_reply_arrives_as_an_event_and_a_redelivery_is_dropped(
    server: ServerThread, slack_api: FakeSlackApi, socket: FakeSocketMode
) -> None:
    socket.wait_for_ack(socket.send("slash_commands", command_payload()))
    wait_until(lambda: len(questions_posted(slack_api)) == 1)
    payload = event_payload(dm_message(USER, "1"), event_id="Ev0SOCKET")  # models served online
    socket.wait_for_ack(socket.send("events_api", payload))
    wait_until(lambda: len(questions_posted(slack_api)) == 2)
    assert question_id(questions_posted(slack_api)[-1]) == ASKED[1].id
    retry = socket.send("events_api", payload, retry_attempt=1, retry_reason="timeout")
    socket.wait_for_ack(retry)
    time.sleep(0.3)
    assert len(questions_posted(slack_api)) == 2, "the redelivery must not answer question 2"


def test_help_is_the_acks_payload(server: ServerThread, socket: FakeSocketMode) -> None:
    ack = socket.wait_for_ack(socket.send("slash_commands", command_payload("help")))
    assert "/maturity status" in ack["payload"]["text"]


def test_shutdown_closes_the_socket(server: ServerThread, socket: FakeSocketMode) -> None:
    socket.wait_connected()
    server.stop()
    socket.wait_disconnected()
    assert socket.connections_ever == 1


def test_a_rejected_app_token_stops_the_start(database_url: str, slack_api: FakeSlackApi) -> None:
    slack_api.valid_tokens.discard(APP_TOKEN)
    srv = ServerThread(build_app(settings(database_url, slack_api)))
    try:
        with pytest.raises(SlackApiError, match="invalid_auth"):
            srv.start()
    finally:
        srv.stop()


def test_the_log_names_the_mode_and_no_token(
    database_url: str, slack_api: FakeSlackApi, socket: FakeSocketMode, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    srv = ServerThread(build_app(settings(database_url, slack_api))).start()
    try:
        socket.wait_for_ack(socket.send("slash_commands", command_payload("help")))
    finally:
        srv.stop()
    assert "Socket Mode (SLACK_APP_TOKEN is set)" in caplog.text
    assert APP_TOKEN not in caplog.text and "xoxb-test" not in caplog.text

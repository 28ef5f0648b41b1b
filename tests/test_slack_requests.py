"""The request builders produce what Slack produces: bodies in its wire formats, signed so Bolt accepts them."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier

from tests import slack_requests as sr

SECRET = "test-signing-secret"


def _valid(body: str, headers: dict[str, str], secret: str = SECRET) -> bool:
    return SignatureVerifier(secret).is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])


def _form(body: str) -> dict[str, str]:
    parsed = parse_qs(body, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in parsed.values())
    return {key: values[0] for key, values in parsed.items()}


BUILDERS = {
    "slash_command": lambda **kw: sr.slash_command(SECRET, text="start", **kw),
    "block_action": lambda **kw: sr.block_action(SECRET, message_ts="1.000001", action_id="a", value="v", **kw),
    "event": lambda **kw: sr.event(SECRET, sr.dm_message("U1", "hi"), **kw),
    "url_verification": lambda **kw: sr.url_verification(SECRET, "chal", **kw),
    "view_submission": lambda **kw: sr.view_submission(
        SECRET, callback_id="note", values={"note": {"note": {"type": "plain_text_input", "value": "x"}}}, **kw
    ),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_signature_verifies_now(name: str) -> None:
    body, headers = BUILDERS[name]()
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5
    assert _valid(body, headers)
    assert not _valid(body, headers, secret="another-secret")


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_old_timestamp_is_signed_correctly_but_stale(name: str) -> None:
    old = int(time.time()) - 10 * 60
    body, headers = BUILDERS[name](timestamp=old)
    assert headers["X-Slack-Request-Timestamp"] == str(old)
    expected = SignatureVerifier(SECRET).generate_signature(timestamp=str(old), body=body)
    assert headers["X-Slack-Signature"] == expected
    assert not _valid(body, headers)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_forged_signature_fails(name: str) -> None:
    body, headers = BUILDERS[name]()
    forged = sr.forge(headers)
    assert forged["X-Slack-Signature"] != headers["X-Slack-Signature"]
    assert forged["X-Slack-Signature"].startswith("v0=")
    assert len(forged["X-Slack-Signature"]) == len(headers["X-Slack-Signature"])
    assert not _valid(body, forged)
    assert _valid(body, headers)  # forge copies, never mutates


def test_slash_command_shape() -> None:
    body, headers = sr.slash_command(SECRET, team_id="T9", channel_id="D0U1", user_id="U1", text="start now")
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    fields = _form(body)
    assert {
        "token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name",
        "command", "text", "api_app_id", "response_url", "trigger_id",
    } <= fields.keys()  # fmt: skip
    assert (fields["team_id"], fields["channel_id"], fields["user_id"]) == ("T9", "D0U1", "U1")
    assert (fields["command"], fields["text"]) == ("/maturity", "start now")
    assert fields["channel_name"] == "directmessage"
    assert fields["response_url"].startswith("https://hooks.slack.invalid/commands/")
    assert fields["trigger_id"]


def test_slash_command_defaults_and_explicit_trigger() -> None:
    body, _ = sr.slash_command(SECRET, trigger_id="trig-1")
    fields = _form(body)
    assert (fields["team_id"], fields["channel_id"], fields["user_id"]) == ("T0001", "C0001", "U0001")
    assert fields["text"] == ""
    assert fields["trigger_id"] == "trig-1"


def test_block_action_shape() -> None:
    body, headers = sr.block_action(
        SECRET, team_id="T2", user_id="U2", channel_id="DU2", message_ts="1700000000.000100", action_id="answer",
        value="q1:3", block_id="blk",
    )  # fmt: skip
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    fields = _form(body)
    assert list(fields) == ["payload"]
    payload = json.loads(fields["payload"])
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U2"
    assert payload["user"]["team_id"] == "T2"
    assert payload["user"]["username"]
    assert payload["team"]["id"] == "T2"
    assert payload["channel"]["id"] == "DU2"
    assert payload["container"] == {
        "type": "message", "message_ts": "1700000000.000100", "channel_id": "DU2", "is_ephemeral": False,
    }  # fmt: skip
    assert payload["message"]["ts"] == "1700000000.000100"
    assert payload["message"]["blocks"] == []
    [action] = payload["actions"]
    assert (action["type"], action["action_id"], action["block_id"], action["value"]) == (
        "button", "answer", "blk", "q1:3",
    )  # fmt: skip
    assert action["action_ts"]
    assert payload["response_url"].startswith("https://hooks.slack.invalid/")
    assert payload["trigger_id"]
    assert payload["api_app_id"]


def test_event_shape_and_fresh_event_ids() -> None:
    message = sr.dm_message("U3", "hello")
    body, headers = sr.event(SECRET, message, team_id="T3")
    assert headers["Content-Type"] == "application/json"
    assert "X-Slack-Retry-Num" not in headers
    envelope = json.loads(body)
    assert envelope["type"] == "event_callback"
    assert envelope["team_id"] == "T3"
    assert envelope["api_app_id"]
    assert envelope["event"] == message
    assert envelope["event_id"].startswith("Ev")
    assert isinstance(envelope["event_time"], int)
    other, _ = sr.event(SECRET, message)
    assert json.loads(other)["event_id"] != envelope["event_id"]


def test_event_retry_headers_and_fixed_id() -> None:
    body, headers = sr.event(SECRET, sr.dm_message("U3", "hello"), event_id="Ev123", retry_num=1)
    assert json.loads(body)["event_id"] == "Ev123"
    assert headers["X-Slack-Retry-Num"] == "1"
    assert headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert _valid(body, headers)


def test_dm_message_shape() -> None:
    message = sr.dm_message("U4", "start")
    assert message["type"] == "message"
    assert message["channel_type"] == "im"
    assert message["channel"] == "DU4"
    assert (message["user"], message["text"]) == ("U4", "start")
    assert message["ts"] == message["event_ts"]
    assert "subtype" not in message and "bot_id" not in message  # a human's message, which the bot must handle
    assert sr.dm_message("U4", "x")["ts"] != sr.dm_message("U4", "x")["ts"]
    custom = sr.dm_message("U4", "x", channel_id="D999", ts="1.000002")
    assert (custom["channel"], custom["ts"], custom["event_ts"]) == ("D999", "1.000002", "1.000002")


def test_url_verification_shape() -> None:
    body, headers = sr.url_verification(SECRET, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {
        "token": sr.VERIFICATION_TOKEN,
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }


def test_app_home_opened_shape() -> None:
    home = sr.app_home_opened("U5")
    assert (home["type"], home["user"], home["tab"], home["channel"]) == ("app_home_opened", "U5", "home", "DU5")


def test_view_submission_shape() -> None:
    """A modal's Save as bolt-python's own view_submission payloads have it: the inputs' state by block id and
    action id, the metadata the view was opened with."""
    values = {
        "note": {"note": {"type": "plain_text_input", "value": "see the runbook"}},
        "link": {"link": {"type": "url_text_input", "value": None}},
    }
    body, headers = sr.view_submission(
        SECRET, team_id="T6", user_id="U6", callback_id="note", private_metadata='{"t":"C1"}', values=values
    )
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    fields = _form(body)
    assert list(fields) == ["payload"]
    payload = json.loads(fields["payload"])
    assert payload["type"] == "view_submission"
    assert (payload["team"]["id"], payload["user"]["id"], payload["user"]["team_id"]) == ("T6", "U6", "T6")
    view = payload["view"]
    assert (view["type"], view["callback_id"], view["private_metadata"]) == ("modal", "note", '{"t":"C1"}')
    assert view["state"] == {"values": values}
    assert view["id"] and view["hash"] and payload["trigger_id"] and payload["api_app_id"]

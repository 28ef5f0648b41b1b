"""Signed Slack HTTP requests, in Slack's real wire formats, to drive the bot's endpoint as Slack would.

Each builder returns ``(body, headers)`` ready to POST. Bodies are signed with the given signing secret at
``timestamp`` (default: now), so a test can pass an old timestamp and get a correctly signed but stale request;
``forge`` spoils the signature instead.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode

from slack_sdk.signature import SignatureVerifier

API_APP_ID = "A0APP"
TEAM_DOMAIN = "acme"
VERIFICATION_TOKEN = "verification-token-deprecated"
BOT_USER_ID = "U0BOT"

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_ts_counter = itertools.count(1)


def sign(secret: str, body: str, content_type: str, timestamp: int | str | None = None) -> dict[str, str]:
    """Headers Slack would send with ``body``; public so a test can sign a hand-made body too."""
    stamp = str(int(time.time()) if timestamp is None else int(timestamp))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature, "Content-Type": content_type}


def forge(headers: dict[str, str]) -> dict[str, str]:
    """A copy of ``headers`` whose signature is well formed but wrong (as an attacker without the secret sends)."""
    real = headers["X-Slack-Signature"]
    flipped = "1" if real[-1] == "0" else "0"
    return {**headers, "X-Slack-Signature": real[:-1] + flipped}


def _trigger_id() -> str:
    return f"{int(time.time())}.{secrets.randbelow(10**12):012d}.{secrets.token_hex(16)}"


def _response_url(kind: str, team_id: str) -> str:
    return f"https://hooks.slack.invalid/{kind}/{team_id}/{secrets.randbelow(10**12)}/{secrets.token_hex(12)}"


def _channel_name(channel_id: str) -> str:
    """Slack names DM channels "directmessage" in command and action payloads."""
    return "directmessage" if channel_id.startswith("D") else f"chan-{channel_id}"


def _now_ts() -> str:
    """A message ts like Slack's: seconds.micros, unique within this process."""
    return f"{int(time.time())}.{next(_ts_counter) % 1_000_000:06d}"


def slash_command(
    secret: str,
    *,
    team_id: str = "T0001",
    channel_id: str = "C0001",
    user_id: str = "U0001",
    text: str = "",
    command: str = "/maturity",
    timestamp: int | str | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    channel_name: str | None = None,
) -> tuple[str, dict[str, str]]:
    """A slash command invocation: a form-encoded body with the fields Slack sends; ``response_url`` defaults to
    one that does not resolve (point it at a fake to see what the app sends there); ``channel_name`` to Slack's
    usual one (Slack sends "privategroup" for some private channels)."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": _channel_name(channel_id) if channel_name is None else channel_name,
        "user_id": user_id,
        "user_name": f"user-{user_id}",
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or _response_url("commands", team_id),
        "trigger_id": trigger_id or _trigger_id(),
    }
    body = urlencode(fields)
    return body, sign(secret, body, FORM, timestamp)


def block_action(
    secret: str,
    *,
    team_id: str = "T0001",
    user_id: str = "U0001",
    channel_id: str = "C0001",
    message_ts: str,
    action_id: str,
    value: str,
    block_id: str = "b",
    timestamp: int | str | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
) -> tuple[str, dict[str, str]]:
    """A button click on a message the bot posted: form-encoded ``payload=<json>``, as Slack sends it; pass
    ``trigger_id`` to check that a modal opened from the click uses it, ``response_url`` to see what the app
    sends there (by default one that does not resolve)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": f"user-{user_id}", "name": f"user-{user_id}", "team_id": team_id},
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id, "is_ephemeral": False},
        "trigger_id": trigger_id or _trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": _channel_name(channel_id)},
        "message": {
            "type": "message",
            "user": BOT_USER_ID,
            "ts": message_ts,
            "text": "",
            "blocks": [],
        },
        "state": {"values": {}},
        "response_url": response_url or _response_url("actions", team_id),
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": value, "emoji": True},
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return body, sign(secret, body, FORM, timestamp)


def event(
    secret: str,
    event: dict[str, Any],
    *,
    team_id: str = "T0001",
    event_id: str | None = None,
    retry_num: int | None = None,
    timestamp: int | str | None = None,
) -> tuple[str, dict[str, str]]:
    """An Events API delivery wrapping ``event``; ``retry_num`` makes it one of Slack's redeliveries."""
    event_time = int(time.time()) if timestamp is None else int(timestamp)
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    body = json.dumps(envelope)
    headers = sign(secret, body, JSON, timestamp)
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return body, headers


def dm_message(
    user_id: str, text: str, *, channel_id: str | None = None, ts: str | None = None, team_id: str = "T0001"
) -> dict[str, Any]:
    """The ``message`` event a user's direct message to the bot produces (wrap it with ``event``)."""
    stamp = ts or _now_ts()
    return {
        "type": "message",
        "channel_type": "im",
        "channel": channel_id or "D" + user_id,
        "user": user_id,
        "team": team_id,
        "text": text,
        "ts": stamp,
        "event_ts": stamp,
        "client_msg_id": str(uuid.uuid4()),
    }


def app_home_opened(user_id: str, *, tab: str = "home", channel_id: str | None = None) -> dict[str, Any]:
    """The ``app_home_opened`` event sent when a user opens the bot's Home tab (wrap it with ``event``)."""
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel_id or "D" + user_id,
        "tab": tab,
        "event_ts": _now_ts(),
    }


def url_verification(secret: str, challenge: str, *, timestamp: int | str | None = None) -> tuple[str, dict[str, str]]:
    """The handshake Slack sends when the Request URL is saved; the app must echo ``challenge``."""
    body = json.dumps({"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"})
    return body, sign(secret, body, JSON, timestamp)


def view_submission(
    secret: str,
    *,
    team_id: str = "T0001",
    user_id: str = "U0001",
    callback_id: str,
    private_metadata: str = "",
    values: dict[str, dict[str, dict[str, Any]]],
    timestamp: int | str | None = None,
) -> tuple[str, dict[str, str]]:
    """A modal's Save: form-encoded ``payload=<json>`` with the inputs' state, as Slack sends it."""
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {"id": user_id, "username": f"user-{user_id}", "name": f"user-{user_id}", "team_id": team_id},
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": {
            "id": "V00000001",
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "hash-V00000001",
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }
    body = urlencode({"payload": json.dumps(payload)})
    return body, sign(secret, body, FORM, timestamp)


def sign_bytes(secret: str, body: bytes, content_type: str, timestamp: int | str | None = None) -> dict[str, str]:
    """``sign`` for any bytes, UTF-8 or not (slack_sdk signs text only): Slack's HMAC-SHA256 of ``v0:<ts>:<body>``,
    so a test can send a correctly signed body that is not UTF-8."""
    stamp = str(int(time.time()) if timestamp is None else int(timestamp))
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}", "Content-Type": content_type}


def payload_of(body: str) -> dict[str, Any]:
    """What a built request carries, to change it and build it again: an interaction's payload, an event's
    envelope, or a slash command's form fields."""
    if body.startswith("{"):
        return json.loads(body)
    fields = dict(parse_qsl(body, keep_blank_values=True))
    return json.loads(fields["payload"]) if "payload" in fields else fields

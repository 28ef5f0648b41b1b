"""Reading what the bot posted to the fake Slack Web API, shared by the Slack end-to-end tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi


def questions_posted(slack_api: FakeSlackApi) -> list[dict[str, Any]]:
    """The question messages the bot posted, oldest first, as the args of chat.postMessage."""
    found = []
    for call in slack_api.calls_to("chat.postMessage"):
        blocks = call.args.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if any(str(b.get("block_id", "")).startswith("answers:") for b in blocks):
            found.append(call.args | {"blocks": blocks})
    return found


def posted_texts(slack_api: FakeSlackApi) -> list[str]:
    return [c.args.get("text", "") for c in slack_api.calls_to("chat.postMessage")]


def question_id(message: dict[str, Any]) -> str:
    block = next(b for b in message["blocks"] if str(b.get("block_id", "")).startswith("answers:"))
    return block["block_id"].split(":", 1)[1]


def button(question_message: dict[str, Any], option_id: str) -> tuple[str, str]:
    """(action_id, value) of the button for ``option_id`` on a posted question."""
    for block in question_message["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button" and json.loads(element["value"]).get("o") == option_id:
                return element["action_id"], element["value"]
    raise AssertionError(f"no button for {option_id}")


def wait_until(condition: Callable[[], object], timeout: float = 5.0, *, slack_api: FakeSlackApi | None = None) -> None:
    """Poll until ``condition`` holds (the bot posts after acknowledging, so tests wait for its calls)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            posted = f"; the bot posted: {posted_texts(slack_api)}" if slack_api else ""
            raise AssertionError(f"condition not met within {timeout} s{posted}")
        time.sleep(0.02)


def command_answer(server: Any, slack_api: FakeSlackApi, built: tuple[str, dict[str, str]]) -> str:
    """What a person reads after a slash command built with ``response_url=slack_api.response_url()``: the
    acknowledgement's text, or, when the bot acknowledged empty-handed to ask Slack something first (is this
    person an admin?), the message it then sent to the response URL."""
    before = len(slack_api.calls_to(RESPONSE_URL))
    status, reply = server.post_json("/slack/events", *built)
    assert status == 200
    if reply:
        return str(reply["text"])
    return str(slack_api.wait_for(RESPONSE_URL, before + 1)[before].args["text"])

"""Slack's Block Kit limits, checked on what the bot sent to the fake Slack Web API: Slack refuses a message or
view past them (``invalid_blocks``), so a test that only looked at the text would pass while real Slack
refused it. Also the text objects of a payload sorted by how Slack reads them: mrkdwn (parsed: ``<...>`` is a
mention or a link, ``&`` an entity) and plain text (shown as given)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi

MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", RESPONSE_URL)
VIEW_METHODS = ("views.publish", "views.open", "views.update")

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
TEXT = 3000  # a section's or a context element's text
HEADER = 150
BUTTON = 75  # a button's text and its accessibility label
ACTIONS = 25  # elements in an actions block
CONTEXT = 10  # elements in a context block
ID = 255  # block_id, action_id
VALUE = 2000  # a button's value
TOP_TEXT = 40_000  # Slack cuts a message's top-level text past this


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def blocks_of(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks of a message call, or of the view of a views call."""
    if "view" in args:
        return list(_loaded(args["view"]).get("blocks") or [])
    return list(_loaded(args.get("blocks")) or [])


def _text_problems(where: str, text: Any, limit: int, kinds: tuple[str, ...] = ("plain_text", "mrkdwn")) -> list[str]:
    if not isinstance(text, dict) or text.get("type") not in kinds:
        return [f"{where}: not a {' or '.join(kinds)} text object: {text!r}"]
    body = text.get("text")
    if not isinstance(body, str) or not body:
        return [f"{where}: empty text"]
    return [f"{where}: {len(body)} characters, more than {limit}"] if len(body) > limit else []


def _button_problems(where: str, button: dict[str, Any]) -> list[str]:
    found = _text_problems(f"{where} text", button.get("text"), BUTTON, ("plain_text",))
    if len(str(button.get("action_id", ""))) > ID:
        found.append(f"{where}: action_id longer than {ID}")
    if len(str(button.get("value", ""))) > VALUE:
        found.append(f"{where}: value longer than {VALUE}")
    if len(str(button.get("accessibility_label", ""))) > BUTTON:
        found.append(f"{where}: accessibility_label longer than {BUTTON}")
    if button.get("style") not in (None, "primary", "danger"):
        found.append(f"{where}: unknown style {button.get('style')!r}")
    return found


def block_problems(blocks: list[dict[str, Any]], *, most: int) -> list[str]:
    """What Slack would refuse in these blocks (none: an empty list)."""
    found = [f"{len(blocks)} blocks, more than {most}"] if len(blocks) > most else []
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        found.append(f"repeated block_id among {block_ids}")
    for n, block in enumerate(blocks):
        where = f"block {n} ({block.get('type')})"
        if len(str(block.get("block_id", ""))) > ID:
            found.append(f"{where}: block_id longer than {ID}")
        kind = block.get("type")
        if kind == "section":
            found += _text_problems(where, block.get("text"), TEXT)
            accessory = block.get("accessory")
            if isinstance(accessory, dict) and accessory.get("type") == "button":
                found += _button_problems(f"{where} accessory", accessory)
        elif kind == "header":
            found += _text_problems(where, block.get("text"), HEADER, ("plain_text",))
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > CONTEXT:
                found.append(f"{where}: {len(elements)} elements, not 1 to {CONTEXT}")
            for element in elements:
                found += _text_problems(where, element, TEXT)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > ACTIONS:
                found.append(f"{where}: {len(elements)} elements, not 1 to {ACTIONS}")
            for i, element in enumerate(elements):
                if element.get("type") == "button":
                    found += _button_problems(f"{where} element {i}", element)
            action_ids = [str(e.get("action_id")) for e in elements]
            if len(action_ids) != len(set(action_ids)):  # Slack wants them unique within their block
                found.append(f"{where}: repeated action_id among {action_ids}")
    return found


def call_problems(method: str, args: dict[str, Any]) -> list[str]:
    """What Slack would refuse in one recorded call (only messages and views are checked)."""
    if method in MESSAGE_METHODS:
        found = block_problems(blocks_of(args), most=MESSAGE_BLOCKS)
        if len(str(args.get("text", ""))) > TOP_TEXT:
            found.append(f"top-level text longer than {TOP_TEXT}")
        return found
    if method in VIEW_METHODS:
        return block_problems(blocks_of(args), most=VIEW_BLOCKS)
    return []


def assert_within_limits(slack_api: FakeSlackApi) -> int:
    """Every message and view the bot sent keeps to Block Kit's limits; returns how many were checked."""
    checked = [c for c in slack_api.calls if c.method in MESSAGE_METHODS + VIEW_METHODS]
    problems = [f"{c.method}: {p}" for c in checked for p in call_problems(c.method, c.args)]
    assert not problems, "\n".join(problems)
    return len(checked)


def _texts(node: Any, kind: str) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == kind and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _texts(value, kind)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value, kind)


def mrkdwn_texts(args: dict[str, Any]) -> list[str]:
    """Every text of a call that Slack parses as mrkdwn: the message's top-level text and each mrkdwn object."""
    top = [args["text"]] if isinstance(args.get("text"), str) and args.get("mrkdwn", True) else []
    return top + list(_texts(blocks_of(args), "mrkdwn"))


def plain_texts(args: dict[str, Any]) -> list[str]:
    """Every plain_text object of a call: Slack shows these as given and parses nothing in them."""
    return list(_texts(blocks_of(args), "plain_text"))

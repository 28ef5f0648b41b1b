"""The shape a signed Slack request must have before Bolt dispatches it, so that bad input is a 400, not a crash.

Bolt parses the body and routes it by a few fields (``command``, ``type``, ``actions[0].action_id``,
``view.callback_id``, ``event.type``); its matchers and the listeners then index into the payload and assume
types. A body that is signed but not in Slack's shape (a test tool, a proxy that rewrote it, a bug on either side)
would raise there, and Bolt answers 500. ``problem`` says why such a body cannot be handled.

Strict about the type of every field Bolt or a listener reads; lenient about everything else, because Slack adds
fields all the time and a real payload must never be refused. The payload's own workspace fields are not
required (Enterprise Grid org-wide installs send ``"team": null``): listeners take the workspace from Bolt's
context, so the context is checked instead, and must name a workspace or an enterprise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from dialogs.ports import MAX_ID_LENGTH

MAX_DEPTH = 64  # real payloads nest about ten levels (rich text in message blocks); Bolt and logging recurse
CONTEXT_IDS = ("team_id", "enterprise_id", "user_id", "channel_id", "actor_team_id", "actor_enterprise_id")
# Types Bolt hands to ``app.action`` listeners when they carry a ``callback_id``; this app sends none of them
# (no attachment buttons, dialogs or workflow steps), so they need the same fields as a block action to be read.
LEGACY_ACTIONS = ("interactive_message", "dialog_submission", "dialog_cancellation", "workflow_step_edit")


class Malformed(ValueError):
    """The body is not in the shape Slack sends; the message says which field."""


Check = Callable[[Any], bool]


def problem(body: Any, context: Mapping[str, Any] | None = None) -> str | None:
    """Why a parsed, signed ``body`` (and the ``context`` Bolt derived from it) cannot be dispatched, or None."""
    try:
        _check(body, context or {})
    except Malformed as exc:
        return str(exc)
    return None


def _check(body: Any, context: Mapping[str, Any]) -> None:
    if not isinstance(body, dict) or not body:
        raise Malformed("the body is not a Slack payload")
    _walk(body)
    for name in CONTEXT_IDS:  # Bolt's authorization looks installations up by these
        _field(context, name, _id, f"the request's {name}")
    if context.get("response_url") is not None:  # Bolt answers through it when no installation is found
        _field(context, "response_url", _url, "the request's response_url")
    # Bolt reads these on any body: its self-event filter the event, its routing and its "unhandled request"
    # warning the view and the callback id.
    _field(body, "event", _object, "event")
    _field(body, "view", _object, "view")
    _field(body, "callback_id", _text, "callback_id")
    listened = "command" in body  # Bolt takes any body with a ``command`` for a slash command
    if listened:
        _slash_command(body)
    if "type" in body:
        listened = _typed(body, _field(body, "type", _text, "type")) or listened
    elif not listened and "ssl_check" not in body:
        raise Malformed("the body is neither a slash command nor a typed payload")
    if listened and not (context.get("team_id") or context.get("enterprise_id")):
        raise Malformed("the request names no workspace or enterprise")  # the listeners look everything up by it


def _typed(body: dict[str, Any], kind: str) -> bool:
    """Check a payload of type ``kind``; True when this app's listeners read it."""
    if kind == "block_actions":
        _actions(body)
    elif kind in LEGACY_ACTIONS and "callback_id" in body:
        _actions(body, listed=kind == "interactive_message")
    elif kind in ("view_submission", "view_closed"):
        _view(body, submitted=kind == "view_submission")
    elif kind == "event_callback":
        _event_callback(body)
    else:
        if kind == "block_suggestion":
            _field(body, "action_id", _text, "action_id")
        elif kind == "url_verification":
            _field(body, "challenge", _text, "challenge", required=True)
        # Anything else (shortcut, message_action, app_rate_limited, ...) goes to Bolt as it is.
        return False
    return True


def _walk(body: dict[str, Any]) -> None:
    """No NUL anywhere (PostgreSQL cannot store it) and no deeper nesting than real payloads have; without
    recursion, so a deep body cannot exhaust the stack here."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise Malformed("a string holds a NUL character")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise Malformed(f"the body nests deeper than {MAX_DEPTH} levels")
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        stack.extend((item, depth + 1) for item in items)


def _slash_command(body: dict[str, Any]) -> None:
    _field(body, "command", _id, "command", required=True)
    _field(body, "user_id", _id, "user_id", required=True)
    _field(body, "channel_id", _id, "channel_id", required=True)
    for name in ("team_id", "enterprise_id"):
        _field(body, name, _id, name)
    for name in ("channel_name", "user_name"):
        _field(body, name, _name, name)
    for name in ("text", "trigger_id"):
        _field(body, name, _text, name)
    _field(body, "response_url", _url, "response_url")


def _actions(body: dict[str, Any], *, listed: bool = True) -> None:
    """A click: who clicked, and the action (``actions[0]`` for a block action, the body itself for a dialog)."""
    user = _field(body, "user", _object, "user", required=True)
    _field(user, "id", _id, "user.id", required=True)
    if listed:
        actions = _field(body, "actions", _nonempty_list, "actions", required=True)
        for n, action in enumerate(actions):
            if not isinstance(action, dict):
                raise Malformed(f"actions[{n}] is not an object")
            _field(action, "action_id", _id, f"actions[{n}].action_id", required=True)
            _field(action, "value", _text, f"actions[{n}].value")
    else:  # a listener that can read the value goes on to read the action id
        _field(body, "value", _text, "value")
        _field(body, "action_id", _id, "action_id", required="value" in body)
    container = _field(body, "container", _object, "container")
    if container is not None:
        _field(container, "channel_id", _id, "container.channel_id")
        _field(container, "message_ts", _text, "container.message_ts")
    channel = _field(body, "channel", _object, "channel", nullable=True)
    if channel is not None:
        _field(channel, "id", _id, "channel.id", required=True)
    _organisation(body)
    _field(body, "trigger_id", _text, "trigger_id")
    _field(body, "response_url", _url, "response_url")


def _view(body: dict[str, Any], *, submitted: bool) -> None:
    user = _field(body, "user", _object, "user", required=True)
    _field(user, "id", _id, "user.id", required=True)
    _organisation(body)
    view = _field(body, "view", _object, "view", required=True)
    _field(view, "type", _text, "view.type", required=True)  # Bolt reads it to tell workflow steps apart
    _field(view, "callback_id", _text, "view.callback_id", required=True)
    _field(view, "private_metadata", _text, "view.private_metadata")
    state = _field(view, "state", _object, "view.state", required=submitted)
    if state is not None:
        values = _field(state, "values", _object, "view.state.values", required=submitted)
        for block, inputs in (values or {}).items():
            if not isinstance(inputs, dict):
                raise Malformed(f"view.state.values.{block} is not an object")


def _organisation(body: dict[str, Any]) -> None:
    """An interaction's ``team`` and ``enterprise``: an object with an id, or null (an org-wide install sends
    ``"team": null``)."""
    for name in ("team", "enterprise"):
        found = _field(body, name, _object, name, nullable=True)
        if found is not None:
            _field(found, "id", _id, f"{name}.id", required=True)


def _event_callback(body: dict[str, Any]) -> None:
    event = _field(body, "event", _object, "event", required=True)
    kind = _field(event, "type", _id, "event.type", required=True)
    _field(body, "event_id", _id, "event_id", required=True)
    for name in ("team_id", "enterprise_id"):
        _field(body, name, _id, name)
    authorizations = _field(body, "authorizations", _list, "authorizations")
    for n, authorization in enumerate(authorizations or []):
        if not isinstance(authorization, dict):
            raise Malformed(f"authorizations[{n}] is not an object")
    if kind == "message":
        for name in ("text", "channel_type", "subtype", "bot_id"):
            _field(event, name, _text, f"event.{name}")
        # A person's message in a DM is answered: it names who wrote it, and where.
        by_a_person = event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")
        for name in ("user", "channel"):
            _field(event, name, _id, f"event.{name}", required=by_a_person)
    elif kind == "app_home_opened":
        _field(event, "user", _id, "event.user", required=True)
        _field(event, "tab", _text, "event.tab")
    elif kind == "member_joined_channel":
        for name in ("user", "channel"):
            _field(event, name, _id, f"event.{name}", required=True)
    elif kind == "tokens_revoked":
        _field(event, "tokens", _object, "event.tokens", required=True)


def _field(
    obj: Mapping[str, Any], name: str, ok: Check, where: str, *, required: bool = False, nullable: bool = False
) -> Any:
    """``obj[name]`` when it passes ``ok``; None when it is absent (or null, if ``nullable``) and not required."""
    if name not in obj:
        if required:
            raise Malformed(f"{where} is missing")
        return None
    value = obj[name]
    if value is None and nullable and not required:
        return None
    if not ok(value):
        raise Malformed(f"{where} is not {_WHAT[ok]}")
    return value


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _id(value: Any) -> bool:
    """What Slack uses for ids and for names the bot stores: never blank, never longer than storage keeps."""
    return isinstance(value, str) and bool(value.strip()) and len(value) <= MAX_ID_LENGTH


def _name(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_ID_LENGTH


def _url(value: Any) -> bool:
    """Slack's response_url: http(s), a host, a port that is a number, nothing a client would refuse."""
    if not isinstance(value, str) or any(c.isspace() or not c.isprintable() for c in value):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:  # e.g. "http://["
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _object(value: Any) -> bool:
    return isinstance(value, dict)


def _list(value: Any) -> bool:
    return isinstance(value, list)


def _nonempty_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value)


_WHAT: dict[Check, str] = {
    _text: "a string",
    _id: f"an id (a string of 1 to {MAX_ID_LENGTH} characters)",
    _name: f"a name (a string of at most {MAX_ID_LENGTH} characters)",
    _url: "an http(s) URL",
    _object: "an object",
    _list: "a list",
    _nonempty_list: "a list with at least one item",
}

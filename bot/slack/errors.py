"""What Slack is answered, and what the person hears, when a request fails.

With ``process_before_response``, Bolt answers 500 for any exception a listener raises, before or after ``ack()``
(slack_bolt/listener/asyncio_runner.py), and gives it to the ``app.error`` handler; a BoltResponse the handler
returns replaces that response's status, headers and body (slack_bolt/listener/async_listener_error_handler.py).
An exception in a global middleware reaches the same handler with a fresh 500 (``async_dispatch`` in
slack_bolt/app/async_app.py, slack_bolt/middleware/async_middleware_error_handler.py).

- The store is unavailable (the database is down, or another program kept a SQLite file locked): the request saved
  nothing. Slack gets 200, so it shows no error and does not retry into the outage, and the person is told to try
  again in a minute: a slash command in its acknowledgement, a form on its first field (it stays open with what was
  typed), a click beside it (through its response URL, which needs no token: in OAuth mode the token is in the
  database too), a typed DM in the DM, App Home in the tab; the Web API calls go after the acknowledgement. An
  event no person is waiting on (the bot invited, the app uninstalled) keeps Bolt's 500 instead: Slack's retries
  are its only way to be handled.
- Anything else is a bug. It is logged with its traceback and stays Bolt's 500, so it is counted as an error and
  Slack shows its own error on a command, a click or a form. The person is also told, in the DM, that something
  went wrong; a failed event is forgotten by the deduplication, so Slack's retry of it is handled, and only its
  first delivery tells the person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.replies import SOMETHING_WENT_WRONG, unavailable_text
from bot.app.runtime import Runtime
from bot.slack import middleware
from bot.slack.listeners.events import typed_in_a_dm
from dialogs.ports import StoreUnavailable

log = logging.getLogger("maturity_bot.slack")


def register(app: AsyncApp, bot: Runtime) -> None:
    @app.error
    async def failed(
        error: Exception, body: Any, request: AsyncBoltRequest, context: AsyncBoltContext
    ) -> BoltResponse | None:
        """None keeps Bolt's 500."""
        if not isinstance(body, dict):  # nobody to tell
            log.error("Slack request failed", exc_info=error)
            return None
        if isinstance(error, StoreUnavailable):
            log.warning("Slack %s not taken, database unavailable: %s", _kind(body), error)
            if _nobody_typed(body):  # an invitation, an uninstall: Slack's retries are its only chance
                await _forget(bot, body)
                return None
            return _unavailable(bot, body, context)
        log.error("Slack %s failed", _kind(body), exc_info=error)
        await _bug(bot, body, request.headers, context)
        return None


def _unavailable(bot: Runtime, body: dict[str, Any], context: AsyncBoltContext) -> BoltResponse:
    """200, and the person told to try again: in the response itself where Slack shows it, else after it."""
    if body.get("command"):  # a slash command shows its acknowledgement's text to the person who typed it
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": unavailable_text()})
    if body.get("type") == "view_submission":
        field = _first_field(_dict(body.get("view")))
        if field:  # the form stays open with what was typed, the message under its first field
            errors = {field: unavailable_text("press Save again")}
            return BoltResponse(status=200, body={"response_action": "errors", "errors": errors})
    _tell(bot, body, context, unavailable_text, "a database outage")
    return BoltResponse(status=200, body="")


async def _bug(
    bot: Runtime, body: dict[str, Any], headers: Mapping[str, Sequence[str]], context: AsyncBoltContext
) -> None:
    """Bolt's 500 stands; the person hears of it once, and an event's retry is handled again."""
    if body.get("type") == "event_callback":
        await _forget(bot, body)
        if headers.get("x-slack-retry-num"):  # told on the first delivery already
            return
    _tell(bot, body, context, lambda _again: SOMETHING_WENT_WRONG, "a failed request")


def _tell(bot: Runtime, body: dict[str, Any], context: AsyncBoltContext, text: Callable[[str], str], what: str) -> None:
    """After the acknowledgement, where the person will see it: the DM for a typed reply, a click, a form or a
    command; the Home tab for App Home. Events nobody typed (channel messages, the bot's own posts) tell nobody.
    ``text(again)`` words the message, ``again`` saying what to do."""
    event, client = _dict(body.get("event")), context.client
    if body.get("type") == "event_callback":
        user = event.get("user")
        if not isinstance(user, str) or not user:
            return
        if event.get("type") == "app_home_opened":
            view = {"type": "home", "blocks": [_section(text("open this tab again"))]}
            bot.later(client.views_publish(user_id=user, view=view), f"telling the person about {what} in App Home")
        elif typed_in_a_dm(event) and isinstance(event.get("channel"), str):
            message = client.chat_postMessage(channel=event["channel"], text=text("send your message again"))
            bot.later(message, f"telling the person about {what} in the DM")
        return
    if body.get("type") == "block_actions" and context.respond is not None:  # needs no token, which an outage
        said = context.respond(text("try again"), response_type="ephemeral", replace_original=False)  # may hide
        bot.later(said, f"telling the person about {what} beside the click")
        return
    user = body.get("user_id") or _dict(body.get("user")).get("id")  # a command's, or an interaction's
    if isinstance(user, str) and user:
        bot.later(_to_dm(client, user, text("try again")), f"telling the person about {what} in the DM")


async def _to_dm(client: AsyncWebClient, user: str, text: str) -> None:
    dm = await client.conversations_open(users=user)
    await client.chat_postMessage(channel=dm["channel"]["id"], text=text)


async def _forget(bot: Runtime, body: dict[str, Any]) -> None:
    """Let Slack's retry of a failed event be handled rather than dropped as a repeat."""
    try:
        await middleware.handle_its_retry(bot, body)
    except StoreUnavailable as exc:  # then nothing was recorded either, unless the database went down in between
        log.warning("could not forget the failed event %s: %s", body.get("event_id"), exc)


def _nobody_typed(body: dict[str, Any]) -> bool:
    """An event no person is waiting on (the bot invited, the app uninstalled): better retried than explained."""
    event = _dict(body.get("event"))
    return body.get("type") == "event_callback" and not (typed_in_a_dm(event) or event.get("type") == "app_home_opened")


def _first_field(view: dict[str, Any]) -> str | None:
    """The block id of the form's first input: where Slack can show an error (``response_action: errors``)."""
    for block in view.get("blocks") or ():
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("block_id"), str):
            return str(block["block_id"])
    values = _dict(_dict(view.get("state")).get("values"))
    return next(iter(values), None)


def _kind(body: dict[str, Any]) -> str:
    """What the request was, for the log: the command, the interaction's type or the event's."""
    if body.get("command"):
        return f"command {body['command']}"
    if body.get("type") == "event_callback":
        return f"event {_dict(body.get('event')).get('type')}"
    return str(body.get("type") or "request")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}

"""A fake Bot Framework Connector (the REST service a Teams bot answers at the activity's ``serviceUrl``), served over
real HTTP on 127.0.0.1, so the bot's own botframework ConnectorClient is exercised end to end.

It runs in a thread with its own event loop, so it serves both sync tests and async tests (whose loop may be busy
running the bot). It speaks the v3 routes a bot uses to talk (create a conversation, send, reply, update, delete),
with the real JSON shapes; every call is recorded; failures (429, 500) can be injected per operation to test retries.

    with FakeBotConnector() as fake:
        client = ConnectorClient(MicrosoftAppCredentials(app_id="", password=""), base_url=fake.url)
        ...
        [call] = fake.wait_for("send")
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.base import FakeServer, async_wait_for_items, wait_for_items

OPERATIONS = frozenset({"create_conversation", "send", "reply", "update", "delete"})

# Activity ids in Teams are millisecond numbers; this range stays clear of the ids in tests/teams_activities.py.
FIRST_ACTIVITY_ID = 1720000000001


@dataclass(frozen=True)
class Call:
    """One request the fake received.

    ``conversation_id`` is the decoded id from the path (for ``create_conversation``: the id the fake handed out, ""
    if the call failed); ``activity_id`` is the activity the path addresses (replied to, updated, deleted; for
    ``create_conversation`` the id of the first activity, if one was sent). ``failed`` marks calls answered with an
    error (injected failure, missing token, bad body); ``response`` is the JSON the fake answered a success with.
    """

    operation: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any]
    authorization: str | None
    time: float
    failed: bool = False
    response: dict[str, Any] | None = None


@dataclass
class _Failure:
    status: int
    retry_after: int | None


@dataclass(frozen=True)
class _Reply:
    """An HTTP answer decided under the lock and sent after it (``body`` None: no body)."""

    status: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)

    def to_response(self) -> web.Response:
        if self.body is None:
            return web.Response(status=self.status, headers=self.headers)
        return web.json_response(self.body, status=self.status, headers=self.headers)


@dataclass
class _State:
    """Everything shared between the test thread and the server thread, guarded by one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    token: str | None = None
    # Teams hands out one personal chat per (tenant, user): creating it again answers the same id.
    personal_chats: dict[tuple[str, str], str] = field(default_factory=dict)


class FakeBotConnector(FakeServer):
    """Fake of ``https://smba.trafficmanager.net/<region>/`` for ``ConnectorClient(creds, base_url=fake.url)``."""

    name = "fake-bot-connector"

    def __init__(self) -> None:
        super().__init__()
        self._state = _State()
        self._activity_ids = itertools.count(FIRST_ACTIVITY_ID)

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{conversation_id}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation_id}/activities/{activity_id}", self._reply)
        app.router.add_put("/v3/conversations/{conversation_id}/activities/{activity_id}", self._update)
        app.router.add_delete("/v3/conversations/{conversation_id}/activities/{activity_id}", self._delete)
        app.router.add_route("*", "/{tail:.*}", _not_found)
        return app

    @property
    def url(self) -> str:
        """The serviceUrl to put in incoming activities, in Teams' format (with the trailing slash)."""
        return self._base() + "/"

    # -- test API ----------------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every call so far, oldest first (a copy, so it never changes under the reader)."""
        with self._state.lock:
            return list(self._state.calls)

    def calls_to(self, operation: str) -> list[Call]:
        """The calls of one operation: "create_conversation", "send", "reply", "update" or "delete"."""
        _check_operation(operation)
        return [call for call in self.calls if call.operation == operation]

    def activities_sent(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """The activities the bot got through (sent or replied, not failed), in order; or those of one conversation."""
        return [
            call.body
            for call in self.calls
            if call.operation in ("send", "reply")
            and not call.failed
            and (conversation_id is None or call.conversation_id == conversation_id)
        ]

    def wait_for(self, operation: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls of ``operation`` arrived (the bot answers Teams asynchronously)."""
        missing = self._missing(f"call(s) of {operation}")
        return wait_for_items(lambda: self.calls_to(operation), count, timeout, missing)

    async def async_wait_for(self, operation: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """``wait_for`` for async tests."""
        missing = self._missing(f"call(s) of {operation}")
        return await async_wait_for_items(lambda: self.calls_to(operation), count, timeout, missing)

    def _recorded(self) -> list[str]:
        return [call.operation + (" (failed)" if call.failed else "") for call in self.calls]

    def fail_next(self, operation: str, status: int = 429, retry_after: int | None = None, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``operation`` with HTTP ``status``.

        A 429 always carries ``Retry-After`` (``retry_after`` seconds, default 1); other statuses only when given.
        """
        _check_operation(operation)
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._state.lock:
            queue = self._state.failures.setdefault(operation, deque())
            queue.extend(_Failure(status, retry_after) for _ in range(times))

    def require_token(self, token: str | None) -> None:
        """Answer 401 to calls without ``Authorization: Bearer <token>`` (None: accept anonymous calls again)."""
        with self._state.lock:
            self._state.token = token

    def reset(self) -> None:
        """Forget calls, pending failures, the required token and the personal chats handed out."""
        with self._state.lock:
            self._state.calls.clear()
            self._state.failures.clear()
            self._state.token = None
            self._state.personal_chats.clear()

    # -- HTTP side ---------------------------------------------------------------------------------------------

    async def _create_conversation(self, request: web.Request) -> web.Response:
        return await self._handle(request, "create_conversation")

    async def _send(self, request: web.Request) -> web.Response:
        return await self._handle(request, "send")

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._handle(request, "reply")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._handle(request, "update")

    async def _delete(self, request: web.Request) -> web.Response:
        return await self._handle(request, "delete")

    async def _handle(self, request: web.Request, operation: str) -> web.Response:
        """Record the call, then answer: injected failure, else 401 without the token, else the operation's answer."""
        conversation_id = request.match_info.get("conversation_id", "")  # aiohttp has already percent-decoded it
        activity_id = request.match_info.get("activity_id")
        authorization = request.headers.get("Authorization")
        body, body_error = await _read_body(request, required=operation != "delete")
        with self._state.lock:
            queue = self._state.failures.get(operation)
            failure = queue.popleft() if queue else None
            token = self._state.token
            if failure is not None:
                reply = _failure_reply(failure)
            elif token is not None and authorization != f"Bearer {token}":
                # The real service answers ASP.NET's message here, not an ErrorResponse.
                reply = _Reply(401, {"message": "Authorization has been denied for this request."})
            elif body_error is not None:
                reply = _error_reply(400, "BadArgument", body_error)
            else:
                reply = self._answer(operation, activity_id, body)
            failed = reply.status >= 400
            if operation == "create_conversation":
                created = {} if failed else _object(reply.body)
                conversation_id, activity_id = created.get("id", ""), created.get("activityId")
            call = Call(
                operation=operation,
                conversation_id=conversation_id,
                activity_id=activity_id,
                body=body,
                authorization=authorization,
                time=time.time(),
                failed=failed,
                response=None if failed else reply.body,
            )
            self._state.calls.append(call)
        return reply.to_response()

    # -- answers, in the shapes of the real service (called under the lock) ------------------------------------

    def _answer(self, operation: str, activity_id: str | None, body: dict[str, Any]) -> _Reply:
        if operation == "create_conversation":
            return self._new_conversation(body)
        if operation in ("send", "reply"):
            return _Reply(200, {"id": self._next_activity_id()})
        if operation == "update":
            return _Reply(200, {"id": activity_id})
        return _Reply(200, None)  # delete: an empty 200

    def _next_activity_id(self) -> str:
        return str(next(self._activity_ids))

    def _new_conversation(self, params: dict[str, Any]) -> _Reply:
        """201 with a ConversationResourceResponse: a new thread in a channel, or the user's one personal chat."""
        channel_data = _object(params.get("channelData"))
        channel_id = _object(channel_data.get("channel")).get("id")
        members = params.get("members")
        user_id = _object(members[0]).get("id") if isinstance(members, list) and members else None
        if not channel_id and not user_id:
            return _error_reply(400, "BadArgument", "Conversation creation requires members or a channel.")
        activity_id = self._next_activity_id() if isinstance(params.get("activity"), dict) else None
        if channel_id:
            conversation_id = f"{channel_id};messageid={activity_id or self._next_activity_id()}"
        else:
            # botbuilder-python spells it "tenantID"; the service reads JSON case-insensitively, as .NET does.
            tenant = params.get("tenantId") or params.get("tenantID") or _object(channel_data.get("tenant")).get("id")
            key = (str(tenant or ""), str(user_id))
            conversation_id = self._state.personal_chats.setdefault(key, "a:1" + secrets.token_urlsafe(48))
        answer: dict[str, Any] = {"id": conversation_id, "serviceUrl": self.url}
        if activity_id is not None:
            answer["activityId"] = activity_id
        return _Reply(201, answer)


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (for digging into optional parts of a body)."""
    return value if isinstance(value, dict) else {}


async def _read_body(request: web.Request, *, required: bool) -> tuple[dict[str, Any], str | None]:
    """(JSON object body, None), or ({}, why it is unacceptable)."""
    raw = await request.text() if request.can_read_body else ""
    if not raw:
        return {}, ("The request body is empty." if required else None)
    try:
        body = json.loads(raw)
    except ValueError:
        return {}, "The request body is not valid JSON."
    if not isinstance(body, dict):
        return {}, "The request body is not a JSON object."
    return body, None


def _check_operation(operation: str) -> None:
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}; one of {sorted(OPERATIONS)}")


def _error_reply(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> _Reply:
    """The service's ErrorResponse shape, which botframework deserializes into ErrorResponseException.error."""
    return _Reply(status, {"error": {"code": code, "message": message}}, headers or {})


def _failure_reply(failure: _Failure) -> _Reply:
    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
    if failure.status == 429:
        return _error_reply(429, "TooManyRequests", "Too many requests; retry later.", headers)
    code = "ServiceError" if failure.status >= 500 else "BadArgument"
    return _error_reply(failure.status, code, f"Injected failure (HTTP {failure.status}).", headers)


async def _not_found(request: web.Request) -> web.Response:
    reply = _error_reply(404, "NotFound", f"The fake Bot Connector has no route {request.method} {request.path}.")
    return reply.to_response()

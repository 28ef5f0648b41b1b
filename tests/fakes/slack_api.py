"""A fake Slack Web API served over real HTTP on 127.0.0.1, so the bot's own slack_sdk client is exercised end to end.

It runs in a thread with its own event loop, so it serves both sync tests and async tests (whose loop may be busy
running the bot). Every call is recorded; answers follow the JSON shapes of the real API; failures (429, 500) can be
injected per method to test retries.

    with FakeSlackApi() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)
        ...
        [call] = fake.wait_for("chat.postMessage")
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.server_thread import ServerThread

DEFAULT_TOKEN = "xoxb-test"
DEFAULT_TEAM_ID = "T0001"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"

# Called with the app's client id and secret (HTTP Basic auth), not a token; answer them with ``set_response``.
CLIENT_CREDENTIAL_METHODS = frozenset({"oauth.v2.access"})

Responder = Callable[["Call"], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One request the fake received; ``failed`` marks calls answered by an injected HTTP failure."""

    method: str
    args: dict[str, Any]
    token: str | None
    time: float
    failed: bool = False


@dataclass
class _Failure:
    status: int
    retry_after: int


@dataclass
class _State:
    """Everything shared between the test thread and the server thread, guarded by one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    responders: dict[str, Responder] = field(default_factory=dict)
    held: dict[str, threading.Event] = field(default_factory=dict)


class FakeSlackApi:
    """Fake of https://slack.com/api/ for ``AsyncWebClient(base_url=fake.url)`` and ``WebClient(base_url=fake.url)``."""

    def __init__(
        self,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        valid_tokens: Iterable[str] = (DEFAULT_TOKEN,),
        channel_pace: float | None = None,
    ) -> None:
        """``channel_pace``: seconds Slack wants between two posts to one channel; a faster post gets 429 with
        Retry-After, as Slack's own per-channel limit (about one message per second) answers."""
        self.team_id = team_id
        self.channel_pace = channel_pace
        self._last_post: dict[str, float] = {}
        self.valid_tokens: set[str] = set(valid_tokens)
        self.port = 0
        self._state = _State()
        self._ts = itertools.count(100)
        self._view_ids = itertools.count(1)
        self._server: ServerThread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> FakeSlackApi:
        """Listen on a free port; returns self so ``fake = FakeSlackApi().start()`` reads naturally."""
        if self._server is not None:
            raise RuntimeError("FakeSlackApi already started")
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        self._server = ServerThread(app, name="fake-slack-api").start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        """Close the socket and the thread; safe to call twice."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FakeSlackApi:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL in slack_sdk's format (the trailing slash matters: method names are appended to it)."""
        if not self.port:
            raise RuntimeError("FakeSlackApi not started")
        return f"http://127.0.0.1:{self.port}/api/"

    # -- test API ----------------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every call so far, oldest first (a copy, so it never changes under the reader)."""
        with self._state.lock:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls to one method, e.g. ``"chat.postMessage"``."""
        return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls to ``method`` arrived (the bot answers Slack asynchronously)."""
        deadline = time.monotonic() + timeout
        while (found := self._arrived(method, count, deadline)) is None:
            time.sleep(0.01)
        return found

    async def async_wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """``wait_for`` for async tests: yields to the test's loop, where the bot under test may be running."""
        deadline = time.monotonic() + timeout
        while (found := self._arrived(method, count, deadline)) is None:
            await asyncio.sleep(0.01)
        return found

    def _arrived(self, method: str, count: int, deadline: float) -> list[Call] | None:
        """The calls once there are enough, None to keep waiting; AssertionError past the deadline."""
        found = self.calls_to(method)
        if len(found) >= count:
            return found
        if time.monotonic() >= deadline:
            seen = [call.method + (" (failed)" if call.failed else "") for call in self.calls]
            raise AssertionError(f"expected {count} call(s) to {method}, got {len(found)}; recorded: {seen}")
        return None

    def reset(self) -> None:
        """Forget calls, pending failures and custom responses (tokens and team stay)."""
        with self._state.lock:
            self._state.calls.clear()
            self._state.failures.clear()
            self._state.responders.clear()

    def fail_next(self, method: str, status: int = 429, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls to ``method`` with HTTP ``status`` (429 carries ``Retry-After``)."""
        with self._state.lock:
            queue = self._state.failures.setdefault(method, deque())
            queue.extend(_Failure(status, retry_after) for _ in range(times))

    def set_response(self, method: str, response: dict[str, Any] | Responder) -> None:
        """Replace the built-in answer for ``method`` (a fixed dict, or a function of the Call) for odd cases."""
        responder: Responder = response if callable(response) else (lambda _call: dict(response))
        with self._state.lock:
            self._state.responders[method] = responder

    def hold(self, method: str) -> threading.Event:
        """Keep calls to ``method`` waiting (recorded, unanswered) until the returned event is set: a slow Slack."""
        release = threading.Event()
        with self._state.lock:
            self._state.held[method] = release
        return release

    # -- HTTP side ---------------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        token = _bearer(request.headers.get("Authorization")) or _str_or_none(args.pop("token", None))
        with self._state.lock:
            queue = self._state.failures.get(method)
            failure = queue.popleft() if queue else None
            if failure is None and method == "chat.postMessage" and self.channel_pace is not None:
                failure = self._too_soon(str(args.get("channel")))
            call = Call(method=method, args=args, token=token, time=time.time(), failed=failure is not None)
            self._state.calls.append(call)
            responder = self._state.responders.get(method)
            held = self._state.held.get(method)
        if held is not None:
            await asyncio.get_running_loop().run_in_executor(None, held.wait, 30)
        if failure is not None:
            return _failure_response(failure)
        needs_token = method not in CLIENT_CREDENTIAL_METHODS
        if needs_token and (token is None or token not in self.valid_tokens):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if responder is not None:
            return web.json_response(responder(call))
        answer = self._answers.get(method)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(answer(call.args))

    def _too_soon(self, channel: str) -> _Failure | None:
        """Called under the lock: a 429 when ``channel`` had a post less than ``channel_pace`` seconds ago."""
        now, last = time.monotonic(), self._last_post.get(channel)
        assert self.channel_pace is not None
        if last is not None and now - last < self.channel_pace:
            return _Failure(429, max(1, round(self.channel_pace - (now - last))))
        self._last_post[channel] = now
        return None

    # -- answers, one per method, in the shapes of the real API ------------------------------------------------

    def _next_ts(self) -> str:
        """Message timestamps strictly increase, as Slack's do (they are message ids within a channel)."""
        return f"1700000000.{next(self._ts):06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://acme.slack.invalid/",
            "team": "Acme",
            "user": "maturitybot",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        channel_id = "D" + users[0] if len(users) == 1 else "G" + "".join(users)
        return {"ok": True, "channel": {"id": channel_id}}

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": args.get("text", ""),
            "blocks": _maybe_json(args.get("blocks")) or [],
            "ts": ts,
        }
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": args["ts"],
            "text": args.get("text", ""),
            "message": {"text": args.get("text", ""), "blocks": _maybe_json(args.get("blocks")) or []},
        }

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        view = _maybe_json(args.get("view"))
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{next(self._view_ids):08d}"
        return {"ok": True, "view": {**view, "id": view_id, "team_id": self.team_id, "hash": f"hash-{view_id}"}}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """A modal opens only with a trigger id (Slack's are good for three seconds) and a view."""
        view = _maybe_json(args.get("view"))
        if not args.get("trigger_id") or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{next(self._view_ids):08d}"
        return {"ok": True, "view": {**view, "id": view_id, "team_id": self.team_id, "hash": f"hash-{view_id}"}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": self.team_id,
                "name": f"user-{user_id}",
                "real_name": f"User {user_id}",
                "tz": "Europe/Amsterdam",
                "is_admin": False,
                "is_bot": False,
            },
        }

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = args.get("channel")
        if not channel_id:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel_id, "name": f"chan-{channel_id}"}}

    @property
    def _answers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "conversations.open": self._conversations_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
        }


async def _read_args(request: web.Request) -> dict[str, Any]:
    """Query args merged with the body, whether slack_sdk sent JSON (chat.*) or a form (everything else)."""
    args: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return args
    if request.content_type == "application/json":
        raw = await request.text()
        body = json.loads(raw) if raw else {}
        if isinstance(body, dict):
            args.update(body)
    else:
        form = await request.post()
        args.update({key: value for key, value in form.items() if isinstance(value, str)})
    return args


def _bearer(header: str | None) -> str | None:
    if header and header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip() or None
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _maybe_json(value: Any) -> Any:
    """Form-encoded calls carry blocks and views as JSON strings; JSON calls carry them as objects."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _failure_response(failure: _Failure) -> web.Response:
    if failure.status == 429:
        return web.json_response(
            {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(failure.retry_after)}
        )
    error = "internal_error" if failure.status >= 500 else "request_failed"
    return web.json_response({"ok": False, "error": error}, status=failure.status)

"""A fake Slack Web API served over real HTTP on 127.0.0.1, so the bot's own slack_sdk client is exercised end to end.

It runs in a thread with its own event loop, so it serves both sync tests and async tests (whose loop may be busy
running the bot). Every call is recorded; answers follow the JSON shapes of the real API; failures (429, 500) can be
injected per method to test retries.

    with FakeSlackApi() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)
        ...
        [call] = fake.wait_for("chat.postMessage")

Files go up as slack_sdk's ``files_upload_v2`` sends them: ``files.getUploadURLExternal`` hands out a file id and an
upload URL on this same server, the bytes are POSTed there (recorded as a call to ``"upload"``, so ``fail_next`` and
``hold`` apply to it), and ``files.completeUploadExternal`` shares them; ``fake.uploads()`` lists the shared files.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import mimetypes
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tests.fakes.base import FakeServer, async_wait_for_items, wait_for_items

DEFAULT_TOKEN = "xoxb-test"
DEFAULT_TEAM_ID = "T0001"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"

# Called with the app's client id and secret (HTTP Basic auth), not a token; answer them with ``set_response``.
CLIENT_CREDENTIAL_METHODS = frozenset({"oauth.v2.access"})

# The pseudo-method under which POSTs of file bytes to an upload URL are recorded (``fail_next(UPLOAD, status=500)``).
UPLOAD = "upload"
RESPONSE_URL = "response_url"  # what a response URL received, recorded as calls to this "method"
# Largest request body the fake reads (aiohttp's default is 1 MiB; Slack itself takes files up to 1 GB).
MAX_BODY_BYTES = 64 * 1024 * 1024

Responder = Callable[["Call"], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One request the fake received; ``failed`` marks calls answered by an injected HTTP failure."""

    method: str
    args: dict[str, Any]
    token: str | None
    time: float
    failed: bool = False


@dataclass(frozen=True)
class Upload:
    """A file shared by ``files.completeUploadExternal``: the bytes that were uploaded and where they went."""

    file_id: str
    filename: str
    title: str
    content: bytes
    channel_id: str | None
    initial_comment: str | None
    thread_ts: str | None
    channels: tuple[str, ...] = ()


@dataclass
class _IssuedFile:
    """A file id handed out by ``files.getUploadURLExternal``; ``content`` stays None until its bytes arrive."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None


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
    files: dict[str, _IssuedFile] = field(default_factory=dict)
    upload_paths: dict[str, str] = field(default_factory=dict)  # opaque part of an upload URL -> file id
    uploads: list[Upload] = field(default_factory=list)
    outside: dict[str, bool] = field(default_factory=dict)  # channels the bot is not in -> whether private


class FakeSlackApi(FakeServer):
    """Fake of https://slack.com/api/ for ``AsyncWebClient(base_url=fake.url)`` and ``WebClient(base_url=fake.url)``."""

    name = "fake-slack-api"

    def __init__(
        self,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        valid_tokens: Iterable[str] = (DEFAULT_TOKEN,),
        channel_pace: float | None = None,
    ) -> None:
        """``channel_pace``: seconds Slack wants between two posts to one channel; a faster post gets 429 with
        Retry-After, as Slack's own per-channel limit (about one message per second) answers."""
        super().__init__()
        self.team_id = team_id
        self.channel_pace = channel_pace
        self._last_post: dict[str, float] = {}
        self.valid_tokens: set[str] = set(valid_tokens)
        self._state = _State()
        self._ts = itertools.count(100)
        self._view_ids = itertools.count(1)
        self._file_ids = itertools.count(1)

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_route("POST", "/upload/v1/{ticket}", self._handle_upload)
        app.router.add_route("POST", "/hooks/{path:.*}", self._handle_response_url)
        return app

    @property
    def url(self) -> str:
        """Base URL in slack_sdk's format (the trailing slash matters: method names are appended to it)."""
        return self._base() + "/api/"

    # -- test API ----------------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every call so far, oldest first (a copy, so it never changes under the reader)."""
        with self._state.lock:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls to one method, e.g. ``"chat.postMessage"``."""
        return [call for call in self.calls if call.method == method]

    def uploads(self) -> list[Upload]:
        """The files shared by ``files.completeUploadExternal`` so far, oldest first (a snapshot)."""
        with self._state.lock:
            return list(self._state.uploads)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls to ``method`` arrived (the bot answers Slack asynchronously)."""
        return wait_for_items(lambda: self.calls_to(method), count, timeout, self._missing(f"call(s) to {method}"))

    async def async_wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """``wait_for`` for async tests."""
        missing = self._missing(f"call(s) to {method}")
        return await async_wait_for_items(lambda: self.calls_to(method), count, timeout, missing)

    def wait_for_uploads(self, count: int = 1, timeout: float = 5.0) -> list[Upload]:
        """Block until ``count`` files were shared. Safer than ``wait_for("files.completeUploadExternal")``, which
        returns once the call arrived, possibly before the fake has stored the upload."""
        return wait_for_items(self.uploads, count, timeout, self._missing("completed upload(s)"))

    async def async_wait_for_uploads(self, count: int = 1, timeout: float = 5.0) -> list[Upload]:
        """``wait_for_uploads`` for async tests."""
        return await async_wait_for_items(self.uploads, count, timeout, self._missing("completed upload(s)"))

    def _recorded(self) -> list[str]:
        return [call.method + (" (failed)" if call.failed else "") for call in self.calls]

    def reset(self) -> None:
        """Forget calls, uploads (and the file ids issued for them), pending failures and custom responses (tokens
        and team stay)."""
        with self._state.lock:
            self._state.calls.clear()
            self._state.failures.clear()
            self._state.responders.clear()
            self._state.files.clear()
            self._state.upload_paths.clear()
            self._state.uploads.clear()

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

    async def _receive(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[Call, _Failure | None, Responder | None]:
        """Record a request and take what the test arranged for it: an injected failure, a custom answer, a hold
        (waited out here)."""
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
        return call, failure, responder

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        token = _bearer(request.headers.get("Authorization")) or _str_or_none(args.pop("token", None))
        call, failure, responder = await self._receive(method, args, token)
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

    def response_url(self) -> str:
        """A command's or action's ``response_url`` on this fake (Slack's are on hooks.slack.com): what the app
        sends there is recorded as calls to the method "response_url"."""
        return f"{self._base()}/hooks/commands/{secrets.token_hex(6)}"

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        """Slack answers a response URL with a plain "ok"; the JSON body is the message."""
        try:
            args = json.loads(await request.text())
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        _call, failure, _responder = await self._receive(RESPONSE_URL, args if isinstance(args, dict) else {}, None)
        if failure is not None:
            return _failure_response(failure)
        return web.Response(text="ok")

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """An upload URL from ``files.getUploadURLExternal``: stores the POSTed bytes for its file id and answers
        in plain text as files.slack.com does. No token is needed (the URL itself is the credential) and
        ``set_response`` does not apply; ``fail_next(UPLOAD)`` and ``hold(UPLOAD)`` do."""
        content = await _read_upload(request)
        with self._state.lock:
            file_id = self._state.upload_paths.get(request.match_info["ticket"])
        args = {"file_id": file_id, "size": len(content)}
        _call, failure, _responder = await self._receive(UPLOAD, args, _bearer(request.headers.get("Authorization")))
        if failure is not None:
            return _failure_response(failure)
        with self._state.lock:
            issued = self._state.files.get(file_id) if file_id is not None else None
            if issued is not None:
                issued.content = content
        if issued is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(text=f"OK - {len(content)}")

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
        refused = self._refusal(str(args["channel"]))
        if refused is not None:
            return refused
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

    def keep_out(self, channel: str, *, private: bool = False) -> None:
        """The bot is not a member of ``channel``: posts there fail as Slack's do (a private channel the bot is
        not in does not even exist for it); a public one can be joined."""
        with self._state.lock:
            self._state.outside[channel] = private

    def let_in(self, channel: str) -> None:
        """Someone invited the bot."""
        with self._state.lock:
            self._state.outside.pop(channel, None)

    def _refusal(self, channel: str) -> dict[str, Any] | None:
        with self._state.lock:
            private = self._state.outside.get(channel)
        if private is None:
            return None
        return {"ok": False, "error": "channel_not_found" if private else "not_in_channel"}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(args.get("channel") or "")
        with self._state.lock:
            private = self._state.outside.get(channel_id)
        if not channel_id or private:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel_id,
                "name": f"chan-{channel_id}",
                "is_channel": True,
                "is_private": False,
                "is_im": channel_id.startswith("D"),
                "is_member": private is None,
            },
        }

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(args.get("channel") or "")
        with self._state.lock:
            private = self._state.outside.get(channel_id)
            if not private:
                self._state.outside.pop(channel_id, None)
        if not channel_id or private:
            return {"ok": False, "error": "method_not_supported_for_channel_type" if private else "channel_not_found"}
        return {"ok": True, "channel": {"id": channel_id, "name": f"chan-{channel_id}", "is_member": True}}

    def _files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = _str_or_none(args.get("filename"))
        length = _int_or_none(args.get("length"))
        if filename is None or length is None or length < 0:
            return {"ok": False, "error": "invalid_arguments"}
        if length == 0:
            return {"ok": False, "error": "missing_argument"}  # Slack's documented answer to an empty file
        file_id = f"F{next(self._file_ids):08d}"
        ticket = secrets.token_hex(12)
        with self._state.lock:
            self._state.files[file_id] = _IssuedFile(file_id, filename, length, _str_or_none(args.get("alt_txt")))
            self._state.upload_paths[ticket] = file_id
        return {"ok": True, "upload_url": f"{self._base()}/upload/v1/{ticket}", "file_id": file_id}

    def _files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        """Shares every listed file at once, or none: each id must have been issued and its bytes uploaded."""
        items = _maybe_json(args.get("files"))
        if not isinstance(items, list) or not items:
            return {"ok": False, "error": "invalid_arguments"}
        if not all(isinstance(item, dict) and _str_or_none(item.get("id")) for item in items):
            return {"ok": False, "error": "invalid_arguments"}
        channel_id = _str_or_none(args.get("channel_id"))
        channels = tuple(c.strip() for c in str(args.get("channels") or "").split(",") if c.strip())
        with self._state.lock:
            issued = [self._state.files.get(item["id"]) for item in items]
            if any(found is None or found.content is None for found in issued):
                return {"ok": False, "error": "file_not_found"}
            done = [
                Upload(
                    file_id=found.file_id,
                    filename=found.filename,
                    title=_str_or_none(item.get("title")) or found.filename,
                    content=found.content,
                    channel_id=channel_id,
                    initial_comment=_str_or_none(args.get("initial_comment")),
                    thread_ts=_str_or_none(args.get("thread_ts")),
                    channels=channels,
                )
                for item, found in zip(items, issued, strict=True)
                if found is not None and found.content is not None
            ]
            alt_texts = {found.file_id: found.alt_txt for found in issued if found is not None}
            self._state.uploads.extend(done)
        now = int(time.time())
        return {"ok": True, "files": [self._file_object(upload, now, alt_texts.get(upload.file_id)) for upload in done]}

    def _file_object(self, upload: Upload, created: int, alt_txt: str | None) -> dict[str, Any]:
        """A file in the shape Slack's file objects have (the fields a client is likely to read)."""
        extension = upload.filename.rpartition(".")[2].lower() if "." in upload.filename else ""
        path = f"{upload.file_id}/{quote(upload.filename)}"
        shared_to = [c for c in (upload.channel_id, *upload.channels) if c]
        file: dict[str, Any] = {
            "id": upload.file_id,
            "created": created,
            "timestamp": created,
            "name": upload.filename,
            "title": upload.title,
            "mimetype": mimetypes.guess_type(upload.filename)[0] or "application/octet-stream",
            "filetype": extension or "binary",
            "pretty_type": extension.upper() or "Binary",
            "user": BOT_USER_ID,
            "user_team": self.team_id,
            "size": len(upload.content),
            "mode": "hosted",
            "is_external": False,
            "is_public": any(c.startswith("C") for c in shared_to),
            "url_private": f"https://files.slack.invalid/files-pri/{self.team_id}-{path}",
            "url_private_download": f"https://files.slack.invalid/files-pri/{self.team_id}-{path}?download=1",
            "permalink": f"https://acme.slack.invalid/files/{BOT_USER_ID}/{path}",
            "file_access": "visible",
        }
        if alt_txt:
            file["alt_txt"] = alt_txt
        return file

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
            "conversations.join": self._conversations_join,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
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


async def _read_upload(request: web.Request) -> bytes:
    """The file's bytes: the raw body (as slack_sdk sends it, whatever the Content-Type says), or, for a multipart
    form, its ``file`` field or else its first file part."""
    if request.content_type != "multipart/form-data":
        return await request.read()
    form = await request.post()
    named = form.get("file")
    part = named if named is not None else next((v for v in form.values() if isinstance(v, web.FileField)), None)
    if isinstance(part, web.FileField):
        return part.file.read()
    if isinstance(part, str):
        return part.encode()
    return bytes(part) if part is not None else b""


def _bearer(header: str | None) -> str | None:
    if header and header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip() or None
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int_or_none(value: Any) -> int | None:
    """An integer argument, sent as a number (JSON) or as digits (query string, form)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value) if isinstance(value, str) else None
    except ValueError:
        return None


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

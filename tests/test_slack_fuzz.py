"""Bad input never gets a 5xx. Thousands of malformed requests, made deterministically (a seeded random.Random)
from Slack's real payloads, go over real HTTP to the real server, whose Slack Web API is the fake.

Every signed request carries a defect in a field the bot reads (deleted, null, the wrong type, blank, too long, a
NUL, nested too deep, a body that does not parse or is not UTF-8), usually on top of noise in fields it does not
read (Slack adds fields all the time, and they must not matter). The bases are requests that would act if they
were taken (start an assessment, answer a question, keep a note), so each one must get exactly the status it
deserves (401 unsigned, 400 malformed, 415 a content type Slack never sends, 405 another method, 413 too big),
the database must be left as it was, and a real person must be served afterwards.
"""

from __future__ import annotations

import copy
import http.client
import json
import random
import re
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import MetaData, func, select

from bot.server.compose import build_app
from bot.slack import payload as boundary
from bot.slack.render import NOTE_CALLBACK, ActionValue, NoticeValue
from scoring.model import default_model
from storage.database import make_engine
from storage.models import SLACK_INSTALLATIONS, SLACK_OAUTH_STATES
from tests.fakes.slack_api import FakeSlackApi
from tests.server_thread import ServerThread
from tests.slack_posts import button, questions_posted, wait_until
from tests.slack_requests import (
    FORM,
    JSON,
    app_home_opened,
    block_action,
    dm_message,
    event,
    payload_of,
    sign,
    sign_bytes,
    slash_command,
    url_verification,
    view_submission,
)
from tests.test_slack_oauth import COOKIE, INSTALLED_TOKEN, TEAM, oauth_settings, oauth_v2_access
from tests.test_slack_server import SECRET, start_server

SEED = 20_240_611
EVENT_REQUESTS = 2_400
INSTALL_REQUESTS, REDIRECT_REQUESTS = 2_000, 2_000  # at least 2,000 to each route
WORKSPACE, CHANNEL, USER = "T0001", "C0001", "U0001"
MAX_BODY = 1024**2  # aiohttp's default client_max_size
TS, SIG = "X-Slack-Request-Timestamp", "X-Slack-Signature"
GOOD_CODE = "good-code"
HOOK = "https://hooks.slack.invalid/commands/T0001/123456789012/0123456789abcdef01234567"  # fixed: same bytes each run

# slack_sdk's own oauth.v2.access call uses aiohttp's BasicAuth, which aiohttp deprecates; not this project's code.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

Path = tuple[str | int, ...]
Headers = list[tuple[str, str | bytes]]


# -- sending -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request and the statuses it may get."""

    category: str
    method: str
    target: str
    headers: Headers
    body: bytes = b""
    expected: frozenset[int] = frozenset({400})
    raw: bytes | None = None  # sent as it is over a socket of its own: bytes http.client refuses to send


class Client:
    """A kept-alive HTTP/1.1 connection to the server (reopened when the server closes it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self, probe: Probe) -> tuple[int, dict[str, str], bytes]:
        if probe.raw is not None:
            return self._raw(probe.raw), {}, b""
        for attempt in (1, 2):
            try:
                self._conn.putrequest(probe.method, probe.target, skip_accept_encoding=True)
                for name, value in probe.headers:
                    self._conn.putheader(name, value)
                if probe.body or probe.method in ("POST", "PUT", "PATCH"):
                    self._conn.putheader("Content-Length", str(len(probe.body)))
                self._conn.endheaders(probe.body or None)
                response = self._conn.getresponse()
                data = response.read()
                if response.will_close:
                    self._reopen()
                return response.status, dict(response.headers), data
            except (ConnectionError, http.client.HTTPException):
                self._reopen()  # the server closed an idle connection: once more on a new one
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _reopen(self) -> None:
        self._conn.close()
        self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def _raw(self, request: bytes) -> int:
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(request)
            head = b""
            while b"\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
        return int(head.split(b" ", 2)[1])

    def close(self) -> None:
        self._conn.close()


@dataclass
class Tally:
    """Requests sent per category, the statuses they got, and those that got another status than expected."""

    sent: Counter[str] = field(default_factory=Counter)
    owed: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)

    def record(self, probe: Probe, status: int, body: bytes) -> None:
        self.sent[probe.category] += 1
        self.owed["/".join(map(str, sorted(probe.expected)))] += 1
        self.statuses[status] += 1
        if status not in probe.expected:
            shown = (probe.raw or probe.body)[:160]
            self.wrong.append(
                f"{probe.category}: {probe.method} {probe.target[:80]} {shown!r} -> {status} {body[:160]!r}"
            )

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def row_counts(database_url: str) -> dict[str, int]:
    """Rows in every table: what a malformed request must not change."""
    engine = make_engine(database_url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        with engine.connect() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in tables.tables.items()
            }
    finally:
        engine.dispose()


def report(capsys: pytest.CaptureFixture[str], label: str, tallies: dict[str, Tally]) -> None:
    """The figures quoted in the README: requests per endpoint, by the status they were owed, and the 5xx."""
    with capsys.disabled():
        for endpoint, tally in tallies.items():
            owed = ", ".join(f"{n} owed {status}" for status, n in sorted(tally.owed.items()))
            print(f"\n[fuzz {label}] {endpoint}: {tally.total} requests ({owed}), {tally.server_errors} got a 5xx")


# -- what the bot reads, and what it does not ----------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A field Bolt or a listener reads, and what it must be (see NOT_A)."""

    path: Path
    kind: str
    required: bool = False


@dataclass(frozen=True)
class Base:
    """A real request that would act if it were taken, and where its fields are."""

    name: str
    wire: str  # "form": a slash command's fields; "payload": an interaction (payload=<json>); "json": an event
    payload: dict[str, Any]
    fields: tuple[Field, ...]  # read: a defect goes here
    ignored: tuple[Path, ...]  # read by nobody: noise goes here
    workspace: tuple[Path, ...]  # removing all of these leaves the request naming no workspace


LONG = "x" * 300
# Values that are not what a field of each kind must be.
NOT_A: dict[str, list[Any]] = {
    "id": ["", "   ", LONG, 7, 7.5, True, [], ["U0001"], {"id": "U0001"}, None],
    "text": [7, True, [], ["a"], {"a": 1}, None],
    "name": [LONG, 7, [], None],
    "url": ["http://[", "ftp://hooks.example/x", "hooks.example/x", "http:///x", "https://h:99999/x", "http://a b/", 7],
    "object": ["{}", 7, [], [{}], True, None],
    "object|null": ["{}", 7, [], [{}], True],
    "list+": [[], {}, "[]", 7, None],
    "list": [{}, "[]", 7, None],
    "type": [7, None, [], {}, True],
}


def bases() -> list[Base]:
    model = default_model()
    question = model.profile_question
    assert question is not None
    option = model.choices(question)[0].id
    answer = ActionValue(CHANNEL, question.id, option, 1).encode()
    fixed = {"trigger_id": "1700000000.123456789012.0123456789abcdef0123456789abcdef", "response_url": HOOK}
    command = payload_of(slash_command(SECRET, channel_id="C0FUZZ", user_id="U0FUZZ", text="start", **fixed)[0])
    click = (
        payload_of(block_action(SECRET, channel_id="D" + USER, message_ts="1.0", action_id="answer_1", value=answer)[0])
        | fixed
    )
    start = (
        payload_of(
            block_action(
                SECRET, channel_id="C0FUZZ", message_ts="2.0", action_id="start", value=NoticeValue("C0FUZZ").encode()
            )[0]
        )
        | fixed
    )
    note = payload_of(
        view_submission(
            SECRET,
            callback_id=NOTE_CALLBACK,
            private_metadata=answer,
            values={
                "note": {"note": {"type": "plain_text_input", "value": "we deploy by hand"}},
                "link": {"link": {"type": "url_text_input", "value": "https://wiki.example/deploys"}},
            },
        )[0]
    )
    typed = payload_of(event(SECRET, dm_message(USER, "1"))[0])
    home = payload_of(event(SECRET, app_home_opened(USER))[0])
    joined = payload_of(
        event(SECRET, {"type": "member_joined_channel", "user": "U0BOT", "channel": "C0FUZZ", "channel_type": "C"})[0]
    )
    handshake = payload_of(url_verification(SECRET, "challenge-accepted")[0])
    interaction_fields = (
        Field(("type",), "type", True),
        Field(("user",), "object", True),
        Field(("user", "id"), "id", True),
        Field(("actions",), "list+", True),
        Field(("actions", 0), "object", True),
        Field(("actions", 0, "action_id"), "id", True),
        Field(("actions", 0, "value"), "text"),
        Field(("container",), "object"),
        Field(("container", "channel_id"), "id"),
        Field(("container", "message_ts"), "text"),
        Field(("channel",), "object|null"),
        Field(("channel", "id"), "id", True),
        Field(("team",), "object|null"),
        Field(("team", "id"), "id", True),
        Field(("enterprise",), "object|null"),
        Field(("trigger_id",), "text"),
        Field(("response_url",), "url"),
    )
    interaction_ignored: tuple[Path, ...] = (
        ("token",),
        ("api_app_id",),
        ("message",),
        ("message", "blocks"),
        ("message", "text"),
        ("state",),
        ("actions", 0, "text"),
        ("actions", 0, "block_id"),
        ("actions", 0, "action_ts"),
        ("container", "is_ephemeral"),
        ("user", "username"),
        ("user", "name"),
        ("channel", "name"),
        ("team", "domain"),
    )
    event_fields = (
        Field(("type",), "type", True),
        Field(("event",), "object", True),
        Field(("event", "type"), "id", True),
        Field(("event_id",), "id", True),
        Field(("team_id",), "id"),
        Field(("authorizations",), "list"),
        Field(("authorizations", 0), "object"),
    )
    event_ignored: tuple[Path, ...] = (
        ("token",),
        ("api_app_id",),
        ("event_time",),
        ("event", "ts"),
        ("event", "event_ts"),
        ("authorizations", 0, "is_bot"),
    )
    event_workspace: tuple[Path, ...] = (("team_id",), ("authorizations",), ("event", "team"))
    return [
        Base(
            "command",
            "form",
            command,
            (
                Field(("command",), "id", True),
                Field(("user_id",), "id", True),
                Field(("channel_id",), "id", True),
                Field(("team_id",), "id"),
                Field(("channel_name",), "name"),
                Field(("user_name",), "name"),
                Field(("text",), "text"),
                Field(("trigger_id",), "text"),
                Field(("response_url",), "url"),
            ),
            (("token",), ("team_domain",), ("api_app_id",), ("is_enterprise_install",)),
            (("team_id",),),
        ),
        Base("click", "payload", click, interaction_fields, interaction_ignored, (("team",), ("user", "team_id"))),
        Base(
            "start button",
            "payload",
            start,
            interaction_fields,
            interaction_ignored,
            (("team",), ("user", "team_id")),
        ),
        Base(
            "note",
            "payload",
            note,
            (
                Field(("type",), "type", True),
                Field(("user",), "object", True),
                Field(("user", "id"), "id", True),
                Field(("team",), "object|null"),
                Field(("team", "id"), "id", True),
                Field(("view",), "object", True),
                Field(("view", "type"), "text", True),
                Field(("view", "callback_id"), "text", True),
                Field(("view", "private_metadata"), "text"),
                Field(("view", "state"), "object", True),
                Field(("view", "state", "values"), "object", True),
                Field(("view", "state", "values", "note"), "object"),
            ),
            (("token",), ("api_app_id",), ("trigger_id",), ("view", "id"), ("view", "hash"), ("user", "name")),
            (("team",), ("user", "team_id"), ("view", "team_id")),
        ),
        Base(
            "typed answer",
            "json",
            typed,
            (
                *event_fields,
                Field(("event", "user"), "id", True),
                Field(("event", "channel"), "id", True),
                Field(("event", "text"), "text"),
                Field(("event", "channel_type"), "text"),
            ),
            (*event_ignored, ("event", "client_msg_id")),
            event_workspace,
        ),
        Base(
            "app home",
            "json",
            home,
            (*event_fields, Field(("event", "user"), "id", True), Field(("event", "tab"), "text")),
            event_ignored,
            event_workspace,
        ),
        Base(
            "joined",
            "json",
            joined,
            (*event_fields, Field(("event", "user"), "id", True), Field(("event", "channel"), "id", True)),
            event_ignored,
            event_workspace,
        ),
        Base(
            "url_verification",
            "json",
            handshake,
            (Field(("challenge",), "text", True),),
            (("token",),),
            (),
        ),
    ]


# -- making malformed requests -------------------------------------------------------------------------------------

DEEP = "__deep__"


def encode(wire: str, payload: dict[str, Any], depth: int = 0) -> tuple[bytes, str]:
    """The body as Slack sends it; a ``DEEP`` marker becomes ``depth`` nested lists (json.dumps cannot nest that
    deep itself)."""
    text = json.dumps(payload)
    if depth:
        text = text.replace(json.dumps(DEEP), "[" * depth + "]" * depth, 1)
    if wire == "form" and all(isinstance(v, str) for v in payload.values()):
        return urlencode(payload).encode(), FORM
    if wire == "payload":
        return urlencode({"payload": text}).encode(), FORM
    return text.encode(), JSON  # a form with a non-string field goes as JSON: Bolt still takes it for a command


def signed(category: str, body: bytes, content_type: str, expected: int = 400, **extra: str) -> Probe:
    headers: Headers = list(sign_bytes(SECRET, body, content_type).items())
    headers += list(extra.items())
    if len(body) > MAX_BODY:
        expected = 413
    return Probe(category, "POST", "/slack/events", headers, body, frozenset({expected}))


def get(obj: Any, path: Path) -> Any:
    for step in path:
        obj = obj[step]
    return obj


def has(obj: Any, path: Path) -> bool:
    try:
        get(obj, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True


def put(obj: Any, path: Path, value: Any) -> None:
    get(obj, path[:-1])[path[-1]] = value


def delete(obj: Any, path: Path) -> None:
    parent, key = get(obj, path[:-1]), path[-1]
    if isinstance(parent, dict):
        parent.pop(key, None)
    elif isinstance(key, int) and key < len(parent):
        del parent[key]


def strings(obj: Any, path: Path = ()) -> Iterator[Path]:
    """The paths of every string in ``obj``."""
    if isinstance(obj, str):
        yield path
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from strings(value, (*path, key))
    elif isinstance(obj, list):
        for n, value in enumerate(obj):
            yield from strings(value, (*path, n))


def junk(rnd: random.Random, *, text_only: bool = False) -> Any:
    """A value for a field nobody reads: anything Slack might one day put there."""
    texts: list[Callable[[], Any]] = [
        lambda: "",
        lambda: "y" * rnd.randint(1_000, 60_000),
        lambda: "Grüße € 😀 \u202e مرحبا \u0301 日本",
        lambda: "<@U0002> <!channel> *bold* `code`",
        lambda: "".join(chr(rnd.randint(0x20, 0x2FFF)) for _ in range(rnd.randint(1, 40))),
    ]
    others: list[Callable[[], Any]] = [
        lambda: None,
        lambda: rnd.randint(-(2**53), 2**53),
        lambda: rnd.random() * 1e9,
        lambda: rnd.random() < 0.5,
        lambda: [junk(rnd, text_only=True) for _ in range(rnd.randint(0, 4))],
        lambda: {f"x_{n}": junk(rnd, text_only=True) for n in range(rnd.randint(0, 4))},
        lambda: nested(rnd.randint(2, 12), junk(rnd, text_only=True)),
    ]
    return rnd.choice(texts if text_only else texts + others)()


def nested(depth: int, leaf: Any) -> Any:
    for n in range(depth):
        leaf = [leaf] if n % 2 else {"x": leaf}
    return leaf


def with_noise(rnd: random.Random, base: Base) -> dict[str, Any]:
    """A copy of the base with up to three fields nobody reads changed, dropped or added."""
    payload = copy.deepcopy(base.payload)
    form = base.wire == "form"
    for _ in range(rnd.randint(0, 3)):
        path = rnd.choice([*base.ignored, (f"x_{rnd.randint(0, 99)}",)])
        if not has(payload, path[:-1]):
            continue
        if rnd.random() < 0.2:
            delete(payload, path)
        else:
            put(payload, path, junk(rnd, text_only=form))
    return payload


def field_defect(rnd: random.Random, base: Base) -> Probe:
    """One field the bot reads made wrong: deleted (when required), or a value that is not what it must be."""
    payload = with_noise(rnd, base)
    target = rnd.choice(base.fields)
    bad = NOT_A[target.kind]
    if base.wire == "form" and rnd.random() < 0.7:  # mostly what a form can carry; else the fields go as JSON
        bad = [v for v in bad if isinstance(v, str)] or bad
    if target.required and rnd.random() < 0.3:
        delete(payload, target.path)
    else:
        put(payload, target.path, copy.deepcopy(rnd.choice(bad)))
    body, content_type = encode(base.wire, payload)
    return signed(f"signed, {base.name}: bad {'.'.join(map(str, target.path))}", body, content_type)


def generic_defect(rnd: random.Random, base: Base) -> Probe:
    """A defect anywhere: a NUL, nesting deeper than Slack's, a routing field of the wrong type, no workspace."""
    payload = with_noise(rnd, base)
    kinds = ["nul", "routing"] + (["deep", "deeper"] if base.wire != "form" else [])
    kind = rnd.choice(kinds + (["no workspace"] if base.workspace else []))
    depth = 0
    if kind == "nul":
        path = rnd.choice(list(strings(payload)))
        text = get(payload, path)
        at = rnd.randint(0, len(text))
        put(payload, path, text[:at] + "\x00" + text[at:])
    elif kind in ("deep", "deeper"):
        payload[f"x_{rnd.randint(0, 99)}"] = DEEP
        depth = rnd.randint(70, 800) if kind == "deep" else rnd.randint(2_000, 50_000)  # the latter: RecursionError
    elif kind == "routing":  # fields Bolt reads on any body
        routing = {"event": "object", "view": "object", "callback_id": "text", "type": "type", "command": "id"}
        name = rnd.choice(["event", "view"] if base.wire == "form" else list(routing))
        choices = NOT_A[routing[name]]
        if base.wire == "form":
            choices = [v for v in choices if isinstance(v, str)]
        payload[name] = copy.deepcopy(rnd.choice(choices))
    else:
        for path in base.workspace:
            delete(payload, path)
            if path == ("team",) and rnd.random() < 0.5:
                payload["team"] = None  # an org-wide install's null team, with nothing else naming a workspace
    body, content_type = encode(base.wire, payload, depth)
    return signed(f"signed, {kind}", body, content_type)


def body_defect(rnd: random.Random, base: Base) -> Probe:
    """A signed body that does not parse as Slack's format."""
    real, content_type = encode(base.wire, base.payload)
    text = real.decode()
    if base.wire == "form":
        choices = ["", "&&&", "=", "%zz", "a=b", "payload", "payload=", "token=x&team_id=T0001"]
    else:
        inner = json.dumps(base.payload)
        garbage = ["", "[]", "null", "5", '"text"', "{}", "{not json", inner[: rnd.randint(1, len(inner) - 1)]]
        garbage += ["[" * rnd.randint(2_000, 100_000), inner + "x", inner + inner, "\ufeff" + inner]
        choices = [urlencode({"payload": g}) for g in garbage] if base.wire == "payload" else garbage
        if base.wire == "payload":
            choices += ["payload=%ff%fe%fd", "payload=a&payload=", text.replace("payload=", "payload=%5B", 1)]
    body = rnd.choice(choices)
    return signed(f"signed, {base.wire} body that does not parse", body.encode(), content_type)


def encoding_defect(rnd: random.Random, base: Base) -> Probe:
    """A signed body that is not UTF-8, or claims a charset nobody knows."""
    real, content_type = encode(base.wire, base.payload)
    kind = rnd.choice(["bytes", "latin-1", "utf-16", "charset"])
    if kind == "charset":
        charset = rnd.choice(["x-no-such-charset", "utf-9", "bogus", "'utf-8'x", "ünïcode"])
        return signed("signed, unknown charset", real, f"{content_type}; charset={charset}")
    if kind == "bytes":
        at = rnd.randint(0, len(real))
        body = real[:at] + rnd.choice([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\x80\x80"]) + real[at:]
    elif kind == "latin-1":
        body = real.decode().replace("1", "é", 1).encode("latin-1") + b"\xe9"
    else:
        body = real.decode().encode("utf-16")
    return signed("signed, not UTF-8", body, content_type)


def content_type_defect(rnd: random.Random, base: Base) -> Probe:
    """A real, signed body under a content type Slack never sends (a form sent as JSON does not parse)."""
    real, content_type = encode(base.wire, base.payload)
    if content_type == FORM and rnd.random() < 0.2:
        return signed("signed, form sent as JSON", real, JSON)
    odd = rnd.choice(
        [
            "text/plain",
            "application/xml",
            "multipart/form-data; boundary=x",
            "application/octet-stream",
            "text/html",
            "application/x-json",
            "image/png",
            "",
        ]
    )
    return signed("signed, content type Slack never sends", real, odd, expected=415)


def unsigned(rnd: random.Random, base: Base) -> Probe:
    """A real body whose signature headers are missing, malformed, stale, forged or repeated."""
    body, content_type = encode(base.wire, base.payload)
    good = sign_bytes(SECRET, body, content_type)
    stamp, signature = good[TS], good[SIG]
    digest = signature.removeprefix("v0=")
    timestamps: list[str | bytes | None] = [
        None,
        "",
        "abc",
        "12a",
        "1.5e9",
        "-1",
        "+" + stamp,
        stamp[:5] + "_" + stamp[5:],
        "0x10",
        "NaN",
        "inf",
        "9" * 13,
        "9" * 400,
        "9" * 5_000,
        "１２３".encode(),
    ]
    signatures: list[str | bytes | None] = [
        None,
        "",
        "v0=",
        "v0=" + digest[:63],
        "v0=" + digest + "0",
        "V0=" + digest,
        "v1=" + digest,
        digest,
        "v0=" + digest.upper(),
        "v0=" + "g" * 64,
        f"v0={rnd.getrandbits(256):064x}",
        "v0=" + digest[:-1] + ("1" if digest[-1] == "0" else "0"),
        ("v0=é" + digest[1:]).encode(),
    ]
    kind = rnd.choice(["timestamp", "signature", "both", "stale", "repeated", "tampered", "other secret"])
    headers: Headers = [("Content-Type", content_type)]
    if kind in ("timestamp", "signature", "both"):
        when = rnd.choice(timestamps) if kind != "signature" else stamp
        how = rnd.choice(signatures) if kind != "timestamp" else signature
        headers += [(name, value) for name, value in ((TS, when), (SIG, how)) if value is not None]
    elif kind == "stale":
        moved = int(stamp) + rnd.choice([-1, 1]) * rnd.randint(301, 10**8)
        headers += [(k, v) for k, v in sign_bytes(SECRET, body, content_type, moved).items() if k != "Content-Type"]
    elif kind == "repeated":
        name = rnd.choice([TS, SIG])
        others = {TS: rnd.choice([stamp, "abc"]), SIG: rnd.choice([signature, "v0=" + "0" * 64])}
        headers += [(TS, stamp), (SIG, signature), (name, others[name])]
    elif kind == "tampered":
        at = rnd.randrange(len(body))
        changed = body[:at] + (b"A" if body[at : at + 1] != b"A" else b"B") + body[at + 1 :]
        headers += [(TS, stamp), (SIG, signature)]
        body = changed if rnd.random() < 0.7 else body + b"&x=1"
    else:
        headers += [(k, v) for k, v in sign_bytes("another-secret", body, content_type).items() if k != "Content-Type"]
    return Probe(f"unsigned: {kind}", "POST", "/slack/events", headers, body, frozenset({401}))


def other_method(rnd: random.Random, base: Base) -> Probe:
    body, content_type = encode(base.wire, base.payload)
    method = rnd.choice(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
    headers: Headers = list(sign_bytes(SECRET, body, content_type).items())
    sent = body if method in ("PUT", "PATCH", "DELETE") else b""
    return Probe("another method", method, "/slack/events", headers, sent, frozenset({405}))


def too_big(rnd: random.Random, base: Base) -> Probe:
    payload = copy.deepcopy(base.payload)
    payload["x_padding"] = "p" * (MAX_BODY + rnd.randint(1, 200_000))
    body, content_type = encode(base.wire, payload)
    return signed("too big", body, content_type, expected=413)


MAKERS: list[tuple[Callable[[random.Random, Base], Probe], int]] = [
    (field_defect, 45),
    (generic_defect, 15),
    (body_defect, 8),
    (encoding_defect, 6),
    (content_type_defect, 5),
    (unsigned, 16),
    (other_method, 5),
]


def event_probes(rnd: random.Random, count: int) -> Iterator[Probe]:
    made = bases()
    makers, weights = zip(*MAKERS, strict=True)
    for n in range(count):
        base = rnd.choice(made)
        if n % 600 == 0:
            yield too_big(rnd, base)
        else:
            yield rnd.choices(makers, weights)[0](rnd, base)


# -- the tests -----------------------------------------------------------------------------------------------------


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=WORKSPACE) as fake:
        yield fake


def test_malformed_slack_requests_get_a_4xx_change_nothing_and_a_person_is_served_after(
    database_url: str, slack_api: FakeSlackApi, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    server = start_server(database_url, slack_api)
    client = Client(server.port)
    tally = Tally()
    try:
        before = row_counts(database_url)
        for probe in event_probes(random.Random(SEED), EVENT_REQUESTS):
            status, _, body = client.send(probe)
            tally.record(probe, status, body)
        report(capsys, request.node.callspec.id, {"/slack/events": tally})
        assert tally.total >= 2_000
        assert tally.server_errors == 0, tally.wrong[:20]
        assert tally.wrong == [], f"{len(tally.wrong)} unexpected statuses, e.g. {tally.wrong[:10]}"
        assert row_counts(database_url) == before
        answered = [call.method for call in slack_api.calls if call.method != "auth.test"]  # the bot's own identity
        assert answered == [], "nothing malformed got as far as a listener"

        # A real person, afterwards: the command, the first question in their DM, an answer, the next question.
        person = "U0002"
        status, _ = server.post_json(
            "/slack/events", *slash_command(SECRET, channel_id="C0002", user_id=person, text="start")
        )
        assert status == 200
        wait_until(lambda: any(m["channel"] == "D" + person for m in questions_posted(slack_api)))
        first = next(m for m in questions_posted(slack_api) if m["channel"] == "D" + person)
        action_id, value = button(first, "online")
        status, _ = server.post_json(
            "/slack/events",
            *block_action(
                SECRET, user_id=person, channel_id="D" + person, message_ts="5.0", action_id=action_id, value=value
            ),
        )
        assert status == 200
        wait_until(lambda: len([m for m in questions_posted(slack_api) if m["channel"] == "D" + person]) == 2)
    finally:
        client.close()
        server.stop()


@pytest.fixture
def oauth_api() -> Iterator[FakeSlackApi]:
    """Slack for the install flow: oauth.v2.access takes one code only, as Slack takes only codes it issued."""

    def access(call: Any) -> dict[str, Any]:
        if call.args.get("code") == GOOD_CODE:
            return oauth_v2_access(call)
        return {"ok": False, "error": "invalid_code"}

    with FakeSlackApi(team_id=TEAM) as fake:
        fake.valid_tokens.add(INSTALLED_TOKEN)
        fake.set_response("oauth.v2.access", access)
        yield fake


def junk_text(rnd: random.Random) -> str:
    """A query value; short enough that a few of them stay under aiohttp's 8 KiB request line."""
    return rnd.choice(
        [
            "",
            "".join(chr(rnd.randint(0x21, 0x7E)) for _ in range(rnd.randint(1, 200))),
            "Grüße 😀 \u202e مرحبا",
            "a\x00b",
            "\r\n\t",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "../../etc/passwd",
            "z" * rnd.randint(200, 900),
        ]
    )


def junk_query(rnd: random.Random, keys: list[str]) -> str:
    pairs = [(rnd.choice(keys), junk_text(rnd)) for _ in range(rnd.randint(0, 5))]
    query = urlencode(pairs)
    if rnd.random() < 0.3:
        query += rnd.choice(["&%zz=1", "&%ff%fe=%ff", "&&&", "&=", "&;", "&%00=%00", "&a=%c3", "&+=+"])
    return query


def junk_cookie(rnd: random.Random) -> bytes:
    return rnd.choice(
        [
            b"",
            b";;;",
            b"a=b; c=d",
            COOKIE.encode(),
            COOKIE.encode() + b"=",
            COOKIE.encode() + b'="quoted"',
            b"x=" + b"c" * rnd.randint(100, 4_000),
            b"\xe9\xff=\xfe",
            "; ".join(f"k{n}=v{n}" for n in range(rnd.randint(1, 50))).encode(),
        ]
    )


UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"


def this_browser(cookie: bytes, state: str) -> bool:
    """Bolt's test that the redirect comes back to the browser that started the install."""
    wanted = f"{COOKIE}={state}"
    return any(part.strip().replace('"', "").replace("'", "") == wanted for part in cookie.decode("latin-1").split(";"))


def oauth_probes(rnd: random.Random, issue: Callable[[], str]) -> Iterator[Probe]:
    """Install and redirect requests, each with the status Bolt's flow owes it; ``issue`` starts an install
    (a real GET, counted) and returns its state, for redirects that carry a state the store did issue."""
    install_keys = ["team", "state", "code", "error", "redirect_uri", "x", "", "a b", "ü", "&"]
    redirect_keys = ["team", "redirect_uri", "x", "", "a b", "ü"]
    for n in range(INSTALL_REQUESTS + REDIRECT_REQUESTS):
        if n < INSTALL_REQUESTS:
            kind = rnd.choices(
                ["query", "head", "headers", "method", "raw target", "long target"], [60, 8, 20, 8, 2, 2]
            )[0]
            path = "/slack/install"
            if kind == "query":
                yield Probe(
                    "install: odd query", "GET", f"{path}?{junk_query(rnd, install_keys)}", [], b"", frozenset({200})
                )
            elif kind == "head":
                yield Probe(
                    "install: HEAD", "HEAD", f"{path}?{junk_query(rnd, install_keys)}", [], b"", frozenset({200})
                )
            elif kind == "headers":
                headers: Headers = [("Cookie", junk_cookie(rnd))]
                if rnd.random() < 0.5:
                    headers.append(("Content-Type", rnd.choice(["text/plain; charset=bogus", "application/json"])))
                body = rnd.choice([b"", b"\xff\xfe", b"{not json"])
                yield Probe("install: odd headers and body", "GET", path, headers, body, frozenset({200}))
            elif kind == "method":
                method = rnd.choice(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
                yield Probe("install: another method", method, path, [], b"x=1", frozenset({405}))
            elif kind == "raw target":
                raw = b"GET " + path.encode() + b"?team=\xe9\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                yield Probe("install: raw bytes in the target", "GET", path, [], raw=raw, expected=frozenset({400}))
            else:
                long = path + "?team=" + "t" * rnd.randint(9_000, 20_000)
                yield Probe("install: target too long", "GET", long, [], b"", frozenset({400}))
            continue
        path = "/slack/oauth_redirect"
        kind = rnd.choices(
            ["error", "no browser", "unknown state", "bad code", "method", "raw target"], [15, 30, 20, 30, 3, 2]
        )[0]
        extra = [(rnd.choice(redirect_keys), junk_text(rnd)) for _ in range(rnd.randint(0, 2))]
        if kind == "error":
            pairs = [("error", junk_text(rnd)), ("state", junk_text(rnd)), *extra]
            rnd.shuffle(pairs)
            headers = [("Cookie", junk_cookie(rnd))]
            yield Probe("redirect: Slack's error", "GET", f"{path}?{urlencode(pairs)}", headers, b"", frozenset({200}))
        elif kind == "no browser":
            state = rnd.choice([None, junk_text(rnd)])
            cookie = junk_cookie(rnd)
            if state is not None and this_browser(cookie, state):
                cookie = b"a=b"
            pairs = [("code", junk_text(rnd)), *extra] + ([("state", state)] if state is not None else [])
            headers = [("Cookie", cookie)] if cookie else []
            yield Probe("redirect: state not this browser's", "GET", f"{path}?{urlencode(pairs)}", headers)
        elif kind == "unknown state":
            state = "".join(rnd.choice(UNRESERVED) for _ in range(rnd.randint(1, 1_000)))
            pairs = [("state", state), ("code", rnd.choice([GOOD_CODE, junk_text(rnd)])), *extra]
            headers = [("Cookie", f"a=b; {COOKIE}={state}")]
            yield Probe(
                "redirect: state never issued", "GET", f"{path}?{urlencode(pairs)}", headers, b"", frozenset({401})
            )
        elif kind == "bad code":
            state = issue()
            code = rnd.choice([None, "", junk_text(rnd), GOOD_CODE + "x", "z" * 1_500])
            pairs = [("state", state), *extra] + ([("code", code)] if code is not None else [])
            headers = [("Cookie", f"{COOKIE}={state}")]
            yield Probe(
                "redirect: issued state, bad code", "GET", f"{path}?{urlencode(pairs)}", headers, b"", frozenset({401})
            )
        elif kind == "method":
            method = rnd.choice(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
            yield Probe("redirect: another method", method, f"{path}?code=x&state=y", [], b"x=1", frozenset({405}))
        else:
            raw = b"GET " + path.encode() + b"?state=\xff&code=\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            yield Probe("redirect: raw bytes in the target", "GET", path, [], raw=raw, expected=frozenset({400}))


def test_the_install_flow_answers_bad_input_with_a_4xx_and_installs_nothing(
    database_url: str, oauth_api: FakeSlackApi, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    server = ServerThread(build_app(oauth_settings(database_url, oauth_api))).start()
    client = Client(server.port)
    tallies = {"/slack/install": Tally(), "/slack/oauth_redirect": Tally()}
    issued = consumed = 0

    def issue() -> str:
        nonlocal issued
        probe = Probe("install: a state for a redirect", "GET", "/slack/install", [], b"", frozenset({200}))
        status, headers, body = client.send(probe)
        tallies["/slack/install"].record(probe, status, body)
        issued += status == 200
        found = re.search(rf"{COOKIE}=([^;]+)", headers.get("Set-Cookie", ""))
        assert found, headers
        return found.group(1)

    try:
        before = row_counts(database_url)
        for probe in oauth_probes(random.Random(SEED), issue):
            status, _, body = client.send(probe)
            endpoint = "/slack/install" if probe.category.startswith("install") else "/slack/oauth_redirect"
            tallies[endpoint].record(probe, status, body)
            issued += endpoint == "/slack/install" and status == 200
            consumed += probe.category == "redirect: issued state, bad code"
        report(capsys, request.node.callspec.id, tallies)
        assert sum(t.total for t in tallies.values()) >= 2_000
        assert sum(t.server_errors for t in tallies.values()) == 0, [t.wrong[:10] for t in tallies.values()]
        for tally in tallies.values():
            assert tally.wrong == [], f"{len(tally.wrong)} unexpected statuses, e.g. {tally.wrong[:10]}"
        after = row_counts(database_url)
        states = SLACK_OAUTH_STATES.name
        assert after[states] == before[states] + issued - consumed  # each install page issues one; a redirect uses it
        assert {k: v for k, v in after.items() if k != states} == {k: v for k, v in before.items() if k != states}
        assert [c for c in oauth_api.calls_to("oauth.v2.access") if c.args.get("code") == GOOD_CODE] == []

        # A real install, afterwards.
        state = issue()
        status, _, _ = client.send(
            Probe(
                "a real install",
                "GET",
                "/slack/oauth_redirect?" + urlencode({"code": GOOD_CODE, "state": state}),
                [("Cookie", f"{COOKIE}={state}")],
            )
        )
        assert status == 200
        installed = SLACK_INSTALLATIONS.name
        assert row_counts(database_url)[installed] == before[installed] + 1
    finally:
        client.close()
        server.stop()


@pytest.fixture
def server(database_url: str, slack_api: FakeSlackApi) -> Iterator[ServerThread]:
    srv = start_server(database_url, slack_api)
    yield srv
    srv.stop()


def test_a_command_from_a_channel_named_payload_is_served(server: ServerThread) -> None:
    """Bolt reads any form body holding the word "payload" as an interaction, finds no ``payload`` field, and
    would see an empty body."""
    fields = payload_of(slash_command(SECRET, channel_id="C0PAY", user_id="U0PAY", text="help")[0])
    body = urlencode(fields | {"channel_name": "payload-team"})
    status, reply = server.post_json("/slack/events", body, sign(SECRET, body, FORM))
    assert status == 200 and "/maturity status" in reply["text"]


ORG_WIDE_CLICK = {
    "type": "block_actions",
    "user": {"id": "U0001", "username": "ada", "name": "ada", "team_id": "T0001"},
    "api_app_id": "A0APP",
    "token": "t",
    "container": {"type": "message", "message_ts": "1.0", "channel_id": "D0001", "is_ephemeral": False},
    "trigger_id": "1.2.3",
    "team": None,
    "enterprise": {"id": "E0001", "name": "Acme"},
    "is_enterprise_install": True,
    "channel": {"id": "D0001", "name": "directmessage"},
    "response_url": "https://hooks.slack.com/actions/E0001/1/abc",
    "actions": [{"type": "button", "action_id": "answer_1", "block_id": "b", "value": "{}", "action_ts": "1.1"}],
}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(ORG_WIDE_CLICK, id="an org-wide install's click (team null)"),
        pytest.param(
            {**ORG_WIDE_CLICK, "container": {"type": "view", "view_id": "V1"}, "channel": None, "view": {"id": "V1"}},
            id="a click in App Home",
        ),
        pytest.param(
            {
                "type": "view_closed",
                "team": {"id": "T0001", "domain": "acme"},
                "user": {"id": "U0001"},
                "view": {"id": "V1", "type": "modal", "callback_id": ""},
                "is_cleared": False,
            },
            id="a modal closed",
        ),
        pytest.param(
            {
                "type": "event_callback",
                "team_id": "T0002",
                "event_id": "Ev1",
                "event": {
                    "type": "message",
                    "subtype": "message_changed",
                    "channel_type": "im",
                    "channel": "D1",
                    "message": {"text": "x"},
                },
                "authorizations": [{"enterprise_id": None, "team_id": "T0001", "user_id": "U0BOT", "is_bot": True}],
            },
            id="an edited DM from a Slack Connect workspace",
        ),
        pytest.param(
            {
                "type": "event_callback",
                "team_id": "T0001",
                "event_id": "Ev2",
                "event": {"type": "channel_created", "channel": {"id": "C9", "name": "new"}},
            },
            id="an event this app does not handle",
        ),
        pytest.param({"ssl_check": "1", "token": "t"}, id="ssl_check"),
        pytest.param({"type": "app_rate_limited", "team_id": "T0001", "minute_rate_limited": 1}, id="app_rate_limited"),
        pytest.param(
            {"type": "shortcut", "callback_id": "x", "team": {"id": "T0001"}, "user": {"id": "U1"}}, id="a shortcut"
        ),
        pytest.param({"type": "url_verification", "challenge": "c", "token": "t"}, id="url_verification"),
    ],
)
def test_real_shapes_pass_the_boundary(body: dict[str, Any]) -> None:
    """Strict on what the bot reads, never on what Slack may send: these real shapes go on to Bolt."""
    from slack_bolt.request.async_request import AsyncBoltRequest

    text = urlencode(body) if "ssl_check" in body else json.dumps(body)
    built = AsyncBoltRequest(body=text, headers={"content-type": FORM if "ssl_check" in body else JSON})
    assert boundary.problem(built.body, built.context) is None

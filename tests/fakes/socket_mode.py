"""A fake Slack Socket Mode server: a websocket endpoint on 127.0.0.1 that the bot's real Socket Mode client
connects to (its URL is what the fake Web API's ``apps.connections.open`` returns).

Like ``FakeSlackApi`` it runs in a thread with its own event loop. On connect it sends ``hello`` as Slack does;
a test then pushes envelopes with ``send`` and reads the app's acknowledgement with ``wait_for_ack``.

    with FakeSocketMode() as socket:
        slack_api.set_response("apps.connections.open", {"ok": True, "url": socket.url})
        ...
        envelope_id = socket.send("slash_commands", {...})
        ack = socket.wait_for_ack(envelope_id)  # {"envelope_id": ..., "payload": {...}}
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.base import FakeServer

APP_ID = "A0APP"
# Slack's default for each envelope type (https://docs.slack.dev/apis/events-api/using-socket-mode/).
ACCEPTS_RESPONSE_PAYLOAD = {"slash_commands": True, "interactive": False, "events_api": False}


class FakeSocketMode(FakeServer):
    name = "fake-socket-mode"

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._acks: dict[str, dict[str, Any]] = {}
        self._other: list[Any] = []  # anything the app sent that is not an ack
        self._open: list[web.WebSocketResponse] = []
        self._connections = 0

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/link", self._websocket)
        return app

    def _closing(self) -> None:
        """Every open websocket is closed before the server."""
        assert self._server is not None
        self._server.run(self._close_all())

    async def _close_all(self) -> None:
        for ws in list(self._open):
            await ws.close()

    @property
    def url(self) -> str:
        """What ``apps.connections.open`` should answer with."""
        return self._base("ws") + "/link"

    # -- test API ----------------------------------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """How many websockets are open now."""
        with self._lock:
            return len(self._open)

    @property
    def connections_ever(self) -> int:
        with self._lock:
            return self._connections

    @property
    def other_messages(self) -> list[Any]:
        """What the app sent that was not an envelope acknowledgement (normally nothing)."""
        with self._lock:
            return list(self._other)

    def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        """Block until ``count`` websockets are open."""
        self._wait(lambda: self.connections >= count, timeout, f"{count} open connection(s)")

    def wait_disconnected(self, timeout: float = 5.0) -> None:
        self._wait(lambda: self.connections == 0, timeout, "no open connection")

    def send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
    ) -> str:
        """Push an envelope to the newest open connection (as Slack picks one); returns its envelope_id."""
        server = self._server
        if server is None:
            raise RuntimeError("FakeSocketMode not started")
        self.wait_connected()
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": (
                ACCEPTS_RESPONSE_PAYLOAD.get(envelope_type, False)
                if accepts_response_payload is None
                else accepts_response_payload
            ),
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        with self._lock:
            ws = self._open[-1]
        server.run(ws.send_str(json.dumps(envelope)), timeout=10)
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The app's reply to one envelope: ``{"envelope_id": ..., "payload": ...}`` (payload optional)."""
        self._wait(lambda: self.ack(envelope_id) is not None, timeout, f"an ack of {envelope_id}")
        ack = self.ack(envelope_id)
        assert ack is not None
        return ack

    def ack(self, envelope_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._acks.get(envelope_id)

    def _wait(self, condition: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out waiting for {what}; other messages: {self.other_messages}")
            time.sleep(0.01)

    # -- websocket side ----------------------------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # answers the client's pings (autoping)
        await ws.prepare(request)
        with self._lock:
            self._open.append(ws)
            self._connections += 1
            number = self._connections
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {
                        "host": f"applink-fake-{number}",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": APP_ID},
                }
            )
        )
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                self._record(message.data)
        finally:
            with self._lock:
                self._open.remove(ws)
        return ws

    def _record(self, raw: str) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw
        with self._lock:
            if isinstance(data, dict) and isinstance(data.get("envelope_id"), str):
                self._acks[data["envelope_id"]] = data
            else:
                self._other.append(data)

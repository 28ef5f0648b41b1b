"""What every fake platform server shares: an aiohttp app on a free port of 127.0.0.1, in a thread of its own (so it
answers sync tests and async tests whose loop runs the bot), used as a context manager; and waiting for what the
bot sends, which arrives asynchronously."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from aiohttp import web

from tests.server_thread import ServerThread

T = TypeVar("T")
POLL_SECONDS = 0.01


class FakeServer:
    """Subclasses build their routes in ``_app`` and may close connections of their own in ``_closing``."""

    name = "fake"

    def __init__(self) -> None:
        self.port = 0
        self._server: ServerThread | None = None

    def _app(self) -> web.Application:
        raise NotImplementedError

    def _closing(self) -> None:
        """Called on stop while the server still runs."""

    def start(self) -> Self:
        """Listen on a free port; returns self so ``fake = Fake().start()`` reads naturally."""
        if self._server is not None:
            raise RuntimeError(f"{type(self).__name__} already started")
        self._server = ServerThread(self._app(), name=self.name).start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        """Close the socket and the thread; safe to call twice."""
        if self._server is not None:
            self._closing()
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _recorded(self) -> list[str]:
        """What the fake has received so far, a line each, for the message of a wait that timed out."""
        return []

    def _missing(self, wanted: str) -> Callable[[int, int], str]:
        """The message of a wait for ``wanted`` (e.g. "call(s) to chat.postMessage") that timed out."""
        return lambda count, got: f"expected {count} {wanted}, got {got}; recorded: {self._recorded()}"

    def _base(self, scheme: str = "http") -> str:
        if not self.port:
            raise RuntimeError(f"{type(self).__name__} not started")
        return f"{scheme}://127.0.0.1:{self.port}"


def _enough(found: list[T], count: int, deadline: float, missing: Callable[[int, int], str]) -> list[T] | None:
    """``found`` once it holds ``count`` items, None to keep waiting; AssertionError past the deadline."""
    if len(found) >= count:
        return found
    if time.monotonic() >= deadline:
        raise AssertionError(missing(count, len(found)))
    return None


def wait_for_items(
    items: Callable[[], list[T]], count: int, timeout: float, missing: Callable[[int, int], str]
) -> list[T]:
    """Block until ``items()`` holds ``count``; ``missing(count, got)`` says what was awaited when it never comes."""
    deadline = time.monotonic() + timeout
    while (found := _enough(items(), count, deadline, missing)) is None:
        time.sleep(POLL_SECONDS)
    return found


async def async_wait_for_items(
    items: Callable[[], list[T]], count: int, timeout: float, missing: Callable[[int, int], str]
) -> list[T]:
    """``wait_for_items`` for async tests: yields to the test's loop, where the bot under test may be running."""
    deadline = time.monotonic() + timeout
    while (found := _enough(items(), count, deadline, missing)) is None:
        await asyncio.sleep(POLL_SECONDS)
    return found

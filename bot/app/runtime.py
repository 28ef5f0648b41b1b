"""What every chat adapter shares at run time: turns taken off the event loop, and platform calls made after
the acknowledgement has gone back."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

from bot.app.turns import TurnStore, take_turn
from dialogs.engine import Step
from dialogs.messages import Input
from dialogs.ports import ModelVersions, Participant
from scoring.model import MaturityModel
from scoring.score import MIN_RESPONDENTS_TO_NAME
from storage.database import Database

log = logging.getLogger("maturity_bot.runtime")
T = TypeVar("T")
P = ParamSpec("P")


@dataclass
class Runtime:
    store: TurnStore
    db: Database
    models: ModelVersions  # the current model, and each older round's own version
    on_turn: Callable[[str], None] = lambda platform: None  # metrics hook, given the platform
    storage_threads: Executor | None = None  # None: asyncio's default pool
    admins: frozenset[str] = frozenset()  # platform user ids allowed to change any team's check-ins
    min_respondents: int = MIN_RESPONDENTS_TO_NAME  # team posts name a disagreement only if this many answered
    _pending: set[asyncio.Task[object]] = field(default_factory=set, init=False, repr=False)

    @property
    def model(self) -> MaturityModel:
        """The current model: new rounds open on it, and help texts describe it."""
        return self.models.current

    async def turn(self, who: Participant, inp: Input) -> Step:
        """Committed when this returns: storage is synchronous, so it runs in a worker thread."""
        call = functools.partial(take_turn, self.store, self.models, who, inp, source=who.platform)
        step = await asyncio.get_running_loop().run_in_executor(self.storage_threads, call)
        self.on_turn(who.platform)
        return step

    async def read(self, query: Callable[Concatenate[Database, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """The read-only use case ``query(db, ...)`` off the event loop (type-checked against its signature);
        reads do not queue behind turns (SQLite readers never wait)."""
        return await asyncio.to_thread(query, self.db, *args, **kwargs)

    async def write(self, change: Callable[Concatenate[Database, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """The use case ``change(db, ...)`` off the event loop, on the storage threads (SQLite's one writer)."""
        call = functools.partial(change, self.db, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self.storage_threads, call)

    def later(self, work: Coroutine[Any, Any, object], what: str) -> None:
        """Run ``work`` after the current request has been answered: the platform's HTTP response waits for
        nothing but the committed turn. A failure is logged, never lost silently."""
        task = asyncio.ensure_future(work)
        self._pending.add(task)
        task.add_done_callback(functools.partial(self._finished, what))

    def _finished(self, what: str, task: asyncio.Task[object]) -> None:
        self._pending.discard(task)
        if task.cancelled():
            log.error("%s was cancelled before it finished", what)
        elif task.exception() is not None:
            log.error("%s failed", what, exc_info=task.exception())

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for the posts still in flight (at shutdown, before the database and HTTP sessions close); a post
        stuck behind long rate-limit waits is given up after ``timeout`` seconds, and logged."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=timeout)
        for task in list(self._pending):
            task.cancel()

"""The check-in scheduler of one server process.

APScheduler's AsyncIOScheduler only drives a short periodic tick (in memory: no job store is shared between
processes). Each tick asks the database what is due (``storage.checkins.fire_due``), claims the deliveries that
are ready, and posts them through each platform's ``Outbox``: paced per channel, retried with backoff (or after
the platform's Retry-After) when a post fails, never posted twice once it succeeded.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.notices import Notice, notice_for
from bot.replies import Style
from bot.runtime import Runtime
from storage.checkins import DeliveryJob, FireReport, claim_deliveries, finish_delivery, fire_due
from storage.models import utcnow

log = logging.getLogger("maturity_bot.scheduler")


class Retry(Exception):
    """The post did not go out, and may later: ``after`` is the platform's Retry-After, in seconds, if it gave one."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class Undeliverable(Exception):
    """The post can never go out as addressed (channel gone, bot removed): not retried."""


class Outbox(Protocol):
    style: Style

    async def send(self, job: DeliveryJob, notice: Notice) -> None:
        """Post ``notice`` to the job's team channel, or privately to its recipient. Raises Retry or
        Undeliverable; returns only once the platform has accepted the post."""


class Pacer:
    """No more than one post per ``interval`` to the same channel, within this process."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    async def wait_turn(self, channel: str) -> asyncio.Lock:
        lock = self._locks.setdefault(channel, asyncio.Lock())
        await lock.acquire()
        loop = asyncio.get_running_loop()
        delay = self._last.get(channel, -self.interval) + self.interval - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        return lock

    def done(self, channel: str, lock: asyncio.Lock) -> None:
        self._last[channel] = asyncio.get_running_loop().time()
        lock.release()


@dataclass
class TickResult:
    fired: FireReport
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0  # nothing left to say (a nudge for a plan that is all done)


@dataclass
class CheckinScheduler:
    bot: Runtime
    outboxes: dict[str, Outbox]  # by platform
    tick_seconds: float = 30.0
    grace: timedelta = timedelta(hours=6)  # a fire later than this after its time is recorded as skipped
    lease: timedelta = timedelta(minutes=5)  # longer than any send, Retry-After waits included
    pace: float = 1.0  # seconds between posts to one channel
    batch: int = 200
    concurrency: int = 32
    clock: Callable[[], datetime] = utcnow
    _pacer: Pacer = field(init=False)
    _scheduler: AsyncIOScheduler | None = field(default=None, init=False)
    _ticking: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    def __post_init__(self) -> None:
        self._pacer = Pacer(self.pace)

    async def tick(self) -> TickResult:
        """Fire what is due, then send what is ready, until nothing ready is left (one tick at a time)."""
        async with self._ticking:
            fired = FireReport()
            while True:  # a burst of due schedules is taken in batches, each its own short transaction
                report = await self.bot.write(
                    fire_due, self.bot.model, self.clock(), grace=self.grace, limit=self.batch
                )
                fired.fired += report.fired
                fired.skipped += report.skipped
                fired.deliveries += report.deliveries
                if report.fired < self.batch:
                    break
            result = TickResult(fired)
            while jobs := await self.bot.write(claim_deliveries, self.clock(), limit=self.batch, lease=self.lease):
                gate = asyncio.Semaphore(self.concurrency)
                await asyncio.gather(*(self._send(job, gate, result) for job in jobs))
            return result

    async def _send(self, job: DeliveryJob, gate: asyncio.Semaphore, result: TickResult) -> None:
        outbox = self.outboxes.get(job.platform)
        async with gate:
            if outbox is None:
                await self._finish(job, "this server does not serve " + job.platform, None, result)
                return
            notice = await self.bot.read(notice_for, self.bot.model, job, outbox.style, self.clock())
            if notice is None:
                result.dropped += 1
                await self.bot.write(finish_delivery, job, self.clock())  # nothing to say: done, not retried
                return
            channel = f"{job.platform}:{job.workspace}:{job.recipient or job.team}"
            lock = await self._pacer.wait_turn(channel)
            try:
                await outbox.send(job, notice)
            except Retry as exc:
                wait = exc.after if exc.after is not None else self._backoff(job.attempts)
                await self._finish(job, str(exc), self.clock() + timedelta(seconds=wait), result)
                return
            except Undeliverable as exc:
                await self._finish(job, str(exc), None, result)
                return
            except Exception as exc:  # a bug or an unexpected reply: retried, and logged with its story
                log.exception("delivery %s (%s) failed", job.id, job.kind)
                await self._finish(
                    job, repr(exc), self.clock() + timedelta(seconds=self._backoff(job.attempts)), result
                )
                return
            finally:
                self._pacer.done(channel, lock)
            await self.bot.write(finish_delivery, job, self.clock())
            result.sent += 1

    async def _finish(self, job: DeliveryJob, error: str, retry_at: datetime | None, result: TickResult) -> None:
        status = await self.bot.write(finish_delivery, job, self.clock(), error=error, retry_at=retry_at)
        if status == "stale":
            log.warning("delivery %s (%s): lease ran out and another sender took it over", job.id, job.kind)
        elif status == "pending":
            result.retried += 1
            log.warning("delivery %s (%s) will be retried: %s", job.id, job.kind, error)
        else:
            result.failed += 1
            log.error("delivery %s (%s) failed for good: %s", job.id, job.kind, error)

    @staticmethod
    def _backoff(attempts: int) -> float:
        """Exponential, with jitter so that many failed posts do not come back at the same instant."""
        return min(3600.0, 10.0 * 2 ** (attempts - 1)) * random.uniform(0.8, 1.2)

    # --- running inside the server -----------------------------------------------------------------------

    def attach(self, app: web.Application) -> None:
        """Start ticking with the server and stop with it (before the posts are drained and the database closed)."""

        async def start(_: web.Application) -> None:
            self._scheduler = AsyncIOScheduler(timezone="UTC")
            self._scheduler.add_job(
                self._tick_logged,
                IntervalTrigger(seconds=self.tick_seconds),
                next_run_time=datetime.now(tz=self.clock().tzinfo),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
            self._scheduler.start()
            log.info("check-in scheduler: ticking every %s s", self.tick_seconds)

        async def stop(_: web.Application) -> None:
            if self._scheduler is not None:
                self._scheduler.shutdown(wait=False)
            async with self._ticking:  # let a tick in progress finish its posts
                pass

        app.on_startup.append(start)
        app.on_cleanup.insert(0, stop)

    async def _tick_logged(self) -> None:
        try:
            result = await self.tick()
        except Exception:
            log.exception("check-in tick failed; the next one retries")
            return
        if result.fired.fired or result.sent or result.retried or result.failed:
            log.info(
                "check-ins: %d fired, %d skipped, %d sent, %d to retry, %d failed",
                result.fired.fired,
                result.fired.skipped,
                result.sent,
                result.retried,
                result.failed,
            )

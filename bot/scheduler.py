"""The check-in scheduler of one server process.

APScheduler's AsyncIOScheduler only drives a short periodic tick (in memory: no job store is shared between
processes). Each tick fires what is due (``bot.app.schedules.fire_due``), claims the deliveries that
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

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.app.clock import now
from bot.app.deliveries import (
    STALE,
    DeliveryJob,
    Outbox,
    Outcome,
    Retry,
    Undeliverable,
    Unreachable,
    claim_deliveries,
    finish_deliveries,
)
from bot.app.notices import Notice, notices_for
from bot.app.runtime import Runtime
from bot.app.schedules import FireReport, fire_due
from checkins.states import DeliveryStatus
from dialogs.ports import StoreUnavailable

log = logging.getLogger("maturity_bot.scheduler")
RECORD_WAITS = (1.0, 2.0, 5.0, 10.0, 30.0)  # well inside a post's lease (5 minutes)


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
    waiting: int = 0  # parked: the team's channel does not let the bot in


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
    clock: Callable[[], datetime] = now
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
                    fire_due, self.bot.models, self.clock(), grace=self.grace, limit=self.batch
                )
                fired.fired += report.fired
                fired.skipped += report.skipped
                fired.deliveries += report.deliveries
                if report.fired < self.batch:
                    break
            result = TickResult(fired)
            while jobs := await self.bot.write(claim_deliveries, self.clock(), limit=self.batch, lease=self.lease):
                sent = await self._send_all(jobs)
                outcomes = [outcome for outcome, _ in sent]
                statuses = await self._record(outcomes)
                for (outcome, posted), status in zip(sent, statuses, strict=True):
                    self._count(outcome, posted, status, result)
            return result

    async def _record(self, outcomes: list[Outcome]) -> list[str]:
        """Record what was sent, waiting out a database that is briefly locked or down: given up, the posts'
        leases would run out and they would go out a second time."""
        for wait in RECORD_WAITS:
            try:
                return await self.bot.write(finish_deliveries, outcomes, self.clock())
            except StoreUnavailable as exc:
                log.warning("recording %d sends failed (%s); trying again in %s s", len(outcomes), exc, wait)
                await asyncio.sleep(wait)
        return await self.bot.write(finish_deliveries, outcomes, self.clock())

    async def _send_all(self, jobs: list[DeliveryJob]) -> list[tuple[Outcome, bool]]:
        """Render each platform's share of the batch in one read, then post them all, paced per channel."""
        gate = asyncio.Semaphore(self.concurrency)
        sends = []
        for platform in {job.platform for job in jobs}:
            mine = [job for job in jobs if job.platform == platform]
            outbox = self.outboxes.get(platform)
            if outbox is None:
                sends += [_done(Outcome(job, "this server does not serve " + platform), False) for job in mine]
                continue
            notices = await self.bot.read(
                notices_for,
                self.bot.models,
                mine,
                outbox.style,
                self.clock(),
                min_respondents=self.bot.min_respondents,
            )
            sends += [self._send(outbox, job, notice, gate) for job, notice in zip(mine, notices, strict=True)]
        return list(await asyncio.gather(*sends))

    async def _send(
        self, outbox: Outbox, job: DeliveryJob, notice: Notice | None, gate: asyncio.Semaphore
    ) -> tuple[Outcome, bool]:
        """The outcome, and whether a post went out."""
        if notice is None:
            return Outcome(job), False  # nothing left to say: done, not retried
        channel = f"{job.platform}:{job.workspace}:{job.recipient or job.team}"
        async with gate:
            lock = await self._pacer.wait_turn(channel)
            try:
                await outbox.send(job, notice)
            except Retry as exc:
                wait = exc.after if exc.after is not None else self._backoff(job.attempts)
                return Outcome(job, str(exc), self.clock() + timedelta(seconds=wait)), False
            except Unreachable as exc:
                return Outcome(job, str(exc), unreachable=True), False
            except Undeliverable as exc:
                return Outcome(job, str(exc)), False
            except Exception as exc:  # a bug or an unexpected reply: retried, and logged with its story
                log.exception("delivery %s (%s) failed", job.id, job.kind)
                return Outcome(job, repr(exc), self.clock() + timedelta(seconds=self._backoff(job.attempts))), False
            finally:
                self._pacer.done(channel, lock)
        return Outcome(job), True

    @staticmethod
    def _count(outcome: Outcome, posted: bool, status: str, result: TickResult) -> None:
        job = outcome.job
        if status == DeliveryStatus.SENT:
            if posted:
                result.sent += 1
            else:
                result.dropped += 1
        elif status == STALE:
            log.warning("delivery %s (%s): lease ran out and another sender took it over", job.id, job.kind)
        elif status == DeliveryStatus.WAITING:
            result.waiting += 1
            log.warning("delivery %s (%s) waits until the bot is in the channel: %s", job.id, job.kind, outcome.error)
        elif status == DeliveryStatus.PENDING:
            result.retried += 1
            log.warning("delivery %s (%s) will be retried: %s", job.id, job.kind, outcome.error)
        else:
            result.failed += 1
            log.error("delivery %s (%s) failed for good: %s", job.id, job.kind, outcome.error)

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
        if result.fired.fired or result.sent or result.retried or result.failed or result.dropped or result.waiting:
            log.info(
                "check-ins: %d fired, %d skipped, %d sent, %d to retry, %d failed, %d with nothing left to say, "
                "%d waiting for the bot to be invited",
                result.fired.fired,
                result.fired.skipped,
                result.sent,
                result.retried,
                result.failed,
                result.dropped,
                result.waiting,
            )


async def _done(outcome: Outcome, posted: bool) -> tuple[Outcome, bool]:
    return outcome, posted

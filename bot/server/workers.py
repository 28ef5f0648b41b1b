"""``serve --workers N``: N server processes sharing one port (SO_REUSEPORT), so one machine's cores all answer.

The parent only supervises: it starts the workers, restarts one that dies, and stops them all on SIGTERM or
SIGINT. Workers share nothing but the database and the port; their Prometheus counters are summed through
prometheus_client's multiprocess mode, so ``/metrics`` tells the same story whichever worker answers.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import tempfile
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

from bot.settings import Settings

log = logging.getLogger("maturity_bot.server")
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable
RESTART_DELAY = 1.0  # seconds before a worker that died is replaced


def run_workers(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Blocks until SIGTERM or SIGINT, then stops every worker (each finishes its requests in flight)."""
    from bot.server.compose import check_can_start

    check_can_start(settings)  # a bad setting or an unreachable database fails here, once, not N times
    if settings.resolved_database_url().startswith("sqlite"):
        log.warning("SQLite takes one writer at a time: more workers add little; use PostgreSQL to scale")
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="maturity-bot-metrics-") as metrics_dir:
        os.environ[METRICS_DIR] = metrics_dir  # read by prometheus_client when a worker imports it
        running: list[BaseProcess] = []
        stopping = False

        def start_one() -> None:
            # Signals wait while a worker starts, so a stop never misses one that is being born.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
            try:
                if stopping:
                    return
                worker = ctx.Process(target=_worker, args=(settings, host, port), name=f"worker-{len(running) + 1}")
                worker.start()
                running.append(worker)
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

        def stop(signum: int, _: FrameType | None) -> None:
            nonlocal stopping
            stopping = True
            for worker in running:
                if worker.is_alive() and worker.pid is not None:
                    os.kill(worker.pid, signal.SIGTERM)

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for _ in range(workers):
                start_one()
            log.info("serving on %s:%s with %d workers", host, port, workers)
            while running:
                ended = wait([worker.sentinel for worker in running])
                for worker in [w for w in running if w.sentinel in ended]:
                    worker.join()
                    running.remove(worker)
                    _forget_metrics_of(worker)
                    if not stopping:
                        log.error("worker %s exited with %s; starting a new one", worker.pid, worker.exitcode)
                        _pause(RESTART_DELAY, running)  # a crash loop should not spin; a signal cuts it short
                        start_one()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            os.environ.pop(METRICS_DIR, None)
    log.info("all workers stopped")


def _pause(seconds: float, running: list[BaseProcess]) -> None:
    """Sleep, waking early if a worker ends (a signal interrupts the wait too)."""
    wait([worker.sentinel for worker in running], timeout=seconds)


def _worker(settings: Settings, host: str, port: int) -> None:
    import asyncio

    from bot.server.observability import configure_logging

    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})  # blocked while we were started
    configure_logging(settings.log_format)
    asyncio.run(_serve_until_signalled(settings, host, port))


async def _serve_until_signalled(settings: Settings, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then shut down gracefully once: a second signal (the terminal's SIGINT and
    the parent's SIGTERM both arrive on Ctrl-C) does not cut the shutdown short."""
    import asyncio

    from aiohttp import web

    from bot.server.compose import build_app

    runner = web.AppRunner(build_app(settings), handle_signals=False, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_port=True).start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def _forget_metrics_of(worker: BaseProcess) -> None:
    """Counters of a dead worker stay in the sum (they happened); its live gauges, if any, go."""
    from prometheus_client import multiprocess

    if worker.pid is not None:
        multiprocess.mark_process_dead(worker.pid)

"""Slack's three seconds during a rate-limit storm: every ``users.info`` is answered 429 (Retry-After 1 s), and
people run ``/maturity org`` and ``/maturity schedule pause`` (both need the admin check), each a different person
so that nothing is cached. The bot must acknowledge at once and answer later through the response URL.

The bot and a bare Bolt app that only acknowledges run in processes of their own on 127.0.0.1 on the same stack;
the load comes from this process. Prints the acknowledgement's p50/p99 for both, and how many people heard back.

Run:  python benchmarks/slack_storm.py [--commands 400] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # before this folder: see engine.py

from benchmarks.slack_http import SECRET, pct, run_bare, run_bot, wait_healthy
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi
from tests.serve_processes import free_port
from tests.slack_requests import slash_command

WORDS = ("org", "schedule pause")


async def storm(port: int, fake: FakeSlackApi, commands: int, concurrency: int, tag: str) -> list[float]:
    url = f"http://127.0.0.1:{port}/slack/events"
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(session: aiohttp.ClientSession, n: int) -> None:
        body, headers = slash_command(
            SECRET, user_id=f"U{tag}{n:05d}", text=WORDS[n % 2], response_url=fake.response_url()
        )
        async with gate:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as resp:
                assert resp.status == 200, resp.status
                await resp.read()
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        await asyncio.gather(*(one(session, n) for n in range(commands)))
    return latencies


def line(name: str, latencies: list[float]) -> str:
    return (
        f"  {name:<28} {len(latencies)} commands: ack p50 {pct(latencies, 50):.1f} ms, "
        f"p99 {pct(latencies, 99):.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    print(f"{args.commands} admin-checked commands, concurrency {args.concurrency}, {os.cpu_count()} cores;")
    print("users.info answers every call with 429, Retry-After 1 s")
    with tempfile.TemporaryDirectory() as tmp, FakeSlackApi() as fake:
        fake.fail_next("users.info", status=429, retry_after=1, times=3 * args.commands)  # a call and 2 retries each
        bare_port = free_port()
        bare = ctx.Process(target=run_bare, args=(bare_port, fake.url), daemon=True)
        bare.start()
        wait_healthy(bare_port)
        print(line("bare Bolt (ack only)", asyncio.run(storm(bare_port, fake, args.commands, args.concurrency, "B"))))
        bare.terminate()

        port = free_port()
        bot = ctx.Process(target=run_bot, args=(port, f"sqlite:///{tmp}/storm.db", fake.url, 1))
        bot.start()
        wait_healthy(port)
        print(line("maturity-bot, sqlite", asyncio.run(storm(port, fake, args.commands, args.concurrency, "m"))))
        started = time.monotonic()
        heard = fake.wait_for(RESPONSE_URL, args.commands, timeout=120)
        could_not = sum("couldn't check" in c.args.get("text", "") for c in heard)
        print(
            f"  every person heard back ({len(heard)} answers through the response URL, {could_not} saying the admin "
            f"check could not be made) within {time.monotonic() - started:.1f} s of the last acknowledgement"
        )
        bot.terminate()
        bot.join()


if __name__ == "__main__":
    main()

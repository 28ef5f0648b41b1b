"""Slack clicks over real HTTP under concurrency: the bot against a bare Bolt app that only acknowledges.

Both servers run in processes of their own on 127.0.0.1, on the same stack (aiohttp + Bolt AsyncApp + the same
signature check); the load comes from this process with aiohttp, C members at a time, each clicking through
the questions an online-serving team is asked, in order, the profile question first (every click is committed
before its acknowledgement). Prints figures.

Run:  python benchmarks/slack_http.py [--members 64] [--concurrency 32] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # before this folder: see engine.py

from benchmarks.scratch import reset_schema
from bot.slack.render import ActionValue
from scoring.model import default_model
from tests.fakes.slack_api import FakeSlackApi
from tests.serve_processes import free_port
from tests.slack_requests import block_action, slash_command

SECRET = "bench-secret"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dmaturity_bench_http"


def run_bot(port: int, database_url: str, api_url: str, workers: int) -> None:
    from bot.server.compose import serve
    from bot.settings import Settings

    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)  # the server's logs (and its workers') would drown the figures

    settings = Settings.model_validate(
        {
            "MATURITY_BOT_DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
        }
    )
    serve(settings, host="127.0.0.1", port=port, workers=workers)


def run_bare(port: int, api_url: str) -> None:
    """The baseline: the same HTTP stack and signature check, a listener that only acknowledges."""
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.server.app import slack_endpoint

    bolt = AsyncApp(
        client=AsyncWebClient(token="xoxb-test", base_url=api_url), signing_secret=SECRET, process_before_response=True
    )

    @bolt.action(re.compile(".*"))
    async def only_ack(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    @bolt.command("/maturity")
    async def command(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    app = web.Application()
    app.add_routes(
        [web.post("/slack/events", slack_endpoint(bolt, SECRET)), web.get("/healthz", lambda _: web.Response())]
    )
    web.run_app(app, host="127.0.0.1", port=port, reuse_port=True, print=None, access_log=None)


def wait_healthy(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on {port} did not start")


PROFILE = "online"


async def load(port: int, members: int, concurrency: int, tag: str) -> tuple[list[float], float]:
    model = default_model()
    asked = model.questions_for(PROFILE)
    url = f"http://127.0.0.1:{port}/slack/events"
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def member(session: aiohttp.ClientSession, m: int) -> None:
        user = f"U{tag}{m:05d}"
        async with gate:
            body, headers = slash_command(SECRET, user_id=user, channel_id="C0001")
            async with session.post(url, data=body, headers=headers) as resp:
                assert resp.status == 200, resp.status
            for n, question in enumerate(asked):
                option = PROFILE if question.profile else question.options[n % len(question.options)].id
                value = ActionValue("C0001", question.id, option).encode()
                body, headers = block_action(
                    SECRET,
                    user_id=user,
                    channel_id=f"D{user}",
                    message_ts=f"{m}.{n}",
                    action_id="answer_1",
                    value=value,
                )
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as resp:
                    assert resp.status == 200, resp.status
                    await resp.read()
                latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(member(session, m) for m in range(members)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def report(name: str, latencies: list[float], elapsed: float) -> float:
    rate = len(latencies) / elapsed
    print(
        f"  {name:<22} {len(latencies)} clicks: p50 {pct(latencies, 50):.1f} ms, p95 {pct(latencies, 95):.1f} ms, "
        f"p99 {pct(latencies, 99):.1f} ms, {rate:.0f} clicks/s"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", default="1,2", help="server processes to try, comma-separated (serve --workers)")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="a URL whose search_path names a scratch schema")
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    clicks = len(default_model().questions_for(PROFILE))
    print(f"{args.members} members x {clicks} clicks, concurrency {args.concurrency}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp, FakeSlackApi() as fake:
        for workers in (int(n) for n in args.workers.split(",")):
            print(f"{workers} worker process(es):")
            bare_port = free_port()
            bares = [ctx.Process(target=run_bare, args=(bare_port, fake.url), daemon=True) for _ in range(workers)]
            for bare in bares:
                bare.start()
            wait_healthy(bare_port)
            base = report("bare Bolt (ack only)", *asyncio.run(load(bare_port, args.members, args.concurrency, "B")))
            for bare in bares:
                bare.terminate()
            for name, url in (("sqlite", f"sqlite:///{tmp}/bench-{workers}.db"), ("postgresql", args.postgres)):
                if name == "postgresql":
                    reset_schema(url)
                port = free_port()
                bot = ctx.Process(target=run_bot, args=(port, url, fake.url, workers))  # it may start workers
                bot.start()
                wait_healthy(port)
                rate = report(f"maturity-bot, {name}", *asyncio.run(load(port, args.members, args.concurrency, "m")))
                print(f"  {'':<22} throughput {rate / base:.0%} of the bare baseline")
                bot.terminate()
                bot.join()


if __name__ == "__main__":
    main()

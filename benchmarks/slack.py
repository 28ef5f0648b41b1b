"""Slack acknowledgement times over real HTTP: every request must be answered well within Slack's 3 seconds,
with the answer committed before the acknowledgement. Prints figures; asserts nothing.

Run:  python benchmarks/slack.py [--members 30] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test fakes live in tests/

from bot.server.compose import build_app
from bot.settings import Settings
from scoring.model import default_model
from tests.fakes.slack_api import FakeSlackApi
from tests.server_thread import ServerThread
from tests.slack_requests import block_action, slash_command

SECRET = "bench-secret"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def last_question(fake: FakeSlackApi, channel: str, seen: int) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        posts = [c.args for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel]
        questions = [p for p in posts if "answers:" in json.dumps(p.get("blocks") or [])]
        if len(questions) > seen:
            return questions[-1]
        time.sleep(0.005)
    raise SystemExit("the bot stopped posting questions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    model = default_model()
    with tempfile.TemporaryDirectory() as tmp, FakeSlackApi() as fake:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        settings = Settings.model_validate(
            {
                "MATURITY_BOT_DATABASE_URL": url,
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.url,
            }
        )
        server = ServerThread(build_app(settings)).start()
        commands: list[float] = []
        clicks: list[float] = []
        try:
            for m in range(args.members):
                user = f"U{m:05d}"
                body, headers = slash_command(SECRET, user_id=user, channel_id="C0001")
                t0 = time.perf_counter()
                status, _ = server.post_json("/slack/events", body, headers)
                commands.append(time.perf_counter() - t0)
                assert status == 200
                for n, question in enumerate(model.questions):
                    message = last_question(fake, f"D{user}", n)
                    option = question.options[n % 5].id
                    value = next(
                        e["value"]
                        for b in message["blocks"]
                        for e in b.get("elements", [])
                        if e.get("type") == "button" and json.loads(e["value"]).get("o") == option
                    )
                    body, headers = block_action(
                        SECRET,
                        user_id=user,
                        channel_id=f"D{user}",
                        message_ts=f"{m}.{n}",
                        action_id="answer_1",
                        value=value,
                    )
                    t0 = time.perf_counter()
                    status, _ = server.post_json("/slack/events", body, headers)
                    clicks.append(time.perf_counter() - t0)
                    assert status == 200
        finally:
            server.stop()
    for name, values in (("/maturity", commands), ("answer click", clicks)):
        print(
            f"{name:<13} {len(values)} requests: ack p50 {statistics.median(values) * 1000:.1f} ms, "
            f"p99 {percentile(values, 99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms (Slack allows 3000 ms)"
        )


if __name__ == "__main__":
    main()

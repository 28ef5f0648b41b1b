"""Two `maturity-bot serve` processes with their schedulers on one PostgreSQL database: many teams due at the
same moment, and every check-in reaches the fake Slack Web API exactly once."""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scoring.model import default_model
from storage.database import open_database, upgrade
from tests.checkin_seed import seed_teams
from tests.fakes.slack_api import FakeSlackApi
from tests.personas import PERSONAS
from tests.slack_posts import wait_until
from tests.test_slack_server import SECRET
from tests.test_slack_two_processes import EXE, free_port, healthy

MODEL = default_model()
TEAMS = 150


@pytest.mark.postgres
def test_two_schedulers_deliver_each_check_in_exactly_once(postgres_url: str, tmp_path: Path) -> None:
    upgrade(postgres_url)
    now = datetime.now(tz=UTC)
    db = open_database(postgres_url)
    try:
        channels = seed_teams(
            db, MODEL, TEAMS, answers=PERSONAS["faq_level_2"][1], due_at=now - timedelta(minutes=1), opened_at=now
        )
    finally:
        db.close()
    with FakeSlackApi() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MATURITY_BOT_", "SLACK_"))}
        env |= {
            "MATURITY_BOT_DATABASE_URL": postgres_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url,
            "MATURITY_BOT_TICK_SECONDS": "0.5",
            "MATURITY_BOT_CHECKIN_BATCH": "10",  # small claims, so that the two processes interleave
        }
        fake.fail_next("chat.postMessage", status=500, times=3)  # some posts fail first, and must not double
        logs = [open(tmp_path / f"server-{n}.log", "w") for n in range(2)]  # noqa: SIM115 - closed below
        ports = [free_port(), free_port()]
        procs = [
            subprocess.Popen(
                [str(EXE), "serve", "--host", "127.0.0.1", "--port", str(p)], env=env, stdout=log, stderr=log
            )
            for p, log in zip(ports, logs, strict=True)
        ]
        try:
            for port in ports:
                wait_until(lambda port=port: healthy(f"http://127.0.0.1:{port}"), timeout=30)
            posted = lambda: [c.args["channel"] for c in fake.calls_to("chat.postMessage") if not c.failed]  # noqa: E731
            wait_until(lambda: len(posted()) >= TEAMS, timeout=60)
            time.sleep(2)  # a few more ticks on both processes: nothing else may arrive
            per_channel = Counter(posted())
            assert set(per_channel) == set(channels)
            assert max(per_channel.values()) == 1  # no duplicates; and none missed (the set above)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)
            for log in logs:
                log.close()

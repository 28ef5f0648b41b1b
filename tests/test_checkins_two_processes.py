"""Two `maturity-bot serve` processes with their schedulers on one PostgreSQL database: many teams due at the
same moment, and every check-in reaches the fake Slack Web API exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from scoring.model import default_model
from storage.database import open_database, upgrade
from storage.models import Delivery
from tests.checkin_seed import seed_teams
from tests.fakes.slack_api import FakeSlackApi
from tests.personas import PERSONAS
from tests.serve_processes import server_env, serving
from tests.slack_posts import wait_until
from tests.test_slack_server import SECRET

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

        def states() -> list[str]:
            with db.reading() as session:
                return list(session.scalars(select(Delivery.status)))

        def all_sent() -> bool:
            """Every team's nudge recorded as sent: nothing is left for either process to claim."""
            found = states()
            return len(found) >= TEAMS and set(found) == {"sent"}

        with FakeSlackApi() as fake:
            env = server_env(
                postgres_url,
                fake.url,
                SECRET,
                MATURITY_BOT_TICK_SECONDS="0.5",
                MATURITY_BOT_CHECKIN_BATCH="10",  # small claims, so that the two processes interleave
            )
            fake.fail_next("chat.postMessage", status=500, times=3)  # some posts fail first, and must not double
            with serving(2, env, tmp_path):
                wait_until(all_sent, timeout=60)
            # Both servers have stopped (a tick in progress finishes its posts first): every post is in.
            posted = [c.args["channel"] for c in fake.calls_to("chat.postMessage") if not c.failed]
        per_channel = Counter(posted)
        assert set(per_channel) == set(channels)
        assert max(per_channel.values()) == 1  # no duplicates; and none missed (the set above)
        assert len(states()) == TEAMS  # one delivery each, none fired twice
    finally:
        db.close()

"""Operating the server: health and readiness reflect the database (liveness does not), Slack rate limits are
honoured, logs hold no secrets."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.app.health import database_answers, database_ready
from bot.server.compose import build_app
from bot.server.observability import RedactingJsonFormatter
from bot.settings import Settings
from dialogs.ports import StoreUnavailable
from storage.database import Database, upgrade
from tests.fakes.slack_api import FakeSlackApi
from tests.server_thread import ServerThread
from tests.slack_posts import questions_posted, wait_until
from tests.slack_requests import slash_command
from tests.tcp_proxy import TcpProxy
from tests.test_slack_fuzz import row_counts
from tests.test_slack_server import SECRET


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as fake:
        yield fake


def settings_for(url: str, slack_api: FakeSlackApi) -> Settings:
    return Settings.model_validate(
        {
            "scheduler": False,  # check-ins are tested in test_checkins*.py
            "MATURITY_BOT_DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack_api.url,
        }
    )


def status(server: ServerThread, path: str) -> tuple[int, dict[str, str]]:
    code, body, _ = server.request("GET", path)
    return code, json.loads(body)


@pytest.mark.postgres
def test_health_and_readiness_follow_postgresql_and_liveness_does_not(
    postgres_url: str, slack_api: FakeSlackApi
) -> None:
    """Needs a database behind a network connection to take away, so PostgreSQL only."""
    upgrade(postgres_url)
    direct = make_url(postgres_url)
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    proxied = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    server = ServerThread(build_app(settings_for(proxied, slack_api))).start()
    try:
        for path in ("/healthz", "/readyz", "/livez"):
            assert status(server, path) == (200, {"status": "ok"})
        proxy.down()
        for path in ("/healthz", "/readyz"):
            code, body = status(server, path)
            assert code == 503 and body["status"] == "unavailable" and body["database"]
        assert status(server, "/livez") == (200, {"status": "ok"})  # the process is fine: no restart for an outage
        proxy.up()
        for path in ("/healthz", "/readyz", "/livez"):
            assert status(server, path) == (200, {"status": "ok"})
    finally:
        server.stop()
        proxy.close()


def test_readiness_writes_and_leaves_no_trace(database_url: str, slack_api: FakeSlackApi) -> None:
    server = ServerThread(build_app(settings_for(database_url, slack_api))).start()
    try:
        before = row_counts(database_url)
        for _ in range(3):
            assert status(server, "/readyz") == (200, {"status": "ok"})
        assert status(server, "/livez") == (200, {"status": "ok"})
        assert row_counts(database_url) == before
    finally:
        server.stop()


def test_a_sqlite_file_another_program_keeps_locked_is_not_ready(tmp_path: Path, slack_api: FakeSlackApi) -> None:
    """Reads still work (WAL), so /healthz says 200; no write can be made, so the service is not ready. The probe
    gives up on its own short wait, not the engine's long one: the answer names the lock, not a timeout."""
    path = tmp_path / "maturity-bot.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    server = ServerThread(build_app(settings_for(url, slack_api))).start()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        code, body = status(server, "/readyz")
        assert code == 503 and body["status"] == "unavailable"
        assert "locked" in body["database"] or "busy" in body["database"], body
        assert status(server, "/livez") == (200, {"status": "ok"})
        assert status(server, "/healthz") == (200, {"status": "ok"})
        other.execute("ROLLBACK")
        assert status(server, "/readyz") == (200, {"status": "ok"})
        command, headers = slash_command(SECRET)
        assert server.post_json("/slack/events", command, headers)[0] == 200  # the probe left no lock behind
        wait_until(lambda: len(questions_posted(slack_api)) == 1)
    finally:
        other.close()
        server.stop()


@pytest.mark.postgres
def test_a_read_only_postgresql_answers_but_is_not_ready(postgres_url: str) -> None:
    """A standby after a failover, or a database set read-only: reads succeed, so only the write tells."""
    upgrade(postgres_url)
    url = make_url(postgres_url)
    options = f"{url.query.get('options', '')} -cdefault_transaction_read_only=on".strip()
    db = Database.for_url(url.update_query_dict({"options": options}))
    try:
        database_answers(db)
        with pytest.raises(StoreUnavailable, match="read-only"):
            database_ready(db)
    finally:
        db.close()


def test_a_rate_limited_post_is_retried_and_delivered_once(database_url: str, slack_api: FakeSlackApi) -> None:
    slack_api.fail_next("chat.postMessage", status=429, retry_after=0, times=1)
    server = ServerThread(build_app(settings_for(database_url, slack_api))).start()
    try:
        body, headers = slash_command(SECRET)
        assert server.post_json("/slack/events", body, headers)[0] == 200
        wait_until(lambda: any(not c.failed for c in slack_api.calls_to("chat.postMessage")[1:]), timeout=10)
        wait_until(lambda: len(questions_posted(slack_api)) >= 1, timeout=10)
        calls = slack_api.calls_to("chat.postMessage")
        assert calls[0].failed and not calls[1].failed
        assert calls[0].args == calls[1].args  # the same message, sent again after Retry-After
        delivered = [c for c in calls if not c.failed]
        assert len({json.dumps(c.args, sort_keys=True) for c in delivered}) == len(delivered)
    finally:
        server.stop()


def test_json_logs_never_carry_a_token() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "calling with %s", ("xoxb-1234-5678-abcdef",), None)
    line = json.loads(RedactingJsonFormatter().format(record))
    assert line["message"] == "calling with [redacted]" and line["level"] == "info"

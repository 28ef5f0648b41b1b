"""Operating the server: health reflects the database, Slack rate limits are honoured, logs hold no secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from bot.server.compose import build_app
from bot.server.observability import RedactingJsonFormatter
from bot.settings import Settings
from storage.database import upgrade
from tests.fakes.slack_api import FakeSlackApi
from tests.server_thread import ServerThread
from tests.slack_posts import questions_posted, wait_until
from tests.slack_requests import slash_command
from tests.tcp_proxy import TcpProxy
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


@pytest.mark.postgres
def test_healthz_follows_the_database(postgres_url: str, slack_api: FakeSlackApi) -> None:
    """Needs a database behind a network connection to take away, so PostgreSQL only."""
    upgrade(postgres_url)
    direct = make_url(postgres_url)
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    proxied = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    server = ServerThread(build_app(settings_for(proxied, slack_api))).start()
    try:
        assert server.request("GET", "/healthz")[0] == 200
        proxy.down()
        code, body, _ = server.request("GET", "/healthz")
        assert code == 503 and json.loads(body)["status"] == "unavailable"
        proxy.up()
        assert server.request("GET", "/healthz")[0] == 200
    finally:
        server.stop()
        proxy.close()


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

"""Two `maturity-bot serve` processes on one PostgreSQL database, each taking every other click of the same
assessment, must end where one process would: the database is the only memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scoring.score import score_answers
from storage.database import upgrade
from tests.fakes.slack_api import FakeSlackApi
from tests.personas import ASKED, MODEL, PERSONAS
from tests.serve_processes import send, server_env, serving
from tests.slack_posts import button, posted_texts, question_id, questions_posted, wait_until
from tests.slack_requests import block_action, slash_command
from tests.test_slack_server import SECRET


@pytest.fixture
def two_servers(postgres_url: str, tmp_path: Path) -> Iterator[tuple[list[str], FakeSlackApi]]:
    upgrade(postgres_url)
    with FakeSlackApi() as fake:
        env = server_env(postgres_url, fake.url, SECRET, MATURITY_BOT_SCHEDULER="false", MATURITY_BOT_LOG_FORMAT="json")
        with serving(2, env, tmp_path) as servers:
            yield [url for url, _ in servers], fake


@pytest.mark.postgres
def test_two_processes_serving_alternate_clicks_give_the_one_process_result(
    two_servers: tuple[list[str], FakeSlackApi],
) -> None:
    urls, fake = two_servers
    expected, answers = PERSONAS["faq_level_3"]
    assert send(urls[0], slash_command(SECRET)) == 200
    for n, question in enumerate(ASKED, start=1):
        wait_until(lambda n=n: len(questions_posted(fake)) == n, timeout=10)
        message = questions_posted(fake)[-1]
        assert question_id(message) == question.id
        action_id, value = button(message, answers[question.id])
        click = block_action(
            SECRET, channel_id=message["channel"], message_ts=f"7.{n}", action_id=action_id, value=value
        )
        assert send(urls[n % 2], click) == 200  # every other click goes to the other process
    wait_until(lambda: posted_texts(fake)[-1].startswith("Your result"), timeout=10)
    assert posted_texts(fake)[-1] == f"Your result: level {expected}, {score_answers(MODEL, answers).overall_name}"
    assert len(questions_posted(fake)) == len(ASKED)
    assert len(fake.calls_to("chat.update")) == len(ASKED)

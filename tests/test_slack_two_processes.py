"""Two `maturity-bot serve` processes on one PostgreSQL database, each taking every other click of the same
assessment, must end where one process would: the database is the only memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scoring.model import default_model
from scoring.score import score_answers
from storage.database import upgrade
from tests.fakes.slack_api import FakeSlackApi
from tests.personas import PERSONAS
from tests.slack_posts import button, posted_texts, question_id, questions_posted, wait_until
from tests.slack_requests import block_action, slash_command
from tests.test_slack_server import SECRET

MODEL = default_model()
EXE = Path(sys.executable).with_name("maturity-bot")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_servers(postgres_url: str, tmp_path: Path) -> Iterator[tuple[list[str], FakeSlackApi]]:
    upgrade(postgres_url)
    with FakeSlackApi() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MATURITY_BOT_", "SLACK_"))}
        env |= {
            "MATURITY_BOT_SCHEDULER": "false",
            "MATURITY_BOT_DATABASE_URL": postgres_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url,
            "MATURITY_BOT_LOG_FORMAT": "json",
        }
        ports = [free_port(), free_port()]
        logs = [open(tmp_path / f"server-{p}.log", "w") for p in ports]  # noqa: SIM115 - closed below
        procs = [
            subprocess.Popen(
                [str(EXE), "serve", "--host", "127.0.0.1", "--port", str(p)], env=env, stdout=log, stderr=log
            )
            for p, log in zip(ports, logs, strict=True)
        ]
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        try:
            for url, proc in zip(urls, procs, strict=True):
                wait_until(lambda url=url, proc=proc: proc.poll() is None and healthy(url), timeout=30)
            yield urls, fake
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)
            for log in logs:
                log.close()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def send(url: str, built: tuple[str, dict[str, str]]) -> int:
    body, headers = built
    req = urllib.request.Request(url + "/slack/events", data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status


@pytest.mark.postgres
def test_two_processes_serving_alternate_clicks_give_the_one_process_result(
    two_servers: tuple[list[str], FakeSlackApi],
) -> None:
    urls, fake = two_servers
    expected, answers = PERSONAS["faq_level_3"]
    assert send(urls[0], slash_command(SECRET)) == 200
    for n, question in enumerate(MODEL.questions, start=1):
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
    assert len(questions_posted(fake)) == len(MODEL.questions)
    assert len(fake.calls_to("chat.update")) == len(MODEL.questions)

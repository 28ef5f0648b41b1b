"""`maturity-bot serve --workers 2`: two processes on one port answer a whole assessment, /metrics sums both,
a killed worker is replaced, and SIGTERM stops everything cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from storage.database import upgrade
from tests.fakes.slack_api import FakeSlackApi
from tests.personas import ASKED, PERSONAS
from tests.serve_processes import EXE, free_port, healthy, send, server_env
from tests.slack_posts import button, posted_texts, questions_posted, wait_until
from tests.slack_requests import block_action, slash_command
from tests.test_slack_server import SECRET


def children_of(pid: int) -> set[int]:
    """The worker processes of ``pid`` (multiprocessing's spawned children, not its resource tracker)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes()
            except (OSError, IndexError):
                continue
            if parent == pid and b"spawn_main" in command and b"resource_tracker" not in command:
                found.add(int(entry.name))
    return found


def turns_counted(url: str) -> float:
    with urllib.request.urlopen(url + "/metrics", timeout=5) as resp:
        text = resp.read().decode()
    return sum(float(v) for v in re.findall(r'^maturity_bot_turns_total\{platform="slack"\} (\S+)$', text, re.M))


@pytest.mark.postgres
def test_two_workers_share_the_port_and_the_metrics(postgres_url: str, tmp_path: Path) -> None:
    upgrade(postgres_url)
    with FakeSlackApi() as fake, open(tmp_path / "server.log", "w") as log:
        env = server_env(postgres_url, fake.url, SECRET, MATURITY_BOT_SCHEDULER="false")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [str(EXE), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            wait_until(lambda: healthy(url) and len(children_of(proc.pid)) >= 2, timeout=60)
            workers = children_of(proc.pid)
            _, answers = PERSONAS["faq_level_2"]
            assert send(url, slash_command(SECRET, user_id="UWORK")) == 200
            for n, question in enumerate(ASKED, start=1):
                wait_until(lambda n=n: len(questions_posted(fake)) == n, timeout=10)
                action_id, value = button(questions_posted(fake)[-1], answers[question.id])
                click = block_action(SECRET, user_id="UWORK", message_ts=f"9.{n}", action_id=action_id, value=value)
                assert send(url, click) == 200
            wait_until(lambda: posted_texts(fake)[-1].startswith("Your result"), timeout=10)
            # Whichever worker answers, the counter is the sum of both: the start plus 26 answers.
            for _ in range(4):
                assert turns_counted(url) == 1 + len(ASKED)

            victim = sorted(workers)[0]
            os.kill(victim, signal.SIGKILL)
            wait_until(lambda: victim not in children_of(proc.pid) and len(children_of(proc.pid) - {victim}) >= 2)
            wait_until(lambda: healthy(url), timeout=30)
            assert send(url, slash_command(SECRET, user_id="UWORK", text="status")) == 200
            last_workers = children_of(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in last_workers)  # stopped and reaped
    assert "exited with" in (tmp_path / "server.log").read_text()  # the replacement was logged

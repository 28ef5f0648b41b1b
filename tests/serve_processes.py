"""Real `maturity-bot serve` processes on free local ports, talking to a fake Slack Web API: what the multi-process
tests and the check-in benchmark share."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

EXE = Path(sys.executable).with_name("maturity-bot")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def server_env(database_url: str, slack_api_url: str, signing_secret: str, **settings: str) -> dict[str, str]:
    """This process's environment without any bot or Slack setting of its own, then one Slack workspace through
    the fake, and ``settings`` (``MATURITY_BOT_...`` names)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATURITY_BOT_", "SLACK_"))}
    return env | {
        "MATURITY_BOT_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": slack_api_url,
        **settings,
    }


def send(url: str, built: tuple[str, dict[str, str]]) -> int:
    """POST a signed Slack request (body, headers) to a server's /slack/events; its HTTP status."""
    body, headers = built
    req = urllib.request.Request(url + "/slack/events", data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status


@contextmanager
def serving(
    count: int, env: dict[str, str], log_dir: Path, args: Sequence[str] = (), timeout: float = 60
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """``count`` servers, each (base URL, process) once it answers /healthz; terminated (and waited for) after."""
    ports = [free_port() for _ in range(count)]
    with ExitStack() as stack:
        procs = []
        for port in ports:
            log = stack.enter_context(open(log_dir / f"server-{port}.log", "w"))
            command = [str(EXE), "serve", "--host", "127.0.0.1", "--port", str(port), *args]
            procs.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))
        try:
            urls = [f"http://127.0.0.1:{port}" for port in ports]
            deadline = time.monotonic() + timeout
            while not all(healthy(url) for url in urls):
                if time.monotonic() > deadline or any(proc.poll() is not None for proc in procs):
                    raise RuntimeError(f"the servers did not come up; their logs are in {log_dir}")
                time.sleep(0.1)
            yield list(zip(urls, procs, strict=True))
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=60)

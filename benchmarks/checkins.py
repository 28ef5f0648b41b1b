"""Check-ins at scale: N teams due at the same moment, two `maturity-bot serve` processes with their schedulers on
one PostgreSQL database, the fake Slack Web API on 127.0.0.1 holding each channel to one post per second.

Prints the time until every check-in was delivered, duplicates and missed ones (both must be 0), each server
process's peak memory, and the bot's own CPU time per check-in (both processes, divided by N).

Run:  python benchmarks/checkins.py [--teams 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # before this folder: see engine.py

from benchmarks.scratch import reset_schema
from scoring.model import default_model
from storage.database import open_database
from tests.checkin_seed import seed_teams
from tests.fakes.slack_api import FakeSlackApi
from tests.personas import PERSONAS
from tests.serve_processes import server_env, serving

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dmaturity_bench_checkins"
SECRET = "bench-secret"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="a URL whose search_path names a scratch schema")
    parser.add_argument("--tick", type=float, default=1.0, help="MATURITY_BOT_TICK_SECONDS of the servers")
    args = parser.parse_args()
    model = default_model()

    reset_schema(args.postgres)
    now = datetime.now(tz=UTC)
    db = open_database(args.postgres)
    started = time.perf_counter()
    channels = seed_teams(
        db, model, args.teams, answers=PERSONAS["faq_level_2"][1], due_at=now + timedelta(seconds=20), opened_at=now
    )
    db.close()
    print(f"{args.teams} teams seeded in {time.perf_counter() - started:.1f} s, all due at the same moment")

    with FakeSlackApi(channel_pace=1.0) as fake, tempfile.TemporaryDirectory() as tmp:
        env = server_env(
            args.postgres, fake.url, SECRET, MATURITY_BOT_TICK_SECONDS=str(args.tick), MATURITY_BOT_TEAMS="false"
        )

        def delivered() -> list[str]:
            return [c.args["channel"] for c in fake.calls_to("chat.postMessage") if not c.failed]

        with serving(2, env, Path(tmp)) as servers:
            procs = [proc for _, proc in servers]
            cpu_before = [cpu_seconds(p.pid) for p in procs]
            due = now + timedelta(seconds=20)
            time.sleep(max(0.0, (due - datetime.now(tz=UTC)).total_seconds()))
            clock = time.perf_counter()
            deadline = clock + 600
            while len(delivered()) < args.teams and time.perf_counter() < deadline:
                time.sleep(0.2)
            elapsed = time.perf_counter() - clock
            time.sleep(3 * args.tick)  # a few more ticks: anything arriving now is a duplicate
            cpu = sum(cpu_seconds(p.pid) - before for p, before in zip(procs, cpu_before, strict=True))
            memory = [peak_memory_mb(p.pid) for p in procs]
        per_channel = Counter(delivered())
        duplicates = sum(n - 1 for n in per_channel.values() if n > 1)
        missed = len(set(channels) - set(per_channel))
        rejected = len([c for c in fake.calls_to("chat.postMessage") if c.failed])
        print(f"  all delivered in {elapsed:.1f} s ({args.teams / elapsed:.0f} check-ins/s)")
        print(f"  duplicates {duplicates}, missed {missed}, posts refused by the per-channel pace {rejected}")
        print(f"  peak memory per process: {', '.join(f'{m:.0f} MB' for m in memory)}")
        print(f"  bot CPU per check-in: {cpu / args.teams * 1000:.2f} ms (both processes, {cpu:.1f} s in all)")


if __name__ == "__main__":
    main()

"""Engine + storage throughput and latency, and how fast ``maturity-bot chat`` shows its first question.

Prints figures; asserts nothing. Run:  python benchmarks/engine.py [--members 200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The repository before this folder: otherwise benchmarks/checkins.py would hide the checkins package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialogs.messages import Command, Input
from dialogs.ports import Participant
from dialogs.turn import run_turn
from scoring.model import read_model_file
from storage.conversations import SqlConversationStore
from storage.database import DatabaseUnavailable, make_engine, normalise_url, open_database, translate_errors, upgrade
from storage.model_versions import model_catalog

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_SCHEMA = "maturity_bench"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def own_postgres_schema(url: str) -> str:
    """A schema of the benchmark's own (emptied first), so it never touches the database's other tables."""
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        with translate_errors(url), engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE; CREATE SCHEMA {BENCH_SCHEMA}"))
    finally:
        engine.dispose()
    scoped = normalise_url(url).update_query_dict({"options": f"-csearch_path={BENCH_SCHEMA}"})
    upgrade(scoped)
    return scoped.render_as_string(hide_password=False)


def bench_turns(url: str, members: int) -> None:
    db = open_database(url)
    store = SqlConversationStore(db)
    text, model = read_model_file()
    models = model_catalog(db, text, model, source="the bundled model")  # as the server builds it: once a process
    rng = random.Random(7)
    latencies: list[float] = []
    profiles = [o.id for o in model.profile_options]
    started = time.perf_counter()
    for m in range(members):
        who = Participant("bench", "ws", f"team-{m % 20}", f"user-{m}")
        profile = profiles[m % len(profiles)]  # each profile's questions, in the order the bot asks them
        turns = [Input(Command.START)] + [
            Input(Command.ANSWER, profile if q.profile else rng.choice(model.choices(q)).id, question_id=q.id)
            for q in model.questions_for(profile)
        ]
        for inp in turns:
            t0 = time.perf_counter()
            run_turn(store, models, who, inp, source="bench")
            latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    name = db.engine.dialect.name
    print(
        f"{name:<11} {members} assessments, {len(latencies)} turns in {elapsed:.2f} s: "
        f"{members / elapsed:.1f} assessments/s, per turn p50 {percentile(latencies, 50) * 1000:.2f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.2f} ms, max {max(latencies) * 1000:.2f} ms"
    )
    db.engine.dispose()


def time_to_first_question(db_url: str, runs: int) -> list[float]:
    exe = Path(sys.executable).with_name("maturity-bot")
    env = dict(os.environ, MATURITY_BOT_DATABASE_URL=db_url, COLUMNS="100")
    times = []
    for n in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [str(exe), "chat", "--team", "startup", "--user", f"u{n}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if "question 1 of" in line:
                times.append(time.perf_counter() - t0)
                break
        proc.communicate(input="")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=200, help="complete assessments per database")
    parser.add_argument("--postgres", default=os.environ.get("MATURITY_BOT_TEST_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--startup-runs", type=int, default=10)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        bench_turns(f"sqlite:///{tmp}/bench.db", args.members)
        try:
            bench_turns(own_postgres_schema(args.postgres), args.members)
        except DatabaseUnavailable as exc:
            print(f"postgresql skipped: {exc}")
        cold = time_to_first_question(f"sqlite:///{tmp}/startup.db", 1)  # creates the schema
        warm = time_to_first_question(f"sqlite:///{tmp}/startup.db", args.startup_runs)
    print(
        f"maturity-bot chat, first question shown: new database {cold[0] * 1000:.0f} ms (creates the schema); "
        f"existing database median {statistics.median(warm) * 1000:.0f} ms, max {max(warm) * 1000:.0f} ms "
        f"over {len(warm)} runs"
    )


if __name__ == "__main__":
    main()

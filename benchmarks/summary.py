"""What a team summary costs: reading and building it, drawing its chart, and the size of what goes out (the PNG,
Slack's blocks, the Teams card with the chart inline, which Teams wants under about 28 KB).

Prints figures; asserts nothing. Run:  python benchmarks/summary.py [--members 50] [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

# The repository before this folder: otherwise benchmarks/checkins.py would hide the checkins package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update

from bot.app.summary import read_summary
from bot.chart import summary_chart
from bot.slack.render import summary_payload
from bot.teams.cards import summary_card
from checkins.states import RoundStatus
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from dialogs.turn import run_turn
from scoring.catalog import ModelCatalog
from scoring.model import read_model_file
from storage.conversations import SqlConversationStore
from storage.database import Database, open_database
from storage.model_versions import model_catalog
from storage.models import Round

MODEL_TEXT, MODEL = read_model_file()
PROFILE = "online"
TEAM = Participant("slack", "T1", "C1", "asker")
T = TypeVar("T")


def answer_round(db: Database, models: ModelCatalog, members: int, rng: random.Random) -> None:
    """Every member answers the questions for an online team (the profile, then at random: levels, "not
    applicable", "don't know")."""
    store = SqlConversationStore(db)
    for m in range(members):
        who = Participant("slack", "T1", "C1", f"U{m}")
        run_turn(store, models, who, Input(Command.START), source="slack")
        for q in MODEL.questions_for(PROFILE):
            option = PROFILE if q.profile else rng.choice(MODEL.choices(q)).id
            run_turn(store, models, who, Input(Command.ANSWER, option, question_id=q.id), source="slack")


def timed(call: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The median milliseconds of ``repeat`` calls, and the last call's value."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        value = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{folder}/summary.db")
        models = model_catalog(db, MODEL_TEXT, MODEL, source="the bundled model")
        answer_round(db, models, args.members, rng)
        with db.transaction() as session:
            session.execute(update(Round).values(status=RoundStatus.CLOSED))
        answer_round(db, models, args.members, rng)

        read_ms, summary = timed(lambda: read_summary(db, models, TEAM), args.repeat)
        assert summary is not None
        started = time.perf_counter()
        summary_chart(summary)  # the first chart also imports matplotlib
        first_ms = (time.perf_counter() - started) * 1000
        chart_ms, png = timed(lambda: summary_chart(summary), args.repeat)
        db.close()
    card = json.dumps(summary_card(summary, png))
    asked = len(MODEL.questions_for(PROFILE))
    print(f"team of {args.members} members, two rounds, {asked} questions each ({PROFILE} profile, SQLite)")
    print(f"read and build the summary: {read_ms:.1f} ms (median of {args.repeat})")
    print(f"draw the chart: {chart_ms:.1f} ms (median of {args.repeat}); the first, with imports: {first_ms:.0f} ms")
    blocks = json.dumps(summary_payload(summary))
    print(f"PNG {len(png) / 1024:.1f} KB; Slack blocks {len(blocks) / 1024:.1f} KB")
    print(f"Teams card with the chart inline {len(card) / 1024:.1f} KB")


if __name__ == "__main__":
    main()

"""The terminal chat when the database drops out for a moment: the person is told, the chat keeps running, and
no answer that was confirmed is lost. Needs a database reached over the network, so PostgreSQL only (through a
TCP proxy the test takes down and brings back); SQLite has no connection to lose."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.terminal import chat
from dialogs.ports import Participant
from dialogs.state import Phase
from scoring.catalog import ModelCatalog
from scoring.model import default_model
from storage.conversations import SqlConversationStore
from storage.database import open_database, upgrade
from storage.models import Answer
from tests.personas import ASKED
from tests.tcp_proxy import TcpProxy

MODEL = default_model()


class ScriptedInput(io.StringIO):
    """stdin that runs an action (take the database down, bring it back) before handing out certain lines."""

    def __init__(self, script: list[str | Callable[[], None]]) -> None:
        super().__init__()
        self.script: Iterator[str | Callable[[], None]] = iter(script)

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        for item in self.script:
            if callable(item):
                item()
                continue
            return item + "\n"
        return ""


@pytest.mark.postgres
def test_a_database_outage_mid_chat_loses_no_confirmed_answer(postgres_url: str) -> None:
    upgrade(postgres_url)
    direct = make_url(postgres_url)
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    db = open_database(direct.set(host="127.0.0.1", port=proxy.port))
    who = Participant("terminal", "local", "ops", "ana")
    out = io.StringIO()
    try:
        phase = chat(
            SqlConversationStore(db),
            ModelCatalog(MODEL),
            who,
            stdin=ScriptedInput(["1", "2", proxy.down, "3", proxy.up, "3", "4"]),
            console=Console(file=out, width=200),
        )
    finally:
        db.close()
        proxy.close()
    text = " ".join(out.getvalue().split())  # undo the console's line wrapping
    assert text.count("Not saved: cannot reach the database") == 1
    assert "Everything before it is safe" in text
    assert phase is Phase.PAUSED and "Paused with 4 answer(s) saved" in text

    check = open_database(postgres_url)
    with check.transaction() as session:
        rows = session.execute(select(Answer.question_id, Answer.option_id).order_by(Answer.id)).all()
        assert session.scalar(select(func.count()).select_from(Answer)) == 4
    check.close()
    # The profile question first (1: online), then the questions an online team is asked, in order.
    expected = [(q.id, MODEL.choices(q)[n - 1].id) for q, n in zip(ASKED, (1, 2, 3, 4), strict=False)]
    assert expected[0] == ("system_type", "online")
    assert [tuple(r) for r in rows] == expected

"""Seen events: the first sighting of an event id wins, every repeat is recognised, old ids are pruned."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import update

from bot.app.conversations import first_sighting
from storage.database import Database
from storage.events import KEEP_FOR
from storage.models import SeenEvent, utcnow
from tests.storage.helpers import count


def test_an_event_id_is_new_once(db: Database) -> None:
    assert first_sighting(db, "slack", "Ev1") is True
    assert first_sighting(db, "slack", "Ev1") is False
    assert first_sighting(db, "teams", "Ev1") is True  # ids are per platform
    assert first_sighting(db, "slack", "Ev2") is True


def test_concurrent_deliveries_of_one_event_agree_on_a_single_first(db: Database) -> None:
    with ThreadPoolExecutor(6) as pool:
        firsts = list(pool.map(lambda _: first_sighting(db, "slack", "EvSAME"), range(12)))
    assert firsts.count(True) == 1


def test_old_ids_are_pruned(db: Database) -> None:
    first_sighting(db, "slack", "EvOLD")
    with db.transaction() as session:
        session.execute(update(SeenEvent).values(received_at=utcnow() - KEEP_FOR - timedelta(minutes=1)))
    first_sighting(db, "slack", "EvNEW")
    assert count(db, SeenEvent) == 1

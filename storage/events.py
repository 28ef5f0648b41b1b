"""Retried deliveries: remember each platform event id once, atomically, across processes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.models import SeenEvent, utcnow
from storage.queries import insert_for

KEEP_FOR = timedelta(days=1)


def first_sighting(session: Session, platform: str, event_id: str) -> bool:
    """True the first time an event id is offered, False for every repeat (the insert decides, so two replicas
    receiving the same retry at once agree). Old ids are pruned on the way."""
    inserted = session.execute(
        insert_for(session, SeenEvent)
        .values(platform=platform, event_id=event_id, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
        .returning(SeenEvent.event_id)
    ).scalar()
    session.execute(delete(SeenEvent).where(SeenEvent.received_at < utcnow() - KEEP_FOR))
    return inserted is not None  # a row came back only if this call inserted it


def forget_sighting(session: Session, platform: str, event_id: str) -> None:
    """Undo ``first_sighting`` for an event whose handling failed, so that the platform's retry is handled."""
    session.execute(delete(SeenEvent).where(SeenEvent.platform == platform, SeenEvent.event_id == event_id))

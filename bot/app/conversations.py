"""Where a message belongs, as the chat adapters need to know it: which deliveries were already handled (platforms
retry), which team a private chat's typed reply is for, and where the bot may speak unprompted (Teams'
conversation references). Each is one short unit of work, run off the event loop through ``Runtime``."""

from __future__ import annotations

from storage import events, references, reports
from storage.database import Database
from storage.references import PERSONAL, Reference

__all__ = ["PERSONAL", "Reference"]


def first_sighting(db: Database, platform: str, event_id: str) -> bool:
    """True the first time a platform offers this event id, False for its retries (whichever process got them)."""
    with db.transaction() as session:
        return events.first_sighting(session, platform, event_id)


def forget_sighting(db: Database, platform: str, event_id: str) -> None:
    """The event's handling failed: its retry must be handled, not dropped as a repeat."""
    with db.transaction() as session:
        events.forget_sighting(session, platform, event_id)


def last_team(db: Database, *, platform: str, workspace: str, user: str) -> str | None:
    """The team this person worked on last: where a private chat's typed reply belongs."""
    with db.reading() as session:
        return reports.last_team(session, platform=platform, workspace=workspace, user=user)


def remember(db: Database, ref: Reference) -> None:
    """Keep (or bring up to date) where the bot can reach a conversation later."""
    with db.transaction() as session:
        references.remember(session, ref)


def team_conversation(db: Database, platform: str, workspace: str, team: str) -> Reference | None:
    with db.reading() as session:
        return references.team_conversation(session, platform, workspace, team)


def personal_conversation(db: Database, platform: str, workspace: str, user: str) -> Reference | None:
    with db.reading() as session:
        return references.personal_conversation(session, platform, workspace, user)

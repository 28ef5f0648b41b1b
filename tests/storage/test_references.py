"""Conversation references: one row per conversation, brought up to date, found by team or by person."""

from __future__ import annotations

import dataclasses

from bot.app.conversations import personal_conversation, remember, team_conversation
from storage.database import Database
from storage.models import ConversationRef
from storage.references import Reference
from tests.storage.helpers import count

CHANNEL = Reference(
    "teams",
    "tenant-1",
    "19:chan@thread.tacv2",
    "channel",
    "https://smba.one/",
    {"conversation": {"id": "19:chan"}},
    team="19:chan@thread.tacv2",
)
CHAT = Reference("teams", "tenant-1", "a:1chat", "personal", "https://smba.one/", {"user": {"id": "29:1"}}, user="u1")


def test_a_reference_is_remembered_once_and_kept_up_to_date(db: Database) -> None:
    remember(db, CHANNEL)
    moved = dataclasses.replace(CHANNEL, service_url="https://smba.two/", reference={"moved": True})
    remember(db, moved)
    assert count(db, ConversationRef) == 1
    assert team_conversation(db, "teams", "tenant-1", CHANNEL.team or "") == moved


def test_references_are_found_by_team_and_by_person_within_their_tenant(db: Database) -> None:
    remember(db, CHANNEL)
    remember(db, CHAT)
    assert personal_conversation(db, "teams", "tenant-1", "u1") == CHAT
    assert team_conversation(db, "teams", "tenant-1", "19:chan@thread.tacv2") == CHANNEL
    assert team_conversation(db, "teams", "tenant-2", "19:chan@thread.tacv2") is None  # another tenant's
    assert personal_conversation(db, "teams", "tenant-1", "u2") is None
    assert team_conversation(db, "slack", "tenant-1", "19:chan@thread.tacv2") is None

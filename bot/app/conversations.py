"""What the chat adapters need to know about where a message belongs, in storage's answers: which deliveries were
already handled (platforms retry), which team a private chat's typed reply is for, and where the bot may speak
unprompted (Teams' conversation references). Each is run off the event loop through ``Runtime.read``/``write``."""

from __future__ import annotations

from storage.events import first_sighting, forget_sighting
from storage.references import PERSONAL, Reference, personal_conversation, remember, team_conversation
from storage.reports import last_team

__all__ = [
    "PERSONAL",
    "Reference",
    "first_sighting",
    "forget_sighting",
    "last_team",
    "personal_conversation",
    "remember",
    "team_conversation",
]

"""What the conversation remembers between turns. Storage persists it after every turn; nothing else does."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Phase(StrEnum):
    NEW = "new"  # nothing asked yet
    ASKING = "asking"  # a question is on screen: ``pending[0]``
    PAUSED = "paused"  # the person said stop, or walked away; ``resume`` picks up at ``pending[0]``
    FINISHED = "finished"  # every question answered or passed; the result is stored


class Note(BaseModel):
    """A short note or an evidence link kept with an answer (the link is always http or https)."""

    model_config = ConfigDict(frozen=True)

    text: str
    link: str | None = None


class ConversationState(BaseModel):
    """One member's progress through one round of the assessment.

    ``answers`` is the latest answer per question in the current ``attempt`` and ``notes`` the notes kept with
    them; storage keeps every answer ever given as its own row and rebuilds both from them, so neither is ever
    the only copy.
    """

    model_config = ConfigDict(extra="ignore")

    phase: Phase = Phase.NEW
    attempt: int = 1
    pending: list[str] = []  # question ids still to ask, in order; pending[0] is the current one
    history: list[str] = []  # question ids already passed, most recent last (what "back" walks through)
    skipped: list[str] = []  # skipped and not answered since
    answers: dict[str, str] = {}  # question id -> option id
    notes: dict[str, Note] = {}  # question id -> the note kept with its answer

    @property
    def current(self) -> str | None:
        return self.pending[0] if self.phase is Phase.ASKING and self.pending else None

    def navigation(self) -> dict[str, object]:
        """The part storage keeps as JSON on the response row (answers and notes live in their own table)."""
        return self.model_dump(mode="json", exclude={"answers", "notes", "attempt"})

"""The seams between the conversation engine and the rest: who is talking, and where turns are kept."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from dialogs.state import ConversationState
from scoring.model import MaturityModel

MAX_ID_LENGTH = 255  # what storage keeps for ids and names
ELLIPSIS = "…"


@dataclass(frozen=True)
class Participant:
    """A person taking the assessment for a team, in platform-neutral ids.

    ``workspace`` is the Slack workspace, the Teams tenant or ``local`` for the terminal; ``team`` is the channel
    (or the team name in the terminal); ``user`` is the platform's user id.
    """

    platform: str
    workspace: str
    team: str
    user: str
    team_name: str | None = None
    user_name: str | None = None
    workspace_name: str | None = None

    def __post_init__(self) -> None:
        """Ids are checked: one too long or empty is not a person or team anyone can find again. Names are only
        shown, so a long one (an Entra display name can pass 255 characters) is shortened, never refused."""
        for field, value in list(vars(self).items()):
            if value is None:
                continue
            if field.endswith("_name"):
                if len(value) > MAX_ID_LENGTH:
                    object.__setattr__(self, field, value[: MAX_ID_LENGTH - len(ELLIPSIS)] + ELLIPSIS)
                continue
            if len(value) > MAX_ID_LENGTH:
                raise ValueError(f"{field.replace('_', ' ')} is longer than {MAX_ID_LENGTH} characters")
            if not value.strip():
                raise ValueError(f"{field} must not be empty")


class ConcurrentTurn(Exception):
    """Another writer changed the same response between our read and our write; the turn is safe to retry."""


class StoreUnavailable(Exception):
    """The store cannot be reached right now. Nothing of the failed turn was saved; the person may repeat it."""


class Turn(Protocol):
    """One open transaction on one member's response, locked for the duration of the turn."""

    state: ConversationState
    round_number: int
    model_version: str  # the version the round is on: its questions and scoring apply to the turn

    def round_answered(self) -> bool:
        """Lock the turn's round and say whether anyone has answered in it; ``model_version`` is read again under
        the lock, so two turns never disagree about it."""

    def move_round(self, version: str) -> None:
        """Put the turn's round on rubric ``version`` (the turn runs on it from now on)."""

    def save(
        self,
        state: ConversationState,
        *,
        source: str,
        result: dict[str, Any] | None = None,
        levels: Mapping[str, int | None] | None = None,
    ) -> None:
        """Persist the new state: navigation, answers and notes that changed (one row each) and, when finished,
        the member's result (``result["overall"]`` is the overall level). Raises ConcurrentTurn on a lost race.

        ``levels`` maps question id -> level of the chosen option (None when it is not a level) for the answers
        in ``state.answers``: storage keeps each answer's level as it was on the round's model version, and does
        not know the model itself. Every answer that is new or changed needs one (ValueError otherwise)."""


TurnT_co = TypeVar("TurnT_co", bound=Turn, covariant=True)


class ConversationStore(Protocol[TurnT_co]):
    def turn(self, who: Participant, model_version: str) -> AbstractContextManager[TurnT_co]:
        """Open (creating as needed) the workspace, team, member, the team's open round (a new one is opened on
        ``model_version``) and the member's response, lock the response, and commit on clean exit."""


class ModelVersions(Protocol):
    """The maturity models a process knows: the current one (new rounds open on it) and, by version string,
    the one each older round was opened on."""

    current: MaturityModel

    def exact(self, version: str) -> MaturityModel:
        """The model of ``version``; raises LookupError when it cannot be had."""

    def get(self, version: str) -> MaturityModel:
        """The model of ``version``, or the current one standing in for it (for reports only)."""

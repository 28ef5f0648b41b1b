"""Conversation references: remembered when the bot is added to a conversation or speaks in it, looked up when
it has to speak first (a scheduled check-in, a team summary, a personal chat opened from a channel)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from storage.models import ConversationRef, utcnow
from storage.queries import insert_for

PERSONAL = "personal"


@dataclass(frozen=True)
class Reference:
    platform: str
    workspace: str  # the tenant
    conversation_id: str
    kind: str  # personal, channel or groupChat
    service_url: str
    reference: dict[str, Any]  # the platform's own serialized reference
    team: str | None = None
    user: str | None = None


def remember(session: Session, ref: Reference) -> None:
    """Insert or bring up to date (a service URL can move); safe when two replicas remember the same one."""
    now = utcnow()
    values = {
        "workspace_id": ref.workspace,
        "kind": ref.kind,
        "team_id": ref.team,
        "user_id": ref.user,
        "service_url": ref.service_url,
        "reference": ref.reference,
        "updated_at": now,
    }
    stmt = insert_for(session, ConversationRef).values(
        platform=ref.platform, conversation_id=ref.conversation_id, created_at=now, **values
    )
    session.execute(stmt.on_conflict_do_update(index_elements=["platform", "conversation_id"], set_=values))


def _found(row: ConversationRef | None) -> Reference | None:
    if row is None:
        return None
    return Reference(
        row.platform,
        row.workspace_id,
        row.conversation_id,
        row.kind,
        row.service_url,
        row.reference,
        team=row.team_id,
        user=row.user_id,
    )


def team_conversation(session: Session, platform: str, workspace: str, team: str) -> Reference | None:
    """The channel or group chat that is the team."""
    return _latest(session, platform, workspace, ConversationRef.team_id == team, ConversationRef.kind != PERSONAL)


def personal_conversation(session: Session, platform: str, workspace: str, user: str) -> Reference | None:
    """The person's personal chat with the bot, once there has been one."""
    return _latest(session, platform, workspace, ConversationRef.user_id == user, ConversationRef.kind == PERSONAL)


def _latest(session: Session, platform: str, workspace: str, *where: ColumnElement[bool]) -> Reference | None:
    row = session.scalars(
        select(ConversationRef)
        .where(ConversationRef.platform == platform, ConversationRef.workspace_id == workspace, *where)
        .order_by(ConversationRef.updated_at.desc())
    ).first()
    return _found(row)

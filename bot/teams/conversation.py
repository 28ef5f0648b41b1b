"""Who and where, from a Teams activity: the tenant is the workspace, a channel or group chat is the team."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount

from bot.app.conversations import PERSONAL, Reference
from bot.teams import PLATFORM
from dialogs.ports import Participant

THREAD_SUFFIX = ";messageid="  # a channel conversation id names the thread after this


@dataclass(frozen=True)
class Where:
    tenant: str
    user: str
    user_name: str | None
    kind: str  # personal, channel or groupChat
    team: str | None  # the channel or group chat; None in a personal chat
    team_name: str | None

    @classmethod
    def of(cls, activity: Activity) -> Where:
        data: dict[str, Any] = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        conversation = activity.conversation
        sender = activity.from_property
        tenant = (
            getattr(conversation, "tenant_id", None)
            or (data.get("tenant") or {}).get("id")
            or activity.channel_id  # outside Teams (the Emulator): one workspace per channel
        )
        kind = getattr(conversation, "conversation_type", None) or PERSONAL
        channel, in_team = data.get("channel") or {}, data.get("team") or {}
        team: str | None = None
        if kind == "channel":
            team = channel.get("id") or conversation.id.split(THREAD_SUFFIX)[0]
        elif kind != PERSONAL:
            team = conversation.id
        return cls(
            tenant=str(tenant),
            user=sender.aad_object_id or sender.id,
            user_name=sender.name,
            kind=kind,
            team=team,
            # Teams leaves out the General channel's name: it goes by its team's name.
            team_name=channel.get("name") or in_team.get("name") or getattr(conversation, "name", None),
        )

    def participant(self, team: str | None = None) -> Participant:
        """The person in ``team`` (default: this conversation's team, whose name this conversation knows)."""
        chosen = team or self.team
        if chosen is None:
            raise ValueError("a personal chat is not a team")
        name = None if team else self.team_name
        return Participant(PLATFORM, self.tenant, chosen, self.user, team_name=name, user_name=self.user_name)

    def reference(self, activity: Activity, *, user: ChannelAccount | None = None) -> Reference:
        """This conversation's address, to be remembered for posting into it later. ``user``: the person, when
        the activity does not name them (the one that reports a personal chat the bot has just opened)."""
        ref = TurnContext.get_conversation_reference(activity)
        ref.user = user or ref.user
        ref.conversation.id = activity.conversation.id.split(THREAD_SUFFIX)[0]  # the channel, not one thread
        ref.activity_id = None
        return Reference(
            PLATFORM,
            self.tenant,
            ref.conversation.id,
            self.kind,
            activity.service_url,
            ref.serialize(),
            team=self.team,
            user=self.user if self.kind == PERSONAL else None,
        )


def delivery_id(activity: Activity) -> str:
    """A retried delivery's key: activity ids are unique within a conversation only."""
    return hashlib.sha256(f"{activity.conversation.id}\n{activity.id}".encode()).hexdigest()

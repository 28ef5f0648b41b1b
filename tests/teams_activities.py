"""Bot Framework activities as Microsoft Teams posts them to a bot's ``/api/messages``, for tests.

Plain dicts in the JSON wire format (camelCase keys), so a test can post them over HTTP as Teams would, or feed them to
``Activity().deserialize``. ``service_url`` is where the bot must answer: a FakeBotConnector's ``url`` in tests.

    activity = teams_activities.message("start", service_url=fake.url)
    activity = teams_activities.channel_mention("assess", service_url=fake.url)
    activity = teams_activities.card_submit({"answer": 3}, reply_to_id=card_id, service_url=fake.url)
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

BOT_ID = "28:bot-app-id"
BOT_NAME = "Maturity"
TENANT_ID = "tenant-1"
TEAM_ID = "19:team@thread.tacv2"
CHANNEL_ID = "19:chan@thread.tacv2"

# Teams message ids are millisecond numbers; this range stays clear of the ids tests/fakes/bot_connector.py hands out.
_activity_ids = itertools.count(1710000000001)


class Sender(TypedDict, total=False):
    """Who sends the activity, to which bot, in which tenant; and the activity's own id (default: a fresh one)."""

    user_id: str
    aad_object_id: str
    user_name: str
    tenant_id: str
    bot_id: str
    activity_id: str | None


class Where(Sender, total=False):
    """``Sender`` plus the conversation the activity arrives in."""

    conversation_id: str
    conversation_type: str
    team_id: str | None
    channel_id: str | None


def message(
    text: str,
    *,
    service_url: str,
    conversation_id: str = "a:1personal",
    conversation_type: str = "personal",
    user_id: str = "29:1user",
    aad_object_id: str = "00000000-0000-0000-0000-0000000000a1",
    user_name: str = "Ada",
    tenant_id: str = TENANT_ID,
    bot_id: str = BOT_ID,
    team_id: str | None = None,
    channel_id: str | None = None,
    reply_to_id: str | None = None,
    value: Any = None,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """A message from a user: by default in the 1:1 (personal) chat with the bot."""
    activity = _activity(
        "message",
        service_url=service_url,
        conversation_id=conversation_id,
        conversation_type=conversation_type,
        user_id=user_id,
        aad_object_id=aad_object_id,
        user_name=user_name,
        tenant_id=tenant_id,
        bot_id=bot_id,
        team_id=team_id,
        channel_id=channel_id,
        activity_id=activity_id,
    )
    activity.update(text=text, textFormat="plain", locale="en-US")
    if team_id is not None and channel_id is not None:
        activity["channelData"].update(teamsTeamId=team_id, teamsChannelId=channel_id)
    # Teams describes the user's client on every message; bot code must not assume entities are only mentions.
    activity["entities"] = [{"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"}]
    if reply_to_id is not None:
        activity["replyToId"] = reply_to_id
    if value is not None:
        activity["value"] = value
    return activity


def channel_mention(
    text: str,
    *,
    service_url: str,
    channel_id: str = CHANNEL_ID,
    team_id: str = TEAM_ID,
    thread_id: str | None = None,
    **sender: Unpack[Sender],
) -> dict[str, Any]:
    """A channel post that @mentions the bot (the only channel messages Teams delivers to a bot).

    A new post starts a thread whose id is the post's own id; pass ``thread_id`` for a reply inside an existing one.
    The mention stays in ``text``, so the bot has to strip it, as with the real Teams.
    """
    activity_id = sender.pop("activity_id", None) or _next_id()
    mention = f"<at>{BOT_NAME}</at>"
    activity = message(
        f"{mention} {text}",
        service_url=service_url,
        conversation_id=f"{channel_id};messageid={thread_id or activity_id}",
        conversation_type="channel",
        team_id=team_id,
        channel_id=channel_id,
        activity_id=activity_id,
        **sender,
    )
    bot_id = sender.get("bot_id", BOT_ID)
    activity["entities"].append({"type": "mention", "text": mention, "mentioned": {"id": bot_id, "name": BOT_NAME}})
    return activity


def card_submit(data: dict[str, Any], *, reply_to_id: str, service_url: str, **where: Unpack[Where]) -> dict[str, Any]:
    """What Teams sends for an Adaptive Card ``Action.Submit``: a message with no text, the action's data as
    ``value`` (merged with the card's inputs), and ``replyToId`` the id of the activity that carried the card."""
    return message("", service_url=service_url, reply_to_id=reply_to_id, value=data, **where)


def conversation_update(
    *,
    service_url: str,
    members_added: list[str] | None = None,
    members_removed: list[str] | None = None,
    conversation_type: str = "channel",
    conversation_id: str | None = None,
    team_id: str = TEAM_ID,
    **sender: Unpack[Sender],
) -> dict[str, Any]:
    """Members joined or left: the bot itself when installed in (or removed from) a team or a personal scope.

    Team-wide events arrive in the team's General channel, whose id is the team's id, with a ``teamMember*`` event.
    """
    in_team = conversation_type == "channel"
    activity = _activity(
        "conversationUpdate",
        service_url=service_url,
        conversation_id=conversation_id or (team_id if in_team else "a:1personal"),
        conversation_type=conversation_type,
        team_id=team_id if in_team else None,
        **sender,
    )
    if members_added:
        activity["membersAdded"] = [{"id": member} for member in members_added]
    if members_removed:
        activity["membersRemoved"] = [{"id": member} for member in members_removed]
    if in_team and (members_added or members_removed):
        activity["channelData"]["eventType"] = "teamMemberAdded" if members_added else "teamMemberRemoved"
    return activity


def bot_added(*, service_url: str, conversation_type: str = "channel", **sender: Unpack[Sender]) -> dict[str, Any]:
    """The conversationUpdate a bot gets when installed: its own id among ``membersAdded``."""
    bot_id = sender.get("bot_id", BOT_ID)
    return conversation_update(
        service_url=service_url, members_added=[bot_id], conversation_type=conversation_type, **sender
    )


def installation_update(
    action: str = "add",
    *,
    service_url: str,
    conversation_type: str = "personal",
    conversation_id: str | None = None,
    team_id: str = TEAM_ID,
    **sender: Unpack[Sender],
) -> dict[str, Any]:
    """The app was installed ("add") or uninstalled ("remove") in a personal scope, or a team (channel)."""
    if action not in ("add", "remove"):
        raise ValueError(f"installationUpdate action is 'add' or 'remove', not {action!r}")
    in_team = conversation_type == "channel"
    activity = _activity(
        "installationUpdate",
        service_url=service_url,
        conversation_id=conversation_id or (team_id if in_team else "a:1personal"),
        conversation_type=conversation_type,
        team_id=team_id if in_team else None,
        **sender,
    )
    activity["action"] = action
    return activity


def _activity(
    activity_type: str,
    *,
    service_url: str,
    conversation_id: str,
    conversation_type: str,
    user_id: str = "29:1user",
    aad_object_id: str = "00000000-0000-0000-0000-0000000000a1",
    user_name: str = "Ada",
    tenant_id: str = TENANT_ID,
    bot_id: str = BOT_ID,
    team_id: str | None = None,
    channel_id: str | None = None,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """The fields every Teams activity carries: who, to whom, where, and where to answer."""
    conversation: dict[str, Any] = {"id": conversation_id, "conversationType": conversation_type, "tenantId": tenant_id}
    if conversation_type in ("channel", "groupChat"):
        conversation["isGroup"] = True
    channel_data: dict[str, Any] = {"tenant": {"id": tenant_id}}
    if team_id is not None:
        channel_data["team"] = {"id": team_id}
    if channel_id is not None:
        channel_data["channel"] = {"id": channel_id}
    return {
        "type": activity_type,
        "id": activity_id or _next_id(),
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user_id, "name": user_name, "aadObjectId": aad_object_id},
        "conversation": conversation,
        "recipient": {"id": bot_id, "name": BOT_NAME},
        "channelData": channel_data,
    }


def _next_id() -> str:
    return str(next(_activity_ids))

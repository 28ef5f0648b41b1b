"""Who a Slack request is from, read from Bolt's context (which knows Slack's shapes), never from raw payload fields.

Slack Connect puts the sender's organisation in a DM event's top-level ``team_id``, while the installation that
handles it is ``authorizations[0]``; Enterprise Grid org-wide installs send ``"team": null`` on interactions.
Bolt's context resolves both to the installation the request belongs to.

The bot's "workspace" is the installation's scope: the enterprise for an org-wide install (its channel and user ids
are unique across the organisation, and one token serves every workspace in it), the workspace otherwise. Check-ins
find their token with the same key (``EncryptedInstallationStore.async_find_bot_for``).
"""

from __future__ import annotations

from slack_bolt.context.async_context import AsyncBoltContext

from bot.slack import PLATFORM
from dialogs.ports import Participant


class NoWorkspace(ValueError):
    """The request names no workspace or enterprise: nothing can be looked up for it."""


def workspace_key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str | None:
    """The enterprise for an org-wide install, the workspace otherwise."""
    if is_enterprise_install and enterprise_id:
        return enterprise_id
    return team_id or enterprise_id


def workspace_of(context: AsyncBoltContext) -> str:
    found = workspace_key(context.enterprise_id, context.team_id, context.is_enterprise_install)
    if not found:
        raise NoWorkspace("the request names no workspace")
    return found


def user_of(context: AsyncBoltContext) -> str:
    if not context.user_id:
        raise NoWorkspace("the request names no user")
    return context.user_id


def person(
    context: AsyncBoltContext, team: str, *, team_name: str | None = None, user_name: str | None = None
) -> Participant:
    """The person who sent the request, as a member of ``team`` (a channel id)."""
    return Participant(
        PLATFORM, workspace_of(context), team, user_of(context), team_name=team_name, user_name=user_name
    )

"""Slack's requests as real companies' workspaces send them: Enterprise Grid org-wide installs and Slack Connect.

Each function takes a request built by ``tests.slack_requests`` and reshapes its payload the way Slack does in
that setting (the shapes bolt-python's own tests carry), then signs it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tests.slack_requests import BOT_USER_ID, FORM, sign

Built = tuple[str, dict[str, str]]


def reshaped(secret: str, built: Built, change: Callable[[dict[str, Any]], None]) -> Built:
    """``built`` with its payload (the form fields, the ``payload`` JSON or the event envelope) changed in place by
    ``change``, signed again."""
    body, headers = built
    if headers["Content-Type"] == FORM:
        fields = dict(parse_qsl(body))
        if "payload" in fields:
            payload = json.loads(fields["payload"])
            change(payload)
            fields["payload"] = json.dumps(payload)
        else:
            change(fields)
        new = urlencode(fields)
    else:
        envelope = json.loads(body)
        change(envelope)
        new = json.dumps(envelope)
    return new, sign(secret, new, headers["Content-Type"])


def org_wide(enterprise: str) -> Callable[[dict[str, Any]], None]:
    """An app installed org-wide on an Enterprise Grid organisation: commands carry the enterprise id, interactions
    ``"team": null`` (the user's workspace is only in ``user.team_id``), events an org-level authorization."""

    def change(payload: dict[str, Any]) -> None:
        if "command" in payload:  # a slash command's form fields
            payload["enterprise_id"], payload["enterprise_name"] = enterprise, "Acme Group"
            payload["is_enterprise_install"] = "true"
        elif payload.get("type") == "event_callback":
            payload["enterprise_id"] = enterprise
            payload["authorizations"] = [
                {
                    "enterprise_id": enterprise,
                    "team_id": None,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": True,
                }
            ]
        else:  # block_actions, view_submission
            payload["team"] = None
            payload["enterprise"] = {"id": enterprise, "name": "Acme Group"}
            payload["is_enterprise_install"] = True
            if isinstance(payload.get("view"), dict):
                payload["view"]["team_id"] = None

    return change


def connect_dm(sender_team: str) -> Callable[[dict[str, Any]], None]:
    """A message from a Slack Connect user of another organisation: the envelope's ``team_id`` and the event's
    ``team`` are the sender's organisation; ``authorizations[0]`` stays the installation that receives it."""

    def change(envelope: dict[str, Any]) -> None:
        envelope["team_id"] = sender_team
        envelope["is_ext_shared_channel"] = True
        envelope["event"]["team"] = sender_team
        envelope["event"]["user_team"] = sender_team
        envelope["event"]["source_team"] = sender_team

    return change


def in_channel(channel_id: str, channel_name: str) -> Callable[[dict[str, Any]], None]:
    """A slash command typed somewhere else than the builder's default channel (a DM, a group DM)."""

    def change(fields: dict[str, Any]) -> None:
        fields["channel_id"], fields["channel_name"] = channel_id, channel_name

    return change

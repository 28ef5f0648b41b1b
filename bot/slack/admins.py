"""Whether a Slack user administers the workspace, as ``users.info`` says, kept for a few minutes.

The answer is never asked for inside a request: Slack gives a request three seconds, and ``users.info`` may be
throttled for longer. A listener uses what is cached and, when nothing is, acknowledges first and asks after.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

TTL_SECONDS = 300.0
MOST_KEPT = 10_000


class AdminUnknown(Exception):
    """Nothing cached for this person: the check has to be made after the acknowledgement."""


class AdminCheckFailed(Exception):
    """Slack did not say (throttled past the retries, down, or an error): the person is told, never refused."""


class AdminCache:
    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self._clock = ttl, clock
        self._known: dict[tuple[str, str], tuple[float, bool]] = {}

    def cached(self, workspace: str, user: str) -> bool | None:
        found = self._known.get((workspace, user))
        if found is None or found[0] < self._clock():
            return None
        return found[1]

    def known_or_raise(self, workspace: str, user: str) -> Callable[[], Awaitable[bool]]:
        """An ``IsAdmin`` for the command router that answers from the cache or raises AdminUnknown."""

        async def answer() -> bool:
            found = self.cached(workspace, user)
            if found is None:
                raise AdminUnknown
            return found

        return answer

    async def ask(self, client: AsyncWebClient, workspace: str, user: str) -> bool:
        """users.info (with the client's rate-limit retries), remembered for ``ttl`` seconds."""
        try:
            info = (await client.users_info(user=user))["user"]
        except SlackApiError as exc:
            raise AdminCheckFailed(str(exc.response.get("error") or exc.response.status_code)) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise AdminCheckFailed(repr(exc)) from exc
        admin = bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))
        now = self._clock()
        if len(self._known) >= MOST_KEPT:  # a long-running server meets many people: keep only the live answers
            self._known = {key: found for key, found in self._known.items() if found[0] >= now}
        self._known[(workspace, user)] = (now + self.ttl, admin)
        return admin

"""Web API clients for check-ins, one per installation, with rotating tokens refreshed well before they expire.

With token rotation on, a bot token lasts twelve hours. A request refreshes it only in its last minutes
(``IN_REQUEST_ROTATION_MINUTES``); the sender here, and a refresher every few minutes, do it two hours ahead,
outside any request, through slack_sdk's token rotator and the installation store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp
from aiohttp import web
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.deliveries import Retry
from bot.slack.installations import EncryptedInstallationStore

AHEAD_MINUTES = 120
IN_REQUEST_ROTATION_MINUTES = 5
REFRESH_EVERY_SECONDS = 600.0
log = logging.getLogger("maturity_bot.slack")


class InstalledClients:
    def __init__(
        self,
        store: EncryptedInstallationStore,
        rotator: AsyncTokenRotator,
        make_client: Callable[[str], AsyncWebClient],
    ) -> None:
        """``make_client(token)``: a Web API client for one token (on the server's shared connection pool)."""
        self.store, self.rotator, self.make_client = store, rotator, make_client

    async def client_for(self, workspace: str) -> AsyncWebClient | None:
        """The installation's client, None when the workspace has no installation (never installed, or removed)."""
        bot = await self.store.async_find_bot_for(workspace)
        if bot is None or not bot.bot_token:
            return None
        return self.make_client(await self.fresh_token(bot))

    async def fresh_token(self, bot: Bot, minutes: int = AHEAD_MINUTES) -> str:
        """The bot's token, refreshed first when it expires within ``minutes``. A refresh that fails while the old
        token still works uses the old one; once it has expired, the send is retried later."""
        assert bot.bot_token is not None
        if not bot.bot_refresh_token or bot.bot_token_expires_at is None:
            return bot.bot_token
        installation = await self.store.async_installation_of(bot)
        if installation is None:
            return bot.bot_token
        try:
            refreshed = await self.rotator.perform_token_rotation(
                installation=installation, minutes_before_expiration=minutes
            )
        except (SlackTokenRotationError, SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            if _expired(bot):
                raise Retry(f"the bot token expired and could not be refreshed: {exc!r}") from exc
            log.warning("refreshing the bot token of %s failed; the current one still works: %r", bot.team_id, exc)
            return bot.bot_token
        if refreshed is None or not refreshed.bot_token:
            return bot.bot_token
        await self.store.async_save(refreshed)
        return refreshed.bot_token

    async def refresh_expiring(self) -> None:
        """Refresh every installation's token that expires within two hours (each failure logged, none fatal)."""
        for bot in await self.store.async_rotating_bots():
            try:
                await self.fresh_token(bot)
            except Retry as exc:
                log.error("the bot token of %s: %s", bot.enterprise_id or bot.team_id, exc)

    def attach(self, app: web.Application, every: float = REFRESH_EVERY_SECONDS) -> None:
        """Refresh in the background while the server runs."""

        async def keep_fresh() -> None:
            while True:
                try:
                    await self.refresh_expiring()
                except Exception:  # a database hiccup: the next round tries again
                    log.exception("refreshing Slack tokens failed")
                await asyncio.sleep(every)

        async def start(app: web.Application) -> None:
            app[TASK] = asyncio.create_task(keep_fresh())

        async def stop(app: web.Application) -> None:
            app[TASK].cancel()

        app.on_startup.append(start)
        app.on_cleanup.insert(0, stop)


TASK = web.AppKey("slack_token_refresher", asyncio.Task)


class InstallationAuthorize(AsyncAuthorize):
    """Bolt's authorize for many installations, with no Slack call in a request: Bolt's own asks ``auth.test``
    on every request, before the listener can acknowledge. The bot's ids are stored with its installation."""

    def __init__(self, clients: InstalledClients) -> None:
        super().__init__()
        self.clients = clients

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: object,
    ) -> AuthorizeResult | None:
        bot = await self.clients.store.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=context.is_enterprise_install
        )
        if bot is None or not bot.bot_token:
            return None  # Bolt answers "please install this app"
        try:  # only a token about to expire is refreshed here: the refresher keeps them two hours ahead
            token = await self.clients.fresh_token(bot, IN_REQUEST_ROTATION_MINUTES)
        except Retry:
            token = bot.bot_token  # expired and not refreshed: the request goes on, its Slack calls will say so
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_token=token,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            user_id=user_id,
        )


def _expired(bot: Bot) -> bool:
    """slack_sdk keeps the expiry as epoch seconds."""
    return bot.bot_token_expires_at is not None and bot.bot_token_expires_at <= time.time()

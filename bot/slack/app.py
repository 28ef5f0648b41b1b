"""The Bolt app: one workspace from a bot token and a signing secret, or many through Slack's OAuth install."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.clock import now
from bot.app.reach import workspace_installed
from bot.app.runtime import Runtime
from bot.slack import PLATFORM
from bot.slack.identity import workspace_key
from bot.slack.listeners import register
from bot.slack.manifest import bot_scopes

if TYPE_CHECKING:
    from bot.slack.installations import EncryptedInstallationStore

INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"
log = logging.getLogger("maturity_bot.slack")


def web_client(api_url: str, token: str | None = None) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=api_url, timeout=10)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))  # honours Retry-After
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return client


class SingleWorkspace:
    """Bolt's authorize for one bot token, with no Web API call in a request: Bolt's own single-workspace
    authorization calls ``auth.test`` on the first request, inside Slack's three seconds. Here the bot's user id
    is learnt at start-up (``learn``), and a request never waits for it."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None

    async def learn(self, client: AsyncWebClient) -> None:
        """auth.test, once, outside any request; without it the bot works but cannot tell that it was invited."""
        try:
            found = await client.auth_test(token=self.token)
        except (SlackApiError, OSError, TimeoutError) as exc:
            log.warning("auth.test failed at start-up (%r): the bot cannot tell when it is invited to a channel", exc)
            return
        self.bot_user_id, self.bot_id = found.get("user_id"), found.get("bot_id")

    async def authorize(self, enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=self.token,
            bot_user_id=self.bot_user_id,
            bot_id=self.bot_id,
            user_id=user_id,
        )


def build_slack_app(
    *, token: str, signing_secret: str, api_url: str, bot: Runtime, socket_mode: bool = False
) -> tuple[AsyncApp, SingleWorkspace]:
    """``socket_mode``: requests come over the Socket Mode websocket, not HTTP, so there is nothing to verify
    (``signing_secret`` is then unused). Returns the app and its authorize, whose ``learn`` runs at start-up."""
    single = SingleWorkspace(token)

    async def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        return await single.authorize(enterprise_id, team_id, user_id)  # Bolt reads a function's argument names

    app = AsyncApp(
        client=web_client(api_url),  # each request's client gets the token from ``authorize``
        signing_secret=signing_secret,
        authorize=authorize,
        request_verification_enabled=not socket_mode,
        process_before_response=True,  # listeners ack, then hand Slack calls to bot.later (see listeners/)
    )
    register(app, bot)
    return app, single


def build_slack_oauth_app(
    *,
    client_id: str,
    client_secret: str,
    signing_secret: str,
    api_url: str,
    bot: Runtime,
    installations: EncryptedInstallationStore,
    authorize: AsyncAuthorize,
    state_store: AsyncOAuthStateStore,
) -> AsyncApp:
    """Many workspaces (and Enterprise Grid organisations): each installs through ``/slack/install``; its token is
    saved, encrypted, in ``installations``.

    The client has no token: ``authorize`` gives each request the token of the installation it came from. The
    OAuth flow uses the same client, so its ``oauth.v2.access`` call goes to ``api_url`` too.
    """

    async def installed(args: AsyncSuccessArgs) -> BoltResponse:
        """A (re)install: check-ins paused by an earlier uninstall resume."""
        found = args.installation
        key = workspace_key(found.enterprise_id, found.team_id, found.is_enterprise_install)
        if key:
            await bot.write(workspace_installed, PLATFORM, key, now())
        return await args.default.success(args)

    async def failed(args: AsyncFailureArgs) -> BoltResponse:
        return await args.default.failure(args)

    settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=bot_scopes(),
        installation_store=installations,
        state_store=state_store,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=AsyncCallbackOptions(success=installed, failure=failed),
    )
    app = AsyncApp(
        client=web_client(api_url),
        signing_secret=signing_secret,
        installation_store=installations,
        authorize=authorize,  # type: ignore[arg-type]  # Bolt takes an AsyncAuthorize too, though its hint omits it
        process_before_response=True,
        oauth_settings=settings,
    )
    register(app, bot, forget_tokens=installations.async_delete_workspace)
    return app

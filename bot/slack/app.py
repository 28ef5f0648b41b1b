"""The Bolt app: one workspace from a bot token and a signing secret, or many through Slack's OAuth install."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.runtime import Runtime
from bot.slack.listeners import register
from bot.slack.manifest import bot_scopes
from storage.database import Database

INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"


def web_client(api_url: str, token: str | None = None) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=api_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))  # honours Retry-After
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return client


def build_slack_app(
    *, token: str, signing_secret: str, api_url: str, bot: Runtime, socket_mode: bool = False
) -> AsyncApp:
    """``socket_mode``: requests come over the Socket Mode websocket, not HTTP, so there is nothing to verify
    (``signing_secret`` is then unused)."""
    app = AsyncApp(
        client=web_client(api_url, token),
        signing_secret=signing_secret,
        request_verification_enabled=not socket_mode,
        process_before_response=True,  # listeners ack, then hand Slack calls to bot.later (see listeners/)
    )
    register(app, bot)
    return app


def build_slack_oauth_app(
    *,
    client_id: str,
    client_secret: str,
    signing_secret: str,
    encryption_key: str,
    api_url: str,
    bot: Runtime,
    db: Database,
) -> AsyncApp:
    """Many workspaces: each installs through ``/slack/install``; its token is saved, encrypted, in ``db``.

    The client has no token: Bolt gives each request the token of the workspace it came from. The OAuth flow
    uses the same client, so its ``oauth.v2.access`` call goes to ``api_url`` too.
    """
    from bot.slack.installations import EncryptedInstallationStore, SqlOAuthStateStore

    installations = EncryptedInstallationStore(client_id=client_id, engine=db.engine, encryption_key=encryption_key)
    app = AsyncApp(
        client=web_client(api_url),
        signing_secret=signing_secret,
        installation_store=installations,
        process_before_response=True,
        oauth_settings=AsyncOAuthSettings(
            client_id=client_id,
            client_secret=client_secret,
            scopes=bot_scopes(),
            installation_store=installations,
            state_store=SqlOAuthStateStore(engine=db.engine),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
        ),
    )
    register(app, bot)
    return app

"""The Bolt app: one workspace, from a bot token and a signing secret."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.bot import SlackBot
from bot.slack.listeners import register


def build_slack_app(
    *, token: str, signing_secret: str, api_url: str, bot: SlackBot, socket_mode: bool = False
) -> AsyncApp:
    """``socket_mode``: requests come over the Socket Mode websocket, not HTTP, so there is nothing to verify
    (``signing_secret`` is then unused)."""
    client = AsyncWebClient(token=token, base_url=api_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))  # honours Retry-After
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    app = AsyncApp(client=client, signing_secret=signing_secret, request_verification_enabled=not socket_mode)
    register(app, bot)
    return app

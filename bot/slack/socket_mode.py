"""Socket Mode: Slack's requests arrive over a websocket the app opens, instead of as POSTs to /slack/events.

The connection lives in the aiohttp application's own event loop (opened on startup, closed on cleanup), so one
asyncio process serves /healthz, /metrics and Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncServerErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("maturity_bot.server")


def socket_mode_handler(bolt: AsyncApp, *, app_token: str, api_url: str) -> AsyncSocketModeHandler:
    """The Socket Mode handler for ``bolt``; the websocket URL comes from ``apps.connections.open`` at ``api_url``,
    called with the app-level token (xapp-...).

    Call it on the loop that will run it: the client starts a task and an aiohttp session when it is made.
    """
    web_client = AsyncWebClient(base_url=api_url)  # no bot token: apps.connections.open takes the app token
    web_client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return AsyncSocketModeHandler(bolt, app_token=app_token, web_client=web_client)


def attach(app: web.Application, make_handler: Callable[[], AsyncSocketModeHandler]) -> None:
    """Connect on ``app``'s startup and close on its cleanup. ``make_handler`` is called at startup, on the
    server's loop (see ``socket_mode_handler``).

    The first websocket URL is fetched before connecting so that a wrong or revoked app token stops the start
    with Slack's error, instead of slack_sdk retrying the connection forever.
    """
    handlers: list[AsyncSocketModeHandler] = []

    async def connect(_: web.Application) -> None:
        handler = make_handler()
        handlers.append(handler)
        try:
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except Exception as exc:
            log.error("Socket Mode: apps.connections.open failed (check SLACK_APP_TOKEN): %s", exc)
            handlers.remove(handler)
            await handler.close_async()
            raise
        await handler.connect_async()
        log.info("Socket Mode: connected to Slack")

    async def close(_: web.Application) -> None:
        while handlers:
            await handlers.pop().close_async()
            log.info("Socket Mode: connection closed")

    app.on_startup.append(connect)
    app.on_cleanup.append(close)

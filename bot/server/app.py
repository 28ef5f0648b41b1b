"""The HTTP server: one aiohttp application for Slack's endpoint, /healthz and /metrics.

This module only translates HTTP; each platform's adapter does the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.server.observability import Metrics
from dialogs.ports import StoreUnavailable

log = logging.getLogger("maturity_bot.server")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_web_app(
    *,
    health: Callable[[], None],
    metrics: Metrics,
    slack: tuple[AsyncApp, str] | None = None,
    teams: Handler | None = None,
) -> web.Application:
    """``health`` raises StoreUnavailable when the service cannot work (blocking: run in a thread); ``slack`` is the
    Bolt app and its signing secret, ``teams`` the handler of Teams' ``/api/messages``; either is None when that
    platform is off."""

    @web.middleware
    async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
        started = time.perf_counter()
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            metrics.requests.labels(path, str(exc.status)).inc()
            raise
        except Exception:
            metrics.errors.labels(path).inc()
            metrics.requests.labels(path, "500").inc()
            log.exception("request to %s failed", path)
            return web.json_response({"error": "internal error"}, status=500)
        metrics.latency.labels(path).observe(time.perf_counter() - started)
        metrics.requests.labels(path, str(response.status)).inc()
        return response

    async def healthz(_: web.Request) -> web.Response:
        try:
            await asyncio.to_thread(health)
        except StoreUnavailable as exc:
            return web.json_response({"status": "unavailable", "database": str(exc)}, status=503)
        return web.json_response({"status": "ok"})

    async def prometheus(_: web.Request) -> web.Response:
        return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application(middlewares=[measure])
    app.add_routes([web.get("/healthz", healthz), web.get("/metrics", prometheus)])
    if slack is not None:
        app.add_routes([web.post("/slack/events", slack_endpoint(*slack))])
        flow = slack[0].oauth_flow
        if flow is not None:  # many workspaces: Slack's install flow
            app.add_routes(
                [
                    web.get(flow.install_path, oauth_endpoint(flow.handle_installation)),
                    web.get(flow.redirect_uri_path, oauth_endpoint(flow.handle_callback)),
                ]
            )
    if teams is not None:
        app.add_routes([web.post("/api/messages", teams)])
    return app


def slack_endpoint(bolt: AsyncApp, signing_secret: str) -> Handler:
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.Response:
        body = await request.text()
        if not verifier.is_valid(
            body, request.headers.get("X-Slack-Request-Timestamp", ""), request.headers.get("X-Slack-Signature", "")
        ):
            return web.json_response({"error": "invalid signature"}, status=401)  # nothing is read or changed
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, KeyError, TypeError):  # a signed body that is not Slack's format
            return web.json_response({"error": "malformed payload"}, status=400)
        if not isinstance(bolt_request.body, dict):
            return web.json_response({"error": "malformed payload"}, status=400)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return handle


def oauth_endpoint(step: Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]) -> Handler:
    """The install page or the OAuth redirect: Bolt's flow checks the state (cookie and store) itself."""

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await step(await to_bolt_request(request)))

    return handle

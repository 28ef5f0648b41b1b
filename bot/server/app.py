"""The HTTP server: one aiohttp application for Slack's endpoints, /healthz, /livez, /readyz and /metrics.

This module only translates HTTP; each platform's adapter does the rest. Bad input is answered with a 4xx here,
before anything reads it further: a 5xx would tell Slack (and an operator) that the server is at fault.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qsl

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.app.health import READY_WITHIN_S
from bot.server.observability import Metrics
from bot.slack import payload
from dialogs.ports import StoreUnavailable

log = logging.getLogger("maturity_bot.server")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TIMESTAMP = re.compile(r"[0-9]{1,12}")  # seconds since 1970, as Slack sends them
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")  # HMAC-SHA256 in lower-case hex, as slack_sdk computes it
FORM, JSON = "application/x-www-form-urlencoded", "application/json"
SLACK_CONTENT_TYPES = (FORM, JSON)
BOLT_INTERNAL = "x-slack-bolt-"  # headers Bolt sets for itself (lazy listeners); never taken from outside
READY_WAIT_S = READY_WITHIN_S + 1  # the probe has its own deadline; this only bounds a stuck connection attempt


def create_web_app(
    *,
    health: Callable[[], None],
    metrics: Metrics,
    ready: Callable[[], None] | None = None,
    slack: tuple[AsyncApp, str] | None = None,
    teams: Handler | None = None,
) -> web.Application:
    """``health`` raises StoreUnavailable when the database cannot be reached, ``ready`` when it does not take a
    read and a write in time (both blocking: run in a thread; without ``ready``, /readyz asks ``health``);
    ``slack`` is the Bolt app and its signing secret, ``teams`` the handler of Teams' ``/api/messages``; either
    is None when that platform is off."""

    @web.middleware
    async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
        started = time.perf_counter()
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            metrics.requests.labels(path, str(exc.status)).inc()
            raise
        except web.RequestPayloadError:  # a body the client sent broken (bad compression, cut short)
            metrics.requests.labels(path, "400").inc()
            return web.json_response({"error": "unreadable body"}, status=400)
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

    async def livez(_: web.Request) -> web.Response:
        """The process answers: nothing else is asked, so a database outage never gets the process restarted."""
        return web.json_response({"status": "ok"})

    probe = ready or health
    probing: asyncio.Future[None] | None = None

    async def readyz(_: web.Request) -> web.Response:
        """Ready when the database takes a read and a write in time. One probe at a time: a request that comes
        while one is still running waits for that one, so a hung database never piles up threads."""
        nonlocal probing
        if probing is None or probing.done():
            probing = asyncio.ensure_future(asyncio.to_thread(probe))
            probing.add_done_callback(_retrieve)
        try:
            await asyncio.wait_for(asyncio.shield(probing), READY_WAIT_S)
        except StoreUnavailable as exc:
            return web.json_response({"status": "unavailable", "database": str(exc)}, status=503)
        except TimeoutError:
            reason = f"the database did not answer within {READY_WAIT_S:g} s"
            return web.json_response({"status": "unavailable", "database": reason}, status=503)
        return web.json_response({"status": "ok"})

    async def prometheus(_: web.Request) -> web.Response:
        return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application(middlewares=[measure])
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/livez", livez),
            web.get("/readyz", readyz),
            web.get("/metrics", prometheus),
        ]
    )
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


def _retrieve(future: asyncio.Future[None]) -> None:
    """A probe nobody waited for to the end still has its outcome taken, so asyncio logs no "never retrieved"."""
    if not future.cancelled():
        future.exception()


def slack_endpoint(bolt: AsyncApp, signing_secret: str) -> Handler:
    """Slack's requests, in this order: signature headers well formed (else 401), the body UTF-8 (else 400), the
    signature right (else 401), Slack's content type (else 415), the payload in Slack's shape (else 400); only
    then does Bolt see it. Nothing in the body is parsed, and nothing changes, before the signature is checked."""
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.Response:
        timestamp = _single(request, "X-Slack-Request-Timestamp", TIMESTAMP)
        signature = _single(request, "X-Slack-Signature", SIGNATURE)
        if timestamp is None or signature is None:
            return _error(401, "invalid signature")
        try:
            raw = await request.read()
        except web.RequestPayloadError:  # e.g. gzip that does not decompress
            return _error(400, "unreadable body")
        text = _utf8(raw, request.charset)
        if text is None:
            return _error(400, "the body is not UTF-8, or its charset is unknown")
        if not verifier.is_valid(text, timestamp, signature):
            return _error(401, "invalid signature")  # nothing is read or changed
        if request.content_type not in SLACK_CONTENT_TYPES:
            return _error(415, "not a content type Slack sends")
        try:
            bolt_request = _bolt_request(text, request)
        except Exception:  # Bolt parses the body and reads ids from it; any failure there is a body we cannot read
            log.info("a signed Slack request whose body cannot be parsed", exc_info=True)
            return _error(400, "malformed payload")
        reason = payload.problem(bolt_request.body, bolt_request.context)
        if reason is not None:
            log.info("a signed Slack request in a shape Slack does not send: %s", reason)
            return web.json_response({"error": "malformed payload", "reason": reason}, status=400)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return handle


def _bolt_request(text: str, request: web.Request) -> AsyncBoltRequest:
    """Bolt's request for a signed body. Bolt takes any form body holding the word "payload" for an interaction
    and, finding no ``payload`` field, reads it as empty: a slash command typed in #payload-team would be lost.
    Such a body gets its form fields back."""
    bolt_request = AsyncBoltRequest(body=text, query=request.rel_url.raw_query_string, headers=_headers(request))
    if not bolt_request.body and request.content_type == FORM and "payload" in text:
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" not in fields:
            bolt_request.body = fields
            bolt_request.context = build_async_context(AsyncBoltContext(), fields)
    return bolt_request


def oauth_endpoint(step: Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]) -> Handler:
    """The install page or the OAuth redirect: Bolt's flow checks the state (cookie and store) itself and answers
    bad input with its own 4xx pages. Only the query string and headers are passed: these are GETs, and a body
    (in whatever charset it claims) is never read."""

    async def handle(request: web.Request) -> web.Response:
        try:
            bolt_request = AsyncBoltRequest(body="", query=request.rel_url.raw_query_string, headers=_headers(request))
        except Exception:
            log.info("an OAuth request that cannot be parsed", exc_info=True)
            return _error(400, "malformed request")
        return await to_aiohttp_response(await step(bolt_request))

    return handle


def _single(request: web.Request, name: str, form: re.Pattern[str]) -> str | None:
    """The header's value when it is sent once and in ``form``; slack_sdk's verifier would raise on others."""
    values = request.headers.getall(name, [])
    if len(values) != 1 or not form.fullmatch(values[0]):
        return None
    return values[0]


def _utf8(raw: bytes, charset: str | None) -> str | None:
    """Slack sends UTF-8; a charset Python does not know, or bytes that are not UTF-8, are not Slack's."""
    if charset is not None:
        try:
            codecs.lookup(charset)
        except (LookupError, ValueError):
            return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _headers(request: web.Request) -> dict[str, str | Sequence[str]]:
    """Every header with all its values (so Bolt reads the same first value as we checked), less Bolt's own."""
    names = {name.lower() for name in request.headers}
    return {name: request.headers.getall(name) for name in names if not name.startswith(BOLT_INTERNAL)}


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)

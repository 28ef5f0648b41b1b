"""Teams' transport: botbuilder's CloudAdapter configured from the Bot Framework's environment names, and the
``/api/messages`` endpoint that turns an HTTP request into an activity for it. Nothing here knows the questions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from ipaddress import ip_address
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.auth import ServiceClientCredentialsFactory
from jwt import PyJWTError
from msrest.authentication import Authentication

from bot.settings import Settings
from dialogs.ports import StoreUnavailable

log = logging.getLogger("maturity_bot.teams")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNAVAILABLE = "I couldn't save that just now (my database is unavailable). Nothing was lost: send it again in a minute."
FAILED = "Something went wrong on my side; nothing you answered before was lost. Please try again."


def build_adapter(settings: Settings) -> CloudAdapter:
    """Authenticated when MicrosoftAppId is set: every request must then carry a valid Bot Framework token."""
    password = settings.microsoft_app_password.get_secret_value() if settings.microsoft_app_password else None
    config = SimpleNamespace(
        APP_ID=settings.microsoft_app_id or "",
        APP_PASSWORD=password or "",
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id or "",
    )
    credentials = CachedCredentials(ConfigurationServiceClientCredentialFactory(config))
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config, credentials_factory=credentials))
    adapter.on_turn_error = _tell_the_person
    return adapter


class CachedCredentials(ServiceClientCredentialsFactory):
    """The Bot Framework's credentials, made once per app id and audience instead of once per request: each set
    keeps its own MSAL token cache, so a token is fetched when it expires, not on every reply."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self._inner = inner
        self._made: dict[tuple[str, str, str, bool], Authentication] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return await self._inner.is_valid_app_id(app_id)

    async def is_authentication_disabled(self) -> bool:
        return await self._inner.is_authentication_disabled()

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        key = (app_id, oauth_scope or "", login_endpoint or "", validate_authority)
        if key not in self._made:
            self._made[key] = await self._inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
        return self._made[key]


async def _tell_the_person(turn_context: TurnContext, error: Exception) -> None:
    """A turn that failed saved nothing; the person hears so instead of silence."""
    if isinstance(error, StoreUnavailable):
        log.warning("Teams turn failed, database unavailable: %s", error)
        text = UNAVAILABLE
    else:
        log.error("Teams turn failed", exc_info=error)
        text = FAILED
    try:
        await turn_context.send_activity(text)
    except Exception:  # the connector may be what failed; the log above has the story
        log.warning("could not tell the person about the failed turn", exc_info=True)


def teams_endpoint(adapter: CloudAdapter, bot: ActivityHandler, *, authenticated: bool) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response({"error": "malformed JSON"}, status=400)
        activity = parse_activity(body)
        if activity is None:
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        if not authenticated and not (_local(request.remote) and _local(urlsplit(activity.service_url).hostname)):
            # Without an app id nobody is checked: answer only the Emulator and tests, on this machine.
            return web.json_response({"error": "unauthenticated mode serves this machine only"}, status=401)
        try:
            invoke = await adapter.process_activity(request.headers.get("Authorization", ""), activity, bot.on_turn)
        except (PermissionError, PyJWTError):  # botbuilder lets a token that is not a JWT at all raise PyJWT's error
            return web.json_response({"error": "invalid or missing Bot Framework token"}, status=401)
        if invoke is not None:
            return web.json_response(serializer_helper(invoke.body), status=invoke.status)
        return web.Response(status=201)

    return handle


def parse_activity(body: Any) -> Activity | None:
    """The activity, or None when the body lacks what every activity has (type, serviceUrl, conversation)."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        return None
    conversation, sender = body.get("conversation"), body.get("from")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        return None
    if not isinstance(sender, dict) or not isinstance(sender.get("id"), str):
        return None
    url = body.get("serviceUrl")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        return None
    try:
        return Activity().deserialize(body)
    except Exception:  # msrest's DeserializationError and the type errors beneath it
        return None


def _local(host: str | None) -> bool:
    """A loopback address or localhost (the caller's address, or a serviceUrl's host)."""
    host = host or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False

"""The composition root of ``maturity-bot serve``: settings, model, database and adapters wired together."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.health import database_answers, database_ready
from bot.app.runtime import Runtime
from bot.server.app import Handler, create_web_app
from bot.server.observability import Metrics, configure_logging
from bot.settings import Settings
from scoring.model import read_model_file
from storage.conversations import SqlConversationStore
from storage.database import Database, open_database
from storage.model_versions import model_catalog

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from bot.app.deliveries import Outbox
    from bot.slack.tokens import InstalledClients

log = logging.getLogger("maturity_bot.server")
SOCKET_MODE_NO_SECRET = "unused-in-socket-mode"


def build_app(settings: Settings) -> web.Application:
    settings.check()
    text, model = read_model_file(settings.model_file)
    db = open_database(settings.resolved_database_url())
    models = model_catalog(db, text, model, source=str(settings.model_file or "the bundled model"))
    metrics = Metrics()
    pool = storage_threads(db)
    bot = Runtime(
        SqlConversationStore(db),
        db,
        models,
        on_turn=lambda platform: metrics.turns.labels(platform).inc(),
        storage_threads=pool,
        admins=settings.admin_ids,
        min_respondents=settings.disagreement_min_respondents,
    )
    outboxes: dict[str, Outbox] = {}
    slack = None
    socket_mode = None
    slack_started: list[Callable[[], Awaitable[None]]] = []  # after the shared HTTP session is open
    slack_refresher: InstalledClients | None = None
    bot_token, app_token, secret = settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret
    api_url = settings.slack_api_url

    if bot_token and (app_token or secret):
        from bot.slack.app import build_slack_app
        from bot.slack.outbox import SlackOutbox

        # Socket Mode requests come over the app's own websocket, unsigned: no signing secret is needed then.
        signing_secret = SOCKET_MODE_NO_SECRET if app_token or not secret else secret.get_secret_value()
        bolt, single = build_slack_app(
            token=bot_token.get_secret_value(),
            signing_secret=signing_secret,
            api_url=settings.slack_api_url,
            bot=bot,
            socket_mode=app_token is not None,
        )
        one_client = partial(token_client, bolt, settings.slack_api_url, bot_token.get_secret_value())
        outboxes["slack"] = SlackOutbox(partial(only_workspace, one_client))
        slack_started.append(partial(single.learn, bolt.client))
        if app_token:
            from bot.slack.socket_mode import socket_mode_handler

            socket_mode = partial(
                socket_mode_handler, bolt, app_token=app_token.get_secret_value(), api_url=settings.slack_api_url
            )
            log.info("Slack: Socket Mode (SLACK_APP_TOKEN is set); /slack/events is off")
        else:
            slack = (bolt, signing_secret)
            log.info("Slack: HTTP mode, Slack POSTs to /slack/events")
    elif settings.slack_oauth:
        from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator

        from bot.slack.app import build_slack_oauth_app, web_client
        from bot.slack.installations import EncryptedInstallationStore, SqlOAuthStateStore
        from bot.slack.outbox import SlackOutbox
        from bot.slack.tokens import InstallationAuthorize, InstalledClients

        assert settings.slack_client_id and settings.slack_client_secret and secret and settings.encryption_key
        client_id, client_secret = settings.slack_client_id, settings.slack_client_secret.get_secret_value()
        installations = EncryptedInstallationStore(
            client_id=client_id, engine=db.engine, encryption_key=settings.encryption_key.get_secret_value()
        )
        rotator = AsyncTokenRotator(client_id=client_id, client_secret=client_secret, client=web_client(api_url))
        installed = InstalledClients(installations, rotator, lambda token: token_client(bolt, api_url, token))
        bolt = build_slack_oauth_app(
            client_id=client_id,
            client_secret=client_secret,
            signing_secret=secret.get_secret_value(),
            api_url=api_url,
            bot=bot,
            installations=installations,
            authorize=InstallationAuthorize(installed),
            state_store=SqlOAuthStateStore(engine=db.engine),
        )
        outboxes["slack"] = SlackOutbox(installed.client_for)
        slack_refresher = installed
        slack = (bolt, secret.get_secret_value())
        log.info("Slack: OAuth, many workspaces; install at /slack/install, Slack POSTs to /slack/events")
    else:
        log.warning(
            "Slack is not configured (SLACK_BOT_TOKEN, plus SLACK_APP_TOKEN for Socket Mode or SLACK_SIGNING_SECRET "
            "for /slack/events; or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET for OAuth): "
            "Slack is off"
        )
    teams = build_teams(settings, bot)
    if teams is not None:
        outboxes["teams"] = teams[1]
    app = create_web_app(
        health=partial(database_answers, db),
        ready=partial(database_ready, db),
        metrics=metrics,
        slack=slack,
        teams=teams[0] if teams else None,
    )
    if settings.scheduler and outboxes:
        from bot.scheduler import CheckinScheduler

        CheckinScheduler(
            bot,
            outboxes,
            tick_seconds=settings.tick_seconds,
            grace=timedelta(hours=settings.checkin_grace_hours),
            batch=settings.checkin_batch,
        ).attach(app)
    # Cleanup hooks run in the order added, after the HTTP server has let the requests in flight finish: stop
    # taking Socket Mode events, finish the posts those requests left, then close the HTTP session and database.
    if socket_mode is not None:
        from bot.slack.socket_mode import attach

        attach(app, socket_mode)

    async def finish_posts(_: web.Application) -> None:
        await bot.drain()

    app.on_cleanup.append(finish_posts)
    if "slack" in outboxes:  # HTTP mode, OAuth and Socket Mode alike: listeners and check-ins share the client
        reuse_connections(app, bolt.client)
        app.on_startup.extend(on_startup(started) for started in slack_started)
        if slack_refresher is not None:
            slack_refresher.attach(app)

    async def close_database(_: web.Application) -> None:
        if pool is not None:
            pool.shutdown(wait=True)  # let a turn in flight commit first
        db.close()

    app.on_cleanup.append(close_database)
    return app


async def only_workspace(client: Callable[[], AsyncWebClient], _: str) -> AsyncWebClient | None:
    """One workspace, one token: every check-in uses it."""
    return client()


def token_client(bolt: AsyncApp, api_url: str, token: str) -> AsyncWebClient:
    """A client for one installation's token on the app's kept-alive connection pool."""
    from bot.slack.app import web_client

    client = web_client(api_url, token)
    client.session = bolt.client.session
    return client


def build_teams(settings: Settings, bot: Runtime) -> tuple[Handler, Outbox] | None:
    """Teams' /api/messages and its check-in outbox, when on; without an app id the endpoint answers callers on
    this machine only."""
    if not settings.teams_enabled:
        return None
    from bot.teams.adapter import build_adapter, teams_endpoint
    from bot.teams.handler import TeamsBot
    from bot.teams.outbox import TeamsOutbox

    authenticated = bool(settings.microsoft_app_id)
    if authenticated:
        log.info("Teams: Bot Framework posts to /api/messages (app id %s)", settings.microsoft_app_id)
    else:
        log.warning(
            "Teams: MicrosoftAppId is not set, so /api/messages checks no tokens and answers only callers and "
            "serviceUrls on this machine (the Bot Framework Emulator); set MicrosoftAppId and MicrosoftAppPassword "
            "for Teams, or MATURITY_BOT_TEAMS=false to turn it off"
        )
    adapter = build_adapter(settings)
    handler = TeamsBot(bot, settings.microsoft_app_id)
    endpoint = teams_endpoint(adapter, handler, authenticated=authenticated)
    return endpoint, TeamsOutbox(bot, adapter, settings.microsoft_app_id)


def serve(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    configure_logging(settings.log_format)
    if workers > 1:
        from bot.server.workers import run_workers

        run_workers(settings, host=host, port=port, workers=workers)
        return
    app = build_app(settings)
    log.info("serving on %s:%s", host, port)
    web.run_app(app, host=host, port=port, print=None, access_log=None)


def check_can_start(settings: Settings) -> None:
    """What ``build_app`` would refuse, checked without building it: settings, model file, database, and a
    model version stored before with other content."""
    settings.check()
    text, model = read_model_file(settings.model_file)
    db = open_database(settings.resolved_database_url())
    try:
        model_catalog(db, text, model, source=str(settings.model_file or "the bundled model"))
    finally:
        db.close()


def on_startup(work: Callable[[], Awaitable[None]]) -> Callable[[web.Application], Awaitable[None]]:
    async def run(_: web.Application) -> None:
        await work()

    return run


def storage_threads(db: Database) -> ThreadPoolExecutor | None:
    """SQLite takes one writer at a time: one storage thread queues turns in order instead of letting several
    threads spin on the file lock (which made the slowest clicks ten times slower under load)."""
    if db.engine.dialect.name == "sqlite":
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-turns")
    return None


def reuse_connections(app: web.Application, client: AsyncWebClient) -> None:
    """One HTTP session (a pool of kept-alive connections) for every Web API call; without it slack_sdk opens
    and closes a connection per call, which cost more CPU than the rest of a turn. The session has to be made
    on the server's own event loop, so at start-up."""

    async def open_session(_: web.Application) -> None:
        client.session = aiohttp.ClientSession()

    async def close_session(_: web.Application) -> None:
        if client.session is not None:
            await client.session.close()

    app.on_startup.append(open_session)
    app.on_cleanup.append(close_session)

"""The composition root of ``maturity-bot serve``: settings, model, database and adapters wired together."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.server.app import create_web_app
from bot.server.observability import Metrics, configure_logging
from bot.settings import Settings
from scoring.model import load_model
from storage.conversations import SqlConversationStore
from storage.database import open_database

log = logging.getLogger("maturity_bot.server")


def build_app(settings: Settings) -> web.Application:
    model = load_model(settings.model_file)
    db = open_database(settings.resolved_database_url())
    metrics = Metrics()
    slack = None
    if settings.slack_bot_token and settings.slack_signing_secret:
        from bot.slack.app import build_slack_app
        from bot.slack.bot import PLATFORM, SlackBot

        bot = SlackBot(SqlConversationStore(db), db, model, on_turn=lambda: metrics.turns.labels(PLATFORM).inc())
        secret = settings.slack_signing_secret.get_secret_value()
        bolt = build_slack_app(
            token=settings.slack_bot_token.get_secret_value(),
            signing_secret=secret,
            api_url=settings.slack_api_url,
            bot=bot,
        )
        slack = (bolt, secret)
    else:
        log.warning("Slack is not configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): /slack/events is off")
    app = create_web_app(db=db, metrics=metrics, slack=slack)

    async def close_database(_: web.Application) -> None:
        db.close()

    app.on_cleanup.append(close_database)
    return app


def serve(settings: Settings, *, host: str, port: int) -> None:
    configure_logging(settings.log_format)
    app = build_app(settings)
    log.info("serving on %s:%s", host, port)
    web.run_app(app, host=host, port=port, print=None, access_log=None)

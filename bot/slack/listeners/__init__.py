"""Bolt listeners, one module per kind of Slack request, each with a ``register(app, bot)``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack import middleware
from bot.slack.bot import SlackBot
from bot.slack.listeners import actions, commands, events, home


def register(app: AsyncApp, bot: SlackBot) -> None:
    middleware.register(app, bot)
    commands.register(app, bot)
    actions.register(app, bot)
    events.register(app, bot)
    home.register(app, bot)

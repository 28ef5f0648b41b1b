"""Bolt listeners, one module per kind of Slack request, each with a ``register(app, bot)``.

The app runs with ``process_before_response``: a listener takes its turn (committed), acknowledges, and hands
the Slack calls to ``bot.later``, so the HTTP response never waits for them and Bolt never polls for the ack.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from bot.slack import middleware
from bot.slack.listeners import actions, commands, events, home


def register(app: AsyncApp, bot: Runtime) -> None:
    middleware.register(app, bot)
    commands.register(app, bot)
    commands.register_views(app, bot)
    actions.register(app, bot)
    events.register(app, bot)
    home.register(app, bot)

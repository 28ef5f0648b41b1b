"""Bolt listeners, one module per kind of Slack request, each with a ``register(app, bot)``.

The app runs with ``process_before_response``: a listener takes its turn (committed), acknowledges, and hands
the Slack calls to ``bot.later``, so the HTTP response never waits for them and Bolt never polls for the ack.
No listener calls the Slack Web API before it has acknowledged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp

from bot.app.runtime import Runtime
from bot.slack import errors, middleware
from bot.slack.admins import AdminCache
from bot.slack.listeners import actions, commands, events, home


def register(app: AsyncApp, bot: Runtime, forget_tokens: Callable[[str], Awaitable[None]] | None = None) -> None:
    """``forget_tokens(workspace)`` deletes an uninstalled workspace's tokens (OAuth mode; None with one token)."""
    admins = AdminCache()
    errors.register(app, bot)
    middleware.register(app, bot)
    commands.register(app, bot, admins)
    commands.register_views(app, bot, admins)
    actions.register(app, bot)
    events.register(app, bot, forget_tokens)
    home.register(app, bot)

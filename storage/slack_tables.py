"""The tables of slack_sdk's SQLAlchemy installation and OAuth state stores, for Slack's multi-workspace install.

The columns are slack_sdk's (``SQLAlchemyInstallationStore``, ``SQLAlchemyOAuthStateStore``) except that token
columns are Text: they hold Fernet-encrypted tokens (see ``bot.slack.installations``), longer than the clear ones.
Datetimes are naive UTC, as slack_sdk writes them. They live on the models' metadata so that migrations are checked
against them like every other table.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Text, func

BOTS, INSTALLATIONS, OAUTH_STATES = "slack_bots", "slack_installations", "slack_oauth_states"


def define_slack_tables(metadata: MetaData) -> tuple[Table, Table, Table]:
    """(bots, installations, oauth states) on ``metadata``."""
    bots = Table(
        BOTS,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", Text),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", Text),
        Column("bot_token_expires_at", DateTime),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("installed_at", DateTime, nullable=False, default=func.now()),
        Index(f"{BOTS}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )
    installations = Table(
        INSTALLATIONS,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("enterprise_url", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", Text),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", Text),
        Column("bot_token_expires_at", DateTime),
        Column("user_id", String(32), nullable=False),
        Column("user_token", Text),
        Column("user_scopes", String(1000)),
        Column("user_refresh_token", Text),
        Column("user_token_expires_at", DateTime),
        Column("incoming_webhook_url", Text),
        Column("incoming_webhook_channel", String(200)),
        Column("incoming_webhook_channel_id", String(200)),
        Column("incoming_webhook_configuration_url", String(200)),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("token_type", String(32)),
        Column("installed_at", DateTime, nullable=False, default=func.now()),
        Index(f"{INSTALLATIONS}_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
    )
    oauth_states = Table(
        OAUTH_STATES,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("state", String(200), nullable=False),
        Column("expire_at", DateTime, nullable=False),
    )
    return bots, installations, oauth_states

"""Where Slack installations (one per workspace that installed the app) and OAuth states are kept.

Both wrap slack_sdk's SQLAlchemy stores on the application's own engine, in a worker thread each call, so that
Bolt's AsyncApp can use them. Tokens (and the incoming webhook URL, which is a credential too) are encrypted with
Fernet before they are saved and decrypted after they are found: the database never holds them in clear.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, Table, and_, desc, or_

from storage.errors import translate_errors
from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES

log = logging.getLogger("maturity_bot.slack")

BOT_SECRETS = ("bot_token", "bot_refresh_token")
INSTALLATION_SECRETS = (*BOT_SECRETS, "user_token", "user_refresh_token", "incoming_webhook_url")
STATE_EXPIRATION_SECONDS = 600

T = TypeVar("T", Installation, Bot)
R = TypeVar("R")


class InstallationDecryptionError(RuntimeError):
    """A stored token cannot be decrypted: MATURITY_BOT_ENCRYPTION_KEY is not the key it was saved with."""


class _SqlInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store on this project's table definitions (Text token columns), created by migrations."""

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        return SLACK_INSTALLATIONS.to_metadata(metadata, name=table_name)

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        return SLACK_BOTS.to_metadata(metadata, name=table_name)


class _SqlOAuthStateStore(SQLAlchemyOAuthStateStore):
    @classmethod
    def build_oauth_states_table(cls, metadata: MetaData, table_name: str) -> Table:
        return SLACK_OAUTH_STATES.to_metadata(metadata, name=table_name)


class EncryptedInstallationStore(AsyncInstallationStore):
    """Bolt's installation store: slack_sdk's SQLAlchemy store with every token encrypted at rest."""

    def __init__(self, *, client_id: str, engine: Engine, encryption_key: str | bytes) -> None:
        self._fernet = Fernet(encryption_key)
        self._store = _SqlInstallationStore(client_id=client_id, engine=engine, logger=log)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def _run(self, call: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Blocking storage work off the event loop; a database that cannot be reached is StoreUnavailable, as
        everywhere else, so that the person hears about the outage."""
        return await asyncio.to_thread(_guarded, self._store.engine, call, *args, **kwargs)

    def _encrypt(self, entity: T, fields: tuple[str, ...]) -> T:
        sealed = copy.copy(entity)  # the caller's object keeps its clear tokens
        for name in fields:
            value = getattr(entity, name, None)
            if value is not None:
                setattr(sealed, name, self._fernet.encrypt(value.encode()).decode())
        return sealed

    def _decrypt(self, entity: T | None, fields: tuple[str, ...]) -> T | None:
        if entity is None:
            return None
        for name in fields:
            value: Any = getattr(entity, name, None)
            if value is not None:
                try:
                    setattr(entity, name, self._fernet.decrypt(value.encode()).decode())
                except InvalidToken:
                    raise InstallationDecryptionError(
                        f"cannot decrypt the stored Slack {name} of team {entity.team_id}: "
                        "MATURITY_BOT_ENCRYPTION_KEY is not the key it was saved with"
                    ) from None
        return entity

    async def async_save(self, installation: Installation) -> None:
        await self._run(self._store.save, self._encrypt(installation, INSTALLATION_SECRETS))

    async def async_save_bot(self, bot: Bot) -> None:
        await self._run(self._store.save_bot, self._encrypt(bot, BOT_SECRETS))

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        found = await self._run(
            self._store.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._decrypt(found, BOT_SECRETS)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await self._run(
            self._store.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._decrypt(found, INSTALLATION_SECRETS)

    async def async_find_bot_for(self, workspace: str) -> Bot | None:
        """The newest bot installation serving ``workspace``, the key of bot/slack/identity.py: a workspace's own
        install (inside an Enterprise Grid organisation too), or an organisation's org-wide install. slack_sdk's
        ``find_bot`` needs the enterprise id beside the team id, which a check-in does not have."""
        return self._decrypt(await self._run(self._bot_for, workspace), BOT_SECRETS)

    def _bot_for(self, workspace: str) -> Bot | None:
        c = self._store.bots.c
        query = (
            self._store.bots.select()
            .where(
                c.client_id == self._store.client_id,
                c.bot_token.is_not(None),
                or_(c.team_id == workspace, and_(c.enterprise_id == workspace, c.is_enterprise_install.is_(True))),
            )
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        with self._store.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else self._store.build_bot_entity(row)

    async def async_installation_of(self, bot: Bot) -> Installation | None:
        """The installation a bot row belongs to (for token rotation, which refreshes the installation)."""
        return await self.async_find_installation(
            enterprise_id=bot.enterprise_id,
            team_id=None if bot.is_enterprise_install else bot.team_id,
            is_enterprise_install=bot.is_enterprise_install,
        )

    async def async_rotating_bots(self) -> list[Bot]:
        """Every installation's newest bot whose token expires (token rotation is on for it)."""
        rows = await self._run(self._rotating_rows)
        found = [self._decrypt(self._store.build_bot_entity(row), BOT_SECRETS) for row in rows]
        return [bot for bot in found if bot is not None]

    def _rotating_rows(self) -> list[Any]:
        c = self._store.bots.c
        query = (
            self._store.bots.select()
            .where(c.client_id == self._store.client_id, c.bot_refresh_token.is_not(None))
            .order_by(desc(c.installed_at))
        )
        with self._store.engine.connect() as conn:
            rows = list(conn.execute(query).mappings())
        newest: dict[tuple[object, object], Any] = {}
        for row in rows:
            newest.setdefault((row["enterprise_id"], row["team_id"]), row)
        return list(newest.values())

    async def async_delete_workspace(self, workspace: str) -> None:
        """An uninstall or a revoked token: every token kept for ``workspace`` goes."""
        bot = await self._run(self._bot_for, workspace)
        if bot is not None:  # the row's own ids: an org-wide install's rows have no team id
            await self.async_delete_all(enterprise_id=bot.enterprise_id, team_id=bot.team_id)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._run(self._store.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._run(self._store.delete_installation, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)


def _guarded(engine: Engine, call: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    with translate_errors(engine.url):
        return call(*args, **kwargs)


class SqlOAuthStateStore(AsyncOAuthStateStore):
    """Bolt's OAuth state store: slack_sdk's SQLAlchemy one; a state is good once, for ten minutes."""

    def __init__(self, *, engine: Engine, expiration_seconds: int = STATE_EXPIRATION_SECONDS) -> None:
        self._store = _SqlOAuthStateStore(expiration_seconds=expiration_seconds, engine=engine, logger=log)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(_guarded, self._store.engine, self._store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(_guarded, self._store.engine, self._store.consume, state)

"""The App Home tab: the person's teams with their levels, an unfinished assessment to resume, last results."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.home import overview_with_team_levels
from bot.app.runtime import Runtime
from bot.slack import PLATFORM
from bot.slack.identity import user_of, workspace_of
from bot.slack.render import home_view


def register(app: AsyncApp, bot: Runtime) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = user_of(context)
        teams, levels = await bot.read(
            overview_with_team_levels, bot.models, workspace_of(context), user, platform=PLATFORM
        )
        view = home_view(teams, levels)
        bot.later(client.views_publish(user_id=user, view=view), "publishing App Home")

"""The App Home tab: the person's teams with their levels, an unfinished assessment to resume, last results."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.results import current_results
from bot.runtime import Runtime
from bot.slack import PLATFORM
from bot.slack.render import home_view
from dialogs.ports import ModelVersions
from storage.database import Database
from storage.reports import MemberTeam, member_teams


def register(app: AsyncApp, bot: Runtime) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        teams, levels = await bot.read(overview_with_team_levels, bot.models, body["team_id"], event["user"])
        view = home_view(teams, levels)
        bot.later(client.views_publish(user_id=event["user"], view=view), "publishing App Home")


def overview_with_team_levels(
    db: Database, models: ModelVersions, workspace: str, user: str
) -> tuple[list[MemberTeam], dict[str, tuple[int, str] | None]]:
    """The member's teams and each team's current level and its name; one read, whatever the number of teams."""
    with db.reading() as session:
        teams = member_teams(session, platform=PLATFORM, workspace=workspace, user=user)
        results = current_results(session, models, [t.team_id for t in teams])
    levels: dict[str, tuple[int, str] | None] = {}
    for team in teams:
        current = results.get(team.team_id)
        levels[team.team] = (current.result.overall, current.result.overall_name) if current else None
    return teams, levels

"""The App Home tab: the person's teams with their levels, an unfinished assessment to resume, last results."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.slack import PLATFORM
from bot.slack.render import home_view
from dialogs.ports import ModelVersions
from scoring.score import score
from storage.database import Database
from storage.reports import MemberTeam, member_overview, team_snapshot


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
    """The member's teams and each team's aggregated level and its name (a few queries per team; people have
    few teams)."""
    teams = member_overview(db, platform=PLATFORM, workspace=workspace, user=user)
    levels: dict[str, tuple[int, str] | None] = {}
    for team in teams:
        snapshot = team_snapshot(db, platform=PLATFORM, workspace=workspace, team=team.team)
        if snapshot is None or not snapshot.answer_sets:
            levels[team.team] = None
            continue
        result = score(models.get(snapshot.model_version), snapshot.answer_sets)
        levels[team.team] = (result.overall, result.overall_name)
    return teams, levels

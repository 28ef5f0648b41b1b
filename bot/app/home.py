"""App Home's use case: the person's teams, their place in each, and each team's current level."""

from __future__ import annotations

from bot.app.results import current_results
from dialogs.ports import ModelVersions
from storage.database import Database
from storage.reports import MemberTeam, member_teams

__all__ = ["MemberTeam", "overview_with_team_levels"]


def overview_with_team_levels(
    db: Database, models: ModelVersions, workspace: str, user: str, *, platform: str = "slack"
) -> tuple[list[MemberTeam], dict[str, tuple[int, str] | None]]:
    """The member's teams and each team's current level and its name; one read, whatever the number of teams."""
    with db.reading() as session:
        teams = member_teams(session, platform=platform, workspace=workspace, user=user)
        results = current_results(session, models, [t.team_id for t in teams])
    levels: dict[str, tuple[int, str] | None] = {}
    for team in teams:
        current = results.get(team.team_id)
        levels[team.team] = (current.result.overall, current.result.overall_name) if current else None
    return teams, levels

"""The App Home tab: the person's teams with their levels, an unfinished assessment to resume, last results."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.bot import PLATFORM, SlackBot
from bot.slack.render import ActionValue, home_view
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from scoring.score import score
from storage.reports import MemberTeam, member_overview, team_snapshot


def register(app: AsyncApp, bot: SlackBot) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        teams, levels = await asyncio.to_thread(overview_with_team_levels, bot, body["team_id"], event["user"])
        await client.views_publish(user_id=event["user"], view=home_view(bot.model, teams, levels))

    @app.action("resume")
    async def resume(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        try:
            team = ActionValue.decode(action.get("value", "")).team
        except ValueError:
            await ack()
            return
        who = Participant(PLATFORM, body["team"]["id"], team, body["user"]["id"])
        step = await bot.turn(who, Input(Command.RESUME))
        await ack()
        dm = await client.conversations_open(users=who.user)
        await bot.show(client, dm["channel"]["id"], who, step)


def overview_with_team_levels(
    bot: SlackBot, workspace: str, user: str
) -> tuple[list[MemberTeam], dict[str, int | None]]:
    """The member's teams and each team's aggregated level (a few queries per team; people have few teams)."""
    teams = member_overview(bot.db, platform=PLATFORM, workspace=workspace, user=user)
    levels: dict[str, int | None] = {}
    for team in teams:
        snapshot = team_snapshot(bot.db, platform=PLATFORM, workspace=workspace, team=team.team)
        finished = snapshot.answer_sets if snapshot else []
        levels[team.team] = score(bot.model, finished).overall if finished else None
    return teams, levels

"""Whether the bot can reach a team: its channel let the bot in again, or the app was removed from (or put back
into) a workspace. Each is one unit of work; the platform adapters call them when the platform tells."""

from __future__ import annotations

from datetime import datetime

from bot.app.schedules import reschedule
from checkins.rules import back_in_reach
from checkins.states import DeliveryStatus, PauseReason
from storage.checkins import settings_in_workspace, settings_of, waiting_deliveries
from storage.database import Database
from storage.queries import find_team


def team_reachable(db: Database, platform: str, workspace: str, team: str, now: datetime) -> int:
    """The bot is in the team's channel: the check-ins parked for it go out (recent ones; older ones are kept as
    skipped), and the next refusal tells the owner again. Returns how many go out."""
    with db.transaction() as session:
        found = find_team(session, platform, workspace, team)
        settings = settings_of(session, found.id) if found else None
        if found is None or settings is None or settings.unreachable_since is None:
            return 0  # the usual case: nothing was parked (parking a check-in notes the refusal first)
        settings.unreachable_since = None  # a later refusal tells the owner again
        released = 0
        for delivery in waiting_deliveries(session, found.id):
            delivery.status = back_in_reach(delivery.created_at, now)
            delivery.not_before = now
            released += delivery.status == DeliveryStatus.PENDING
        return released


def workspace_uninstalled(db: Database, platform: str, workspace: str, now: datetime) -> int:
    """The app was removed (or its tokens revoked): pause every running team's check-ins, keeping their data
    until an admin runs ``forget``. Returns how many teams were paused."""
    with db.transaction() as session:
        paused = 0
        for settings in settings_in_workspace(session, platform, workspace):
            if settings.paused:
                continue  # paused by a person already: a reinstall leaves it so
            settings.paused, settings.paused_reason, settings.updated_at = True, PauseReason.UNINSTALLED, now
            reschedule(session, settings, now)
            paused += 1
        return paused


def workspace_installed(db: Database, platform: str, workspace: str, now: datetime) -> int:
    """The app is back: resume the check-ins that the uninstall paused. Returns how many teams resumed."""
    with db.transaction() as session:
        resumed = 0
        for settings in settings_in_workspace(session, platform, workspace):
            if settings.paused_reason != PauseReason.UNINSTALLED:
                continue
            settings.paused, settings.paused_reason, settings.updated_at = False, None, now
            reschedule(session, settings, now)
            resumed += 1
        return resumed

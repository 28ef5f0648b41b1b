"""The one command router: ``/maturity <command>`` in Slack, a mention in Teams, a typed word in the terminal.

Every platform sends the words here and gets back what to do, in neutral terms: reply with a text, start the
assessment, post the team summary, or open the check-in settings form. The admin policy is applied here too; the
platform only says how to find out whether someone administers the workspace (Slack asks ``users.info``, Teams and
the terminal consult ``MATURITY_BOT_ADMINS``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.app.checkins import (
    Asker,
    Current,
    current_schedule,
    plan_text,
    schedule_command,
    schedule_text,
    wants_change,
)
from bot.app.clock import now as utcnow
from bot.app.org import org_text, org_view
from bot.app.replies import (
    Style,
    help_text,
    not_an_admin_text,
    status_text,
    team_status,
    unknown_command_text,
)
from bot.app.runtime import Runtime
from bot.app.summary import TeamSummary, read_summary
from dialogs.parse import words
from dialogs.ports import Participant

IsAdmin = Callable[[], Awaitable[bool]]  # the platform's own answer, asked only when a command needs to know


async def may_administer(bot: Runtime, who: Participant, platform_admin: IsAdmin | None) -> bool:
    """The admin policy: a user listed in MATURITY_BOT_ADMINS, or one the platform says administers the workspace
    (Slack's users.info; Teams tells a bot nothing about tenant admins; the terminal's user is the local admin)."""
    return who.user in bot.admins or (platform_admin is not None and await platform_admin())


@dataclass(frozen=True)
class Reply:
    """Answer the person with this text (privately, where the platform can)."""

    text: str


@dataclass(frozen=True)
class Start:
    """Take (or resume) the assessment: the platform opens the private chat and asks there."""


@dataclass(frozen=True)
class PostSummary:
    """Post the team summary in the team's channel; ``read`` fetches it, after the platform has acknowledged."""

    read: Callable[[], Awaitable[TeamSummary | None]]


@dataclass(frozen=True)
class ScheduleForm:
    """Open the check-in settings form, filled with the team's current ones."""

    current: Current


Outcome = Reply | Start | PostSummary | ScheduleForm


def command_word(text: str) -> str:
    """The command a line names ("" and "start" both start)."""
    found = words(text)
    return found[0].lower() if found else "start"


async def run_command(
    bot: Runtime,
    who: Participant,
    text: str,
    style: Style,
    *,
    platform_admin: IsAdmin | None,
    forms: bool = True,
) -> Outcome:
    """What ``text`` asks for in ``who``'s team. ``forms``: whether this platform and request can open a form."""
    sub, args = command_word(text), words(text)[1:]

    async def is_admin() -> bool:
        return await may_administer(bot, who, platform_admin)

    if sub == "start":
        return Start()
    if sub == "status":
        return Reply(status_text(style, await bot.read(team_status, bot.models, who)))
    if sub == "summary":
        return PostSummary(lambda: bot.read(read_summary, bot.models, who, min_respondents=bot.min_respondents))
    if sub == "plan":
        return Reply(await bot.read(plan_text, bot.models, who, style, utcnow()))
    if sub == "org":
        if not await is_admin():
            return Reply(not_an_admin_text(style))
        view = await bot.read(org_view, bot.models, platform=who.platform, workspace=who.workspace, now=utcnow())
        return Reply(org_text(view, style))
    if sub == "schedule":
        return await _schedule(bot, who, args, style, is_admin=is_admin, forms=forms)
    if sub == "help":
        return Reply(help_text(style, bot.model.most_questions))
    return Reply(unknown_command_text(style, sub, bot.model.most_questions))


async def owns_schedule(bot: Runtime, who: Participant) -> bool:
    """Whether ``who`` set the team up: the owner may change its check-ins whatever the platform says about admins,
    so this is asked first and a slow admin check is never needed for them."""
    current = await bot.read(current_schedule, Asker(who, admin=False))
    return current is not None and current.may_change


async def _schedule(
    bot: Runtime, who: Participant, args: list[str], style: Style, *, is_admin: IsAdmin, forms: bool
) -> Outcome:
    """Typed changes (the team's owner or an admin), or the settings: as a form for whoever may change them, as
    text otherwise. The admin check is made only when the answer depends on it."""
    if wants_change(args):
        asker = Asker(who, admin=not await owns_schedule(bot, who) and await is_admin())
        return Reply(await bot.write(schedule_command, asker, args, style, utcnow()))
    current = await bot.read(current_schedule, Asker(who, admin=False))  # read once: for the form, or the text
    if not args and current is not None and not current.may_change and await is_admin():
        current = replace(current, may_change=True)
    if not args and forms and current is not None and current.may_change:
        return ScheduleForm(current)
    return Reply(schedule_text(current, style))

"""The chat commands' answers in every platform's words: help, unknown commands, the team's status.

The facts come from storage and scoring once; a ``Style`` says how a platform writes bold text, a command and
escaped user text, so Slack and Teams give the same answers without either copying the other.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.app.results import current_result
from dialogs.parse import preview
from dialogs.ports import ModelVersions, Participant
from dialogs.state import Phase
from scoring.score import Result
from storage.database import Database
from storage.queries import find_team, latest_round_of
from storage.reports import finished_answers, member_teams

# The commands, with what each does: the help texts, the typo suggestions and the Teams command menu.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Start the assessment, or resume it where you left off."),
    ("status", "Your team's current level and who has answered so far."),
    ("summary", "Post the team summary: levels and trend, who took part, the plan and the next steps."),
    ("plan", "The team's next steps toward its next level, and where each one stands."),
    ("schedule", "Show or change the team's check-ins: nudges, re-assessments, time zone, pause."),
    ("org", "For workspace admins: how every team stands, the common blockers, who is overdue."),
    ("help", "What the bot can do and how to answer its questions."),
)
SUBCOMMANDS = tuple(name for name, _ in COMMANDS)


@dataclass(frozen=True)
class Style:
    bold: Callable[[str], str]
    command: Callable[[str], str]  # "status" -> "/maturity status" in Slack, "status" in Teams
    escape: Callable[[str], str]
    channel: Callable[[str, str | None], str]  # (team id, name) -> how a message names the team's channel


# What a platform may send as a channel's name when it has none to give: Slack says "privategroup" for some private
# channels and "directmessage" for a DM. Storage falls back to the team's id when it has no name at all.
PLACEHOLDER_NAMES = frozenset({"privategroup", "directmessage", "mpdm"})
PLATFORM_ID = re.compile(r"[CDG][A-Z0-9]+|(?:19|8|29):\S+|a:\S{16,}")  # Slack channel ids; Teams conversation ids


def known_team_name(team: str, name: str | None) -> str | None:
    """The team's name as its people know it, or None when all there is is a placeholder or the platform's id
    (``C0123ABCD``, ``19:...@thread.tacv2``), which nobody should read in a message or on a chart. A name the
    person chose (the terminal's ``--team recsys``) is a name even though it is also the team's id."""
    name = (name or "").strip()
    if not name or name.lower() in PLACEHOLDER_NAMES or (name == team and PLATFORM_ID.fullmatch(team)):
        return None
    return name


def help_text(style: Style, questions: int) -> str:
    c, b = style.command, style.bold
    return (
        f"{b('MLOps maturity assessment')}: first what your team runs, then up to {questions - 1} questions that fit "
        "it, on how the team builds, ships and watches models; about seven minutes. The channel you run it in is "
        "the team.\n"
        f"• `{c('start')}`: take (or resume) the assessment in a private chat with me\n"
        f"• `{c('status')}`: the team's level and how many have taken part, and your own progress\n"
        f"• `{c('summary')}`: post the team's result in this channel\n"
        f"• `{c('plan')}`: the team's next steps toward its next level, and where each one stands\n"
        f"• `{c('schedule')}`: the team's check-ins (weekly nudges, re-assessment rounds); its owner or an admin "
        "can change or pause them\n"
        f"• `{c('org')}`: for workspace admins, how every team in the workspace stands (teams only, never a person)\n"
        f"• `{c('help')}`: this message\n"
        "In the private chat, click an answer or type its number, letter or words; also `back`, `skip`, `why`, "
        "`note` (a note or evidence link for your last answer) and `stop`. Questions that do not fit your team "
        'offer "not applicable" with a reason; "don\'t know" is never scored.'
    )


def unknown_command_text(style: Style, typed: str, questions: int) -> str:
    close = difflib.get_close_matches(typed, SUBCOMMANDS, n=1)
    hint = f"Did you mean `{style.command(close[0])}`? " if close else ""
    return f"I don't know `{style.escape(preview(typed))}`. {hint}\n\n{help_text(style, questions)}"


def nobody_finished_text(style: Style) -> str:
    return f"No one in this channel has finished the assessment yet; try `{style.command('start')}`."


def not_started_text(style: Style) -> str:
    return f"Type `{style.command('start')}` in your team's channel to start the assessment."


def unavailable_text(again: str = "try again") -> str:
    """The database did not answer (down, or locked by another program): the request saved nothing, and every
    step saved before it stands, so the same step works again once the database is back. ``again`` says what to
    do: "send your message again" for a typed reply, "press Save again" for a form."""
    return (
        "My database isn't answering right now, so I couldn't save that. Nothing you saved before is lost: "
        f"{again} in a minute."
    )


# A request that failed on a bug: what was saved before it stands; whether this one was is not known.
SOMETHING_WENT_WRONG = (
    "Something went wrong on my side and I couldn't finish that. What you saved before is safe: please try again."
)


@dataclass(frozen=True)
class TeamStatus:
    """Counts and levels only: never anyone's answers."""

    round_number: int | None  # the team's latest round
    finished: int  # in that round
    in_progress: int
    result: Result | None  # the team's current result, once somebody has finished a round
    result_round: int | None  # the round it is from: the latest one anyone finished
    own_phase: Phase | None  # None: the asking member has not started in this team
    own_answered: int
    questions: int


def team_status(db: Database, models: ModelVersions, who: Participant) -> TeamStatus:
    """Blocking (storage): run it off the event loop; one read. The level is the team's current result (the plan
    and the summary read the same one), the counts are the latest round's."""
    with db.reading() as session:
        team = find_team(session, who.platform, who.workspace, who.team)
        round_ = latest_round_of(session, team.id) if team else None
        done = finished_answers(session, round_.id) if round_ else None
        current = current_result(session, models, team.id) if team else None
        mine = member_teams(session, platform=who.platform, workspace=who.workspace, user=who.user)
    here = next((t for t in mine if t.team == who.team), None)
    model = models.get(round_.model_version) if round_ else models.current
    profile = current.result.profile if current else None
    questions = len(model.questions_for(profile)) if profile else model.most_questions
    return TeamStatus(
        round_number=round_.number if round_ else None,
        finished=len(done.members) if done else 0,
        in_progress=done.started - len(done.members) if done else 0,
        result=current.result if current else None,
        result_round=current.round_number if current else None,
        own_phase=here.phase if here else None,
        own_answered=min(here.answered, questions) if here else 0,
        questions=questions,
    )


def status_text(style: Style, status: TeamStatus) -> str:
    if status.round_number is None:
        return (
            f"Nobody in this channel has started the assessment yet. Type `{style.command('start')}` to be the first."
        )
    lines = []
    if status.result is not None:
        since = f" (round {status.result_round})" if status.result_round != status.round_number else ""
        lines.append(style.bold(f"Team level {status.result.overall}, {status.result.overall_name}{since}."))
    lines.append(f"Round {status.round_number}: {status.finished} finished, {status.in_progress} in progress.")
    if status.own_phase is None:
        lines.append(f"You have not started yet: type `{style.command('start')}`.")
    elif status.own_phase is Phase.FINISHED:
        lines.append(f"You have finished ({status.own_answered} of {status.questions} answered).")
    else:
        lines.append(
            f"You: {status.own_answered} of {status.questions} answered; type `{style.command('start')}` to carry on."
        )
    return "\n".join(lines)


def not_an_admin_text(style: Style) -> str:
    return f"`{style.command('org')}` is for workspace admins: it shows every team in the workspace."


def admin_check_failed_text(style: Style, reason: str) -> str:
    """The platform could not say whether the person is an admin: that is no refusal, and nothing changed."""
    return (
        f"I couldn't check with the workspace whether you're an admin just now ({style.escape(reason[:60])}), so "
        "nothing was changed. Please try again in a minute."
    )


def private_chat_text(style: Style, word: str, has_teams: bool) -> str:
    """A team command typed in a private chat, where no team lives."""
    c = style.command
    where = (
        f"`{c(word)}` works in your team's channel: the channel is the team, so type it there. "
        if word != "start"
        else f"Type `{c('start')}` in your team's channel: the channel is the team, and I'll ask the questions here. "
    )
    if has_teams:
        return where + "Or carry on with one of your teams:"
    return where + f"`{c('help')}` says what else I can do."

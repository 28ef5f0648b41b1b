"""``plan`` and ``schedule``: the team's plan toward its next level, and its check-in cadence, shown and changed
from chat the same way on every platform. Blocking (storage): platforms call these off the event loop."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.app.replies import Style
from bot.app.results import current_result
from bot.app.schedules import reschedule
from checkins.cadence import Cadence, describe, every_text, parse_time, parse_weekday
from checkins.plan import LABELS, next_nudge_item, plan_for, ready_to_reassess, snoozed_until
from checkins.states import PlanStatus
from dialogs.ports import ModelVersions, Participant
from scoring.model import Investment
from storage.checkins import cadence_columns, cadence_of, owner_of, settings_of
from storage.database import Database
from storage.models import CheckinSettings
from storage.plan import record_status, statuses
from storage.queries import find_team, latest_finished_rounds

SCHEDULE_USAGE = (
    "`{c} show`, `{c} pause`, `{c} resume`, `{c} nudge tue 10:00`, `{c} every 6 weeks` (0: no re-assessment "
    "rounds), `{c} summary every 2 weeks` (or `weekly`; `off`: only when a round closes), `{c} tz Europe/Berlin`, "
    "`{c} days mon-fri`"
)
DAY_RANGE_SEPARATORS = ("-", "–")
# What the forms offer: re-assessment every N weeks (0: no rounds), a team summary every N weeks (0: at a close).
REASSESS_WEEKS = (0, 4, 6, 8, 12)
SUMMARY_WEEKS = (0, 1, 2, 4)


def plan_text(db: Database, models: ModelVersions, who: Participant, style: Style, now: datetime) -> str:
    """The team's plan: its next steps in order, each with its status, the current focus marked."""
    with db.reading() as session:
        team = find_team(session, who.platform, who.workspace, who.team)
        current = current_result(session, models, team.id) if team else None
        if team is None or current is None:
            return f"No plan yet: the team gets one when somebody finishes the assessment (`{style.command('start')}`)."
        result = current.result
        entries = plan_for(result, statuses(session, team.id))
    focus = next_nudge_item(entries, now)
    lines = [style.bold(f"The plan toward level {result.overall + 1}") + " (blockers' steps first):"]
    for entry in entries:
        marker = "→" if entry is focus else "•"
        until = f" until {entry.snoozed_until:%d %b}" if entry.waiting(now) and entry.snoozed_until else ""
        lines.append(f"{marker} {style.escape(entry.investment.title)}: {LABELS[entry.status]}{until}")
    if ready_to_reassess(entries):
        lines.append(f"Every step holding the team back is settled: time to re-assess (`{style.command('start')}`).")
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class PlanChange:
    investment: Investment
    label: str  # its new status, in words


def mark_plan_item(
    db: Database, models: ModelVersions, who: Participant, investment_id: str, status: str, now: datetime
) -> PlanChange | None:
    """A nudge's button: record the plan item's new status, set by ``who``; None (nothing written) when the
    button is not one this bot wrote or the team is unknown. A nudge about an investment of
    an older model version names it by the version of the team's latest round."""
    if status not in LABELS:
        return None
    new = PlanStatus(status)
    with db.transaction() as session:
        team = find_team(session, who.platform, who.workspace, who.team)
        if team is None:
            return None
        investment = models.current.investment_by_id.get(investment_id)
        if investment is None:
            latest = latest_finished_rounds(session, [team.id]).get(team.id)
            investment = models.get(latest.model_version).investment_by_id.get(investment_id) if latest else None
        if investment is None:
            return None
        record_status(
            session,
            team.id,
            investment_id,
            new,
            snoozed_until=snoozed_until(new, now),
            by_user=who.user,
            source=who.platform,
            now=now,
        )
        return PlanChange(investment, LABELS[new])


@dataclasses.dataclass(frozen=True)
class Asker:
    """Who asks to change a schedule, and whether the platform says they administer the workspace."""

    who: Participant
    admin: bool


@dataclasses.dataclass(frozen=True)
class ScheduleForm:
    """What a schedule form (Slack modal, Teams card) sends back: every setting at once, as typed or picked."""

    nudge_weekday: str
    nudge_time: str
    timezone: str
    reassess_weeks: str
    working_days: tuple[str, ...]
    paused: bool
    summary_weeks: str = ""  # "": unchanged, for a form sent before the setting existed

    def apply(self, _: bool, cadence: Cadence) -> tuple[bool, Cadence]:
        """The settings the form asks for; ValueError with a reason for the first field that is wrong."""
        weeks = _whole_weeks(self.reassess_weeks, "re-assess every")
        summary = _whole_weeks(self.summary_weeks, "a team summary every") if self.summary_weeks else None
        return self.paused, dataclasses.replace(
            _with_weeks(cadence, weeks),
            nudge_weekday=parse_weekday(self.nudge_weekday),
            nudge_time=parse_time(self.nudge_time),
            timezone=self.timezone.strip(),
            working_days=tuple(sorted({parse_weekday(day) for day in self.working_days})),
            summary_weeks=cadence.summary_weeks if summary is None else summary,
        )


@dataclasses.dataclass(frozen=True)
class Current:
    """A team's check-in settings as they stand, and whether the asker may change them."""

    paused: bool
    cadence: Cadence
    may_change: bool

    def reassess_choices(self) -> list[tuple[str, str]]:
        """(value, title) of a form's re-assessment picker: the usual ones, and the team's own if it is not."""
        return _choices({*REASSESS_WEEKS, self.cadence.reassess_weeks}, "No re-assessment rounds")

    def summary_choices(self) -> list[tuple[str, str]]:
        """(value, title) of a form's summary cadence picker: the usual ones, and the team's own if it is not."""
        return _choices({*SUMMARY_WEEKS, self.cadence.summary_weeks}, "When a round closes")


def _choices(weeks: set[int], none: str) -> list[tuple[str, str]]:
    return [(str(n), every_text(n).capitalize() if n else none) for n in sorted(weeks)]


def current_schedule(db: Database, asker: Asker) -> Current | None:
    """None when the team has no check-ins yet."""
    with db.reading() as session:
        found = _settings(session, asker)
        if found is None:
            return None
        settings, may_change = found
        return Current(settings.paused, cadence_of(settings), may_change)


def schedule_text(current: Current | None, style: Style) -> str:
    """The team's check-ins in words, with how to change them."""
    if current is None:
        return NO_CHECKINS
    state = "paused" if current.paused else "on"
    usage = SCHEDULE_USAGE.format(c=style.command("schedule"))
    return f"Check-ins are {state}. {describe(current.cadence)}\nChange them with {usage}."


def wants_change(args: list[str]) -> bool:
    """Whether typed ``schedule`` words ask for a change (nothing, or ``show``, only shows)."""
    return bool(args) and args[0] != "show"


def schedule_command(db: Database, asker: Asker, args: list[str], style: Style, now: datetime) -> str:
    """Show the team's check-ins, or change them by typed text (the team's owner or a workspace admin only)."""
    if not wants_change(args):
        return schedule_text(current_schedule(db, asker), style)
    return change_schedule(db, asker, lambda paused, cadence: _changed(paused, cadence, args), style, now)


def change_schedule(
    db: Database,
    asker: Asker,
    change: Callable[[bool, Cadence], tuple[bool, Cadence]],
    style: Style,
    now: datetime,
) -> str:
    """Apply ``change`` (typed text or a form) to the team's check-ins, if the asker may; the answer to show."""
    c = style.command("schedule")
    with db.transaction() as session:
        found = _settings(session, asker)
        if found is None:
            return NO_CHECKINS
        settings, may_change = found
        if not may_change:
            return (
                f"Only the person who set this team up or a workspace admin can change its check-ins. `{c}` shows them."
            )
        try:
            paused, cadence = change(settings.paused, cadence_of(settings))
        except ValueError as exc:
            return f"{exc}. Try {SCHEDULE_USAGE.format(c=c)}."
        for column, value in cadence_columns(cadence).items():
            setattr(settings, column, value)
        if paused != settings.paused:
            settings.paused_reason = None  # whoever pauses or resumes now owns that choice
        settings.paused, settings.updated_at, settings.updated_by = paused, now, asker.who.user
        reschedule(session, settings, now)
        state = "paused" if paused else "on"
        return f"Done. Check-ins are {state}. {describe(cadence)}"


NO_CHECKINS = "This team has no check-ins yet: they start when somebody first finishes the assessment."


def _settings(session: Session, asker: Asker) -> tuple[CheckinSettings, bool] | None:
    who = asker.who
    team = find_team(session, who.platform, who.workspace, who.team)
    settings = settings_of(session, team.id) if team else None
    if settings is None:
        return None
    return settings, asker.admin or owner_of(session, settings) == who.user


def _changed(paused: bool, cadence: Cadence, args: list[str]) -> tuple[bool, Cadence]:
    """The settings after one typed change; ValueError with a reason the person can act on."""
    verb, rest = args[0].lower(), args[1:]
    if verb in ("pause", "off", "stop"):
        return True, cadence
    if verb in ("resume", "on", "start"):
        return False, cadence
    if verb == "nudge" and len(rest) == 2:
        weekday, at = parse_weekday(rest[0]), parse_time(rest[1])
        return paused, dataclasses.replace(cadence, nudge_weekday=weekday, nudge_time=at)
    if verb == "every" and rest and rest[0].isdigit() and (len(rest) == 1 or rest[1].startswith("week")):
        return paused, _with_weeks(cadence, int(rest[0]))
    if verb in ("summary", "summaries") and rest:
        return paused, dataclasses.replace(cadence, summary_weeks=_summary_weeks([word.lower() for word in rest]))
    if verb in ("tz", "timezone") and len(rest) == 1:
        return paused, dataclasses.replace(cadence, timezone=rest[0])
    if verb == "days" and len(rest) == 1:
        return paused, dataclasses.replace(cadence, working_days=_days(rest[0]))
    raise ValueError(f"I can't read `{' '.join(args)[:60]}`")


def _summary_weeks(words: list[str]) -> int:
    """ "every 2 weeks", "every week", "weekly" or "off" (summaries only as rounds close) as a number of weeks;
    Cadence checks the range."""
    if words in (["off"], ["none"], ["0"]):
        return 0
    if words in (["weekly"], ["every", "week"]):
        return 1
    if len(words) in (2, 3) and words[0] == "every" and words[1].isdecimal() and words[2:] in ([], ["week"], ["weeks"]):
        return int(words[1])
    raise ValueError(f"I can't read `summary {' '.join(words)[:50]}`")


def _with_weeks(cadence: Cadence, weeks: int) -> Cadence:
    """Re-assess every ``weeks`` weeks: a round may not outlast the gap, and reminders fall inside the round."""
    round_days = min(cadence.round_days, 7 * weeks) if weeks else cadence.round_days
    reminders = tuple(d for d in cadence.reminder_days if d < round_days)
    return dataclasses.replace(cadence, reassess_weeks=weeks, round_days=round_days, reminder_days=reminders)


def _days(text: str) -> tuple[int, ...]:
    """ "mon-fri", "sun-thu" or "mon,tue,thu" as weekday numbers (Monday = 0)."""
    for separator in DAY_RANGE_SEPARATORS:
        if separator in text:
            first, last = (parse_weekday(part) for part in text.split(separator, 1))
            span = (last - first) % 7
            return tuple(sorted((first + n) % 7 for n in range(span + 1)))
    return tuple(sorted({parse_weekday(part) for part in text.split(",") if part}))


def _whole_weeks(text: str, what: str) -> int:
    """A form's number of weeks; forms send text, and only a plain whole number is one."""
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"{what} {text!r} weeks: a whole number is needed")
    return int(text)

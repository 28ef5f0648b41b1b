"""Fire times of scheduled check-ins: pure functions of a team's cadence and an explicit ``now``.

Nothing here reads the clock, a database or a platform, so every rule is testable to the microsecond. Times go
in and come out as aware UTC datetimes; a team's own time zone only decides which instants its local
wall-clock slots are.

Local slots are found with APScheduler 3.x's ``CronTrigger`` in the team's ``ZoneInfo`` zone, then read as
instants by one rule for the two days a year when a wall-clock time is not a single instant:

- a time that does not exist (the spring-forward gap) fires once, moved forward by the length of the gap:
  02:30 on a day the clocks jump from 02:00 to 03:00 fires at 03:30 (PEP 495's ``fold=0`` reading, which
  is also where ``CronTrigger``'s answer for that day falls). It is never skipped, not even on a date the zone
  left out entirely: then it fires on the next day, 24 hours on.
- a time that occurs twice (the fall-back overlap) fires once, at its first occurrence. ``CronTrigger`` 3.11
  fires at both; the second one is dropped here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_ABBREVIATIONS = tuple(name[:3] for name in DAY_NAMES)
MAX_REMINDERS = 2
MAX_SUMMARY_WEEKS = 52
MAX_WALK = 500  # collapse(): fires walked one by one before jumping ahead

_TICK = timedelta(microseconds=1)
_NOT_PLACES = frozenset({"localtime", "Factory"})  # files in the zone database: the server's zone, "-00"


@dataclass(frozen=True)
class Cadence:
    """When a team hears from the bot, in its own time zone. Validated on creation, so a bad setting fails
    where it is made, with a one-line reason fit to show the person who typed it."""

    timezone: str = "UTC"
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    nudge_weekday: int = 1  # Tuesday
    nudge_time: time = time(10, 0)
    reassess_weeks: int = 6  # 0: no re-assessment rounds
    round_days: int = 7  # a re-assessment round stays open this many days
    reminder_days: tuple[int, ...] = (2, 5)  # reminders this many days after a round opens; at most two
    summary_weeks: int = 0  # 0: a team summary only when a round closes; N: also one every N weeks, on a nudge slot

    def __post_init__(self) -> None:
        _zone(self.timezone)
        working_days = _days("working_days", self.working_days)
        if not working_days:
            raise ValueError("working_days must name at least one day")
        if any(not 0 <= day <= 6 for day in working_days):
            raise ValueError(f"working_days must be weekday numbers 0-6 (Monday = 0), got {working_days}")
        if not _is_int(self.nudge_weekday) or not 0 <= self.nudge_weekday <= 6:
            raise ValueError(f"nudge_weekday must be 0-6 (Monday = 0), got {self.nudge_weekday!r}")
        if not isinstance(self.nudge_time, time) or self.nudge_time.tzinfo is not None:
            raise ValueError(f"nudge_time must be a local time of day without a time zone, got {self.nudge_time!r}")
        if self.nudge_time.second or self.nudge_time.microsecond:
            raise ValueError(f"nudge_time must be a whole minute, got {self.nudge_time.isoformat()}")
        if not _is_int(self.reassess_weeks) or self.reassess_weeks < 0:
            raise ValueError(f"reassess_weeks must be 0 (no re-assessment) or more, got {self.reassess_weeks!r}")
        if not _is_int(self.round_days) or self.round_days < 1:
            raise ValueError(f"round_days must be at least 1, got {self.round_days!r}")
        if self.reassess_weeks and self.round_days > 7 * self.reassess_weeks:
            raise ValueError(
                f"a round open {self.round_days} days would overlap the next one, {self.reassess_weeks} week(s) "
                "later; shorten round_days or space re-assessments further apart"
            )
        if not _is_int(self.summary_weeks) or not 0 <= self.summary_weeks <= MAX_SUMMARY_WEEKS:
            raise ValueError(
                f"summary_weeks must be a whole number from 0 (a summary only when a round closes) to "
                f"{MAX_SUMMARY_WEEKS}, got {self.summary_weeks!r}"
            )
        reminder_days = _days("reminder_days", self.reminder_days)
        if len(reminder_days) > MAX_REMINDERS:
            raise ValueError(f"at most {MAX_REMINDERS} reminders per round, got {len(reminder_days)}: {reminder_days}")
        if any(not 1 <= day < self.round_days for day in reminder_days):
            raise ValueError(
                f"reminder_days must fall inside the round, 1 to {self.round_days - 1} days after it opens "
                f"(round_days is {self.round_days}), got {reminder_days}"
            )
        # Normalised, so settings read from YAML lists or typed in any order compare and hash alike.
        object.__setattr__(self, "working_days", working_days)
        object.__setattr__(self, "reminder_days", reminder_days)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    @property
    def slot_weekday(self) -> int:
        """The weekday nudges really fall on: the nudge weekday, or the next working day if it is not one."""
        return _next_working_weekday(self.nudge_weekday, self.working_days)


@dataclass(frozen=True)
class Due:
    """What a schedule owes at a tick: at most one fire, however many were missed while the bot was down."""

    fire_at: datetime | None  # the fire to deliver now, or None
    skipped_at: datetime | None  # a fire recorded as skipped (older than the grace window), or None
    missed: int  # how many fires were due and folded into this outcome (1 on time; estimated past MAX_WALK)


def next_nudge(cadence: Cadence, after: datetime) -> datetime:
    """The first nudge strictly after ``after``: the nudge weekday (or the next working day) at the nudge time,
    local, read by the module's gap and overlap rule."""
    return _next_slot(cadence.zone, cadence.slot_weekday, cadence.nudge_time, _utc(after, "after"))


def next_reassessment(cadence: Cadence, after: datetime, last_opened: datetime | None) -> datetime | None:
    """The next re-assessment round's opening, on a nudge slot, or None when the team has none.

    The interval counts local calendar weeks from ``last_opened`` at its own wall-clock time, so a round opened
    Tuesday 10:00 reopens on a Tuesday at 10:00 even when the clocks changed in between.
    """
    return _every_weeks(cadence, cadence.reassess_weeks, after, last_opened)


def next_summary(cadence: Cadence, after: datetime, last: datetime | None) -> datetime | None:
    """The next periodic team summary, on a nudge slot, or None when the team only gets one as a round closes.

    Counted like re-assessments: ``summary_weeks`` local calendar weeks from ``last`` (the team's latest summary)
    at its wall-clock time; without one, the next slot.
    """
    return _every_weeks(cadence, cadence.summary_weeks, after, last)


def _every_weeks(cadence: Cadence, weeks: int, after: datetime, last: datetime | None) -> datetime | None:
    """The first nudge slot strictly after ``after`` and on or after the local date ``weeks`` calendar weeks after
    ``last`` (dates, not instants: a round opened by a tick a few seconds late, or a nudge time moved earlier,
    still comes round on the slot of that day, and a clock change in between moves nothing); None when ``weeks``
    is 0. Re-assessments and periodic summaries share this rule, so both stay on the slot the team chose."""
    if weeks == 0:
        return None
    after = _utc(after, "after")
    if last is not None:
        due_day = local_time(cadence, last).date() + timedelta(weeks=weeks)
        after = max(after, _instant(due_day, time(0, 0), cadence.zone) - _TICK)  # any slot that day counts
    return _next_slot(cadence.zone, cadence.slot_weekday, cadence.nudge_time, after)


def round_steps(cadence: Cadence, opened_at: datetime) -> list[tuple[Literal["reminder", "close"], datetime]]:
    """A round's reminders and close, in order: whole local days after it opened, at the wall-clock time it
    opened, each moved to the next working day, so nobody is chased on a weekend. Reminders that would land on
    or after the close (or together with another reminder) are dropped rather than sent twice in a row."""
    opened = local_time(cadence, opened_at)

    def after_days(days: int) -> datetime:
        day = opened.date() + timedelta(days=days)
        while day.weekday() not in cadence.working_days:
            day += timedelta(days=1)
        return _instant(day, opened.time(), cadence.zone)

    close = after_days(cadence.round_days)
    steps: list[tuple[Literal["reminder", "close"], datetime]] = []
    last = _utc(opened_at, "opened_at")
    for days in cadence.reminder_days:
        reminder = after_days(days)
        if last < reminder < close:
            steps.append(("reminder", reminder))
            last = reminder
    steps.append(("close", close))
    return steps


def collapse(
    fires: Callable[[datetime], datetime | None], scheduled_at: datetime, now: datetime, grace: timedelta
) -> tuple[Due, datetime | None]:
    """Catch up a schedule after downtime with one message at most: every fire due by ``now`` folds into the
    latest, which is delivered if it is at most ``grace`` old and otherwise only recorded as skipped (a week-old
    nudge is noise). Returns that outcome and the schedule's next fire strictly after ``now`` (``scheduled_at``
    itself, untouched, when it is not due yet).

    ``fires(t)`` gives the schedule's first fire strictly after ``t``, or None when it has no more (for example
    ``functools.partial(next_nudge, cadence)``). A schedule down for years is not walked fire by fire: after
    MAX_WALK fires the walk jumps to just before ``now`` and estimates the count it jumped over.
    """
    scheduled_at, now = _utc(scheduled_at, "scheduled_at"), _utc(now, "now")
    if grace < timedelta(0):
        raise ValueError(f"grace must not be negative, got {grace}")
    if scheduled_at > now:
        return Due(fire_at=None, skipped_at=None, missed=0), scheduled_at
    latest, missed, walk_start, walked = scheduled_at, 1, scheduled_at, 0
    while (following := _following(fires, latest)) is not None and following <= now:
        if walked < MAX_WALK:
            latest, missed, walked = following, missed + 1, walked + 1
            continue
        interval = (latest - walk_start) / walked
        latest, jumped = _jump(fires, following, now, interval)
        missed += 1 + jumped
        walk_start, walked = latest, 0
    if now - latest <= grace:
        due = Due(fire_at=latest, skipped_at=None, missed=missed)
    else:
        due = Due(fire_at=None, skipped_at=latest, missed=missed)
    return due, _following(fires, now)


def local_time(cadence: Cadence, at: datetime) -> datetime:
    """``at`` on the team's clock, for messages ("the round closes Tuesday at 10:00")."""
    return _utc(at, "at").astimezone(cadence.zone)


_TIME = re.compile(r"(?P<hour>[0-9]{1,2})(?:(?P<sep>[:.h])(?P<minute>[0-9]{2})?)?\s*(?P<half>am|pm)?")
_NAMED_TIMES = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def parse_time(text: str) -> time:
    """A time of day as people type it: "10:00", "9:30", "14h", "14h30", "2pm", "2:30 p.m.", "noon"."""
    cleaned = re.sub(r"\s*([ap])\.?\s*m\.?$", r"\1m", text.strip().lower())
    if cleaned in _NAMED_TIMES:
        return _NAMED_TIMES[cleaned]
    match = _TIME.fullmatch(cleaned)
    if match is not None and (match["minute"] is not None or match["sep"] in (None, "h")):
        hour, minute, half = int(match["hour"]), int(match["minute"] or 0), match["half"]
        if half is not None and 1 <= hour <= 12:
            hour = hour % 12 + (12 if half == "pm" else 0)
        elif half is not None:
            hour = -1  # "14pm", "0am": not a time
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return time(hour, minute)
    raise ValueError(f"can't read {text!r} as a time of day; try 10:00, 9:30, 14h or 2pm")


def parse_weekday(text: str) -> int:
    """A weekday name in English, in full, plural or abbreviated ("Tuesday", "tuesdays", "tue", "tues"), as
    Monday = 0. Numbers are refused: people count from Sunday or from 1 as often as from Monday."""
    word = text.strip().lower().rstrip(".")
    names = [name.lower() for name in DAY_NAMES]
    if word.endswith("s") and word[:-1] in names:
        word = word[:-1]
    if word == "weds":
        return 2
    if len(word) >= 3:
        for number, name in enumerate(names):
            if name.startswith(word):
                return number
    raise ValueError(f"can't read {text!r} as a weekday; try Tuesday or tue")


def describe(cadence: Cadence) -> str:
    """The cadence in one sentence, for the settings message and the announcement to the team."""
    sentence = (
        f"Nudges every {DAY_NAMES[cadence.slot_weekday]} at {cadence.nudge_time:%H:%M} "
        f"({cadence.timezone}, {_describe_days(cadence.working_days)})"
    )
    summaries = f"; a team summary {every_text(cadence.summary_weeks)}" if cadence.summary_weeks else ""
    if cadence.reassess_weeks == 0:
        return f"{sentence}; no re-assessment rounds{summaries}."
    reminders = cadence.reminder_days
    if not reminders:
        reminding = "no reminders"
    elif len(reminders) == 1:
        reminding = f"a reminder after {_days_text(reminders[0])}"
    else:
        reminding = f"reminders after {reminders[0]} and {_days_text(reminders[1])}"
    return (
        f"{sentence}; a re-assessment {every_text(cadence.reassess_weeks)}, open {_days_text(cadence.round_days)}, "
        f"with {reminding}{summaries}."
    )


def _next_slot(zone: ZoneInfo, weekday: int, at: time, after: datetime) -> datetime:
    """The first weekly slot (weekday, wall-clock time) strictly after ``after``, by the module's rule.

    ``CronTrigger`` picks the local date; two of its answers are corrected here. It searches from the local
    time of ``after``, so after 03:10 on a spring-forward day it no longer offers that day's "02:30" although
    that slot fires at 03:30, still ahead; and it never offers a date that the zone skipped altogether
    (Pacific/Apia had no 30 December 2011). Either way the slot it skipped is the week before its answer.
    Its second answer on a fall-back day reads as the first occurrence, already past, so the search goes on.
    """
    trigger = _trigger(zone.key, weekday, at.hour, at.minute)
    start = after
    for _ in range(3):  # one skipped second occurrence at most, then the answer
        candidate = trigger.get_next_fire_time(None, start + _TICK)
        week_before = _instant(candidate.date() - timedelta(weeks=1), at, zone)
        if week_before > after:
            return week_before
        fire = _instant(candidate.date(), at, zone)  # a second occurrence becomes the first
        if fire > after:
            return fire
        start = candidate.astimezone(UTC)
    raise RuntimeError(f"no {DAY_NAMES[weekday]} {at:%H:%M} slot found in {zone.key} after {after.isoformat()}")


@lru_cache(maxsize=256)
def _trigger(zone_key: str, weekday: int, hour: int, minute: int) -> CronTrigger:
    return CronTrigger(day_of_week=weekday, hour=hour, minute=minute, second=0, timezone=ZoneInfo(zone_key))


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A local date and wall-clock time as a UTC instant: ``fold=0`` reads a time in a gap with the offset from
    before the change (moved forward by the gap) and a time that occurs twice as its first occurrence."""
    return datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone).astimezone(UTC)


def _following(fires: Callable[[datetime], datetime | None], fire: datetime) -> datetime | None:
    """``fires(fire)``, checked to move forward: a schedule that does not would make the catch-up walk loop."""
    following = fires(fire)
    if following is None:
        return None
    following = _utc(following, "fires(t)")
    if following <= fire:
        raise ValueError(f"fires(t) must return a fire strictly after t; got {following} for {fire}")
    return following


def _jump(
    fires: Callable[[datetime], datetime | None], fire: datetime, now: datetime, interval: timedelta
) -> tuple[datetime, int]:
    """From a due ``fire`` far behind ``now``, a later due fire close to ``now`` and about how many fires it
    moved on by (estimated from the walk's average ``interval``; 0 when it found nothing nearer)."""
    window = 2 * interval
    while (probe := now - window) > fire:
        nearer = _following(fires, probe)
        if nearer is not None and nearer <= now:
            return nearer, max(1, round((nearer - fire) / interval))
        window *= 2
    return fire, 0  # no fire in the last stretch before ``now``: no jump after all


def _utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _zone(key: object) -> ZoneInfo:
    if not isinstance(key, str) or not key:
        raise ValueError(f"timezone must be an IANA time zone name such as Europe/Berlin, got {key!r}")
    if key in _NOT_PLACES:
        raise ValueError(f"{key!r} is not a place's time zone; use an IANA name such as Europe/Berlin")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {key!r}; use an IANA name such as Europe/Berlin") from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _days(name: str, value: Iterable[int]) -> tuple[int, ...]:
    """Day numbers as a sorted tuple; settings may arrive as lists or in any order, but never repeated."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f"{name} must be a sequence of whole numbers of days, got {value!r}")
    days = tuple(value)
    if not all(_is_int(day) for day in days):
        raise ValueError(f"{name} must be whole numbers, got {days!r}")
    if len(set(days)) != len(days):
        raise ValueError(f"{name} repeats a day: {days}")
    return tuple(sorted(days))


def _next_working_weekday(weekday: int, working_days: tuple[int, ...]) -> int:
    return next((weekday + ahead) % 7 for ahead in range(7) if (weekday + ahead) % 7 in working_days)


def _describe_days(days: tuple[int, ...]) -> str:
    """ "Mon-Fri", "Sun-Thu" (a run may wrap past Sunday), "every day", or a list such as "Mon, Wed, Fri"."""
    if len(days) == 7:
        return "every day"
    if len(days) > 2:
        for first in days:
            if all((first + ahead) % 7 in days for ahead in range(len(days))):
                return f"{DAY_ABBREVIATIONS[first]}-{DAY_ABBREVIATIONS[(first + len(days) - 1) % 7]}"
    return ", ".join(DAY_ABBREVIATIONS[day] for day in days)


def every_text(weeks: int) -> str:
    """ "every week", "every 6 weeks"."""
    return "every week" if weeks == 1 else f"every {weeks} weeks"


def _days_text(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"

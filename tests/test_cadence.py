"""Check-in fire times: local wall-clock slots across DST, the gap and overlap rule, rounds, catch-up, parsing.

Every test gives the time explicitly; nothing reads the clock. Expected instants are written out in UTC where
a reader should be able to check them by hand (Berlin is UTC+1 in winter and UTC+2 in summer, New York UTC-5
and UTC-4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, partial
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkins.cadence import (
    MAX_WALK,
    Cadence,
    Due,
    collapse,
    describe,
    local_time,
    next_nudge,
    next_reassessment,
    next_summary,
    parse_time,
    parse_weekday,
    round_steps,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
ZONES = [
    "UTC",
    BERLIN,
    NEW_YORK,
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Sao_Paulo",  # DST used to start at midnight
    "America/Santiago",
    "America/Havana",  # DST changes at midnight
    "Asia/Kolkata",
    "Asia/Tehran",
    "Pacific/Chatham",  # UTC+12:45 / +13:45
    "Africa/Casablanca",  # two changes a year around Ramadan
    "Pacific/Apia",  # skipped 30 December 2011 altogether
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def walk(fires: Callable[[datetime], datetime], start: datetime, until: datetime) -> list[datetime]:
    """Every fire in (start, until], the way a scheduler meets them: each from the one before."""
    found, at = [], start
    while (at := fires(at)) <= until:
        found.append(at)
    return found


def exists(wall: datetime, zone: ZoneInfo) -> bool:
    """Whether a naive local wall-clock time is a real instant in ``zone`` (not in a spring-forward gap)."""
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def assert_on_slot(fire: datetime, zone: ZoneInfo, weekdays: tuple[int, ...], at: time) -> None:
    """``fire`` is a local (weekday, time) slot on one of ``weekdays`` and at its first occurrence, or, by the
    gap rule, a slot whose wall-clock time does not exist read with the UTC offset from before the change."""
    assert fire.tzinfo is UTC
    local = fire.astimezone(zone)
    if local.weekday() in weekdays and local.time() == at:
        assert fire == datetime.combine(local.date(), at, tzinfo=zone).astimezone(UTC), "not the first occurrence"
        return
    day = next(d for d in (local.date(), local.date() - timedelta(days=1)) if d.weekday() in weekdays)
    wall = datetime.combine(day, at)
    assert not exists(wall, zone), f"{fire} is {local}, off the slot {at} though that time exists"
    assert fire == wall.replace(tzinfo=zone).astimezone(UTC)


def expected_slot(zone: ZoneInfo, weekday: int, at: time, after: datetime) -> datetime:
    """The module's rule from the local calendar alone, without APScheduler: the first slot after ``after``."""
    first_day = after.astimezone(zone).date() - timedelta(days=9)
    for offset in range(30):
        day = first_day + timedelta(days=offset)
        if day.weekday() == weekday and (fire := datetime.combine(day, at, tzinfo=zone).astimezone(UTC)) > after:
            return fire
    raise AssertionError("no slot in three weeks")


def effective_weekday(weekday: int, working_days: tuple[int, ...]) -> int:
    while weekday not in working_days:
        weekday = (weekday + 1) % 7
    return weekday


# --- nudges across DST ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [
        # Berlin: the last Sunday of March (31 March 2024) and of October (27 October 2024).
        (BERLIN, utc(2024, 3, 18), [utc(2024, 3, 19, 9), utc(2024, 3, 26, 9), utc(2024, 4, 2, 8), utc(2024, 4, 9, 8)]),
        (BERLIN, utc(2024, 10, 14), [utc(2024, 10, 15, 8), utc(2024, 10, 22, 8), utc(2024, 10, 29, 9)]),
        # New York: the second Sunday of March (10 March 2024) and the first of November (3 November 2024).
        (NEW_YORK, utc(2024, 2, 26), [utc(2024, 2, 27, 15), utc(2024, 3, 5, 15), utc(2024, 3, 12, 14)]),
        (NEW_YORK, utc(2024, 10, 21), [utc(2024, 10, 22, 14), utc(2024, 10, 29, 14), utc(2024, 11, 5, 15)]),
    ],
)
def test_a_nudge_stays_at_10_local_across_dst(zone: str, start: datetime, expected: list[datetime]) -> None:
    cadence = Cadence(timezone=zone)
    fires = walk(partial(next_nudge, cadence), start, expected[-1])
    assert fires == expected
    assert {(local_time(cadence, fire).weekday(), local_time(cadence, fire).time()) for fire in fires} == {
        (1, time(10, 0))
    }


@pytest.mark.parametrize(
    ("zone", "spring_forward", "fire"),
    [
        (BERLIN, date(2024, 3, 31), utc(2024, 3, 31, 1, 30)),  # 02:00 CET -> 03:00 CEST; 01:30Z is 03:30 CEST
        (NEW_YORK, date(2024, 3, 10), utc(2024, 3, 10, 7, 30)),  # 02:00 EST -> 03:00 EDT; 07:30Z is 03:30 EDT
    ],
)
def test_a_nudge_in_the_spring_forward_gap_fires_once_after_it(zone: str, spring_forward: date, fire: datetime) -> None:
    cadence = Cadence(timezone=zone, working_days=EVERY_DAY, nudge_weekday=6, nudge_time=time(2, 30))
    week = walk(partial(next_nudge, cadence), utc(2024, 3, 1), utc(2024, 4, 15))
    on_the_day = [f for f in week if local_time(cadence, f).date() == spring_forward]
    assert on_the_day == [fire]
    assert local_time(cadence, fire).time() == time(3, 30)
    # Whenever the scheduler asks before it, the answer is that fire: CronTrigger alone, asked after 03:00 local
    # (the clock already past "02:30"), would skip to the next Sunday.
    for after in (fire - timedelta(hours=5), fire - timedelta(minutes=20), fire - timedelta(microseconds=1)):
        assert next_nudge(cadence, after) == fire
    assert next_nudge(cadence, fire) == fire + timedelta(weeks=1) - timedelta(hours=1)


@pytest.mark.parametrize(
    ("zone", "at", "fall_back", "first", "second"),
    [
        # 01:30 in New York on 3 November 2024: 05:30Z (EDT), then again 06:30Z (EST).
        (NEW_YORK, time(1, 30), date(2024, 11, 3), utc(2024, 11, 3, 5, 30), utc(2024, 11, 3, 6, 30)),
        # 02:30 in Berlin on 27 October 2024: 00:30Z (CEST), then again 01:30Z (CET).
        (BERLIN, time(2, 30), date(2024, 10, 27), utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 1, 30)),
    ],
)
def test_a_nudge_at_a_time_that_occurs_twice_fires_once_at_the_first(
    zone: str, at: time, fall_back: date, first: datetime, second: datetime
) -> None:
    cadence = Cadence(timezone=zone, working_days=EVERY_DAY, nudge_weekday=6, nudge_time=at)
    fires = walk(partial(next_nudge, cadence), utc(2024, 10, 1), utc(2024, 11, 30))
    assert [f for f in fires if local_time(cadence, f).date() == fall_back] == [first]
    # Between the two occurrences the day's nudge is behind us: the next is a week on, not the second one.
    for after in (first, first + timedelta(minutes=45), second):
        assert next_nudge(cadence, after).astimezone(ZoneInfo(zone)).date() == fall_back + timedelta(weeks=1)


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
@pytest.mark.parametrize(
    ("weekday", "at"), [(1, time(10, 0)), (6, time(2, 30)), (6, time(1, 30)), (6, time(0, 0)), (0, time(23, 59))]
)
def test_two_years_of_nudges_are_one_a_week_at_the_local_time(zone: str, weekday: int, at: time) -> None:
    cadence = Cadence(timezone=zone, working_days=EVERY_DAY, nudge_weekday=weekday, nudge_time=at)
    tz = ZoneInfo(zone)
    start, end = utc(2024, 1, 1), utc(2026, 1, 1)
    fires = walk(partial(next_nudge, cadence), start, end)

    days = [f.astimezone(tz).date() for f in fires]
    expected_days = [d for d in (date(2024, 1, 1) + timedelta(n) for n in range(731)) if d.weekday() == weekday]
    assert days == expected_days  # one a week, none skipped, none twice
    assert len(set(fires)) == len(fires) and fires == sorted(fires)
    assert Counter(d.isocalendar()[:2] for d in days).most_common(1)[0][1] == 1
    for fire in fires:
        assert_on_slot(fire, tz, (weekday,), at)
    shifted = [f.astimezone(tz) for f in fires if f.astimezone(tz).time() != at]
    # Only 02:30 on a spring-forward Sunday is off its time, an hour later (the gap rule); once a year.
    assert all(at == time(2, 30) and local.time() == time(3, 30) for local in shifted)
    assert len(shifted) == (2 if at == time(2, 30) and weekday == 6 else 0)


def test_a_day_the_zone_skipped_still_gets_its_nudge_the_day_after() -> None:
    # Samoa moved across the date line: 29 December 2011 23:59 (-10:00) was followed by 31 December 00:00 (+14:00).
    cadence = Cadence(timezone="Pacific/Apia", working_days=EVERY_DAY, nudge_weekday=4)
    for after in (utc(2011, 12, 23, 21), utc(2011, 12, 30, 19, 59)):
        fire = next_nudge(cadence, after)
        assert fire == utc(2011, 12, 30, 20)  # Friday 30 December 10:00 at -10:00, which is Saturday 10:00 +14:00
        assert local_time(cadence, fire) == datetime(2011, 12, 31, 10, tzinfo=ZoneInfo("Pacific/Apia"))
    assert next_nudge(cadence, utc(2011, 12, 30, 20)) == utc(2012, 1, 5, 20)


def test_a_nudge_on_a_day_off_moves_to_the_next_working_day() -> None:
    cadence = Cadence(timezone=BERLIN, nudge_weekday=5, nudge_time=time(9, 15))  # Saturday, Mon-Fri team
    fire = next_nudge(cadence, utc(2024, 6, 1))  # a Saturday
    assert local_time(cadence, fire) == datetime(2024, 6, 3, 9, 15, tzinfo=ZoneInfo(BERLIN))  # Monday
    sun_thu = Cadence(timezone="Asia/Jerusalem", working_days=(6, 0, 1, 2, 3), nudge_weekday=4)  # Friday off
    assert local_time(sun_thu, next_nudge(sun_thu, utc(2024, 6, 1))).weekday() == 6


def test_next_nudge_is_strictly_after_and_in_utc_whatever_zone_it_is_given() -> None:
    cadence = Cadence(timezone=BERLIN)
    slot = utc(2024, 3, 19, 9)
    assert next_nudge(cadence, slot - timedelta(microseconds=1)) == slot
    assert next_nudge(cadence, slot) == utc(2024, 3, 26, 9)
    in_new_york = slot.astimezone(ZoneInfo(NEW_YORK)) - timedelta(minutes=1)
    assert next_nudge(cadence, in_new_york) == slot
    assert next_nudge(cadence, in_new_york).tzinfo is UTC


@pytest.mark.parametrize(
    "call",
    [
        lambda c: next_nudge(c, datetime(2024, 1, 1)),
        lambda c: next_reassessment(c, datetime(2024, 1, 1), None),
        lambda c: next_reassessment(c, utc(2024, 1, 1), datetime(2024, 1, 1)),
        lambda c: round_steps(c, datetime(2024, 1, 1)),
        lambda c: local_time(c, datetime(2024, 1, 1)),
        lambda c: collapse(partial(next_nudge, c), datetime(2024, 1, 1), utc(2024, 1, 2), timedelta(hours=1)),
    ],
)
def test_naive_datetimes_are_refused(call: Callable[[Cadence], object]) -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        call(Cadence())


# --- properties -------------------------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))
cadences = st.builds(
    Cadence,
    timezone=st.sampled_from(ZONES),
    working_days=st.sets(st.integers(0, 6), min_size=1).map(tuple),
    nudge_weekday=st.integers(0, 6),
    nudge_time=st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59])),
)


@settings(max_examples=300, deadline=None)
@given(cadence=cadences, after=instants)
def test_next_nudge_is_the_first_local_slot_after(cadence: Cadence, after: datetime) -> None:
    weekday = effective_weekday(cadence.nudge_weekday, cadence.working_days)
    fire = next_nudge(cadence, after)
    assert fire > after
    assert_on_slot(fire, cadence.zone, (weekday,), cadence.nudge_time)
    assert fire == expected_slot(cadence.zone, weekday, cadence.nudge_time, after)
    assert next_nudge(cadence, fire - timedelta(microseconds=1)) == fire  # nothing skipped just before it


@settings(max_examples=200, deadline=None)
@given(cadence=cadences, first=instants, gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)))
def test_next_nudge_is_monotonic(cadence: Cadence, first: datetime, gap: timedelta) -> None:
    later = first + gap
    assert next_nudge(cadence, first) <= next_nudge(cadence, later)
    if later < next_nudge(cadence, first):
        assert next_nudge(cadence, later) == next_nudge(cadence, first)


@lru_cache
def clock_changes(zone: str) -> tuple[datetime, ...]:
    """The instants ``zone`` changed its UTC offset between 2000 and 2040, to the second (a weekly scan, then
    bisection: no zone here changes twice in a week)."""
    tz, changes, step = ZoneInfo(zone), [], timedelta(weeks=1)
    at = utc(2000, 1, 1)
    while at < utc(2040, 1, 1):
        if at.astimezone(tz).utcoffset() != (at + step).astimezone(tz).utcoffset():
            low, high = 0, int(step.total_seconds())  # the change is in (at + low, at + high]
            while high - low > 1:
                middle = (low + high) // 2
                moved = (at + timedelta(seconds=middle)).astimezone(tz).utcoffset() != at.astimezone(tz).utcoffset()
                low, high = (low, middle) if moved else (middle, high)
            changes.append(at + timedelta(seconds=high))
        at += step
    return tuple(changes)


@st.composite
def around_a_clock_change(draw: st.DrawFn) -> tuple[Cadence, datetime]:
    """A weekly slot whose wall-clock time is near, in or on either side of a gap or an overlap, and an
    ``after`` from three days before the change to a day after it: where a slot can be skipped or doubled."""
    zone = draw(st.sampled_from([zone for zone in ZONES if clock_changes(zone)]))
    change = draw(st.sampled_from(clock_changes(zone)))
    tz = ZoneInfo(zone)
    wall = (change - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None) + timedelta(seconds=1)
    wall += timedelta(minutes=draw(st.integers(-150, 150)))  # the gap or overlap starts at ``wall``
    cadence = Cadence(
        timezone=zone, working_days=EVERY_DAY, nudge_weekday=wall.weekday(), nudge_time=wall.time().replace(second=0)
    )
    after = change + timedelta(seconds=draw(st.integers(-3 * 86400, 86400)), microseconds=draw(st.integers(0, 10**6)))
    return cadence, after


@settings(max_examples=400, deadline=None)
@given(case=around_a_clock_change(), later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=6)))
def test_next_nudge_around_clock_changes(case: tuple[Cadence, datetime], later: timedelta) -> None:
    cadence, after = case
    fire = next_nudge(cadence, after)
    assert fire > after
    assert_on_slot(fire, cadence.zone, (cadence.nudge_weekday,), cadence.nudge_time)
    assert fire == expected_slot(cadence.zone, cadence.nudge_weekday, cadence.nudge_time, after)
    assert next_nudge(cadence, fire - timedelta(microseconds=1)) == fire
    assert next_nudge(cadence, after + later) == (fire if after + later < fire else next_nudge(cadence, fire))


# --- re-assessment rounds ---------------------------------------------------------------------------------


def test_no_reassessment_when_weeks_is_zero() -> None:
    assert next_reassessment(Cadence(reassess_weeks=0), utc(2024, 1, 1), None) is None
    assert next_reassessment(Cadence(reassess_weeks=0), utc(2024, 1, 1), utc(2023, 1, 1)) is None


def test_the_first_reassessment_is_the_next_slot() -> None:
    cadence = Cadence(timezone=BERLIN)
    assert next_reassessment(cadence, utc(2024, 3, 18), None) == next_nudge(cadence, utc(2024, 3, 18))


def test_reassessment_every_six_weeks_keeps_the_local_time_across_dst() -> None:
    cadence = Cadence(timezone=BERLIN, reassess_weeks=6)
    opened = utc(2024, 3, 5, 9)  # Tuesday 10:00 CET
    again = next_reassessment(cadence, opened, opened)
    assert again == utc(2024, 4, 16, 8)  # Tuesday 10:00 CEST, six calendar weeks on (41 hours of UTC less one)
    assert again is not None and local_time(cadence, again).time() == time(10, 0)
    autumn = next_reassessment(cadence, utc(2024, 10, 8, 8), utc(2024, 10, 8, 8))
    assert autumn == utc(2024, 11, 19, 9)  # CEST to CET: still 10:00 local
    ny = Cadence(timezone=NEW_YORK, reassess_weeks=6)
    assert next_reassessment(ny, utc(2024, 2, 20, 15), utc(2024, 2, 20, 15)) == utc(2024, 4, 2, 14)


def test_a_reassessment_is_at_least_the_interval_after_the_last_and_strictly_after() -> None:
    cadence = Cadence(timezone=BERLIN, reassess_weeks=6)
    opened = utc(2024, 3, 5, 9)
    due = utc(2024, 4, 16, 8)
    assert next_reassessment(cadence, due - timedelta(minutes=1), opened) == due
    assert next_reassessment(cadence, due, opened) == due + timedelta(weeks=1)
    assert next_reassessment(cadence, utc(2024, 6, 1), opened) == utc(2024, 6, 4, 8)  # long overdue: next slot
    # Opened off the slot (on a Thursday, by hand): the first Tuesday slot six weeks or more later.
    assert next_reassessment(cadence, opened, utc(2024, 3, 7, 14)) == utc(2024, 4, 23, 8)


def test_the_weeks_count_in_local_dates_so_a_late_opening_keeps_its_slot() -> None:
    cadence = Cadence(timezone=BERLIN, reassess_weeks=6)
    late = utc(2024, 3, 5, 9, 0, 17)  # opened by a tick 17 seconds after Tuesday's 10:00 slot
    assert next_reassessment(cadence, late, late) == utc(2024, 4, 16, 8)  # not a week later
    earlier = Cadence(timezone=BERLIN, reassess_weeks=6, nudge_time=time(9, 0))  # the slot moved to 09:00 since
    assert next_reassessment(earlier, late, late) == utc(2024, 4, 16, 7)  # still that Tuesday, at the new time


# --- the summary cadence ---------------------------------------------------------------------------------


def test_no_periodic_summary_when_weeks_is_zero() -> None:
    assert Cadence().summary_weeks == 0
    assert next_summary(Cadence(), utc(2024, 1, 1), None) is None
    assert next_summary(Cadence(), utc(2024, 1, 1), utc(2023, 12, 19, 10)) is None


def test_a_periodic_summary_is_every_n_local_weeks_on_the_nudge_slot() -> None:
    cadence = Cadence(timezone=BERLIN, summary_weeks=2)
    assert next_summary(cadence, utc(2024, 3, 18), None) == next_nudge(cadence, utc(2024, 3, 18))  # the next slot
    last = utc(2024, 3, 19, 9)  # Tuesday 10:00 CET
    assert next_summary(cadence, last, last) == utc(2024, 4, 2, 8)  # Tuesday 10:00 CEST, two calendar weeks on
    assert next_summary(cadence, utc(2024, 4, 2, 8), last) == utc(2024, 4, 9, 8)  # strictly after ``after``
    assert next_summary(cadence, utc(2024, 5, 1), last) == utc(2024, 5, 7, 8)  # long overdue: the next slot


def test_summaries_and_reassessments_count_weeks_alike() -> None:
    last = utc(2024, 10, 15, 8)  # Tuesday 10:00 CEST; the clocks go back on 27 October
    for weeks in (1, 2, 4, 6):
        summary = next_summary(Cadence(timezone=BERLIN, summary_weeks=weeks), last, last)
        assert summary == next_reassessment(Cadence(timezone=BERLIN, reassess_weeks=weeks), last, last)
        assert summary is not None and local_time(Cadence(timezone=BERLIN), summary).time() == time(10, 0)


def test_round_steps_skip_the_weekend() -> None:
    cadence = Cadence(timezone=BERLIN, reminder_days=(2, 5), round_days=7)
    opened = utc(2024, 3, 7, 9)  # Thursday 10:00 CET
    assert round_steps(cadence, opened) == [
        ("reminder", utc(2024, 3, 11, 9)),  # Saturday -> Monday 10:00
        ("reminder", utc(2024, 3, 12, 9)),  # Tuesday 10:00
        ("close", utc(2024, 3, 14, 9)),  # Thursday 10:00
    ]


def test_round_steps_count_local_days_across_dst() -> None:
    cadence = Cadence(timezone=BERLIN, reminder_days=(2, 5), round_days=7)
    opened = utc(2024, 3, 28, 9)  # Thursday 10:00 CET; the clocks change on Sunday 31 March
    assert round_steps(cadence, opened) == [
        ("reminder", utc(2024, 4, 1, 8)),  # Saturday -> Monday 10:00 CEST
        ("reminder", utc(2024, 4, 2, 8)),
        ("close", utc(2024, 4, 4, 8)),
    ]


def test_round_steps_drop_reminders_that_would_meet_the_close_or_each_other() -> None:
    thursday = utc(2024, 3, 7, 9)
    short = Cadence(timezone=BERLIN, reassess_weeks=1, round_days=3, reminder_days=(1, 2))
    # Friday; Saturday -> Monday; the close on Sunday -> Monday too: that reminder would arrive with the close.
    assert round_steps(short, thursday) == [("reminder", utc(2024, 3, 8, 9)), ("close", utc(2024, 3, 11, 9))]
    weekend = Cadence(timezone=BERLIN, reminder_days=(2, 3))  # Saturday and Sunday, both Monday
    assert round_steps(weekend, thursday) == [("reminder", utc(2024, 3, 11, 9)), ("close", utc(2024, 3, 14, 9))]
    assert round_steps(Cadence(reminder_days=()), thursday) == [("close", utc(2024, 3, 14, 9))]


@settings(max_examples=200, deadline=None)
@given(
    cadence=st.builds(
        Cadence,
        timezone=st.sampled_from(ZONES),
        working_days=st.sets(st.integers(0, 6), min_size=1).map(tuple),
        round_days=st.integers(2, 14),
        reassess_weeks=st.just(2),
        reminder_days=st.just(()),
    ),
    reminders=st.lists(st.integers(1, 13), max_size=2, unique=True),
    opened_at=instants,
)
def test_round_steps_are_increasing_and_on_working_days(
    cadence: Cadence, reminders: list[int], opened_at: datetime
) -> None:
    reminders = [day for day in reminders if day < cadence.round_days]
    cadence = replace(cadence, reminder_days=tuple(reminders))
    steps = round_steps(cadence, opened_at)
    times = [opened_at, *(at for _, at in steps)]
    assert times == sorted(set(times))
    assert [kind for kind, _ in steps] == ["reminder"] * (len(steps) - 1) + ["close"]
    assert len(steps) - 1 <= len(reminders)
    wall = local_time(cadence, opened_at).time()
    for _, at in steps:
        assert_on_slot(at, cadence.zone, cadence.working_days, wall)


# --- catch-up after downtime ------------------------------------------------------------------------------

WEEKLY = Cadence(timezone=BERLIN)
NUDGES = partial(next_nudge, WEEKLY)
GRACE = timedelta(hours=2)


def test_collapse_without_downtime_delivers_the_due_fire() -> None:
    fire = utc(2024, 3, 19, 9)
    due, following = collapse(NUDGES, fire, fire + timedelta(seconds=30), GRACE)
    assert due == Due(fire_at=fire, skipped_at=None, missed=1)
    assert following == utc(2024, 3, 26, 9)


def test_collapse_folds_missed_fires_into_the_latest() -> None:
    first, latest = utc(2024, 3, 19, 9), utc(2024, 4, 2, 8)  # three Tuesdays, across the change to CEST
    due, following = collapse(NUDGES, first, latest + timedelta(minutes=90), GRACE)
    assert due == Due(fire_at=latest, skipped_at=None, missed=3)
    assert following == utc(2024, 4, 9, 8)


def test_collapse_skips_a_fire_older_than_the_grace_window() -> None:
    first, latest = utc(2024, 3, 19, 9), utc(2024, 4, 2, 8)
    now = latest + GRACE + timedelta(seconds=1)
    due, following = collapse(NUDGES, first, now, GRACE)
    assert due == Due(fire_at=None, skipped_at=latest, missed=3)
    assert following == utc(2024, 4, 9, 8)


def test_collapse_at_the_very_instant_of_a_fire() -> None:
    fire = utc(2024, 3, 19, 9)
    due, following = collapse(NUDGES, fire, fire, timedelta(0))
    assert due.fire_at == fire
    assert following is not None and following > fire


def test_collapse_before_the_fire_is_due_does_nothing() -> None:
    fire = utc(2024, 3, 19, 9)
    assert collapse(NUDGES, fire, fire - timedelta(seconds=1), GRACE) == (Due(None, None, 0), fire)


def test_collapse_of_a_schedule_that_has_ended() -> None:
    fire = utc(2024, 3, 19, 9)
    assert collapse(lambda t: None, fire, fire + timedelta(hours=1), GRACE) == (Due(fire, None, 1), None)


def test_collapse_after_decades_down_jumps_ahead_instead_of_walking() -> None:
    calls = 0

    def counted(after: datetime) -> datetime:
        nonlocal calls
        calls += 1
        return NUDGES(after)

    scheduled, now = utc(1990, 1, 2, 9), utc(2024, 4, 2, 8, 30)
    due, following = collapse(counted, scheduled, now, GRACE)
    every_fire = [scheduled, *walk(NUDGES, scheduled, now)]
    assert len(every_fire) > 3 * MAX_WALK
    assert due == Due(fire_at=utc(2024, 4, 2, 8), skipped_at=None, missed=len(every_fire))
    assert following == utc(2024, 4, 9, 8)
    assert calls < MAX_WALK + 50


def test_collapse_refuses_a_schedule_that_does_not_move_forward() -> None:
    fire = utc(2024, 3, 19, 9)
    with pytest.raises(ValueError, match="strictly after"):
        collapse(lambda t: t, fire, fire + timedelta(days=30), GRACE)
    with pytest.raises(ValueError, match="grace"):
        collapse(NUDGES, fire, fire, timedelta(seconds=-1))


@settings(max_examples=100, deadline=None)
@given(
    cadence=cadences,
    start=instants,
    downtime=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    grace=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
)
def test_collapse_delivers_or_skips_exactly_the_latest_due_fire(
    cadence: Cadence, start: datetime, downtime: timedelta, grace: timedelta
) -> None:
    fires = partial(next_nudge, cadence)
    scheduled = fires(start)
    now = scheduled + downtime
    due, following = collapse(fires, scheduled, now, grace)
    missed = [scheduled, *walk(fires, scheduled, now)]
    assert due.missed == len(missed)
    assert (due.fire_at or due.skipped_at) == missed[-1]
    assert (due.fire_at is not None) == (now - missed[-1] <= grace)
    assert due.fire_at is None or due.skipped_at is None
    assert following == fires(now) and following > now


# --- settings: validation, parsing, description -----------------------------------------------------------


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone 'Mars/Olympus_Mons'"),
        ({"timezone": "../../etc/passwd"}, "unknown time zone"),
        ({"timezone": ""}, "IANA time zone name"),
        ({"timezone": "localtime"}, "not a place's time zone"),
        ({"working_days": ()}, "at least one day"),
        ({"working_days": (0, 7)}, "weekday numbers 0-6"),
        ({"working_days": (0, 0, 1)}, "repeats a day"),
        ({"working_days": "01234"}, "sequence of whole numbers"),
        ({"nudge_weekday": 7}, "nudge_weekday must be 0-6"),
        ({"nudge_weekday": -1}, "nudge_weekday must be 0-6"),
        ({"nudge_weekday": True}, "nudge_weekday must be 0-6"),
        ({"nudge_time": "10:00"}, "nudge_time must be a local time of day"),
        ({"nudge_time": time(10, 0, 30)}, "whole minute"),
        ({"nudge_time": time(10, 0, tzinfo=UTC)}, "without a time zone"),
        ({"reassess_weeks": -1}, "reassess_weeks must be 0"),
        ({"round_days": 0, "reminder_days": ()}, "round_days must be at least 1"),
        ({"reassess_weeks": 1, "round_days": 8}, "overlap the next one"),
        ({"reminder_days": (1, 2, 3)}, "at most 2 reminders"),
        ({"reminder_days": (2, 7)}, "1 to 6 days after it opens"),
        ({"reminder_days": (0,)}, "1 to 6 days after it opens"),
        ({"reminder_days": (3, 3)}, "repeats a day"),
        ({"reminder_days": (2.5,)}, "whole numbers"),
        ({"summary_weeks": -1}, "summary_weeks must be a whole number from 0"),
        ({"summary_weeks": 53}, "summary_weeks must be a whole number from 0 .* to 52, got 53"),
        ({"summary_weeks": True}, "summary_weeks must be a whole number"),
        ({"summary_weeks": 2.0}, "summary_weeks must be a whole number"),
    ],
)
def test_cadence_refuses_bad_settings_with_a_one_line_reason(settings_: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        Cadence(**settings_)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)


def test_cadence_normalises_day_lists() -> None:
    cadence = Cadence(working_days=[4, 0, 2], reminder_days=[5, 2])  # type: ignore[arg-type]
    assert cadence.working_days == (0, 2, 4) and cadence.reminder_days == (2, 5)
    assert cadence == Cadence(working_days=(0, 2, 4)) and hash(cadence) == hash(Cadence(working_days=(0, 2, 4)))
    assert Cadence(reassess_weeks=0, round_days=30).round_days == 30  # no rounds: nothing to overlap


def test_local_time_is_in_the_team_zone() -> None:
    cadence = Cadence(timezone=NEW_YORK)
    local = local_time(cadence, utc(2024, 7, 1, 14))
    assert local == utc(2024, 7, 1, 14)
    assert (local.hour, local.tzinfo) == (10, ZoneInfo(NEW_YORK))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:00", time(10, 0)),
        ("9:30", time(9, 30)),
        ("09:05", time(9, 5)),
        ("10.30", time(10, 30)),
        ("14h", time(14, 0)),
        ("14h30", time(14, 30)),
        ("2pm", time(14, 0)),
        ("2 PM", time(14, 0)),
        ("2:30pm", time(14, 30)),
        ("9 a.m.", time(9, 0)),
        ("12am", time(0, 0)),
        ("12:15 am", time(0, 15)),
        ("12pm", time(12, 0)),
        (" 7 ", time(7, 0)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text", ["", "ten", "24:00", "10:60", "13pm", "0am", "10:", "10:5", "1030", "2 p", "-1:00", "10:00:00", "h30"]
)
def test_parse_time_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(ValueError, match=f"can't read {text!r} as a time of day; try 10:00"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tue", 1),
        ("Tue", 1),
        ("TUESDAY", 1),
        ("tuesdays", 1),
        ("tues", 1),
        ("Tues.", 1),
        ("mon", 0),
        ("weds", 2),
        ("Wednesday", 2),
        ("thu", 3),
        ("thurs", 3),
        ("fri", 4),
        ("saturday", 5),
        (" Sun ", 6),
    ],
)
def test_parse_weekday(text: str, expected: int) -> None:
    assert parse_weekday(text) == expected


@pytest.mark.parametrize("text", ["di", "t", "tu", "1", "", "funday", "tuesdayy", "mo."])
def test_parse_weekday_refuses_what_is_not_an_english_weekday(text: str) -> None:
    with pytest.raises(ValueError, match="as a weekday; try Tuesday or tue"):
        parse_weekday(text)


@pytest.mark.parametrize(
    ("cadence", "sentence"),
    [
        (
            Cadence(timezone=BERLIN),
            "Nudges every Tuesday at 10:00 (Europe/Berlin, Mon-Fri); a re-assessment every 6 weeks, open 7 days, "
            "with reminders after 2 and 5 days.",
        ),
        (
            Cadence(nudge_time=time(9, 5), reassess_weeks=0),
            "Nudges every Tuesday at 09:05 (UTC, Mon-Fri); no re-assessment rounds.",
        ),
        (
            Cadence(working_days=(6, 0, 1, 2, 3), nudge_weekday=4, reassess_weeks=1, round_days=2, reminder_days=(1,)),
            "Nudges every Sunday at 10:00 (UTC, Sun-Thu); a re-assessment every week, open 2 days, "
            "with a reminder after 1 day.",
        ),
        (
            Cadence(working_days=(0, 2, 4), nudge_weekday=0, reminder_days=()),
            "Nudges every Monday at 10:00 (UTC, Mon, Wed, Fri); a re-assessment every 6 weeks, open 7 days, "
            "with no reminders.",
        ),
        (
            Cadence(working_days=EVERY_DAY, nudge_weekday=6, nudge_time=time(14, 30)),
            "Nudges every Sunday at 14:30 (UTC, every day); a re-assessment every 6 weeks, open 7 days, "
            "with reminders after 2 and 5 days.",
        ),
        (
            Cadence(summary_weeks=2),
            "Nudges every Tuesday at 10:00 (UTC, Mon-Fri); a re-assessment every 6 weeks, open 7 days, "
            "with reminders after 2 and 5 days; a team summary every 2 weeks.",
        ),
        (
            Cadence(reassess_weeks=0, summary_weeks=1),
            "Nudges every Tuesday at 10:00 (UTC, Mon-Fri); no re-assessment rounds; a team summary every week.",
        ),
    ],
)
def test_describe(cadence: Cadence, sentence: str) -> None:
    assert describe(cadence) == sentence

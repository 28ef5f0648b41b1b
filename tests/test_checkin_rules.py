"""The check-in rules as tables, without a database: a due schedule and its team's facts in, the decision out
(what is owed to whom, which round closes or opens, when the schedule fires next).

The team's cadence is the default one: UTC, nudges on Tuesday 10:00, a re-assessment every 6 weeks, rounds open
7 days with reminders after 2 and 5 days (moved off the weekend), a six-hour grace window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from checkins.cadence import Cadence
from checkins.rules import (
    MAX_ATTEMPTS,
    TEAM,
    Decision,
    OpenRound,
    Owed,
    ScheduleState,
    TeamFacts,
    after_send,
    decide,
    has_checkins,
    retime,
)
from checkins.states import DeliveryKind, DeliveryStatus, ScheduleKind

GRACE = timedelta(hours=6)
TUE = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday at the default nudge time
THU, MON, NEXT_TUE = TUE + timedelta(days=2), TUE + timedelta(days=6), TUE + timedelta(days=7)
SIX_WEEKS = TUE + timedelta(weeks=6)
CADENCE = Cadence()
WEEKLY_SUMMARY = Cadence(summary_weeks=1)
MEMBERS = ("U1", "U2", "U3")
ROUND_1 = OpenRound(id=11, number=1, opened_at=TUE, finished=frozenset({"U2"}))

NUDGE, REASSESS, ROUND, SUMMARY = ScheduleKind.NUDGE, ScheduleKind.REASSESS, ScheduleKind.ROUND, ScheduleKind.SUMMARY
SKIPPED = DeliveryStatus.SKIPPED


def facts(cadence: Cadence = CADENCE, **given: object) -> TeamFacts:
    return TeamFacts(cadence, **given)  # type: ignore[arg-type]


CASES: list[tuple[str, ScheduleState, TeamFacts, datetime, Decision]] = [
    # --- the weekly nudge
    (
        "a nudge on time is owed to the channel and moves a week on",
        ScheduleState(NUDGE, TUE),
        facts(),
        TUE + timedelta(seconds=5),
        Decision(ScheduleState(NUDGE, NEXT_TUE), (Owed(DeliveryKind.NUDGE, TUE, (TEAM,)),)),
    ),
    (
        "a nudge gives way to a round opening at the same moment",
        ScheduleState(NUDGE, TUE),
        facts(round_moments=frozenset({TUE})),
        TUE,
        Decision(ScheduleState(NUDGE, NEXT_TUE)),
    ),
    (
        "three missed nudges fold into one, sent late within the grace window",
        ScheduleState(NUDGE, TUE - timedelta(weeks=2)),
        facts(),
        TUE + timedelta(hours=5),
        Decision(ScheduleState(NUDGE, NEXT_TUE), (Owed(DeliveryKind.NUDGE, TUE, (TEAM,)),)),
    ),
    (
        "a nudge older than the grace window is only recorded as skipped",
        ScheduleState(NUDGE, TUE),
        facts(),
        TUE + timedelta(hours=7),
        Decision(ScheduleState(NUDGE, NEXT_TUE), (Owed(DeliveryKind.NUDGE, TUE, (TEAM,), status=SKIPPED),)),
    ),
    # --- re-assessment
    (
        "a re-assessment closes the open round with its summary, opens the next and invites everyone",
        ScheduleState(REASSESS, SIX_WEEKS),
        facts(members=MEMBERS, open_round=ROUND_1, next_round_number=2),
        SIX_WEEKS + timedelta(seconds=1),
        Decision(
            ScheduleState(REASSESS, SIX_WEEKS + timedelta(weeks=6)),
            (
                Owed(DeliveryKind.SUMMARY, SIX_WEEKS, (TEAM,), {"round": 1}),
                Owed(DeliveryKind.INVITE, SIX_WEEKS, MEMBERS, {"round": 2}),
            ),
            close_round=True,
            open_round_at=SIX_WEEKS,
            follow_from=SIX_WEEKS + timedelta(days=2),
        ),
    ),
    (
        "without an open round there is nothing to close or sum up",
        ScheduleState(REASSESS, SIX_WEEKS),
        facts(members=MEMBERS, next_round_number=4),
        SIX_WEEKS,
        Decision(
            ScheduleState(REASSESS, SIX_WEEKS + timedelta(weeks=6)),
            (Owed(DeliveryKind.INVITE, SIX_WEEKS, MEMBERS, {"round": 4}),),
            open_round_at=SIX_WEEKS,
            follow_from=SIX_WEEKS + timedelta(days=2),
        ),
    ),
    (
        "a late tick opens the round from its slot, so reminders keep to the team's days",
        ScheduleState(REASSESS, SIX_WEEKS),
        facts(members=MEMBERS, next_round_number=2),
        SIX_WEEKS + timedelta(hours=3),
        Decision(
            ScheduleState(REASSESS, SIX_WEEKS + timedelta(weeks=6)),
            (Owed(DeliveryKind.INVITE, SIX_WEEKS, MEMBERS, {"round": 2}),),
            open_round_at=SIX_WEEKS,
            follow_from=SIX_WEEKS + timedelta(days=2),
        ),
    ),
    (
        "a re-assessment too late to open is recorded as skipped and waits for the next slot",
        ScheduleState(REASSESS, SIX_WEEKS),
        facts(members=MEMBERS, open_round=ROUND_1, next_round_number=2),
        SIX_WEEKS + timedelta(days=1),
        Decision(
            ScheduleState(REASSESS, SIX_WEEKS + timedelta(weeks=1)),
            (Owed(DeliveryKind.REASSESS, SIX_WEEKS, (TEAM,), status=SKIPPED),),
        ),
    ),
    # --- the open round's reminders and close
    (
        "a reminder goes to each member who has not finished, and the next step is Monday (not Sunday)",
        ScheduleState(ROUND, THU, step=0, round_id=11),
        facts(members=MEMBERS, open_round=ROUND_1),
        THU,
        Decision(
            ScheduleState(ROUND, MON, step=1, round_id=11),
            (Owed(DeliveryKind.REMINDER, THU, ("U1", "U3"), {"round": 1, "reminder": 1}),),
        ),
    ),
    (
        "a round that was down over both reminders and its close only closes",
        ScheduleState(ROUND, THU, step=0, round_id=11),
        facts(members=MEMBERS, open_round=ROUND_1),
        NEXT_TUE + timedelta(minutes=1),
        Decision(
            ScheduleState(ROUND, None),
            (Owed(DeliveryKind.SUMMARY, NEXT_TUE, (TEAM,), {"round": 1}),),
            close_round=True,
        ),
    ),
    (
        "a close long overdue still closes; its summary is recorded as skipped",
        ScheduleState(ROUND, NEXT_TUE, step=2, round_id=11),
        facts(members=MEMBERS, open_round=ROUND_1),
        NEXT_TUE + timedelta(days=3),
        Decision(
            ScheduleState(ROUND, None),
            (Owed(DeliveryKind.SUMMARY, NEXT_TUE, (TEAM,), {"round": 1}, SKIPPED),),
            close_round=True,
        ),
    ),
    (
        "the round schedule lets go of a round closed by hand",
        ScheduleState(ROUND, THU, step=0, round_id=11),
        facts(members=MEMBERS, open_round=OpenRound(12, 2, THU)),
        THU,
        Decision(ScheduleState(ROUND, None)),
    ),
    (
        "a step claimed before its time only moves the schedule to it",
        ScheduleState(ROUND, TUE, step=1, round_id=11),
        facts(members=MEMBERS, open_round=ROUND_1),
        THU + timedelta(hours=1),
        Decision(ScheduleState(ROUND, MON, step=1, round_id=11)),
    ),
    # --- the summary cadence
    (
        "a periodic summary shows the latest round anyone finished",
        ScheduleState(SUMMARY, TUE),
        facts(WEEKLY_SUMMARY, latest_finished_round=3),
        TUE,
        Decision(
            ScheduleState(SUMMARY, NEXT_TUE),
            (Owed(DeliveryKind.SUMMARY, TUE, (TEAM,), {"round": 3, "periodic": True}),),
        ),
    ),
    (
        "nothing to sum up before anyone finished",
        ScheduleState(SUMMARY, TUE),
        facts(WEEKLY_SUMMARY),
        TUE,
        Decision(ScheduleState(SUMMARY, NEXT_TUE)),
    ),
    (
        "a periodic summary gives way to a round's close the same day",
        ScheduleState(SUMMARY, TUE),
        facts(WEEKLY_SUMMARY, latest_finished_round=3, summaries_owed=frozenset({TUE + timedelta(hours=4)})),
        TUE,
        Decision(ScheduleState(SUMMARY, NEXT_TUE)),
    ),
    (
        "a periodic summary gives way to the close of the round being followed, when anyone finished it",
        ScheduleState(SUMMARY, NEXT_TUE),
        facts(WEEKLY_SUMMARY, latest_finished_round=3, followed_round_opened=TUE),
        NEXT_TUE,
        Decision(ScheduleState(SUMMARY, NEXT_TUE + timedelta(weeks=1))),
    ),
]


@pytest.mark.parametrize(
    ("schedule", "team", "now", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_a_due_schedule_decides(schedule: ScheduleState, team: TeamFacts, now: datetime, expected: Decision) -> None:
    assert decide(schedule, team, now=now, grace=GRACE) == expected


def test_skipped_fires_are_counted() -> None:
    late = decide(ScheduleState(NUDGE, TUE), facts(), now=TUE + timedelta(days=1), grace=GRACE)
    assert late.skipped == 1 and decide(ScheduleState(NUDGE, TUE), facts(), now=TUE, grace=GRACE).skipped == 0


def _schedules(**overrides: ScheduleState) -> dict[ScheduleKind, ScheduleState]:
    found = {kind: ScheduleState(kind, None) for kind in ScheduleKind}
    return found | {ScheduleKind(kind): state for kind, state in overrides.items()}


def test_retiming_after_a_change_follows_the_new_cadence_and_the_open_round() -> None:
    monday = TUE - timedelta(days=1)
    tracked = ScheduleState(ROUND, None, step=1, round_id=11)
    retimed = retime(
        WEEKLY_SUMMARY,
        _schedules(round=tracked),
        paused=False,
        now=monday,
        last_opened=TUE - timedelta(weeks=5),
        last_summary=None,
        open_round=OpenRound(11, 1, TUE - timedelta(days=3)),  # opened last Saturday: its next step is Monday's
    )
    assert retimed == {
        NUDGE: ScheduleState(NUDGE, TUE),
        REASSESS: ScheduleState(REASSESS, TUE + timedelta(weeks=1)),  # six weeks after the last opening
        SUMMARY: ScheduleState(SUMMARY, TUE),
        ROUND: ScheduleState(ROUND, TUE + timedelta(days=2), step=1, round_id=11),
    }


def test_a_paused_team_never_fires_and_a_replaced_round_is_let_go() -> None:
    tracked = ScheduleState(ROUND, THU, step=1, round_id=11)
    common = {"now": TUE, "last_opened": TUE, "last_summary": None}
    paused = retime(CADENCE, _schedules(round=tracked), paused=True, open_round=ROUND_1, **common)  # type: ignore[arg-type]
    assert [state.next_fire_at for state in paused.values()] == [None] * 4
    assert paused[ROUND].round_id == 11  # still following it, for when the team resumes
    replaced = retime(CADENCE, _schedules(round=tracked), paused=False, open_round=OpenRound(12, 2, TUE), **common)  # type: ignore[arg-type]
    assert replaced[ROUND] == ScheduleState(ROUND, None)


@pytest.mark.parametrize(
    ("sent", "may_retry", "attempts", "status"),
    [
        (True, False, 1, DeliveryStatus.SENT),
        (False, True, 1, DeliveryStatus.PENDING),
        (False, True, MAX_ATTEMPTS - 1, DeliveryStatus.PENDING),
        (False, True, MAX_ATTEMPTS, DeliveryStatus.FAILED),  # out of attempts
        (False, False, 1, DeliveryStatus.FAILED),  # a permanent error is never retried
    ],
)
def test_after_a_send(sent: bool, may_retry: bool, attempts: int, status: DeliveryStatus) -> None:
    assert after_send(sent=sent, may_retry=may_retry, attempts=attempts) is status


def test_only_chat_teams_get_check_ins() -> None:
    assert has_checkins("slack") and has_checkins("teams") and not has_checkins("terminal")

"""What a team's due schedule does: decisions from the team's facts and an explicit ``now``, with no database.

Storage claims the due schedules and loads the facts; the rules below decide what each fire owes (deliveries),
whether it closes the open round or opens the next, and when the schedule fires next; the tick applies the
decision in the same transaction. The times come from ``checkins.cadence``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from checkins.cadence import (
    Cadence,
    Due,
    collapse,
    local_time,
    next_nudge,
    next_reassessment,
    next_summary,
    round_steps,
)
from checkins.states import DeliveryKind, DeliveryStatus, ScheduleKind

TEAM = ""  # the recipient of a delivery to the team's channel
CHAT_PLATFORMS = frozenset({"slack", "teams"})  # where a team has a channel to hear from the bot


def has_checkins(platform: str) -> bool:
    """Check-ins reach a team in its channel, so only a chat platform's teams get them (not the terminal)."""
    return platform in CHAT_PLATFORMS


@dataclass(frozen=True)
class ScheduleState:
    kind: ScheduleKind
    next_fire_at: datetime | None  # None: never (paused, or nothing to follow)
    step: int = 0  # the round schedule: the index of the open round's next reminder or close
    round_id: int | None = None  # the round schedule: the round it follows


@dataclass(frozen=True)
class OpenRound:
    id: int
    number: int
    opened_at: datetime
    finished: frozenset[str] = frozenset()  # members (platform ids) who finished it


@dataclass(frozen=True)
class TeamFacts:
    """What a team's fires need to know, read once per tick (rounds again after a fire moved them)."""

    cadence: Cadence
    members: tuple[str, ...] = ()  # everyone who took part in any round: who is invited and reminded
    open_round: OpenRound | None = None
    next_round_number: int = 1
    round_moments: frozenset[datetime] = frozenset()  # when its rounds next open or close
    summaries_owed: frozenset[datetime] = frozenset()  # summaries posted lately, or owed by a re-assessment's close
    followed_round_opened: datetime | None = None  # the round the round schedule follows, if anyone finished it
    latest_finished_round: int | None = None  # the latest round anyone finished: what a periodic summary shows


@dataclass(frozen=True)
class Owed:
    """Messages a fire owes: one delivery per recipient. A fire too late to send is one skipped record."""

    kind: DeliveryKind
    fire_at: datetime
    recipients: tuple[str, ...]
    payload: Mapping[str, Any] = field(default_factory=dict)
    status: DeliveryStatus = DeliveryStatus.PENDING


@dataclass(frozen=True)
class Decision:
    schedule: ScheduleState  # the fired schedule, moved on
    owed: tuple[Owed, ...] = ()
    close_round: bool = False  # close the team's open round (its team result is stored on its own version)
    open_round_at: datetime | None = None  # then open the next round, counted from this moment...
    follow_from: datetime | None = None  # ...and the round schedule follows it, its first step at this time

    @property
    def skipped(self) -> int:
        return sum(owed.status is DeliveryStatus.SKIPPED for owed in self.owed)


def decide(schedule: ScheduleState, facts: TeamFacts, *, now: datetime, grace: timedelta) -> Decision:
    """What a due schedule does now. Fires missed while the bot was down fold into one; one older than ``grace``
    is recorded as skipped, not sent."""
    return _RULES[schedule.kind](schedule, facts, now, grace)


def _nudge(schedule: ScheduleState, facts: TeamFacts, now: datetime, grace: timedelta) -> Decision:
    """The weekly nudge; it gives way when a round opens or closes at the same moment (that week the round's
    invitation or summary is the check-in)."""
    assert schedule.next_fire_at is not None
    due, following = collapse(functools.partial(next_nudge, facts.cadence), schedule.next_fire_at, now, grace)
    moved = dataclasses.replace(schedule, next_fire_at=following)
    if due.fire_at is not None and due.fire_at in facts.round_moments:
        return Decision(moved)
    return Decision(moved, _owe(due, DeliveryKind.NUDGE, (TEAM,)))


def _reassess(schedule: ScheduleState, facts: TeamFacts, now: datetime, grace: timedelta) -> Decision:
    """Close the open round (its summary), open the next and invite everyone who took part before."""
    cadence = facts.cadence
    assert schedule.next_fire_at is not None
    due, _ = collapse(lambda after: next_reassessment(cadence, after, None), schedule.next_fire_at, now, grace)
    if due.fire_at is None:  # too late to open a round now: the next slot will
        return Decision(
            dataclasses.replace(schedule, next_fire_at=next_reassessment(cadence, now, None)),
            _owe(due, DeliveryKind.REASSESS, (TEAM,)),
        )
    fire = due.fire_at
    # The round counts from its slot, not from the tick that found it due, so a late tick shifts nothing off the
    # team's slot; unless so late (a long grace window) that its first reminder or close would already be due.
    opened = fire if round_steps(cadence, fire)[0][1] > now else now
    owed: list[Owed] = []
    previous = facts.open_round
    if previous is not None:
        owed.append(Owed(DeliveryKind.SUMMARY, fire, (TEAM,), {"round": previous.number}))
    owed.append(Owed(DeliveryKind.INVITE, fire, facts.members, {"round": facts.next_round_number}))
    return Decision(
        dataclasses.replace(schedule, next_fire_at=next_reassessment(cadence, now, opened)),
        tuple(owed),
        close_round=previous is not None,
        open_round_at=opened,
        follow_from=round_steps(cadence, opened)[0][1],
    )


def _round(schedule: ScheduleState, facts: TeamFacts, now: datetime, grace: timedelta) -> Decision:
    """The open round's next step: a reminder to whoever has not finished, or the close. Steps missed during
    downtime collapse: only the latest due one counts, and a close always happens (its post may be skipped)."""
    round_ = facts.open_round
    idle = ScheduleState(schedule.kind, None)
    if schedule.round_id is None or round_ is None or round_.id != schedule.round_id:
        return Decision(idle)  # the round it followed was closed by hand or replaced
    steps = round_steps(facts.cadence, round_.opened_at)
    due_steps = [(n, kind, at) for n, (kind, at) in enumerate(steps) if n >= schedule.step and at <= now]
    if not due_steps:
        return Decision(dataclasses.replace(schedule, next_fire_at=next_step_at(steps, schedule.step, now)))
    n, kind, at = due_steps[-1]
    due = Due(at, None, 1) if now - at <= grace else Due(None, at, 1)
    if kind == "close":
        return Decision(idle, _owe(due, DeliveryKind.SUMMARY, (TEAM,), {"round": round_.number}), close_round=True)
    waiting = tuple(sorted(set(facts.members) - round_.finished))
    payload = {"round": round_.number, "reminder": n + 1}
    following = steps[n + 1][1] if n + 1 < len(steps) else now
    return Decision(
        dataclasses.replace(schedule, step=n + 1, next_fire_at=following),
        _owe(due, DeliveryKind.REMINDER, waiting, payload),
    )


def _summary(schedule: ScheduleState, facts: TeamFacts, now: datetime, grace: timedelta) -> Decision:
    """The team's summary cadence: its latest round anyone finished, posted again every N weeks so the channel
    keeps seeing where it stands between rounds. A fire on a day a round's close posts the summary gives way to
    it, so the channel never gets two at once; nothing is posted until somebody has finished."""
    cadence = facts.cadence
    assert schedule.next_fire_at is not None  # set only while summary_weeks > 0 (``retime``)
    due, _ = collapse(lambda after: next_summary(cadence, after, after), schedule.next_fire_at, now, grace)
    fire = due.fire_at or due.skipped_at
    assert fire is not None
    moved = dataclasses.replace(schedule, next_fire_at=next_summary(cadence, now, fire))  # N weeks on from the fire
    day = local_time(cadence, fire).date()
    owed = set(facts.summaries_owed)
    if facts.followed_round_opened is not None:  # its close posts a summary
        owed.add(round_steps(cadence, facts.followed_round_opened)[-1][1])
    if facts.latest_finished_round is None or any(local_time(cadence, at).date() == day for at in owed):
        return Decision(moved)
    payload = {"round": facts.latest_finished_round, "periodic": True}
    return Decision(moved, _owe(due, DeliveryKind.SUMMARY, (TEAM,), payload))


_RULES: dict[ScheduleKind, Callable[[ScheduleState, TeamFacts, datetime, timedelta], Decision]] = {
    ScheduleKind.NUDGE: _nudge,
    ScheduleKind.REASSESS: _reassess,
    ScheduleKind.ROUND: _round,
    ScheduleKind.SUMMARY: _summary,
}


def _owe(
    due: Due, kind: DeliveryKind, recipients: tuple[str, ...], payload: Mapping[str, Any] | None = None
) -> tuple[Owed, ...]:
    if due.fire_at is not None:
        return (Owed(kind, due.fire_at, recipients, dict(payload or {})),)
    if due.skipped_at is not None:
        return (Owed(kind, due.skipped_at, (TEAM,), dict(payload or {}), DeliveryStatus.SKIPPED),)
    return ()


def next_step_at(steps: Sequence[tuple[str, datetime]], step: int, now: datetime) -> datetime:
    """When a round's next step (from index ``step``) is due; ``now`` when none is left ahead (a close that is
    already overdue happens at the next tick)."""
    return next((at for _, at in steps[step:] if at > now), now)


def retime(
    cadence: Cadence,
    schedules: Mapping[ScheduleKind, ScheduleState],
    *,
    paused: bool,
    now: datetime,
    last_opened: datetime | None,
    last_summary: datetime | None,
    open_round: OpenRound | None,
) -> dict[ScheduleKind, ScheduleState]:
    """A team's schedules in line with its settings, after a change, a pause or a resume (or when first set up).
    A paused team's schedules never fire. The summary cadence counts its weeks from the last summary, so a changed
    setting neither repeats a recent one nor restarts the count; the round schedule lets go of a round that was
    closed by hand or replaced."""
    tracked = schedules.get(ScheduleKind.ROUND, ScheduleState(ScheduleKind.ROUND, None))
    if tracked.round_id is not None and (open_round is None or open_round.id != tracked.round_id):
        tracked = ScheduleState(ScheduleKind.ROUND, None)
    following = None
    if tracked.round_id is not None and open_round is not None and not paused:
        following = next_step_at(round_steps(cadence, open_round.opened_at), tracked.step, now)
    times = {
        ScheduleKind.NUDGE: next_nudge(cadence, now),
        ScheduleKind.REASSESS: next_reassessment(cadence, now, last_opened),
        ScheduleKind.SUMMARY: next_summary(cadence, now, last_summary),
    }
    retimed = {
        kind: dataclasses.replace(schedules.get(kind, ScheduleState(kind, None)), next_fire_at=None if paused else at)
        for kind, at in times.items()
    }
    retimed[ScheduleKind.ROUND] = dataclasses.replace(tracked, next_fire_at=following)
    return retimed


def announcement(now: datetime) -> Owed:
    """A team's first finish sets up its check-ins, and its channel is told how they will go."""
    return Owed(DeliveryKind.ANNOUNCE, now, (TEAM,))


MAX_ATTEMPTS = 8  # sends of one delivery before it has failed for good


WAITING_KEPT = timedelta(days=7)  # a parked check-in older than this says nothing useful once the bot is back


def after_send(*, sent: bool, may_retry: bool, attempts: int, unreachable: bool = False) -> DeliveryStatus:
    """Where a delivery stands after a send: sent; waiting when the team's channel does not let the bot in (until
    someone invites it: retrying before that only fails again); pending again while a retryable failure has
    attempts left; otherwise failed for good (a permanent error, or the last attempt)."""
    if sent:
        return DeliveryStatus.SENT
    if unreachable:
        return DeliveryStatus.WAITING
    if may_retry and attempts < MAX_ATTEMPTS:
        return DeliveryStatus.PENDING
    return DeliveryStatus.FAILED


def tell_owner(*, first: bool, owner: str | None, now: datetime) -> Owed | None:
    """The owner hears once, privately, that the team's channel refused the bot: on the first refusal since it was
    last reachable, and only if the team still has an owner."""
    if not first or not owner:
        return None
    return Owed(DeliveryKind.UNREACHABLE, now, (owner,))


def back_in_reach(created_at: datetime, now: datetime) -> DeliveryStatus:
    """A parked delivery once the bot is in the channel: sent if it is recent enough to still mean something,
    otherwise kept as skipped."""
    return DeliveryStatus.PENDING if now - created_at <= WAITING_KEPT else DeliveryStatus.SKIPPED

"""Scheduled check-ins in the database: claiming what is due, the facts the rules decide on, and writing down
what they decided. The rules themselves are in ``checkins.rules``; the use cases that join the two, each in one
transaction, are in ``bot.app.schedules`` and ``bot.app.deliveries``.

Claims use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's single writer does the same), so two processes
ticking at once take disjoint schedules and deliveries. A fire's deliveries have a unique (schedule, fire time,
recipient) key: written twice, they exist once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from checkins.cadence import Cadence
from checkins.rules import OpenRound, Owed, ScheduleState
from checkins.states import DeliveryKind, DeliveryStatus, RoundStatus, ScheduleKind
from storage.models import (
    CheckinSettings,
    Delivery,
    Member,
    Response,
    Round,
    Schedule,
    Team,
    Workspace,
)
from storage.queries import insert_for
from storage.reports import finished_answers

# --- a team's cadence and schedules --------------------------------------------------------------------------


def cadence_of(row: CheckinSettings) -> Cadence:
    hour, minute = (int(part) for part in row.nudge_time.split(":"))
    return Cadence(
        timezone=row.timezone,
        working_days=tuple(int(d) for d in row.working_days.split(",") if d),
        nudge_weekday=row.nudge_weekday,
        nudge_time=time(hour, minute),
        reassess_weeks=row.reassess_weeks,
        round_days=row.round_days,
        reminder_days=tuple(int(d) for d in row.reminder_days.split(",") if d),
        summary_weeks=row.summary_weeks,
    )


def cadence_columns(cadence: Cadence) -> dict[str, Any]:
    return {
        "timezone": cadence.timezone,
        "working_days": ",".join(str(d) for d in cadence.working_days),
        "nudge_weekday": cadence.nudge_weekday,
        "nudge_time": cadence.nudge_time.strftime("%H:%M"),
        "reassess_weeks": cadence.reassess_weeks,
        "round_days": cadence.round_days,
        "reminder_days": ",".join(str(d) for d in cadence.reminder_days),
        "summary_weeks": cadence.summary_weeks,
    }


def settings_of(session: Session, team_id: int) -> CheckinSettings | None:
    return session.get(CheckinSettings, team_id)


def has_settings(session: Session, team_id: int) -> bool:
    return settings_of(session, team_id) is not None


def owner_of(session: Session, settings: CheckinSettings) -> str | None:
    """The platform id of the member who owns the team's check-ins."""
    return session.scalar(select(Member.external_id).where(Member.id == settings.owner_id))


def team_platform(session: Session, team_id: int) -> str | None:
    return session.scalar(
        select(Workspace.platform).join(Team, Team.workspace_id == Workspace.id).where(Team.id == team_id)
    )


def first_starter(session: Session, team_id: int) -> int | None:
    """The member who started the team's first answer: the one who set the team up."""
    return session.scalar(
        select(Response.member_id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.team_id == team_id)
        .order_by(Response.started_at, Response.id)
        .limit(1)
    )


def create_settings(
    session: Session, team_id: int, *, owner_id: int | None, cadence: Cadence, now: datetime
) -> CheckinSettings | None:
    """The team's check-in settings, new (announced now); None when they exist already (two replicas racing
    agree on one)."""
    columns = cadence_columns(cadence)
    created = session.execute(
        insert_for(session, CheckinSettings)
        .values(team_id=team_id, owner_id=owner_id, paused=False, announced_at=now, updated_at=now, **columns)
        .on_conflict_do_nothing(index_elements=["team_id"])
        .returning(CheckinSettings.team_id)
    ).scalar()
    return session.get(CheckinSettings, team_id) if created is not None else None


def schedules_of(session: Session, team_id: int, now: datetime) -> dict[ScheduleKind, Schedule]:
    """The team's schedule of each kind, made (never firing) where missing."""
    found = {ScheduleKind(s.kind): s for s in session.scalars(select(Schedule).where(Schedule.team_id == team_id))}
    for kind in ScheduleKind:
        if kind not in found:
            found[kind] = Schedule(team_id=team_id, kind=kind, step=0, updated_at=now)
            session.add(found[kind])
    session.flush()
    return found


def state_of(schedule: Schedule) -> ScheduleState:
    return ScheduleState(ScheduleKind(schedule.kind), schedule.next_fire_at, schedule.step, schedule.round_id)


def move(schedule: Schedule, state: ScheduleState, now: datetime) -> None:
    schedule.next_fire_at, schedule.step, schedule.round_id = state.next_fire_at, state.step, state.round_id
    schedule.updated_at = now


@dataclass(frozen=True)
class Timing:
    """What re-timing a team's schedules depends on."""

    last_opened: datetime | None  # the team's latest round's opening
    last_summary: datetime | None  # the summary cadence's latest post
    open_round: OpenRound | None


def timing(session: Session, team_id: int) -> Timing:
    last_opened = session.scalar(select(func.max(Round.opened_at)).where(Round.team_id == team_id))
    last_summary = session.scalar(
        select(func.max(Delivery.fire_at))
        .join(Schedule, Schedule.id == Delivery.schedule_id)
        .where(
            Schedule.team_id == team_id,
            Schedule.kind == ScheduleKind.SUMMARY,
            Delivery.kind == DeliveryKind.SUMMARY,
        )
    )
    return Timing(last_opened, last_summary, open_rounds(session, [team_id]).get(team_id))


# --- the tick: what is due, and the facts its rules decide on --------------------------------------------------


def claim_due(session: Session, now: datetime, limit: int) -> list[tuple[Schedule, CheckinSettings]]:
    """Up to ``limit`` due schedules with their team's settings, locked for this transaction (another process's
    tick skips them), earliest first."""
    return [
        (schedule, settings)
        for schedule, settings in session.execute(
            select(Schedule, CheckinSettings)
            .join(CheckinSettings, CheckinSettings.team_id == Schedule.team_id)
            .where(Schedule.next_fire_at <= now)
            .order_by(Schedule.next_fire_at, Schedule.id)
            .limit(limit)
            .with_for_update(of=Schedule, skip_locked=True)
        )
    ]


def open_rounds(session: Session, team_ids: Collection[int]) -> dict[int, OpenRound]:
    """Each team's open round with who finished it, by team id (teams without one left out); two queries."""
    rounds = {
        round_.team_id: round_
        for round_ in session.scalars(
            select(Round).where(Round.team_id.in_(list(team_ids)), Round.status == RoundStatus.OPEN)
        )
    }
    finished: dict[int, set[str]] = {round_.id: set() for round_ in rounds.values()}
    if finished:
        for round_id, member in session.execute(
            select(Response.round_id, Member.external_id)
            .join(Member, Member.id == Response.member_id)
            .where(Response.round_id.in_(list(finished)), Response.finished_at.is_not(None))
        ):
            finished[round_id].add(member)
    return {team_id: OpenRound(r.id, r.number, r.opened_at, frozenset(finished[r.id])) for team_id, r in rounds.items()}


def next_round_numbers(session: Session, team_ids: Collection[int]) -> dict[int, int]:
    """The number each team's next round will get."""
    query = select(Round.team_id, func.max(Round.number)).where(Round.team_id.in_(list(team_ids)))
    found = {team_id: number for team_id, number in session.execute(query.group_by(Round.team_id))}
    return {team_id: (found.get(team_id) or 0) + 1 for team_id in team_ids}


def round_moments(session: Session, team_ids: Collection[int]) -> dict[int, frozenset[datetime]]:
    """When these teams' rounds next open or close (a nudge at that moment gives way to the round's own post)."""
    moments: dict[int, set[datetime]] = {}
    for team_id, at in session.execute(
        select(Schedule.team_id, Schedule.next_fire_at).where(
            Schedule.team_id.in_(list(team_ids)),
            Schedule.kind.in_((ScheduleKind.REASSESS, ScheduleKind.ROUND)),
            Schedule.next_fire_at.is_not(None),
        )
    ):
        if at is not None:  # never, by the query; the column may be empty in general
            moments.setdefault(team_id, set()).add(at)
    return {team_id: frozenset(at) for team_id, at in moments.items()}


@dataclass(frozen=True)
class SummaryMoments:
    """What decides whether a periodic summary gives way, by team id."""

    posted: dict[int, frozenset[datetime]]  # summaries written since, and re-assessments due to close a round
    followed: dict[int, datetime]  # the opening of the open round the round schedule follows (its close posts one)


def summary_moments(session: Session, team_ids: Collection[int], since: datetime) -> SummaryMoments:
    """The summaries these teams' channels got since ``since`` (by an earlier tick or another process) or will get
    from a round's close. Only rounds somebody finished count: a close nobody finished posts no summary."""
    team_ids = list(team_ids)
    finished = select(Response.id).where(Response.round_id == Round.id, Response.finished_at.is_not(None)).exists()
    owed: dict[int, set[datetime]] = {}
    written = session.execute(
        select(Schedule.team_id, Delivery.fire_at)
        .join(Delivery, Delivery.schedule_id == Schedule.id)
        .where(
            Schedule.team_id.in_(team_ids),
            Delivery.kind == DeliveryKind.SUMMARY,
            Delivery.status != DeliveryStatus.SKIPPED,
            Delivery.fire_at >= since,
        )
    )
    tracked = session.execute(
        select(Schedule.team_id, Round.opened_at)
        .join(Round, Round.id == Schedule.round_id)
        .where(
            Schedule.team_id.in_(team_ids),
            Schedule.kind == ScheduleKind.ROUND,
            Round.status == RoundStatus.OPEN,
            finished,
        )
    )
    closing = session.execute(
        select(Schedule.team_id, Schedule.next_fire_at)
        .join(Round, (Round.team_id == Schedule.team_id) & (Round.status == RoundStatus.OPEN))
        .where(
            Schedule.team_id.in_(team_ids),
            Schedule.kind == ScheduleKind.REASSESS,
            Schedule.next_fire_at.is_not(None),
            finished,
        )
    )
    for team_id, at in [*written, *closing]:
        owed.setdefault(team_id, set()).add(at)
    followed = {team_id: opened_at for team_id, opened_at in tracked}
    return SummaryMoments({team_id: frozenset(at) for team_id, at in owed.items()}, followed)


@dataclass(frozen=True)
class ClosedRound:
    id: int
    number: int
    model_version: str
    answer_sets: list[dict[str, str]]  # the finished members' answers, to score the team on


def close_open_round(session: Session, team_id: int, now: datetime) -> ClosedRound | None:
    """Close the team's open round, if it has one."""
    round_ = session.scalars(
        select(Round).where(Round.team_id == team_id, Round.status == RoundStatus.OPEN).with_for_update()
    ).first()
    if round_ is None:
        return None
    answers = finished_answers(session, round_.id).answer_sets
    round_.status, round_.closed_at = RoundStatus.CLOSED, now
    session.flush()
    return ClosedRound(round_.id, round_.number, round_.model_version, answers)


def add_deliveries(session: Session, owed: Iterable[tuple[int, Owed]], now: datetime) -> int:
    """Write what fires owe (by schedule id), one row per recipient; a row that exists already (another process
    fired first) is kept. Returns how many were new."""
    rows = [
        {
            "schedule_id": schedule_id,
            "fire_at": item.fire_at,
            "recipient": recipient,
            "kind": item.kind,
            "payload": dict(item.payload),
            "status": item.status,
            "attempts": 0,
            "not_before": now,
            "created_at": now,
        }
        for schedule_id, item in owed
        for recipient in item.recipients
    ]
    if not rows:
        return 0
    return len(
        session.execute(
            insert_for(session, Delivery)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["schedule_id", "fire_at", "recipient"])
            .returning(Delivery.id)
        ).all()
    )


# --- the sender's side ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryJob:
    """One claimed delivery with what the sender needs to address and render it."""

    id: int
    kind: DeliveryKind
    payload: dict[str, Any]
    team_id: int
    platform: str
    workspace: str  # external ids
    team: str
    team_name: str | None
    recipient: str  # '' for the team's channel
    attempts: int
    fire_at: datetime
    schedule_id: int


def claim_deliveries(session: Session, now: datetime, *, limit: int, lease: timedelta) -> list[DeliveryJob]:
    """Pending deliveries whose time has come (and any whose sender died mid-lease), marked as being sent."""
    rows = session.execute(
        select(Delivery, Team.id, Team.external_id, Team.name, Workspace.platform, Workspace.external_id)
        .join(Schedule, Schedule.id == Delivery.schedule_id)
        .join(Team, Team.id == Schedule.team_id)
        .join(Workspace, Workspace.id == Team.workspace_id)
        .where(
            or_(
                (Delivery.status == DeliveryStatus.PENDING) & (Delivery.not_before <= now),
                (Delivery.status == DeliveryStatus.SENDING) & (Delivery.lease_until < now),
            )
        )
        .order_by(Delivery.not_before, Delivery.id)
        .limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)
    ).all()
    jobs = []
    for delivery, team_id, team, team_name, platform, workspace in rows:
        delivery.status, delivery.lease_until = DeliveryStatus.SENDING, now + lease
        delivery.attempts += 1
        jobs.append(
            DeliveryJob(
                delivery.id,
                DeliveryKind(delivery.kind),
                dict(delivery.payload),
                team_id,
                platform,
                workspace,
                team,
                team_name,
                delivery.recipient,
                delivery.attempts,
                delivery.fire_at,
                delivery.schedule_id,
            )
        )
    return jobs


def record_send(
    session: Session,
    job: DeliveryJob,
    status: DeliveryStatus,
    now: datetime,
    *,
    error: str | None,
    retry_at: datetime | None,
) -> bool:
    """Write how a send went. False, changing nothing, when the sender's lease ran out (the delivery was claimed
    again since)."""
    values: dict[str, object] = {"status": status, "lease_until": None, "last_error": error[:500] if error else None}
    if status is DeliveryStatus.SENT:
        values["sent_at"] = now
    elif status is DeliveryStatus.PENDING and retry_at is not None:
        values["not_before"] = retry_at
    changed = session.execute(
        update(Delivery)
        .where(Delivery.id == job.id, Delivery.status == DeliveryStatus.SENDING, Delivery.attempts == job.attempts)
        .values(**values)
    )
    return changed.rowcount == 1  # type: ignore[attr-defined]


# --- reaching the team ----------------------------------------------------------------------------------------


def mark_unreachable(session: Session, team_id: int, now: datetime) -> bool:
    """Note that the team's channel refused the bot; True only for the call that noted it first (one UPDATE, so
    two senders cannot both think they were first)."""
    changed = session.execute(
        update(CheckinSettings)
        .where(CheckinSettings.team_id == team_id, CheckinSettings.unreachable_since.is_(None))
        .values(unreachable_since=now)
    )
    return changed.rowcount == 1  # type: ignore[attr-defined]


def waiting_deliveries(session: Session, team_id: int) -> list[Delivery]:
    """The team's deliveries parked until the bot can post in its channel, locked for the caller to release."""
    return list(
        session.scalars(
            select(Delivery)
            .join(Schedule, Schedule.id == Delivery.schedule_id)
            .where(Schedule.team_id == team_id, Delivery.status == DeliveryStatus.WAITING)
            .with_for_update(of=Delivery)
        )
    )


def settings_in_workspace(session: Session, platform: str, workspace: str) -> list[CheckinSettings]:
    """Every team's check-in settings in one workspace, locked for a change."""
    return list(
        session.scalars(
            select(CheckinSettings)
            .join(Team, Team.id == CheckinSettings.team_id)
            .join(Workspace, Workspace.id == Team.workspace_id)
            .where(Workspace.platform == platform, Workspace.external_id == workspace)
            .with_for_update(of=CheckinSettings)
        )
    )

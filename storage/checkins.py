"""Scheduled check-ins in the database.

Every process runs the same short tick (``fire_due``): in one transaction it claims the schedules that are due
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's single writer does the same), writes the deliveries each fire
owes under a unique (schedule, fire time, recipient) key, does the fire's own state change (open or close a
round) and moves the schedule on. The sender then claims pending deliveries with a lease (``claim_deliveries``),
posts them, and records the outcome (``finish_delivery``): a failure is retried later, a success never repeats.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from checkins.cadence import (
    Cadence,
    collapse,
    local_time,
    next_nudge,
    next_reassessment,
    next_summary,
    round_steps,
)
from dialogs.ports import ModelVersions
from scoring.score import score
from storage.database import Database
from storage.models import (
    ROUND_CLOSED,
    ROUND_OPEN,
    SCHEDULE_KINDS,
    CheckinSettings,
    Delivery,
    Member,
    Response,
    Round,
    Schedule,
    Team,
    Workspace,
)
from storage.queries import find_team, insert_for, latest_finished_rounds, members_of, open_round, upsert_result
from storage.reports import finished_answers

CHAT_PLATFORMS = ("slack", "teams")  # where a team has a channel to hear from the bot
TEAM = ""  # the recipient of a delivery to the team's channel
MAX_ATTEMPTS = 8


# --- a team's cadence ---------------------------------------------------------------------------------------


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


def ensure_checkins(session: Session, *, team_id: int, now: datetime) -> bool:
    """A team's first finished assessment on a chat platform: the default cadence, its schedules and a one-time
    announcement. True when this call set them up (two replicas racing agree on one)."""
    if session.get(CheckinSettings, team_id) is not None:
        return False  # the usual case: set up when the team first finished
    platform = session.scalar(
        select(Workspace.platform).join(Team, Team.workspace_id == Workspace.id).where(Team.id == team_id)
    )
    if platform not in CHAT_PLATFORMS:
        return False
    owner = session.scalar(
        select(Response.member_id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.team_id == team_id)
        .order_by(Response.started_at, Response.id)
        .limit(1)
    )
    created = session.execute(
        insert_for(session, CheckinSettings)
        .values(team_id=team_id, owner_id=owner, paused=False, updated_at=now, **cadence_columns(Cadence()))
        .on_conflict_do_nothing(index_elements=["team_id"])
        .returning(CheckinSettings.team_id)
    ).scalar()
    if created is None:
        return False
    settings = session.get(CheckinSettings, team_id)
    assert settings is not None
    nudge = reschedule(session, settings, now)
    _insert_deliveries(session, _delivery_rows(nudge, now, "announce", [TEAM], {}, now))
    settings.announced_at = now
    return True


def reschedule(session: Session, settings: CheckinSettings, now: datetime) -> Schedule:
    """Bring the team's schedules in line with its settings (after a change, a pause or a resume); returns the
    nudge schedule. A paused team's schedules have no next fire, so no tick ever claims them."""
    cadence = cadence_of(settings)
    schedules = {s.kind: s for s in session.scalars(select(Schedule).where(Schedule.team_id == settings.team_id))}
    for kind in SCHEDULE_KINDS:
        if kind not in schedules:
            schedules[kind] = Schedule(team_id=settings.team_id, kind=kind, step=0, updated_at=now)
            session.add(schedules[kind])
    open_round = session.scalars(
        select(Round).where(Round.team_id == settings.team_id, Round.status == ROUND_OPEN)
    ).first()
    last_opened = session.scalar(select(func.max(Round.opened_at)).where(Round.team_id == settings.team_id))
    paused = settings.paused
    schedules["nudge"].next_fire_at = None if paused else next_nudge(cadence, now)
    schedules["reassess"].next_fire_at = None if paused else next_reassessment(cadence, now, last_opened)
    last_summary = _last_summary_at(session, settings.team_id)
    schedules["summary"].next_fire_at = None if paused else next_summary(cadence, now, last_summary)
    tracked = schedules["round"]
    if tracked.round_id is not None and (open_round is None or open_round.id != tracked.round_id):
        tracked.round_id, tracked.step = None, 0  # the round it followed was closed by hand or replaced
    tracked.next_fire_at = None
    if tracked.round_id is not None and open_round is not None and not paused:
        tracked.next_fire_at = _next_step_at(round_steps(cadence, open_round.opened_at), tracked.step, now)
    for schedule in schedules.values():
        schedule.updated_at = now
    session.flush()
    return schedules["nudge"]


def _last_summary_at(session: Session, team_id: int) -> datetime | None:
    """When the summary cadence last posted: it counts its weeks from there, as ``_fire_summary`` does, so a
    changed setting neither repeats a recent summary nor restarts the count."""
    return session.scalar(
        select(func.max(Delivery.fire_at))
        .join(Schedule, Schedule.id == Delivery.schedule_id)
        .where(Schedule.team_id == team_id, Schedule.kind == "summary", Delivery.kind == "summary")
    )


# --- the tick -------------------------------------------------------------------------------------------------


@dataclass
class FireReport:
    fired: int = 0  # schedule fires handled
    skipped: int = 0  # fires older than the grace window, recorded and not sent
    deliveries: int = 0  # messages owed
    closed_rounds: list[int] = field(default_factory=list)


@dataclass
class _Firing:
    """One tick's transaction: what its fires need, and the deliveries they owe (written at the end, at once)."""

    session: Session
    models: ModelVersions
    now: datetime
    grace: timedelta
    report: FireReport
    busy: dict[int, set[datetime]]  # nudged team id -> when its rounds open or close next (the nudge gives way)
    summaries: dict[int, set[datetime]]  # team id -> when another fire owes it a summary (a periodic one gives way)
    finished_rounds: dict[int, Round]  # team id -> its latest round anyone finished (what a periodic summary shows)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def owe(
        self,
        schedule: Schedule,
        fire_at: datetime | None,
        skipped_at: datetime | None,
        kind: str,
        recipients: Iterable[str],
        payload: dict[str, Any],
    ) -> None:
        """Deliveries for a fire in time; for one too late, a single "skipped" row that says so."""
        if fire_at is not None:
            self.rows += _delivery_rows(schedule, fire_at, kind, recipients, payload, self.now)
        elif skipped_at is not None:
            self.report.skipped += 1
            self.rows += _delivery_rows(schedule, skipped_at, kind, [TEAM], payload, self.now, status="skipped")


def fire_due(db: Database, models: ModelVersions, now: datetime, *, grace: timedelta, limit: int = 500) -> FireReport:
    """Claim up to ``limit`` due schedules and fire them, all in one transaction."""
    report = FireReport()
    with db.transaction() as session:
        due = session.execute(
            select(Schedule, CheckinSettings)
            .join(CheckinSettings, CheckinSettings.team_id == Schedule.team_id)
            .where(Schedule.next_fire_at <= now)
            .order_by(Schedule.next_fire_at, Schedule.id)
            .limit(limit)
            .with_for_update(of=Schedule, skip_locked=True)
        ).all()
        if not due:
            return report
        fires = [(schedule, cadence_of(settings)) for schedule, settings in due]
        nudged = {schedule.team_id for schedule, _ in fires if schedule.kind == "nudge"}
        busy = _round_moments(session, nudged) if nudged else {}
        periodic = {schedule.team_id: cadence for schedule, cadence in fires if schedule.kind == "summary"}
        summaries = _summaries_owed(session, periodic, now) if periodic else {}
        finished_rounds = latest_finished_rounds(session, periodic) if periodic else {}
        firing = _Firing(session, models, now, grace, report, busy, summaries, finished_rounds)
        for schedule, cadence in fires:
            _FIRE[schedule.kind](firing, schedule, cadence)
            schedule.updated_at = now
            report.fired += 1
        report.deliveries = _insert_deliveries(session, [r for r in firing.rows if r["status"] == "pending"])
        _insert_deliveries(session, [r for r in firing.rows if r["status"] != "pending"])
    return report


def _round_moments(session: Session, team_ids: set[int]) -> dict[int, set[datetime]]:
    """When these teams' rounds next open or close (a nudge at that moment gives way to the round's own post)."""
    moments: dict[int, set[datetime]] = {}
    for team_id, at in session.execute(
        select(Schedule.team_id, Schedule.next_fire_at).where(
            Schedule.team_id.in_(team_ids),
            Schedule.kind.in_(("reassess", "round")),
            Schedule.next_fire_at.is_not(None),
        )
    ):
        if at is not None:  # never, by the query; the column may be empty in general
            moments.setdefault(team_id, set()).add(at)
    return moments


def _fire_nudge(firing: _Firing, schedule: Schedule, cadence: Cadence) -> None:
    assert schedule.next_fire_at is not None
    due, schedule.next_fire_at = collapse(
        functools.partial(next_nudge, cadence), schedule.next_fire_at, firing.now, firing.grace
    )
    if due.fire_at is not None and due.fire_at in firing.busy.get(schedule.team_id, ()):
        return  # a round opens or closes at the same moment: that week its invitation or summary is the check-in
    firing.owe(schedule, due.fire_at, due.skipped_at, "nudge", [TEAM], {})


def _fire_reassess(firing: _Firing, schedule: Schedule, cadence: Cadence) -> None:
    """Close the open round (its result and summary), open the next, invite everyone who took part before."""
    session, now = firing.session, firing.now
    assert schedule.next_fire_at is not None
    due, _ = collapse(lambda after: next_reassessment(cadence, after, None), schedule.next_fire_at, now, firing.grace)
    fire = due.fire_at or due.skipped_at
    assert fire is not None
    if due.fire_at is None:  # too late to open a round now: the next slot will
        firing.owe(schedule, None, fire, "reassess", [TEAM], {})
        schedule.next_fire_at = next_reassessment(cadence, now, None)
        return
    previous = _close_open_round(session, firing.models, schedule.team_id, now, firing.report)
    # The round counts from its slot, not from the tick that found it due, so a late tick shifts nothing off the
    # team's slot; unless so late (a long grace window) that its first reminder or close would already be due.
    opened = fire if round_steps(cadence, fire)[0][1] > now else now
    new = open_round(session, schedule.team_id, firing.models.current.version, opened_at=opened)
    number = new.number
    if previous is not None:
        firing.owe(schedule, fire, None, "summary", [TEAM], {"round": previous.number})
    firing.owe(schedule, fire, None, "invite", members_of(session, schedule.team_id), {"round": number})
    tracker = session.scalars(
        select(Schedule).where(Schedule.team_id == schedule.team_id, Schedule.kind == "round")
    ).one()
    tracker.round_id, tracker.step = new.id, 0
    tracker.next_fire_at = round_steps(cadence, opened)[0][1]
    schedule.next_fire_at = next_reassessment(cadence, now, opened)


def _fire_round(firing: _Firing, schedule: Schedule, cadence: Cadence) -> None:
    """The open round's next step: a reminder to whoever has not finished, or the close. Steps missed during
    downtime collapse: only the latest due one counts, and a close always happens (its post may be skipped)."""
    session, now = firing.session, firing.now
    round_ = session.get(Round, schedule.round_id) if schedule.round_id is not None else None
    if round_ is None or round_.status != ROUND_OPEN:
        schedule.round_id, schedule.step, schedule.next_fire_at = None, 0, None
        return
    steps = round_steps(cadence, round_.opened_at)
    due_steps = [(n, kind, at) for n, (kind, at) in enumerate(steps) if n >= schedule.step and at <= now]
    if not due_steps:
        schedule.next_fire_at = _next_step_at(steps, schedule.step, now)
        return
    n, kind, at = due_steps[-1]
    fire_at, skipped_at = (at, None) if now - at <= firing.grace else (None, at)
    if kind == "close":
        closed = _close_open_round(session, firing.models, schedule.team_id, now, firing.report)
        if closed is not None:
            firing.owe(schedule, fire_at, skipped_at, "summary", [TEAM], {"round": closed.number})
        schedule.round_id, schedule.step, schedule.next_fire_at = None, 0, None
        return
    waiting = sorted(set(members_of(session, schedule.team_id)) - _finished(session, round_.id))
    firing.owe(schedule, fire_at, skipped_at, "reminder", waiting, {"round": round_.number, "reminder": n + 1})
    schedule.step = n + 1
    schedule.next_fire_at = steps[n + 1][1] if n + 1 < len(steps) else now


def _fire_summary(firing: _Firing, schedule: Schedule, cadence: Cadence) -> None:
    """The team's summary cadence: its latest round anyone finished, posted again every N weeks so the channel
    keeps seeing where it stands between rounds. Missed fires collapse into one; a fire that meets another
    fire owing the team a summary (a round's close) gives way to it, so the channel never gets two at once."""
    assert schedule.next_fire_at is not None  # set only while summary_weeks > 0 (``reschedule``)
    due, _ = collapse(
        lambda after: next_summary(cadence, after, after), schedule.next_fire_at, firing.now, firing.grace
    )
    fire = due.fire_at or due.skipped_at
    assert fire is not None
    schedule.next_fire_at = next_summary(cadence, firing.now, fire)  # N weeks on from this fire, not from now
    day = local_time(cadence, fire).date()
    if any(local_time(cadence, owed).date() == day for owed in firing.summaries.get(schedule.team_id, ())):
        return  # that day a round's close posts the summary

    latest = firing.finished_rounds.get(schedule.team_id)
    if latest is not None:  # nothing to sum up until somebody finishes
        payload = {"round": latest.number, "periodic": True}
        firing.owe(schedule, due.fire_at, due.skipped_at, "summary", [TEAM], payload)


def _summaries_owed(session: Session, cadences: dict[int, Cadence], now: datetime) -> dict[int, set[datetime]]:
    """When these teams' channels get a summary from a round's close: the summaries written already (by an
    earlier tick or another process), the close of the round the round schedule follows, and a re-assessment
    that will close an open round. Only rounds somebody finished count: a close nobody finished posts no
    summary, so the periodic one must not give way to it."""
    team_ids = list(cadences)
    finished = select(Response.id).where(Response.round_id == Round.id, Response.finished_at.is_not(None)).exists()
    owed: dict[int, set[datetime]] = {}
    written = session.execute(
        select(Schedule.team_id, Delivery.fire_at)
        .join(Delivery, Delivery.schedule_id == Schedule.id)
        .where(
            Schedule.team_id.in_(team_ids),
            Delivery.kind == "summary",
            Delivery.status != "skipped",
            Delivery.fire_at >= now - timedelta(days=2),
        )
    )
    tracked = session.execute(
        select(Schedule.team_id, Round.opened_at)
        .join(Round, Round.id == Schedule.round_id)
        .where(Schedule.team_id.in_(team_ids), Schedule.kind == "round", Round.status == ROUND_OPEN, finished)
    )
    closing = session.execute(
        select(Schedule.team_id, Schedule.next_fire_at)
        .join(Round, (Round.team_id == Schedule.team_id) & (Round.status == ROUND_OPEN))
        .where(
            Schedule.team_id.in_(team_ids), Schedule.kind == "reassess", Schedule.next_fire_at.is_not(None), finished
        )
    )
    for team_id, at in [*written, *closing]:
        owed.setdefault(team_id, set()).add(at)
    for team_id, opened_at in tracked:
        owed.setdefault(team_id, set()).add(round_steps(cadences[team_id], opened_at)[-1][1])
    return owed


def _next_step_at(steps: Sequence[tuple[str, datetime]], step: int, now: datetime) -> datetime:
    """When a round's next step (from index ``step``) is due; ``now`` when none is left ahead (a close that is
    already overdue happens at the next tick)."""
    return next((at for _, at in steps[step:] if at > now), now)


_FIRE = {"nudge": _fire_nudge, "reassess": _fire_reassess, "round": _fire_round, "summary": _fire_summary}


@dataclass(frozen=True)
class NewRound:
    closed: int | None  # the round closed, if one was open
    closed_version: str | None
    opened: int
    version: str


def start_new_round(
    db: Database, models: ModelVersions, *, platform: str, workspace: str, team: str, now: datetime
) -> NewRound | None:
    """Close the team's open round (its team result stored on its own model version) and open the next on the
    current version: how a team without scheduled re-assessments (the terminal, or check-ins set to none) moves
    to a new rubric. None when the team is unknown. A round schedule still tracking the closed round lets go of
    it at its next tick."""
    with db.transaction() as session:
        found = find_team(session, platform, workspace, team)
        if found is None:
            return None
        closed = _close_open_round(session, models, found.id, now, FireReport())
        new = open_round(session, found.id, models.current.version, opened_at=now)
        return NewRound(
            closed.number if closed else None, closed.model_version if closed else None, new.number, new.model_version
        )


def _close_open_round(
    session: Session, models: ModelVersions, team_id: int, now: datetime, report: FireReport
) -> Round | None:
    """Close the team's open round and store its team result (when anyone finished)."""
    round_ = session.scalars(
        select(Round).where(Round.team_id == team_id, Round.status == ROUND_OPEN).with_for_update()
    ).first()
    if round_ is None:
        return None
    done = finished_answers(session, round_.id)
    if done.answers:
        result = score(models.get(round_.model_version), done.answer_sets)  # on the round's own version
        upsert_result(
            session,
            round_id=round_.id,
            response_id=None,
            overall=result.overall,
            model_version=round_.model_version,
            payload=result.to_dict(),
        )
    round_.status, round_.closed_at = ROUND_CLOSED, now
    session.flush()
    report.closed_rounds.append(round_.id)
    return round_


def _finished(session: Session, round_id: int) -> set[str]:
    return set(
        session.scalars(
            select(Member.external_id)
            .join(Response, Response.member_id == Member.id)
            .where(Response.round_id == round_id, Response.finished_at.is_not(None))
        )
    )


def _delivery_rows(
    schedule: Schedule,
    fire_at: datetime,
    kind: str,
    recipients: Iterable[str],
    payload: dict[str, Any],
    now: datetime,
    *,
    status: str = "pending",
) -> list[dict[str, Any]]:
    return [
        {
            "schedule_id": schedule.id,
            "fire_at": fire_at,
            "recipient": recipient,
            "kind": kind,
            "payload": payload,
            "status": status,
            "attempts": 0,
            "not_before": now,
            "created_at": now,
        }
        for recipient in recipients
    ]


def _insert_deliveries(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the deliveries fires owe; a row that exists already (another process fired first) is kept.
    Returns how many were new."""
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
    kind: str
    payload: dict[str, Any]
    team_id: int
    platform: str
    workspace: str  # external ids
    team: str
    team_name: str | None
    recipient: str  # '' for the team's channel
    attempts: int
    fire_at: datetime


def claim_deliveries(db: Database, now: datetime, *, limit: int = 100, lease: timedelta) -> list[DeliveryJob]:
    """Pending deliveries whose time has come (and any whose sender died mid-lease), marked as being sent."""
    with db.transaction() as session:
        rows = session.execute(
            select(Delivery, Team.id, Team.external_id, Team.name, Workspace.platform, Workspace.external_id)
            .join(Schedule, Schedule.id == Delivery.schedule_id)
            .join(Team, Team.id == Schedule.team_id)
            .join(Workspace, Workspace.id == Team.workspace_id)
            .where(
                or_(
                    (Delivery.status == "pending") & (Delivery.not_before <= now),
                    (Delivery.status == "sending") & (Delivery.lease_until < now),
                )
            )
            .order_by(Delivery.not_before, Delivery.id)
            .limit(limit)
            .with_for_update(of=Delivery, skip_locked=True)
        ).all()
        jobs = []
        for delivery, team_id, team, team_name, platform, workspace in rows:
            delivery.status, delivery.lease_until = "sending", now + lease
            delivery.attempts += 1
            jobs.append(
                DeliveryJob(
                    delivery.id,
                    delivery.kind,
                    dict(delivery.payload),
                    team_id,
                    platform,
                    workspace,
                    team,
                    team_name,
                    delivery.recipient,
                    delivery.attempts,
                    delivery.fire_at,
                )
            )
        return jobs


@dataclass(frozen=True)
class Outcome:
    """How one send went: ``error`` None for sent; with ``retry_at`` the delivery is tried again then."""

    job: DeliveryJob
    error: str | None = None
    retry_at: datetime | None = None


def finish_delivery(
    db: Database, job: DeliveryJob, now: datetime, *, error: str | None = None, retry_at: datetime | None = None
) -> str:
    return finish_deliveries(db, [Outcome(job, error, retry_at)], now)[0]


def finish_deliveries(db: Database, outcomes: list[Outcome], now: datetime) -> list[str]:
    """Record sends' outcomes in one transaction; returns each delivery's new status. A retry past the last
    attempt, or a failure without ``retry_at``, has failed for good. A sender whose lease ran out (the delivery
    was claimed again since) changes nothing and gets "stale"."""
    statuses = []
    with db.transaction() as session:
        for outcome in outcomes:
            job, error = outcome.job, outcome.error
            if error is None:
                values: dict[str, object]
                status, values = "sent", {"sent_at": now, "last_error": None}
            elif outcome.retry_at is not None and job.attempts < MAX_ATTEMPTS:
                status, values = "pending", {"not_before": outcome.retry_at, "last_error": error[:500]}
            else:
                status, values = "failed", {"last_error": error[:500]}
            changed = session.execute(
                update(Delivery)
                .where(Delivery.id == job.id, Delivery.status == "sending", Delivery.attempts == job.attempts)
                .values(status=status, lease_until=None, **values)
            )
            statuses.append(status if changed.rowcount == 1 else "stale")  # type: ignore[attr-defined]
    return statuses

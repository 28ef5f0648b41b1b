"""The check-in use cases that move schedules and rounds, each in one transaction: the tick's fire, a team's
check-ins set up at its first finish, its schedules re-timed after a change, and a new round started by hand.

Storage claims and loads; ``checkins.rules`` decides; this module applies the decision and scores a closing
round on its own model version.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.app.results import round_result
from checkins.cadence import Cadence
from checkins.rules import Decision, Owed, ScheduleState, TeamFacts, announcement, decide, has_checkins, retime
from checkins.states import DeliveryStatus, ScheduleKind
from dialogs.ports import ModelVersions
from storage import checkins as store
from storage.database import Database
from storage.models import CheckinSettings, Schedule
from storage.queries import find_team, latest_finished_rounds, members_by_team, open_round, upsert_result

SUMMARY_LOOKBACK = timedelta(days=2)  # a summary posted this recently may share the local day of a periodic one


@dataclass
class FireReport:
    fired: int = 0  # schedule fires handled
    skipped: int = 0  # fires older than the grace window, recorded and not sent
    deliveries: int = 0  # messages owed
    closed_rounds: list[int] = field(default_factory=list)


def fire_due(db: Database, models: ModelVersions, now: datetime, *, grace: timedelta, limit: int = 500) -> FireReport:
    """Claim up to ``limit`` due schedules and fire them, all in one transaction."""
    report = FireReport()
    with db.transaction() as session:
        due = store.claim_due(session, now, limit)
        if not due:
            return report
        facts = _facts(session, due, now)
        owed: list[tuple[int, Owed]] = []
        for schedule, _ in due:
            decision = decide(store.state_of(schedule), facts[schedule.team_id], now=now, grace=grace)
            if _apply(session, models, schedule, decision, now, report):  # later fires of the team see the change
                facts[schedule.team_id] = _with_rounds(session, facts[schedule.team_id], schedule.team_id)
            owed += [(schedule.id, item) for item in decision.owed]
            report.fired += 1
            report.skipped += decision.skipped
        pending = [item for item in owed if item[1].status is DeliveryStatus.PENDING]
        report.deliveries = store.add_deliveries(session, pending, now)
        store.add_deliveries(session, [item for item in owed if item[1].status is not DeliveryStatus.PENDING], now)
    return report


def _facts(session: Session, due: Sequence[tuple[Schedule, CheckinSettings]], now: datetime) -> dict[int, TeamFacts]:
    """What the due schedules' rules need, a few queries for the whole batch: each kind reads only its own."""
    cadences = {schedule.team_id: store.cadence_of(settings) for schedule, settings in due}
    by_kind: dict[ScheduleKind, set[int]] = {kind: set() for kind in ScheduleKind}
    for schedule, _ in due:
        by_kind[ScheduleKind(schedule.kind)].add(schedule.team_id)
    nudged, periodic = by_kind[ScheduleKind.NUDGE], by_kind[ScheduleKind.SUMMARY]
    rounds = by_kind[ScheduleKind.REASSESS] | by_kind[ScheduleKind.ROUND]
    moments = store.round_moments(session, nudged) if nudged else {}
    summaries = store.summary_moments(session, periodic, since=now - SUMMARY_LOOKBACK) if periodic else None
    latest = latest_finished_rounds(session, periodic) if periodic else {}
    opened = store.open_rounds(session, rounds) if rounds else {}
    members = members_by_team(session, rounds) if rounds else {}
    numbers = store.next_round_numbers(session, rounds) if rounds else {}
    return {
        team_id: TeamFacts(
            cadence,
            members=members.get(team_id, ()),
            open_round=opened.get(team_id),
            next_round_number=numbers.get(team_id, 1),
            round_moments=moments.get(team_id, frozenset()),
            summaries_owed=summaries.posted.get(team_id, frozenset()) if summaries else frozenset(),
            followed_round_opened=summaries.followed.get(team_id) if summaries else None,
            latest_finished_round=latest[team_id].number if team_id in latest else None,
        )
        for team_id, cadence in cadences.items()
    }


def _with_rounds(session: Session, facts: TeamFacts, team_id: int) -> TeamFacts:
    return dataclasses.replace(
        facts,
        open_round=store.open_rounds(session, [team_id]).get(team_id),
        next_round_number=store.next_round_numbers(session, [team_id])[team_id],
    )


def _apply(
    session: Session, models: ModelVersions, schedule: Schedule, decision: Decision, now: datetime, report: FireReport
) -> bool:
    """Carry a decision out; True when it closed or opened a round."""
    store.move(schedule, decision.schedule, now)
    if decision.close_round:
        closed = close_round(session, models, schedule.team_id, now)
        if closed is not None:
            report.closed_rounds.append(closed.id)
    if decision.open_round_at is not None:
        new = open_round(session, schedule.team_id, models.current.version, opened_at=decision.open_round_at)
        follower = store.schedules_of(session, schedule.team_id, now)[ScheduleKind.ROUND]
        store.move(follower, ScheduleState(ScheduleKind.ROUND, decision.follow_from, 0, new.id), now)
    return decision.close_round or decision.open_round_at is not None


def close_round(session: Session, models: ModelVersions, team_id: int, now: datetime) -> store.ClosedRound | None:
    """Close the team's open round and store its team result, scored on the round's own model version (when
    anyone finished)."""
    closed = store.close_open_round(session, team_id, now)
    if closed is not None and closed.answer_sets:
        result = round_result(models, closed.model_version, closed.answer_sets)
        upsert_result(
            session,
            round_id=closed.id,
            response_id=None,
            overall=result.overall,
            model_version=closed.model_version,
            payload=result.to_dict(),
        )
    return closed


def start_checkins(session: Session, team_id: int, now: datetime) -> bool:
    """A team's first finish on a chat platform: the default cadence, its schedules and a one-time announcement,
    owned by the member who started first. True when this call set them up."""
    if store.has_settings(session, team_id) or not has_checkins(store.team_platform(session, team_id) or ""):
        return False  # the usual case: set up when the team first finished
    owner = store.first_starter(session, team_id)
    settings = store.create_settings(session, team_id, owner_id=owner, cadence=Cadence(), now=now)
    if settings is None:
        return False  # another replica set them up first
    schedules = reschedule(session, settings, now)
    store.add_deliveries(session, [(schedules[ScheduleKind.NUDGE].id, announcement(now))], now)
    return True


def reschedule(session: Session, settings: CheckinSettings, now: datetime) -> dict[ScheduleKind, Schedule]:
    """Bring the team's schedules in line with its settings (after a change, a pause or a resume)."""
    schedules = store.schedules_of(session, settings.team_id, now)
    timing = store.timing(session, settings.team_id)
    states = retime(
        store.cadence_of(settings),
        {kind: store.state_of(schedule) for kind, schedule in schedules.items()},
        paused=settings.paused,
        now=now,
        last_opened=timing.last_opened,
        last_summary=timing.last_summary,
        open_round=timing.open_round,
    )
    for kind, schedule in schedules.items():
        store.move(schedule, states[kind], now)
    session.flush()
    return schedules


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
    to a new rubric. None when the team is unknown. A round schedule still following the closed round lets go of
    it at its next tick."""
    with db.transaction() as session:
        found = find_team(session, platform, workspace, team)
        if found is None:
            return None
        closed = close_round(session, models, found.id, now)
        new = open_round(session, found.id, models.current.version, opened_at=now)
        return NewRound(
            closed.number if closed else None, closed.model_version if closed else None, new.number, new.model_version
        )

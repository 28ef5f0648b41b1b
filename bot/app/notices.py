"""What a check-in says, in every platform's words: a delivery becomes a ``Notice`` (text, buttons, maybe a result)
that the platform's outbox renders as Block Kit or an Adaptive Card. Reading the database happens here, once,
so Slack and Teams say the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.app.replies import Style, known_team_name
from bot.app.results import TeamResult, current_results
from bot.app.summary import TeamSummary, build_summary
from checkins.cadence import describe, local_time, round_steps
from checkins.plan import Stored, next_nudge_item, plan_for, ready_to_reassess
from checkins.states import DeliveryKind, PlanStatus
from dialogs.ports import ModelVersions
from scoring.score import MIN_RESPONDENTS_TO_NAME
from storage.checkins import DeliveryJob, cadence_of, settings_of
from storage.database import Database
from storage.models import CheckinSettings
from storage.plan import statuses_for
from storage.queries import round_numbered, started_members
from storage.summaries import summary_facts

PLAN_ACTIONS = (
    (PlanStatus.DONE, "Done"),
    (PlanStatus.IN_PROGRESS, "In progress"),
    (PlanStatus.NOT_FOR_US, "Not for us"),
    (PlanStatus.SNOOZED, "Snooze a week"),
)


@dataclass(frozen=True)
class Action:
    """A button: ``kind`` "plan" (``value`` is the new status of ``Notice.investment``) or "start" (a round)."""

    label: str
    kind: str
    value: str = ""


@dataclass(frozen=True)
class Notice:
    text: str
    actions: tuple[Action, ...] = ()
    investment: str | None = None  # the plan item the "plan" actions are about
    summary: TeamSummary | None = None  # a team summary to show, with its chart


def notices_for(
    db: Database,
    models: ModelVersions,
    jobs: list[DeliveryJob],
    style: Style,
    now: datetime,
    *,
    min_respondents: int = MIN_RESPONDENTS_TO_NAME,
) -> list[Notice | None]:
    """The notice each delivery carries, or None when there is nothing worth saying any more (a nudge for a
    team whose plan is all done). One read for the whole batch. Blocking: call it off the event loop."""
    with db.reading() as session:
        nudged = {job.team_id for job in jobs if job.kind is DeliveryKind.NUDGE}
        batch = _Batch(
            session,
            models,
            style,
            now,
            min_respondents,
            results=current_results(session, models, nudged),
            plans=statuses_for(session, nudged) if nudged else {},
        )
        return [_notice(batch, job) for job in jobs]


@dataclass
class _Batch:
    """What one batch of notices shares: its read, and what it has read already."""

    session: Session
    models: ModelVersions
    style: Style
    now: datetime
    min_respondents: int
    results: dict[int, TeamResult]
    plans: dict[int, dict[str, Stored]]
    rounds: dict[tuple[int, object], _RoundFacts | None] = field(default_factory=dict)  # N invitations, one read


def _notice(batch: _Batch, job: DeliveryJob) -> Notice | None:
    session, style, now = batch.session, batch.style, batch.now
    where = style.channel(job.team, known_team_name(job.team, job.team_name))  # never a bare id or placeholder
    if job.kind is DeliveryKind.UNREACHABLE:
        return Notice(
            f"I couldn't post {where}'s check-in there: I'm not a member of that channel (or it was made private, "
            f"or removed). Invite me with `/invite @maturity-bot` in {where}; the check-ins that are waiting will "
            "go out as soon as I'm in. I'll only tell you this once."
        )
    if job.kind is DeliveryKind.NUDGE:
        current = batch.results.get(job.team_id)
        if current is None:
            return None
        result = current.result
        entries = plan_for(result, batch.plans.get(job.team_id, {}))
        item = next_nudge_item(entries, now)
        if item is None:
            if ready_to_reassess(entries):
                return Notice(
                    f"Every step holding {where} back from level {result.overall + 1} is settled. Time for a "
                    f"re-assessment? Type `{style.command('start')}` to take it again.",
                    actions=(Action("Start", "start"),),
                )
            return None
        i, e = item.investment, style.escape  # the rubric's words are text, never markup or a mention
        tools = f" For example: {e(', '.join(i.tools))}." if i.tools else ""
        lead = "Still on" if item.status == PlanStatus.IN_PROGRESS else "This week's step"
        return Notice(
            f"{lead} toward level {result.overall + 1} for {where}: {style.bold(e(i.title))}. {e(i.why)}{tools}",
            actions=tuple(Action(label, "plan", status) for status, label in PLAN_ACTIONS),
            investment=i.id,
        )
    settings = settings_of(session, job.team_id)
    if job.kind is DeliveryKind.ANNOUNCE:
        cadence = describe(cadence_of(settings)) if settings else "none"
        return Notice(
            f"Check-ins are on for {where}. {cadence} The owner of the team or a workspace admin can change "
            f"them with `{style.command('schedule')}`; `{style.command('plan')}` shows the team's plan."
        )
    if job.kind is DeliveryKind.SUMMARY:
        facts = summary_facts(session, job.team_id, job.payload.get("round"))
        if facts is None:
            return None
        summary = build_summary(batch.models, facts, min_respondents=batch.min_respondents)
        if summary is None:
            closed = not facts.round_open
            return Notice(f"Round {facts.round_number} for {where} has closed; nobody finished it.") if closed else None
        if job.payload.get("periodic"):  # the team's summary cadence: where it stands, not news of a close
            still = ", still open" if summary.round_open else ""
            return Notice(f"Where {where} stands: round {summary.round_number}{still}.", summary=summary)
        return Notice(f"Round {summary.round_number} for {where} has closed.", summary=summary)
    key = (job.team_id, job.payload.get("round"))
    if key not in batch.rounds:
        batch.rounds[key] = _round_facts(session, job.team_id, job.payload.get("round"), settings)
    round_ = batch.rounds[key]
    if round_ is None:
        return None
    if job.kind is DeliveryKind.INVITE:
        return Notice(
            f"Round {round_.number} of the MLOps maturity assessment for {where} is open.{round_.until} "
            "It takes about five minutes; your answers help the whole team see its next step.",
            actions=(Action("Start", "start"),),
        )
    if job.kind is DeliveryKind.REMINDER:
        started = job.recipient in round_.started
        progress = "You have started; carry on where you left off." if started else "You have not started yet."
        return Notice(
            f"A reminder: round {round_.number} for {where} is still waiting for your answers.{round_.until} "
            f"{progress}",
            actions=(Action("Continue" if started else "Start", "start"),),
        )
    return None


@dataclass(frozen=True)
class _RoundFacts:
    """What a round's invitations and reminders say, read once for all of them."""

    number: int
    until: str  # " It is open until Tuesday 03 March, 10:00." (the team's clock), or ""
    started: frozenset[str]  # members who have begun answering it


def _round_facts(
    session: Session, team_id: int, number: object, settings: CheckinSettings | None
) -> _RoundFacts | None:
    round_ = round_numbered(session, team_id, number) if isinstance(number, int) else None
    if round_ is None:
        return None
    cadence = cadence_of(settings) if settings else None
    closes = local_time(cadence, round_steps(cadence, round_.opened_at)[-1][1]) if cadence else None
    until = f" It is open until {closes:%A %d %B, %H:%M}." if closes else ""
    return _RoundFacts(round_.number, until, started_members(session, round_.id))

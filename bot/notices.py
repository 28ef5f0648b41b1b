"""What a check-in says, in every platform's words: a delivery becomes a ``Notice`` (text, buttons, maybe a result)
that the platform's outbox renders as Block Kit or an Adaptive Card. Reading the database happens here, once,
so Slack and Teams say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.replies import Style, summary_title
from checkins.cadence import describe, local_time, round_steps
from checkins.plan import DONE, IN_PROGRESS, NOT_FOR_US, SNOOZED, Stored, next_nudge_item, plan_for, ready_to_reassess
from scoring.model import MaturityModel
from scoring.score import Result, score
from storage.checkins import DeliveryJob, cadence_of
from storage.database import Database
from storage.models import CheckinSettings, Member, Response, Round
from storage.plan import latest_answer_sets_for, statuses_for
from storage.reports import finished_answers

PLAN_ACTIONS = ((DONE, "Done"), (IN_PROGRESS, "In progress"), (NOT_FOR_US, "Not for us"), (SNOOZED, "Snooze a week"))


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
    result: Result | None = None  # a team result to show (summaries)
    title: str = ""


def notice_for(db: Database, model: MaturityModel, job: DeliveryJob, style: Style, now: datetime) -> Notice | None:
    return notices_for(db, model, [job], style, now)[0]


def notices_for(
    db: Database, model: MaturityModel, jobs: list[DeliveryJob], style: Style, now: datetime
) -> list[Notice | None]:
    """The notice each delivery carries, or None when there is nothing worth saying any more (a nudge for a
    team whose plan is all done). One read for the whole batch. Blocking: call it off the event loop."""
    with db.reading() as session:
        nudged = {job.team_id for job in jobs if job.kind == "nudge"}
        answers = latest_answer_sets_for(session, nudged) if nudged else {}
        plans = statuses_for(session, nudged) if nudged else {}
        rounds: dict[tuple[int, object], Round | None] = {}  # an invitation to N members reads its round once
        return [_notice(session, model, job, style, now, answers, plans, rounds) for job in jobs]


def _notice(
    session: Session,
    model: MaturityModel,
    job: DeliveryJob,
    style: Style,
    now: datetime,
    answers: dict[int, list[dict[str, str]]],
    plans: dict[int, dict[str, Stored]],
    rounds: dict[tuple[int, object], Round | None],
) -> Notice | None:
    where = style.channel(job.team, job.team_name)
    if job.kind == "nudge":
        answer_sets = answers.get(job.team_id)
        if not answer_sets:
            return None
        result = score(model, answer_sets)
        entries = plan_for(result, plans.get(job.team_id, {}))
        item = next_nudge_item(entries, now)
        if item is None:
            if ready_to_reassess(entries):
                return Notice(
                    f"Every step holding {where} back from level {result.overall + 1} is settled. Time for a "
                    f"re-assessment? Type `{style.command('start')}` to take it again.",
                    actions=(Action("Start", "start"),),
                )
            return None
        i = item.investment
        tools = f" For example: {', '.join(i.tools)}." if i.tools else ""
        lead = "Still on" if item.status == IN_PROGRESS else "This week's step"
        return Notice(
            f"{lead} toward level {result.overall + 1} for {where}: {style.bold(i.title)}. {i.why}{tools}",
            actions=tuple(Action(label, "plan", status) for status, label in PLAN_ACTIONS),
            investment=i.id,
        )
    settings = session.get(CheckinSettings, job.team_id)
    if job.kind == "announce":
        cadence = describe(cadence_of(settings)) if settings else "none"
        return Notice(
            f"Check-ins are on for {where}. {cadence} The owner of the team or a workspace admin can change "
            f"them with `{style.command('schedule')}`; `{style.command('plan')}` shows the team's plan."
        )
    key = (job.team_id, job.payload.get("round"))
    if key not in rounds:
        rounds[key] = session.scalars(select(Round).where(Round.team_id == key[0], Round.number == key[1])).first()
    round_ = rounds[key]
    if round_ is None:
        return None
    if job.kind == "summary":
        _, finished, _ = finished_answers(session, round_.id)
        if not finished:
            return Notice(f"Round {round_.number} for {where} has closed; nobody finished it.")
        result = score(model, list(finished.values()))
        return Notice(
            f"Round {round_.number} for {where} has closed: level {result.overall}, {result.overall_name}.",
            result=result,
            title=summary_title(len(finished), round_.number),
        )
    cadence = cadence_of(settings) if settings else None
    closes = local_time(cadence, round_steps(cadence, round_.opened_at)[-1][1]) if cadence else None
    until = f" It is open until {closes:%A %d %B, %H:%M}." if closes else ""
    if job.kind == "invite":
        return Notice(
            f"Round {round_.number} of the MLOps maturity assessment for {where} is open.{until} "
            "It takes about five minutes; your answers help the whole team see its next step.",
            actions=(Action("Start", "start"),),
        )
    if job.kind == "reminder":
        started = session.scalar(
            select(Response.position)
            .join(Member, Member.id == Response.member_id)
            .where(Response.round_id == round_.id, Member.external_id == job.recipient)
        )
        progress = "You have started; carry on where you left off." if started else "You have not started yet."
        return Notice(
            f"A reminder: round {round_.number} for {where} is still waiting for your answers.{until} {progress}",
            actions=(Action("Continue" if started else "Start", "start"),),
        )
    return None

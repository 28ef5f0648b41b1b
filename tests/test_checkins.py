"""Check-ins in the database, with time in the test's hands: a team's first finish sets them up, ticks fire what
is due exactly once, catch-up after downtime, the grace window, re-assessment rounds with reminders and a close,
the team's summary cadence, pause and resume, and the delivery leases the sender relies on (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.app.checkins import Asker, schedule_command
from bot.app.deliveries import claim_deliveries, finish_delivery
from bot.app.schedules import fire_due, reschedule
from bot.app.turns import take_turn
from bot.slack.render import SLACK
from checkins.cadence import Cadence
from checkins.states import DeliveryKind, RoundStatus
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from scoring.catalog import ModelCatalog
from scoring.model import DEFAULT_MODEL_FILE, default_model, parse_model
from scoring.score import score
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.model_versions import model_catalog, stored_text
from storage.models import CheckinSettings, Delivery, Response, Result, Round, Schedule, Team
from tests.checkin_seed import seed_teams
from tests.personas import ASKED, PERSONAS
from tests.storage.helpers import count

MODEL = default_model()
MODELS = ModelCatalog(MODEL)
GRACE = timedelta(hours=6)
LEASE = timedelta(minutes=5)
_, ANSWERS = PERSONAS["faq_level_2"]
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; the default nudge is Tuesday 10:00 UTC
TUESDAY_10 = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def finish(db: Database, user: str, *, team: str = "C1", platform: str = "slack") -> None:
    store = SqlConversationStore(db)
    who = Participant(platform, "T1", team, user)
    take_turn(store, MODELS, who, Input(Command.START), source="test")
    for question in ASKED:
        take_turn(store, MODELS, who, Input(Command.ANSWER, ANSWERS[question.id], question_id=question.id), source="t")


def deliveries(db: Database, **where: object) -> list[Delivery]:
    with db.reading() as session:
        query = select(Delivery).order_by(Delivery.id)
        for column, value in where.items():
            query = query.where(getattr(Delivery, column) == value)
        return list(session.scalars(query))


def schedule(db: Database, kind: str) -> Schedule:
    with db.reading() as session:
        return session.scalars(select(Schedule).where(Schedule.kind == kind)).one()


def test_a_teams_first_finish_sets_up_check_ins_once_and_announces_them(db: Database) -> None:
    finish(db, "U1")
    finish(db, "U2")
    [announce] = deliveries(db)
    assert (announce.kind, announce.recipient, announce.status) == ("announce", "", "pending")
    assert schedule(db, "nudge").next_fire_at is not None and schedule(db, "reassess").next_fire_at is not None
    assert schedule(db, "round").next_fire_at is None


def test_the_terminal_has_no_check_ins(db: Database) -> None:
    finish(db, "ana", platform="terminal")
    assert count(db, Schedule) == 0 and count(db, Delivery) == 0


def test_a_due_nudge_fires_once_and_moves_on_a_week(db: Database) -> None:
    seed_teams(db, MODEL, 3, answers=ANSWERS, due_at=TUESDAY_10, opened_at=MONDAY)
    assert fire_due(db, MODELS, TUESDAY_10 - timedelta(seconds=1), grace=GRACE).fired == 0
    report = fire_due(db, MODELS, TUESDAY_10 + timedelta(seconds=5), grace=GRACE)
    assert (report.fired, report.deliveries) == (3, 3)
    assert fire_due(db, MODELS, TUESDAY_10 + timedelta(seconds=10), grace=GRACE).fired == 0  # nothing twice
    with db.reading() as session:
        assert set(session.scalars(select(Schedule.next_fire_at).where(Schedule.kind == "nudge"))) == {
            TUESDAY_10 + timedelta(weeks=1)
        }
    assert {(d.kind, d.fire_at) for d in deliveries(db)} == {("nudge", TUESDAY_10)}


def test_after_downtime_missed_nudges_collapse_into_one(db: Database) -> None:
    seed_teams(db, MODEL, 1, answers=ANSWERS, due_at=TUESDAY_10, opened_at=MONDAY)
    back = TUESDAY_10 + timedelta(weeks=3, hours=2)  # three Tuesdays missed; the last one two hours ago
    report = fire_due(db, MODELS, back, grace=GRACE)
    assert (report.fired, report.deliveries, report.skipped) == (1, 1, 0)
    [nudge] = deliveries(db)
    assert nudge.fire_at == TUESDAY_10 + timedelta(weeks=3) and nudge.status == "pending"
    assert schedule(db, "nudge").next_fire_at == TUESDAY_10 + timedelta(weeks=4)


def test_a_fire_older_than_the_grace_window_is_recorded_as_skipped(db: Database) -> None:
    seed_teams(db, MODEL, 1, answers=ANSWERS, due_at=TUESDAY_10, opened_at=MONDAY)
    report = fire_due(db, MODELS, TUESDAY_10 + timedelta(days=2), grace=GRACE)
    assert (report.deliveries, report.skipped) == (0, 1)
    [skipped] = deliveries(db)
    assert (skipped.status, skipped.fire_at) == ("skipped", TUESDAY_10)
    assert claim_deliveries(db, TUESDAY_10 + timedelta(days=3), lease=LEASE) == []


@pytest.mark.parametrize(
    ("zone", "winter", "summer"),
    [("Europe/Berlin", "2026-03-24", "2026-03-31"), ("America/New_York", "2026-03-03", "2026-03-10")],
)
def test_a_nudge_keeps_its_local_time_across_the_daylight_saving_change(
    db: Database, zone: str, winter: str, summer: str
) -> None:
    cadence = Cadence(timezone=zone)
    tz = ZoneInfo(zone)
    first = datetime.fromisoformat(f"{winter}T10:00").replace(tzinfo=tz).astimezone(UTC)
    seed_teams(db, MODEL, 1, answers=ANSWERS, due_at=first, opened_at=MONDAY, cadence=cadence)
    fire_due(db, MODELS, first, grace=GRACE)
    second = schedule(db, "nudge").next_fire_at
    assert second is not None and second.astimezone(tz).hour == 10
    assert second.astimezone(tz).date().isoformat() == summer
    assert second - first == timedelta(days=7, hours=-1)  # one hour fewer: the clocks went forward
    fire_due(db, MODELS, second, grace=GRACE)
    assert [d.fire_at for d in deliveries(db)] == [first, second]


def test_a_reassessment_round_invites_reminds_and_closes_with_a_summary(db: Database) -> None:
    finish(db, "U1")
    store = SqlConversationStore(db)
    take_turn(store, MODELS, Participant("slack", "T1", "C1", "U2"), Input(Command.START), source="test")  # unfinished
    reassess = schedule(db, "reassess").next_fire_at
    assert reassess is not None
    report = fire_due(db, MODELS, reassess, grace=GRACE)
    assert report.closed_rounds  # round 1 closed with its team result
    with db.reading() as session:
        rounds = session.execute(select(Round.number, Round.status).order_by(Round.number)).all()
        assert [tuple(r) for r in rounds] == [(1, "closed"), (2, "open")]
        assert session.scalar(select(Result.overall).where(Result.scope == "team")) == 2
    fired = deliveries(db, fire_at=reassess)
    assert sorted((d.kind, d.recipient) for d in fired) == [("invite", "U1"), ("invite", "U2"), ("summary", "")]

    tracker = schedule(db, "round")
    first_reminder = tracker.next_fire_at
    assert first_reminder is not None and first_reminder > reassess
    finish_round_two = SqlConversationStore(db)
    who = Participant("slack", "T1", "C1", "U1")
    take_turn(finish_round_two, MODELS, who, Input(Command.START), source="test")
    for question in ASKED:
        take_turn(
            finish_round_two,
            MODELS,
            who,
            Input(Command.ANSWER, ANSWERS[question.id], question_id=question.id),
            source="t",
        )
    fire_due(db, MODELS, first_reminder, grace=GRACE)
    assert [(d.kind, d.recipient) for d in deliveries(db, fire_at=first_reminder)] == [("reminder", "U2")]

    close = None
    now = first_reminder
    for _ in range(5):  # the second reminder, then the close
        now = schedule(db, "round").next_fire_at or now
        fire_due(db, MODELS, now, grace=GRACE)
        if schedule(db, "round").round_id is None:
            close = now
            break
    assert close is not None
    assert [d.kind for d in deliveries(db, fire_at=close)] == ["summary"]
    with db.reading() as session:
        assert session.scalar(select(Round.status).where(Round.number == 2)) == "closed"
    assert len([d for d in deliveries(db) if d.kind == "reminder"]) == 2  # at most two reminders


def test_a_round_opened_on_an_older_model_closes_with_that_models_scoring(db: Database) -> None:
    """History keeps its scoring: a round opened on 2026.12 (stored by the migration) is closed by a server
    running the current bank, and its team result is 2026.12's ("don't know" counted as level 0 there); the next
    round opens on the current version."""
    old_text = stored_text(db, "2026.12")
    assert old_text is not None
    old = parse_model(old_text, "stored model version 2026.12")
    old_models = model_catalog(db, old_text, old, source="stored")
    unsure = next(q.id for q in old.questions if q.dimension == "reproducibility")  # its level-1 gate needs it
    answers = {q.id: q.options[3].id for q in old.questions} | {unsure: "dont_know"}
    store = SqlConversationStore(db)
    who = Participant("slack", "T1", "C1", "U1")
    take_turn(store, old_models, who, Input(Command.START), source="test")
    for question in old.questions:
        take_turn(
            store, old_models, who, Input(Command.ANSWER, answers[question.id], question_id=question.id), source="t"
        )
    old_result = score(old, [answers])
    assert old_result.overall == 0  # the "don't know" is level 0 in 2026.12; the current bank would leave it out
    current = model_catalog(db, DEFAULT_MODEL_FILE.read_text(encoding="utf-8"), MODEL, source="bundled")
    reassess = schedule(db, "reassess").next_fire_at
    assert reassess is not None
    assert fire_due(db, current, reassess, grace=GRACE).closed_rounds
    with db.reading() as session:
        rounds = session.execute(select(Round.number, Round.status, Round.model_version).order_by(Round.number))
        assert [tuple(r) for r in rounds] == [(1, "closed", "2026.12"), (2, "open", MODEL.version)]
        stored = session.execute(select(Result.overall, Result.payload).where(Result.scope == "team")).one()
    assert stored.overall == old_result.overall
    assert stored.payload["model_version"] == "2026.12"
    assert set(stored.payload["dimensions"]) == {d.id for d in old.dimensions}


def test_pause_and_resume_from_chat_and_only_the_owner_may(db: Database) -> None:
    finish(db, "U1")  # U1 set the team up
    finish(db, "U2")
    owner, other = Participant("slack", "T1", "C1", "U1"), Participant("slack", "T1", "C1", "U2")
    now = datetime.now(tz=UTC)
    refused = schedule_command(db, Asker(other, admin=False), ["pause"], SLACK, now)
    assert refused.startswith("Only the person who set this team up")
    assert schedule(db, "nudge").next_fire_at is not None
    assert "paused" in schedule_command(db, Asker(owner, admin=False), ["pause"], SLACK, now)
    assert schedule(db, "nudge").next_fire_at is None and schedule(db, "reassess").next_fire_at is None
    assert fire_due(db, MODELS, now + timedelta(days=60), grace=GRACE).fired == 0
    assert "on" in schedule_command(db, Asker(other, admin=True), ["resume"], SLACK, now)  # an admin may
    resumed = schedule(db, "nudge").next_fire_at
    assert resumed is not None and now < resumed <= now + timedelta(weeks=1)
    changed = schedule_command(db, Asker(owner, admin=False), ["nudge", "thu", "9:30"], SLACK, now)
    assert "Thursday at 09:30" in changed
    assert "can't read" in schedule_command(db, Asker(owner, admin=False), ["nudge", "someday", "9"], SLACK, now)


def test_a_claimed_delivery_is_sent_once_and_a_failed_one_comes_back_after_its_backoff(db: Database) -> None:
    seed_teams(db, MODEL, 2, answers=ANSWERS, due_at=TUESDAY_10, opened_at=MONDAY)
    fire_due(db, MODELS, TUESDAY_10, grace=GRACE)
    first, second = claim_deliveries(db, TUESDAY_10, lease=LEASE)
    assert claim_deliveries(db, TUESDAY_10, lease=LEASE) == []  # leased: another process gets nothing
    assert finish_delivery(db, first, TUESDAY_10) == "sent"
    retry_at = TUESDAY_10 + timedelta(seconds=30)
    assert finish_delivery(db, second, TUESDAY_10, error="HTTP 429", retry_at=retry_at) == "pending"
    assert claim_deliveries(db, retry_at - timedelta(seconds=1), lease=LEASE) == []
    [again] = claim_deliveries(db, retry_at, lease=LEASE)
    assert again.id == second.id and again.attempts == 2
    assert finish_delivery(db, again, retry_at) == "sent"
    assert claim_deliveries(db, retry_at + timedelta(days=1), lease=LEASE) == []  # sent stays sent


def test_a_lease_that_runs_out_makes_the_delivery_claimable_again(db: Database) -> None:
    seed_teams(db, MODEL, 1, answers=ANSWERS, due_at=TUESDAY_10, opened_at=MONDAY)
    fire_due(db, MODELS, TUESDAY_10, grace=GRACE)
    [job] = claim_deliveries(db, TUESDAY_10, lease=LEASE)  # then the process dies mid-send
    assert claim_deliveries(db, TUESDAY_10 + LEASE, lease=LEASE) == []
    [again] = claim_deliveries(db, TUESDAY_10 + LEASE + timedelta(seconds=1), lease=LEASE)
    assert again.id == job.id
    assert finish_delivery(db, job, TUESDAY_10) == "stale"  # the old holder's late answer changes nothing
    assert finish_delivery(db, again, TUESDAY_10 + LEASE) == "sent"


def test_a_snoozed_step_waits_a_week_then_comes_back(db: Database) -> None:
    from bot.app.checkins import mark_plan_item
    from bot.app.notices import notices_for
    from storage.checkins import DeliveryJob

    seed_teams(db, MODEL, 1, answers=ANSWERS, due_at=TUESDAY_10, opened_at=MONDAY)
    with db.reading() as session:
        team_id = session.scalars(select(Team.id)).one()
    job = DeliveryJob(0, DeliveryKind.NUDGE, {}, team_id, "slack", "T0001", "C00000", None, "", 1, TUESDAY_10, 0)
    first = notices_for(db, MODELS, [job], SLACK, TUESDAY_10)[0]
    assert first is not None and first.investment is not None
    who = Participant("slack", "T0001", "C00000", "U1")
    assert mark_plan_item(db, MODELS, who, first.investment, "snoozed", TUESDAY_10) is not None
    during = notices_for(db, MODELS, [job], SLACK, TUESDAY_10 + timedelta(days=6))[0]
    assert during is not None and during.investment != first.investment  # the next step meanwhile
    after = notices_for(db, MODELS, [job], SLACK, TUESDAY_10 + timedelta(days=7, seconds=1))[0]
    assert after is not None and after.investment == first.investment  # back once its week is over


# --- the summary cadence -------------------------------------------------------------------------------------

SEEDED = Participant("slack", "T0001", "C00000", "UC00000")  # seed_teams' team and the member who set it up


def summary_team(db: Database, cadence: Cadence) -> None:
    """One seeded team (round 1 open, its member finished) with ``cadence``; its schedules set up on Monday,
    so the first summary slot is Tuesday 10:00."""
    seed_teams(db, MODEL, 1, answers=ANSWERS, due_at=TUESDAY_10, opened_at=MONDAY, cadence=cadence)
    with db.transaction() as session:
        reschedule(session, session.scalars(select(CheckinSettings)).one(), MONDAY)


def summaries(db: Database) -> list[tuple[datetime, int, str, str]]:
    """(fire time, round, status, kind of the schedule that owed it) of every summary delivery, in fire order."""
    with db.reading() as session:
        rows = session.execute(
            select(Delivery.fire_at, Delivery.payload, Delivery.status, Schedule.kind)
            .join(Schedule, Schedule.id == Delivery.schedule_id)
            .where(Delivery.kind == "summary")
            .order_by(Delivery.fire_at, Delivery.id)
        )
        return [(at, payload["round"], status, kind) for at, payload, status, kind in rows]


def add_round(session: Session, team_id: int, member_id: int, number: int, *, finished: bool) -> None:
    """Round ``number``, opened ``number`` weeks after Monday: closed with the member finished, or open with the
    member still answering."""
    opened = MONDAY + timedelta(weeks=number)
    round_ = Round(
        team_id=team_id,
        number=number,
        model_version=MODEL.version,
        status=RoundStatus.CLOSED if finished else RoundStatus.OPEN,
        opened_at=opened,
        closed_at=opened if finished else None,
    )
    session.add(round_)
    session.flush()
    session.add(
        Response(
            round_id=round_.id,
            member_id=member_id,
            status="finished" if finished else "asking",
            navigation={"pending": [], "history": [], "skipped": []},
            finished_at=opened if finished else None,
        )
    )


def tick_daily(db: Database, first: datetime, days: int, late: timedelta = timedelta(0)) -> None:
    """A tick at each day's 10:00 (``late`` after it) and one a minute later (which must find nothing new)."""
    for day in range(days):
        fire_due(db, MODELS, first + timedelta(days=day) + late, grace=GRACE)
        fire_due(db, MODELS, first + timedelta(days=day, minutes=1) + late, grace=GRACE)


def test_a_summary_cadence_posts_the_latest_finished_round_every_two_weeks(db: Database) -> None:
    summary_team(db, Cadence(reassess_weeks=0, summary_weeks=2))
    tick_daily(db, TUESDAY_10, 15)
    weeks = [TUESDAY_10 + timedelta(weeks=n) for n in (0, 2)]
    assert summaries(db) == [(at, 1, "pending", "summary") for at in weeks]
    assert schedule(db, "summary").next_fire_at == TUESDAY_10 + timedelta(weeks=4)

    # Round 2 finished and closed, round 3 open with nobody finished yet: the summary is round 2's.
    with db.transaction() as session:
        team_id, member_id = session.execute(select(Round.team_id, Response.member_id).join(Response)).one()
        session.execute(update(Round).values(status=RoundStatus.CLOSED, closed_at=MONDAY))
        add_round(session, team_id, member_id, 2, finished=True)
        add_round(session, team_id, member_id, 3, finished=False)
    fire_due(db, MODELS, TUESDAY_10 + timedelta(weeks=4), grace=GRACE)
    assert summaries(db)[-1] == (TUESDAY_10 + timedelta(weeks=4), 2, "pending", "summary")


def test_a_paused_team_gets_no_summary(db: Database) -> None:
    summary_team(db, Cadence(reassess_weeks=0, summary_weeks=1))
    owner = Asker(SEEDED, admin=False)
    assert "paused" in schedule_command(db, owner, ["pause"], SLACK, MONDAY)
    assert schedule(db, "summary").next_fire_at is None
    tick_daily(db, TUESDAY_10, 15)
    assert summaries(db) == []
    assert "on" in schedule_command(db, owner, ["resume"], SLACK, TUESDAY_10 + timedelta(weeks=2, hours=1))
    assert schedule(db, "summary").next_fire_at == TUESDAY_10 + timedelta(weeks=3)


def test_no_summary_until_somebody_has_finished_a_round(db: Database) -> None:
    summary_team(db, Cadence(reassess_weeks=0, summary_weeks=1))
    with db.transaction() as session:
        session.execute(update(Response).values(status="asking", finished_at=None))
    tick_daily(db, TUESDAY_10, 8)
    assert summaries(db) == []
    assert schedule(db, "summary").next_fire_at == TUESDAY_10 + timedelta(weeks=2)  # it keeps its slot


def test_a_summary_gives_way_to_a_round_closing_at_the_same_slot(db: Database) -> None:
    """Re-assess every two weeks, rounds open a week, a summary every week: in week 2 the re-assessment closes
    round 1 (and opens round 2), in week 3 round 2 closes; a close's summary is the only one that week, unless
    nobody finished the round, when the channel still gets the cadence's summary of the last finished one."""
    summary_team(db, Cadence(reassess_weeks=2, round_days=7, reminder_days=(), summary_weeks=1))
    assert schedule(db, "reassess").next_fire_at == TUESDAY_10 + timedelta(weeks=2)
    tick_daily(db, TUESDAY_10, 29)
    week = [TUESDAY_10 + timedelta(weeks=n) for n in range(5)]
    assert summaries(db) == [
        (week[0], 1, "pending", "summary"),
        (week[1], 1, "pending", "summary"),
        (week[2], 1, "pending", "reassess"),  # round 1 closes as round 2 opens
        (week[3], 2, "pending", "round"),  # round 2 closes (nobody finished it: "nobody finished" is all it says)
        (week[3], 1, "pending", "summary"),  # so the cadence's summary of round 1 still goes
        (week[4], 1, "pending", "summary"),  # round 3 opens, nothing closes: the cadence's own summary
    ]


def test_late_ticks_keep_rounds_on_their_slot_and_one_summary_a_week(db: Database) -> None:
    """Ticks 17 seconds after each slot (a busy server): the rounds still open and close on the slot, the next
    re-assessment is two weeks on, not three, and the cadence's summary still gives way to a close."""
    summary_team(db, Cadence(reassess_weeks=2, round_days=7, reminder_days=(), summary_weeks=1))
    tick_daily(db, TUESDAY_10, 29, late=timedelta(seconds=17))
    week = [TUESDAY_10 + timedelta(weeks=n) for n in range(5)]
    assert [(at, kind) for at, _, _, kind in summaries(db)] == [
        (week[0], "summary"),
        (week[1], "summary"),
        (week[2], "reassess"),
        (week[3], "round"),
        (week[3], "summary"),
        (week[4], "summary"),  # round 3 opens with nothing to close: the cadence's own summary
    ]
    with db.reading() as session:
        opened = list(session.scalars(select(Round.opened_at).order_by(Round.number)))
    assert opened[1:] == [week[2], week[4]]


def test_a_summary_written_by_an_earlier_tick_that_day_is_not_followed_by_another(db: Database) -> None:
    """The tick that closes round 1 (with its summary) claims only the re-assessment; the periodic summary at the
    same slot comes up in the next batch, or another process, and gives way all the same."""
    summary_team(db, Cadence(reassess_weeks=2, round_days=7, reminder_days=(), summary_weeks=1))
    tick_daily(db, TUESDAY_10, 14)
    week_2 = TUESDAY_10 + timedelta(weeks=2)
    with db.transaction() as session:  # the periodic summary's slot moved out of this batch's reach
        session.execute(update(Schedule).where(Schedule.kind == "summary").values(next_fire_at=week_2 + timedelta(1)))
    fire_due(db, MODELS, week_2, grace=GRACE)
    with db.transaction() as session:
        session.execute(update(Schedule).where(Schedule.kind == "summary").values(next_fire_at=week_2))
    fire_due(db, MODELS, week_2 + timedelta(seconds=30), grace=GRACE)
    assert [(at, kind) for at, _, _, kind in summaries(db) if at == week_2] == [(week_2, "reassess")]


def test_a_round_opened_very_late_counts_from_when_it_opened(db: Database) -> None:
    """A grace window longer than a round's first step: opened on its slot, the round would remind or close at the
    next tick; so it counts from the tick that opened it instead."""
    summary_team(db, Cadence(reassess_weeks=2, round_days=2, reminder_days=(1,)))
    late = TUESDAY_10 + timedelta(weeks=2, hours=50)
    fire_due(db, MODELS, late, grace=timedelta(hours=72))
    fire_due(db, MODELS, late + timedelta(seconds=30), grace=timedelta(hours=72))
    with db.reading() as session:
        round_2 = session.scalars(select(Round).where(Round.number == 2)).one()
        steps = session.scalars(select(Delivery.kind).where(Delivery.kind.in_(("reminder", "summary")))).all()
    assert (round_2.status, round_2.opened_at) == ("open", late)
    assert list(steps) == ["summary"]  # round 1's; no reminder yet, and round 2 not closed at once


def test_after_downtime_missed_summaries_collapse_into_one(db: Database) -> None:
    summary_team(db, Cadence(reassess_weeks=0, summary_weeks=2))
    back = TUESDAY_10 + timedelta(weeks=4, hours=2)  # the fires of weeks 0, 2 and 4 missed; the last two hours ago
    report = fire_due(db, MODELS, back, grace=GRACE)
    assert (report.deliveries, report.skipped) == (2, 0)  # the summary and the nudge
    assert summaries(db) == [(TUESDAY_10 + timedelta(weeks=4), 1, "pending", "summary")]
    assert schedule(db, "summary").next_fire_at == TUESDAY_10 + timedelta(weeks=6)
    late = TUESDAY_10 + timedelta(weeks=7)  # week 6's fire is a week old: recorded, not sent
    fire_due(db, MODELS, late, grace=GRACE)
    assert summaries(db)[-1] == (TUESDAY_10 + timedelta(weeks=6), 1, "skipped", "summary")
    assert schedule(db, "summary").next_fire_at == TUESDAY_10 + timedelta(weeks=8)


def test_the_summary_cadence_is_changed_by_typing_and_described(db: Database) -> None:
    summary_team(db, Cadence())
    owner = Asker(SEEDED, admin=False)
    assert schedule(db, "summary").next_fire_at is None  # the default: summaries only as rounds close
    done = schedule_command(db, owner, ["summary", "every", "2", "weeks"], SLACK, MONDAY)
    assert done.startswith("Done.") and done.endswith("; a team summary every 2 weeks.")
    assert schedule(db, "summary").next_fire_at == TUESDAY_10
    fire_due(db, MODELS, TUESDAY_10, grace=GRACE)
    # A later change counts the weeks from the last summary rather than starting again.
    assert "every week" in schedule_command(db, owner, ["summary", "weekly"], SLACK, TUESDAY_10 + timedelta(days=1))
    assert schedule(db, "summary").next_fire_at == TUESDAY_10 + timedelta(weeks=1)
    shown = schedule_command(db, owner, ["show"], SLACK, TUESDAY_10)
    assert "a team summary every week." in shown and "summary every 2 weeks" in shown  # the usage line
    off = schedule_command(db, owner, ["summary", "off"], SLACK, TUESDAY_10)
    assert off.startswith("Done.") and "team summary" not in off
    assert schedule(db, "summary").next_fire_at is None
    refused = schedule_command(db, owner, ["summary", "every", "53", "weeks"], SLACK, TUESDAY_10)
    assert "summary_weeks must be a whole number from 0" in refused
    assert "can't read `summary sometimes`" in schedule_command(db, owner, ["summary", "sometimes"], SLACK, TUESDAY_10)
    other = Asker(Participant("slack", "T0001", "C00000", "U2"), admin=False)
    assert schedule_command(db, other, ["summary", "weekly"], SLACK, TUESDAY_10).startswith("Only the person")

"""The team summary's content (SQLite and PostgreSQL): the trend against the previous round, participation,
disagreements only above the respondent threshold, plan progress, a pitfall, next steps; and never anyone's
individual answers or name, in any platform's rendering."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from PIL import Image
from sqlalchemy import update

from bot.chart import WIDTH_PX, chart_height, summary_chart
from bot.slack.render import SLACK, summary_payload
from bot.summary import TeamSummary, chart_description, lead, read_summary, sections
from bot.teams.cards import summary_card
from checkins.plan import DONE, IN_PROGRESS
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from dialogs.turn import run_turn
from scoring.model import default_model
from scoring.score import score, score_answers
from storage.audit import forget
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.models import ROUND_CLOSED, ROUND_OPEN, Round, utcnow
from storage.plan import set_status
from storage.queries import find_team
from storage.reports import save_team_result
from tests.personas import PERSONAS

MODEL = default_model()
TEAM = Participant("slack", "T1", "C1", "U0", team_name="ml-platform")


def assess(db: Database, user: str, answers: dict[str, str], *, finish: bool = True) -> None:
    store = SqlConversationStore(db)
    who = Participant("slack", "T1", "C1", user, user_name=f"person {user}")
    run_turn(store, MODEL, who, Input(Command.START), source="slack")
    questions = MODEL.questions if finish else MODEL.questions[:3]
    for q in questions:
        run_turn(store, MODEL, who, Input(Command.ANSWER, answers[q.id], question_id=q.id), source="slack")


def close_round(db: Database) -> None:
    """What the scheduler's close does to the round (its stored team result is tested on its own below)."""
    with db.transaction() as session:
        team = find_team(session, "slack", "T1", "C1")
        assert team is not None
        session.execute(
            update(Round)
            .where(Round.team_id == team.id, Round.status == ROUND_OPEN)
            .values(status=ROUND_CLOSED, closed_at=utcnow())
        )


def summary_of(db: Database, min_respondents: int = 3) -> TeamSummary:
    found = read_summary(db, MODEL, TEAM, min_respondents=min_respondents)
    assert found is not None
    return found


def rendered(summary: TeamSummary) -> str:
    """Everything a channel would see, as one string: Slack's blocks, Teams' card, the chart's alt text."""
    return json.dumps(summary_payload(summary)) + json.dumps(summary_card(summary, None)) + chart_description(summary)


def test_two_rounds_show_the_trend_and_who_took_part(db: Database) -> None:
    for user in ("U1", "U2", "U3"):
        assess(db, user, PERSONAS["faq_level_1"][1])
    close_round(db)
    assess(db, "U1", PERSONAS["faq_level_3"][1])
    assess(db, "U2", PERSONAS["faq_level_3"][1])
    assess(db, "U3", PERSONAS["faq_level_3"][1], finish=False)

    summary = summary_of(db)
    before, now = score_answers(MODEL, PERSONAS["faq_level_1"][1]), score_answers(MODEL, PERSONAS["faq_level_3"][1])
    assert (summary.round_number, summary.previous_round) == (2, 1)
    assert (summary.overall.level, summary.overall.previous, summary.overall.words) == (3, 1, "up from 1")
    assert [(t.level, t.previous) for t in summary.dimensions] == [
        (d.level, before.dimension(d.id).level) for d in now.dimensions
    ]
    assert (summary.finished, summary.members, summary.in_progress) == (2, 3, 1)
    text = lead(summary)
    assert "Up from 1 in round 1." in text and "2 of 3 members finished, 1 still answering." in text
    assert summary.title == f"Team summary, round 2: level 3, {MODEL.level(3).name}"

    close_round(db)
    assess(db, "U1", PERSONAS["faq_level_2"][1])  # round 3 slips back
    slipped = summary_of(db)
    assert (slipped.previous_round, slipped.overall.words, slipped.overall.change) == (
        2,
        "down from 3",
        "▼ down from 3",
    )
    level_2, level_3 = score_answers(MODEL, PERSONAS["faq_level_2"][1]), now
    assert [t.words for t in slipped.dimensions] == [
        "same" if d.level == level_3.dimension(d.id).level else f"down from {level_3.dimension(d.id).level}"
        for d in level_2.dimensions
    ]
    assert "one person's view" in lead(slipped)  # only U1 has finished round 3 so far


def test_a_closed_round_counts_who_finished_and_not_who_is_still_answering(db: Database) -> None:
    assess(db, "U1", PERSONAS["faq_level_2"][1])
    assess(db, "U2", PERSONAS["faq_level_2"][1])
    assess(db, "U3", PERSONAS["faq_level_2"][1], finish=False)
    assert "2 of 3 members finished, 1 still answering." in lead(summary_of(db))
    close_round(db)
    closed = summary_of(db)
    assert closed.in_progress == 0 and "2 of 3 members finished before the round closed." in lead(closed)
    assert "one person's view" not in lead(closed)


def test_the_first_round_has_no_trend_and_its_chart_one_bar_per_dimension(db: Database) -> None:
    assess(db, "U1", PERSONAS["faq_level_2"][1])
    summary = summary_of(db)
    assert summary.previous_round is None
    assert all(t.previous is None and t.change == "" for t in (summary.overall, *summary.dimensions))
    assert "first round, so there is no trend yet" in lead(summary)
    png = summary_chart(summary)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (WIDTH_PX, chart_height(len(MODEL.dimensions)))


def test_disagreements_are_named_only_when_enough_members_answered(db: Database) -> None:
    low, high = PERSONAS["faq_level_0"][1], PERSONAS["faq_level_4"][1]
    assess(db, "U1", low)
    assess(db, "U2", high)
    two = summary_of(db)
    expected = score(MODEL, [low, high]).disagreements
    assert expected and two.disagreements == () and two.hidden_disagreements == len(expected)
    text = rendered(two)
    assert all(d.question not in text for d in expected)  # two people: naming it would tell each the other's answer
    assert f"{len(expected)} question(s) with answers two or more levels apart" in text

    assess(db, "U3", low)
    three = summary_of(db)
    assert three.hidden_disagreements == 0 and len(three.disagreements) == len(expected)
    first = three.disagreements[0]
    lines = next(s for s in sections(three, SLACK) if s.heading == "Where members see it differently").lines
    assert lines[0] == f"{first.question}: answers from level 0 to 4, 4 levels apart"
    assert lines[-1] == f"and {len(expected) - 5} more"  # the first five only; the export has the rest

    stricter = summary_of(db, min_respondents=4)  # the threshold is a setting
    assert stricter.disagreements == () and stricter.hidden_disagreements == len(expected)


def test_plan_progress_next_steps_and_a_pitfall(db: Database) -> None:
    answers = PERSONAS["faq_level_2"][1]
    assess(db, "U1", answers)
    result = score_answers(MODEL, answers)
    first, second = result.next_steps[0], result.next_steps[1]
    now = datetime.now(tz=UTC)
    for investment, status in ((first, DONE), (second, IN_PROGRESS)):
        set_status(
            db,
            platform="slack",
            workspace="T1",
            team="C1",
            investment_id=investment.id,
            status=status,
            by_user="U1",
            source="test",
            now=now,
        )
    summary = summary_of(db)
    assert summary.plan[DONE] == 1 and summary.plan[IN_PROGRESS] == 1
    assert summary.plan.total() == len(result.next_steps)
    assert [i.id for i, _ in summary.next_steps] == [i.id for i in result.next_steps[1:4]]  # the done one is gone
    assert summary.next_steps[0][1] == IN_PROGRESS
    by_heading = {s.heading: s.lines for s in sections(summary, SLACK)}
    plan = by_heading["Plan toward level 3"][0]
    assert plan.startswith(f"1 of {len(result.next_steps)} steps done, 1 in progress")
    assert by_heading["Next steps"][0] == f"*{second.title}* (in progress): {second.why}"
    assert summary.pitfall is not None and summary.pitfall.id == "skipping_monitoring"
    assert by_heading["Watch out: skipping monitoring"] == (summary.pitfall.warning,)
    assert summary.blockers and by_heading["Holding back level 3"] == (SLACK.escape(", ".join(summary.blockers)),)


def test_team_posts_never_show_a_person(db: Database) -> None:
    for user, persona in (("U1", "faq_level_0"), ("U2", "faq_level_4"), ("U3", "faq_level_2")):
        assess(db, user, PERSONAS[persona][1])
    text = rendered(summary_of(db))
    assert all(f"U{n}" not in text and f"person U{n}" not in text for n in (1, 2, 3))
    # The options people picked appear only as levels: no option's label is in the post.
    labels = {o.label for q in MODEL.questions for o in q.options if len(o.label) > 12}
    assert not [label for label in labels if label in text]


def test_the_previous_round_is_what_the_team_was_told_even_after_an_erasure(db: Database) -> None:
    assess(db, "U1", PERSONAS["faq_level_3"][1])
    told = score_answers(MODEL, PERSONAS["faq_level_3"][1])
    save_team_result(db, platform="slack", workspace="T1", team="C1", round_number=1, overall=3, payload=told.to_dict())
    close_round(db)
    assess(db, "U2", PERSONAS["faq_level_2"][1])
    forget(db, user="U1", platform="slack", workspace="T1")  # round 1's answers are gone; its team result stays
    summary = summary_of(db)
    assert (summary.previous_round, summary.overall.previous) == (1, 3)
    assert [t.previous for t in summary.dimensions] == [d.level for d in told.dimensions]

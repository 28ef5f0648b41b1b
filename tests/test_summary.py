"""The team summary's content (SQLite and PostgreSQL): the trend against the previous round, participation,
disagreements only above the respondent threshold, plan progress, a pitfall, next steps; and never anyone's
individual answers or name, in any platform's rendering."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from PIL import Image
from rich.console import Console
from sqlalchemy import update

from bot.app.audit import forget
from bot.app.checkins import mark_plan_item
from bot.app.replies import Style
from bot.app.summary import TeamSummary, chart_description, lead, read_summary, sections
from bot.chart import WIDTH_PX, chart_height, summary_chart
from bot.slack.render import SLACK, summary_payload
from bot.teams.cards import TEAMS, summary_card
from bot.terminal import TERMINAL, render_summary
from checkins.states import PlanStatus, RoundStatus
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from dialogs.turn import run_turn
from scoring.catalog import ModelCatalog
from scoring.model import DEFAULT_MODEL_FILE, default_model, parse_model
from scoring.score import score, score_answers
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.model_versions import model_catalog, stored_text
from storage.models import Round, utcnow
from storage.queries import find_team
from tests.personas import PERSONAS
from tests.storage.helpers import save_team_result
from tests.teams import build

MODEL = default_model()
MODELS = ModelCatalog(MODEL)
TEAM = Participant("slack", "T1", "C1", "U0", team_name="ml-platform")


def assess(
    db: Database,
    user: str,
    answers: dict[str, str],
    *,
    finish: bool = True,
    notes: dict[str, str] | None = None,
    models: ModelCatalog = MODELS,
) -> None:
    """``user`` answers the questions the bot asks for the profile in ``answers`` (all of them, or the first
    three), on the round's model; ``notes`` are sent with the answers, as a card's note field sends them."""
    store = SqlConversationStore(db)
    who = Participant("slack", "T1", "C1", user, user_name=f"person {user}")
    run_turn(store, models, who, Input(Command.START), source="slack")
    model = models.current
    questions = model.questions_for(model.profile_of(answers))
    for q in questions if finish else questions[:3]:
        note = (notes or {}).get(q.id)
        run_turn(store, models, who, Input(Command.ANSWER, answers[q.id], question_id=q.id, note=note), source="slack")


def close_round(db: Database) -> None:
    """What the scheduler's close does to the round (its stored team result is tested on its own below)."""
    with db.transaction() as session:
        team = find_team(session, "slack", "T1", "C1")
        assert team is not None
        session.execute(
            update(Round)
            .where(Round.team_id == team.id, Round.status == RoundStatus.OPEN)
            .values(status=RoundStatus.CLOSED, closed_at=utcnow())
        )


def summary_of(db: Database, min_respondents: int = 3) -> TeamSummary:
    found = read_summary(db, MODELS, TEAM, min_respondents=min_respondents)
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
    assert image.format == "PNG" and image.size == (WIDTH_PX, chart_height(len(MODEL.dimensions_for("online"))))


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
    for investment, status in ((first, PlanStatus.DONE), (second, PlanStatus.IN_PROGRESS)):
        assert mark_plan_item(db, MODELS, Participant("slack", "T1", "C1", "U1"), investment.id, status, now)
    summary = summary_of(db)
    assert summary.plan[PlanStatus.DONE] == 1 and summary.plan[PlanStatus.IN_PROGRESS] == 1
    assert summary.plan.total() == len(result.next_steps)
    assert [i.id for i, _ in summary.next_steps] == [i.id for i in result.next_steps[1:4]]  # the done one is gone
    assert summary.next_steps[0][1] == PlanStatus.IN_PROGRESS
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
    # The options people picked appear only as levels: no option's label is in the post. (The profile is the
    # team's, the majority's choice, and is shown as such.)
    labels = {o.label for q in MODEL.questions if not q.profile for o in q.options if len(o.label) > 12}
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


def texts(node: Any) -> list[str]:
    """Every "text" string in a Slack payload or a Teams card, in order."""
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for v in node.values() for t in texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in texts(v)]
    return []


def layouts(summary: TeamSummary) -> dict[str, tuple[str, Style]]:
    """The summary as each platform lays it out, whitespace normalised, with the escaping that layout uses:
    Slack's blocks, the Teams card and the terminal's console."""
    console = Console(file=io.StringIO(), width=1000, color_system=None, highlight=False)
    render_summary(console, summary)
    terminal = console.file.getvalue()  # type: ignore[attr-defined]
    return {
        "slack": (" ".join(" ".join(texts(summary_payload(summary)["blocks"])).split()), SLACK),
        "teams": (" ".join(" ".join(texts(summary_card(summary, None))).split()), TEAMS),
        "terminal": (" ".join(terminal.split()), TERMINAL),
    }


def shown(text: str, style: Style) -> str:
    """``text`` as a layout shows it: escaped its way (the terminal's rich escape leaves plain words alone)."""
    return " ".join((text if style is TERMINAL else style.escape(text)).split())


NOTE_WITH_LINK = "our registry https://mlflow.example.com/#/models/churn"
NOTE_WITH_LINK_2 = "dashboard: https://grafana.example.com/d/churn-quality"
NOTE_ONLY = "legal signed this off in March"


def assess_three_with_na_gaps_notes_and_two_profiles(db: Database) -> None:
    """Two members run the system online, one sees it as batch scoring. The models make no decisions about
    people (two say so, one gives another reason); nobody knows the cost or the service objectives. Three
    answers carry notes, two of them evidence links."""
    gaps = {"cost_tracking": "dont_know", "service_objectives": "dont_know"}
    online = PERSONAS["faq_level_2"][1] | gaps
    batch = build(MODEL, "batch", 2) | gaps | {"fairness_checks": "na_no_decisions_about_people"}
    assess(
        db,
        "U1",
        online | {"fairness_checks": "na_no_decisions_about_people"},
        notes={"model_versions": NOTE_WITH_LINK, "fairness_checks": NOTE_ONLY},
    )
    assess(db, "U2", online | {"fairness_checks": "na_other"}, notes={"production_monitoring": NOTE_WITH_LINK_2})
    assess(db, "U3", batch)


def test_not_applicable_gaps_notes_and_the_profile_in_every_layout(db: Database) -> None:
    assess_three_with_na_gaps_notes_and_two_profiles(db)
    summary = summary_of(db, min_respondents=3)
    fairness = MODEL.question_by_id["fairness_checks"]
    [na] = summary.not_applicable
    assert na.question_id == "fairness_checks"
    assert [(r, n) for r, _, n in na.reasons] == [("no_decisions_about_people", 2), ("other", 1)]
    assert (summary.knowledge_gaps, summary.notes, summary.links) == (2, 3, 2)
    assert summary.profile == MODEL.profile_option("online").label  # type: ignore[union-attr]
    assert summary.profile_votes == (
        (MODEL.profile_option("online").label, 2),  # type: ignore[union-attr]
        (MODEL.profile_option("batch").label, 1),  # type: ignore[union-attr]
    )
    reasons = MODEL.reason_by_id
    for layout, (text, style) in layouts(summary).items():
        expected_na = f"{fairness.text}: {reasons['no_decisions_about_people'].label} (2), {reasons['other'].label}"
        assert "Not applicable (1), left out of the levels" in text, layout
        assert shown(expected_na, style) in text, layout
        assert '2 question(s) nobody could answer ("don\'t know"), left out.' in text, layout
        assert "3 answer(s) with a note, 2 with an evidence link." in text, layout
        assert shown("Assessed as: Models served online (an API or a stream).", style) in text, layout
        assert "Members see the system differently" in text, layout
        assert (
            shown(
                "2 models served online (an API or a stream), 1 batch scoring (scheduled jobs that write "
                "predictions). Scored as models served online (an API or a stream), what most chose.",
                style,
            )
            in text
        ), layout
        # Counts and reasons, never who: no member, no note's words, no link.
        for private in ("U1", "U2", "U3", "person U", "legal signed", "mlflow.example.com", "grafana.example.com"):
            assert private not in text, (layout, private)


def test_a_profile_disagreement_is_not_shown_below_the_respondent_threshold(db: Database) -> None:
    assess_three_with_na_gaps_notes_and_two_profiles(db)
    summary = summary_of(db, min_respondents=4)
    assert summary.profile_votes == () and summary.result.profile_disagreement  # there is one, but not shown
    for layout, (text, style) in layouts(summary).items():
        assert "Members see the system differently" not in text, layout
        assert "batch scoring" not in text.lower(), layout  # not even the minority's choice
        assert shown("Assessed as: Models served online (an API or a stream).", style) in text, layout
        assert "Not applicable (1), left out of the levels" in text, layout  # the rest is as before


def test_the_trend_across_a_rubric_change_compares_dimensions_by_id(db: Database) -> None:
    """Round 1 is taken on 2026.12 (the version the migration stored), round 2 on the current bank."""
    old = parse_model(stored_text(db, "2026.12") or "", "stored model version 2026.12")
    old_models = model_catalog(db, stored_text(db, "2026.12") or "", old, source="stored")
    old_answers = {q.id: next(o.id for o in q.options if o.level == 1) for q in old.questions}
    old_answers |= {q.id: q.options[3].id for q in old.questions if q.dimension == "data"}  # data at 3
    assess(db, "U1", old_answers, models=old_models)
    close_round(db)
    models = model_catalog(db, DEFAULT_MODEL_FILE.read_text(encoding="utf-8"), MODEL, source="bundled")
    assess(db, "U1", PERSONAS["faq_level_3"][1], models=models)

    summary = read_summary(db, models, TEAM, min_respondents=3)
    assert summary is not None and (summary.round_number, summary.previous_round) == (2, 1)
    before, now = score(old, [old_answers]), score_answers(MODEL, PERSONAS["faq_level_3"][1])
    assert before.dimension("data").level == 3 and before.overall == 1  # scored on 2026.12, as the team was told
    assert summary.rubric_change == ("2026.12", MODEL.version, tuple(MODEL.changes_in(MODEL.version)))
    assert (summary.overall.level, summary.overall.previous) == (now.overall, before.overall)
    old_ids = {d.id for d in old.dimensions}
    assert [(t.name, t.level, t.previous) for t in summary.dimensions] == [
        (d.name, d.level, before.dimension(d.id).level if d.id in old_ids else None) for d in now.dimensions
    ]
    assert next(t for t in summary.dimensions if t.name == now.dimension("data").name).words == "same"
    new_dimension = next(t for t in summary.dimensions if t.name == now.dimension("security").name)
    assert new_dimension.previous is None and new_dimension.change == ""  # new in this version: no trend
    for layout, (text, style) in layouts(summary).items():
        assert "The rubric changed" in text, layout
        assert f"Round 1 used rubric 2026.12, this round {MODEL.version}" in text, layout
        for change in MODEL.changes_in(MODEL.version):
            assert shown(change, style) in text, (layout, change)

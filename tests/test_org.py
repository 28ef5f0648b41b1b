"""The organisation view: levels and dimensions across teams, the most common blocker, overdue teams; admins
only in Slack and Teams, and the terminal's `maturity-bot org`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app.org import org_text, org_view
from bot.slack.render import SLACK
from scoring.catalog import ModelCatalog
from scoring.model import MAX_LEVEL, default_model
from scoring.score import score_answers
from storage.database import Database
from tests.checkin_seed import seed_teams
from tests.personas import PERSONAS
from tests.test_cli import run

MODEL = default_model()
MODELS = ModelCatalog(MODEL)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_the_org_view_counts_teams_and_finds_the_common_blocker_and_the_overdue(db: Database) -> None:
    recent, old = NOW - timedelta(weeks=1), NOW - timedelta(weeks=10)
    seed_teams(db, MODEL, 2, answers=PERSONAS["faq_level_2"][1], due_at=NOW, opened_at=recent, prefix="A")
    seed_teams(db, MODEL, 1, answers=PERSONAS["faq_level_3"][1], due_at=NOW, opened_at=old, prefix="B")
    view = org_view(db, MODELS, platform="slack", workspace="T0001", now=NOW)
    assert (view.teams, view.assessed) == (3, 3)
    assert view.at_level == [0, 0, 2, 1, 0]
    assert sum(view.dimensions[MODEL.dimension_by_id["monitoring"].name]) == 3
    level_2 = score_answers(MODEL, PERSONAS["faq_level_2"][1])
    blocker = MODEL.dimension_by_id[level_2.blockers[0]].name
    assert view.blockers.most_common(1)[0][1] >= 2 and blocker in view.blockers
    assert [(team, weeks) for team, _, weeks in view.overdue] == [("B00000", 10)]  # 10 weeks > the 6-week cadence
    text = org_text(view, SLACK)
    assert "3 team(s) assessed of 3" in text and "<#B00000> (10 weeks)" in text
    assert "UA00000" not in text and "UB00000" not in text  # teams only, never a person


def test_the_terminal_org_view(database_url: str, db: Database) -> None:
    seed_teams(
        db,
        MODEL,
        1,
        answers=PERSONAS["faq_level_1"][1],
        due_at=NOW,
        opened_at=NOW,
        platform="terminal",
        workspace="local",
        prefix="t",
    )
    done = run("org", url=database_url)
    assert done.returncode == 0 and "1 team(s) assessed of 1" in done.stdout


def test_the_org_view_counts_dimensions_not_assessed_apart_from_the_levels(db: Database) -> None:
    """A team that answered "don't know" to every cost question has no cost level: it is counted as not
    assessed, not as level 0, and the team is still counted at its overall level."""
    answers = PERSONAS["faq_level_2"][1]
    seed_teams(db, MODEL, 2, answers=answers, due_at=NOW, opened_at=NOW, prefix="A")
    unknown_cost = answers | {q.id: "dont_know" for q in MODEL.questions_for("online") if q.dimension == "cost"}
    seed_teams(db, MODEL, 1, answers=unknown_cost, due_at=NOW, opened_at=NOW, prefix="B")
    assert score_answers(MODEL, unknown_cost).dimension("cost").level is None
    view = org_view(db, MODELS, platform="slack", workspace="T0001", now=NOW)
    cost = MODEL.dimension_by_id["cost"].name
    level = score_answers(MODEL, answers).dimension("cost").level
    assert level is not None
    expected = [0] * (MAX_LEVEL + 2)
    expected[level], expected[MAX_LEVEL + 1] = 2, 1
    assert view.dimensions[cost] == expected  # two teams at their level, one apart as not assessed
    assert view.at_level == [0, 0, 3, 0, 0]  # the team without a cost level still has its overall level
    levels = " / ".join(str(n) for n in expected[: MAX_LEVEL + 1])
    assert f"• {cost}: {levels} (1 not assessed)" in org_text(view, SLACK)
    monitoring = SLACK.escape(MODEL.dimension_by_id["monitoring"].name)  # "Monitoring &amp; feedback": mrkdwn
    [line] = [line for line in org_text(view, SLACK).splitlines() if line.startswith(f"• {monitoring}: ")]
    assert "not assessed" not in line  # only a dimension some team could not assess says so

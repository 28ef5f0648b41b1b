"""Each team command stated once and run on Slack, Teams and the terminal: they share one router, so a person gets
the same answer wherever they ask (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scoring.model import default_model
from storage.database import Database
from tests.commands_harness import PLATFORMS, Platform, finish, platform
from tests.personas import PERSONAS

MODEL = default_model()


@pytest.fixture(params=PLATFORMS)
def on(request: pytest.FixtureRequest, db: Database, database_url: str) -> Iterator[Platform]:
    with platform(request.param, db, database_url) as found:
        yield found


def test_status_and_plan_before_anyone_has_finished(on: Platform) -> None:
    assert "Nobody in this channel has started the assessment yet" in on.send("status")
    assert on.send("plan").startswith("No plan yet")


def test_status_plan_summary_and_schedule_once_the_team_has_a_result(on: Platform, db: Database) -> None:
    expected, answers = PERSONAS["faq_level_2"]
    finish(db, on.who, answers)
    name = MODEL.level(expected).name_for("online")
    status = on.send("status")
    assert f"Team level {expected}, {name}." in status and "Round 1: 1 finished, 0 in progress." in status
    assert f"The plan toward level {expected + 1}" in on.send("plan")
    summary = on.send("summary")
    assert f"Team summary, round 1: level {expected}, {name}" in summary
    schedule = on.send("schedule")
    if on.name == "terminal":  # nothing can deliver a check-in to a terminal
        assert "no check-ins" in schedule
    else:
        assert "Check-ins" in schedule


def test_help_and_a_typo_answer_in_each_platforms_words(on: Platform) -> None:
    assert "MLOps maturity assessment" in on.send("help")
    typo = on.send("stauts")
    assert "I don't know" in typo and "Did you mean" in typo and "status" in typo


def test_the_organisation_view_is_for_admins_only(on: Platform, db: Database) -> None:
    _, answers = PERSONAS["faq_level_1"]
    finish(db, on.who, answers)
    shown = on.send("org")
    if on.name == "terminal":  # the person at the terminal administers the local workspace
        assert "Organisation view: 1 team(s) assessed of 1" in shown
    else:
        assert "is for workspace admins" in shown and "Organisation view" not in shown

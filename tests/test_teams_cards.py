"""Every kind of Adaptive Card the bot sends to Teams, parsed by Microsoft's own library (the npm package
``adaptivecards``, schema 1.5, run with Node.js) as Teams clients parse them, and laid out
so that a phone shows every word a person must read: action titles do not wrap in Teams. (Node.js runs the parser:
see tests/teams_validators.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.app.checkins import Current
from bot.app.notices import Action, Notice
from bot.teams.cards import (
    answered_card,
    notice_activity,
    question_card,
    result_card,
    schedule_card,
    summary_activity,
    summary_card,
)
from checkins.cadence import Cadence
from dialogs.engine import question_view
from dialogs.state import ConversationState
from scoring.model import default_model
from scoring.score import score_answers
from storage.database import Database
from tests import teams_validators
from tests.personas import PERSONAS
from tests.test_summary import assess_three_with_na_gaps_notes_and_two_profiles, summary_of

MODEL = default_model()
PHONE_TITLE = 20  # characters an action title may have and still show whole on a 320 px wide phone
Card = dict[str, Any]


def parse_cards(cards: list[Card]) -> list[list[dict[str, Any]]]:
    """What Microsoft's parser objects to in each card (microsoft_validators/cards.js)."""
    return list(teams_validators.run("cards.js", cards))


def question_cards() -> Iterator[tuple[str, Card]]:
    """Every question of the bank as its card: unanswered, and answered with a note and revisited after a skip."""
    profile = MODEL.profile_question
    assert profile is not None
    for question in MODEL.questions:
        first = MODEL.choices(question)[0].id
        fresh = ConversationState(pending=[question.id])
        yield question.id, question_card(question_view(MODEL, fresh, question.id), "C1", 1)
        again = ConversationState(
            pending=[question.id],
            answers={profile.id: "online", question.id: first},
            notes={question.id: {"text": "see the runbook https://wiki.example/x"}},
            skipped=[question.id],
        )
        yield f"{question.id} answered", question_card(question_view(MODEL, again, question.id), "C1", 2)


def every_card(db: Database) -> list[tuple[str, Card]]:
    cards = list(question_cards())
    cards.append(("answered", answered_card(MODEL.questions[1].text, MODEL.choices(MODEL.questions[1])[2].label)))
    for name, (_, answers) in PERSONAS.items():
        cards.append((f"result {name}", result_card(score_answers(MODEL, answers), title="Your result")))
    assess_three_with_na_gaps_notes_and_two_profiles(db)
    summary = summary_of(db, min_respondents=2)
    cards.append(("summary", summary_card(summary, b"\x89PNG fake")))
    cards.append(("summary check-in", summary_activity(summary, None, text="Round 1 closed.").attachments[0].content))
    plan = tuple(Action(label, "plan", status) for label, status in (("Done", "done"), ("Snooze", "snoozed")))
    notices = {
        "nudge": Notice("This week's step: a model registry.", plan, investment="model_registry"),
        "invitation": Notice("Round 2 is open.", (Action("Start", "start"),)),
        "plain": Notice("Check-ins are on for this team."),
    }
    for name, notice in notices.items():
        cards.append((f"notice {name}", notice_activity(notice, team="C1").attachments[0].content))
    for paused in (False, True):
        current = Current(paused, Cadence(), may_change=True)
        cards.append((f"schedule paused={paused}", schedule_card(current, "C1")))
    return cards


def test_every_card_parses_clean_with_microsofts_adaptive_cards_library(db: Database) -> None:
    cards = every_card(db)
    problems = parse_cards([card for _, card in cards])
    found = {name: issues for (name, _), issues in zip(cards, problems, strict=True) if issues}
    assert found == {}
    assert len(cards) > 2 * len(MODEL.questions)


def test_the_parser_does_object_to_a_broken_card() -> None:
    """What the test above relies on: the library reports unknown elements and inputs without an id."""
    broken = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Bogus"}, {"type": "Input.Text"}]}
    [issues] = parse_cards([broken])
    assert len(issues) == 2


def titles(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action.") and isinstance(node.get("title"), str):
            yield node["title"]
        for value in node.values():
            yield from titles(value)
    elif isinstance(node, list):
        for value in node:
            yield from titles(value)


def text_blocks(card: Card) -> list[str]:
    return [b["text"] for b in card["body"] if b["type"] == "TextBlock" and b.get("wrap")]


@pytest.mark.parametrize("question", MODEL.questions, ids=lambda q: q.id)
def test_a_phone_shows_every_option_in_full_and_only_short_titles_on_buttons(question: Any) -> None:
    card = question_card(question_view(MODEL, ConversationState(pending=[question.id]), question.id), "C1", 1)
    assert all(len(title) <= PHONE_TITLE for title in titles(card)), list(titles(card))
    listed = text_blocks(card)
    for n, choice in enumerate(MODEL.choices(question), start=1):
        assert f"{n}. {choice.label}" in listed  # wrapped, so nothing is cut off

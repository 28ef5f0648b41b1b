"""The conversation engine, replayed as transcripts of (what the person types, what the bot must say)."""

from __future__ import annotations

import pytest

from dialogs.engine import handle
from dialogs.messages import Command, Input, Kind
from dialogs.parse import match_option, parse_text
from dialogs.state import ConversationState, Phase
from scoring.model import DONT_KNOW, MaturityModel, default_model
from scoring.score import score_answers


@pytest.fixture(scope="module")
def model() -> MaturityModel:
    return default_model()


def replay(model: MaturityModel, dialog: list[tuple[str | Input, str]], state: ConversationState | None = None):
    """Zulip-style: each typed line (or button Input) must produce a reply containing the expected text."""
    state = state or ConversationState()
    for said, expected in dialog:
        step = handle(model, state, parse_text(said) if isinstance(said, str) else said)
        reply = "\n".join(m.text for m in step.messages)
        assert expected in reply, f"after {said!r} expected {expected!r} in:\n{reply}"
        state = step.state
    return state


def test_a_short_walk_through_every_command(model: MaturityModel) -> None:
    q1, q2 = model.questions[0], model.questions[1]
    total = len(model.questions)
    dim1 = model.dimension_by_id[q1.dimension].name
    state = replay(
        model,
        [
            ("start", f"question 1 of {total}, {dim1}"),
            ("why", q1.why),
            ("what?", "couldn't match"),
            ("2", f"question 2 of {total}"),
            ("back", q1.text),
            ("back", "There is nothing before this question."),
            ("a", q2.text),
            ("skip", "it will come back at the end"),
            ("stop", "Paused with 1 answer(s) saved"),
            ("stop", "Already paused"),
            ("resume", "Welcome back: 1 answer(s) saved"),
            ("help", "skip"),
        ],
    )
    assert state.answers == {q1.id: q1.choices[0].id}
    assert state.skipped == [q2.id]
    assert state.pending[-1] == q2.id
    assert state.phase is Phase.ASKING


def test_back_shows_the_answer_already_given(model: MaturityModel) -> None:
    state = replay(model, [("start", "question 1"), ("3", "question 2")])
    step = handle(model, state, Input(Command.BACK))
    view = step.messages[-1].question
    assert view is not None and view.id == model.questions[0].id
    assert view.current_answer == model.questions[0].choices[2].id


def test_answer_by_id_number_letter_label_and_keyword(model: MaturityModel) -> None:
    q = model.questions[0]
    target = q.options[3]
    assert match_option(q, target.id).option == target
    assert match_option(q, "4").option == target
    assert match_option(q, "D").option == target
    assert match_option(q, target.label.upper()).option == target
    assert match_option(q, f"we have {target.keywords[0]} here").option == target
    assert match_option(q, "I don't know").option.id == DONT_KNOW  # type: ignore[union-attr]
    assert match_option(q, "99").option is None
    assert match_option(q, "").option is None


def test_every_keyword_and_label_picks_its_own_option(model: MaturityModel) -> None:
    """Typed as a person would (through the command parser), so a keyword shadowed by a command word fails."""
    for q in model.questions:
        for option in q.choices:
            for typed in (*option.keywords, option.label):
                inp = parse_text(typed)
                assert inp.command is Command.ANSWER, (q.id, typed)
                assert match_option(q, inp.value).option == option, (q.id, typed)


@pytest.mark.parametrize(
    "typed", ["no drift monitoring", "we don't monitor drift", "not yet", "90 days", "²", "①", "1.5", "-1"]
)
def test_negations_numbers_and_odd_digits_never_guess(model: MaturityModel, typed: str) -> None:
    for q in model.questions:
        assert match_option(q, typed).option is None, (q.id, typed)
    step = handle(model, replay(model, [("start", "question 1")]), parse_text(typed))
    assert step.messages[0].kind is Kind.HINT


def test_skipped_question_comes_back_at_the_end_and_can_be_left_out(model: MaturityModel) -> None:
    first = model.questions[0]
    state = replay(model, [("start", "question 1"), ("skip", "come back at the end")])
    for _ in model.questions[1:]:
        state = handle(model, state, parse_text("2")).state
    step = handle(model, state, parse_text("x y z"))  # nonsense on the returning question: same question again
    assert step.messages[-1].question and step.messages[-1].question.revisit
    step = handle(model, step.state, parse_text("skip"))
    assert step.state.phase is Phase.FINISHED
    assert step.result is not None and step.result.unanswered == (first.id,)
    assert any("unanswered" in m.text for m in step.messages)
    reopened = handle(model, step.state, parse_text("back"))  # a question left out is still within reach
    assert reopened.state.pending == [first.id] and reopened.state.phase is Phase.ASKING
    done = handle(model, reopened.state, parse_text("1"))
    assert done.result is not None and done.result.unanswered == ()


def test_a_skipped_question_can_be_answered_from_its_own_button(model: MaturityModel) -> None:
    q1, q2 = model.questions[0], model.questions[1]
    state = replay(
        model, [("start", "question 1"), ("skip", "come back"), ("back", "skipped questions come back at the end")]
    )
    step = handle(model, state, Input(Command.ANSWER, q1.options[2].id, question_id=q1.id))
    assert step.state.answers == {q1.id: q1.options[2].id}
    assert step.state.skipped == [] and q1.id not in step.state.pending
    assert step.messages[-1].question is not None and step.messages[-1].question.id == q2.id


def test_finishing_gives_the_scored_result_and_back_reopens(model: MaturityModel) -> None:
    state = replay(model, [("start", "question 1")])
    for _ in model.questions:
        step = handle(model, state, parse_text("5"))
        state = step.state
    assert step.result is not None and step.result.overall == 4
    assert step.messages[-1].kind is Kind.RESULT
    state = replay(model, [("start", "You have finished"), ("9", "finished")], state)
    step = handle(model, state, parse_text("back"))
    assert step.state.phase is Phase.ASKING and step.state.pending == [model.questions[-1].id]
    step = handle(model, step.state, parse_text("1"))
    assert step.result is not None and step.result.overall < 4


def test_restart_starts_a_new_attempt_with_no_answers(model: MaturityModel) -> None:
    state = replay(model, [("start", "question 1"), ("2", "question 2"), ("restart", "question 1 of")])
    assert state.attempt == 2 and state.answers == {} and state.history == []


def test_a_stale_or_repeated_click_changes_nothing(model: MaturityModel) -> None:
    q1 = model.questions[0]
    state = replay(model, [("start", "question 1")])
    click = Input(Command.ANSWER, q1.options[1].id, question_id=q1.id)
    state = handle(model, state, click).state
    again = handle(model, state, click)
    assert again.state.answers == state.answers and again.state.history == state.history
    assert "already saved" in again.messages[0].text
    other = handle(model, state, Input(Command.ANSWER, q1.options[4].id, question_id=q1.id))
    assert other.state.answers[q1.id] == q1.options[1].id
    assert "no longer the current one" in other.messages[0].text


def test_a_paused_conversation_resumes_on_any_answer(model: MaturityModel) -> None:
    state = replay(model, [("start", "question 1"), ("stop", "Paused")])
    step = handle(model, state, parse_text("1"))
    assert step.state.phase is Phase.ASKING and model.questions[0].id in step.state.answers


def test_state_from_an_older_bank_is_repaired_not_fatal(model: MaturityModel) -> None:
    old = ConversationState(
        phase=Phase.ASKING, pending=["removed_question", model.questions[0].id], answers={"gone": "x"}
    )
    step = handle(model, old, parse_text("1"))
    assert "gone" not in step.state.answers and "removed_question" not in step.state.pending


def test_handle_never_mutates_the_callers_state(model: MaturityModel) -> None:
    state = replay(model, [("start", "question 1")])
    before = state.model_dump()
    handle(model, state, parse_text("1"))
    assert state.model_dump() == before


def test_engine_result_matches_direct_scoring(model: MaturityModel) -> None:
    answers = {q.id: q.options[i % 5].id for i, q in enumerate(model.questions)}
    state = replay(model, [("start", "question 1")])
    for q in model.questions:
        step = handle(model, state, Input(Command.ANSWER, answers[q.id], question_id=q.id))
        state = step.state
    assert step.result == score_answers(model, answers)


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("Skip", Command.SKIP),
        ("/back", Command.BACK),
        ("why?", Command.WHY),
        ("QUIT", Command.STOP),
        ("start over", Command.RESTART),
        ("continue", Command.RESUME),
        ("3", Command.ANSWER),
    ],
)
def test_command_words(typed: str, command: Command) -> None:
    assert parse_text(typed).command is command

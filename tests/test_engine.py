"""The conversation engine, replayed as transcripts of (what the person types, what the bot must say)."""

from __future__ import annotations

import pytest

from dialogs.engine import handle
from dialogs.messages import Command, Input, Kind
from dialogs.parse import match_option, parse_text
from dialogs.state import ConversationState, Note, Phase
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


def online(model: MaturityModel) -> ConversationState:
    """Started, with "models served online" picked."""
    return replay(model, [("start", "question 1 of up to 26"), ("1", "25 questions fit")])


def test_the_profile_question_comes_first_and_decides_the_rest(model: MaturityModel) -> None:
    asked = model.questions_for("batch")
    state = replay(
        model,
        [
            ("start", "What is the main ML system this team is assessing?"),
            ("skip", "cannot be skipped"),
            ("dont know", "couldn't match"),
            ("batch", "25 questions fit"),
        ],
    )
    assert state.answers == {"system_type": "batch"}
    assert state.pending == [q.id for q in asked[1:]]
    assert "rollout_batch" in state.pending and "rollout_online" not in state.pending
    step = handle(model, state, Input(Command.BACK))
    view = step.messages[-1].question
    assert view is not None and view.profile and "Skip" not in step.messages[-1].text


def test_changing_the_profile_replans_in_bank_order_and_keeps_passed_questions(model: MaturityModel) -> None:
    state = online(model)
    state = replay(
        model, [("2", "question 3 of 26"), ("back", "question 2 of 26"), ("back", "about your system")], state
    )
    state = replay(model, [("an application built on llms", "25 questions fit")], state)
    llm = [q.id for q in model.questions_for("llm")]
    assert state.pending == [q for q in llm[1:] if q not in state.history]
    assert "prompt_versioning" in state.pending and "rollout_batch" not in state.pending
    assert "data_pipeline" not in state.pending + state.history, "an online-only question leaves the plan"
    assert state.answers["data_pipeline"], "its answer stays stored, but does not count for an LLM team"


def test_a_short_walk_through_every_command(model: MaturityModel) -> None:
    asked = model.questions_for("online")
    q2, q3 = asked[1], asked[2]
    dim2 = model.dimension_by_id[q2.dimension or ""].name
    state = replay(
        model,
        [
            ("start", "question 1 of up to 26, about your system"),
            ("1", f"question 2 of 26, {dim2}"),
            ("why", q2.why),
            ("what?", "couldn't match"),
            ("2", "question 3 of 26"),
            ("back", q2.text),
            ("a", q3.text),
            ("skip", "it will come back at the end"),
            ("stop", "Paused with 2 answer(s) saved"),
            ("stop", "Already paused"),
            ("resume", "Welcome back: 2 answer(s) saved"),
            ("help", "note ..."),
        ],
    )
    assert state.answers == {"system_type": "online", q2.id: q2.options[0].id}
    assert state.skipped == [q3.id] and state.pending[-1] == q3.id
    assert state.phase is Phase.ASKING


def test_not_applicable_with_a_reason(model: MaturityModel) -> None:
    state = build_state(model, "online", until="fairness_checks")
    fairness = model.question_by_id["fairness_checks"]
    options = model.choices(fairness)
    state = replay(
        model,
        [
            ("n/a", "That fits more than one option"),
            ("Not applicable: its outputs do not affect people", "left out of the score and listed"),
        ],
        state,
    )
    assert state.answers["fairness_checks"] == "na_no_decisions_about_people"
    assert [o.id for o in options if o.not_applicable] == ["na_no_decisions_about_people", "na_other"]
    assert options[-1].id == DONT_KNOW


def test_typed_na_on_a_question_every_team_needs_says_so(model: MaturityModel) -> None:
    state = online(model)
    replay(model, [("n/a", 'it has no "not applicable" answer')], state)


def test_dont_know_is_saved_and_says_who_could_answer(model: MaturityModel) -> None:
    state = replay(model, [("I don't know", "the data engineer who owns the pipelines")], online(model))
    assert state.answers["data_pipeline"] == DONT_KNOW


def test_a_note_and_an_evidence_link_go_with_the_last_answer(model: MaturityModel) -> None:
    state = replay(
        model,
        [
            ("note", "Type note and the note or a link"),
            ("2", "question 3 of 26"),
            ("note ftp://files.example.com/x", "ftp:// address is kept as text"),
            ("note see https://mlflow.example.com/#/models/churn.", "Note kept with your answer to"),
            ("note see https://mlflow.example.com/#/models/churn.", "already kept"),
        ],
        online(model),
    )
    assert state.notes == {
        "data_pipeline": Note(
            text="see https://mlflow.example.com/#/models/churn.", link="https://mlflow.example.com/#/models/churn"
        )
    }
    assert state.pending[0] == "data_quality", "a note moves nothing"
    back = handle(model, state, Input(Command.BACK))
    assert back.messages[-1].question and back.messages[-1].question.current_note == state.notes["data_pipeline"].text
    cleared = replay(model, [("note clear", "Note removed")], back.state)
    assert cleared.notes == {}


def test_a_note_sent_with_an_answer_from_a_card(model: MaturityModel) -> None:
    state = online(model)
    click = Input(Command.ANSWER, "versioned_datasets", question_id="data_pipeline", note="DVC: https://dvc.example/x")
    step = handle(model, state, click)
    assert step.state.notes["data_pipeline"] == Note(text="DVC: https://dvc.example/x", link="https://dvc.example/x")
    assert [m.kind for m in step.messages] == [Kind.RECORDED, Kind.NOTE, Kind.QUESTION]
    recorded = step.messages[0]
    assert recorded.question_text == model.question_by_id["data_pipeline"].text
    assert recorded.answer_label == model.option("data_pipeline", "versioned_datasets").label  # type: ignore[union-attr]


def test_a_note_is_kept_to_five_hundred_characters(model: MaturityModel) -> None:
    state = replay(model, [("2", "question 3"), ("note " + "x" * 600, "shortened to 500 characters")], online(model))
    assert len(state.notes["data_pipeline"].text) == 500


def test_a_pasted_wall_of_text_is_read_only_so_far(model: MaturityModel) -> None:
    """The link search never scans more than a bounded prefix, so a 40,000-character DM costs no more than a
    short one (the regular expressions are bounded as well)."""
    state = replay(model, [("2", "question 3"), ("note " + "a." * 20_000, "shortened")], online(model))
    assert state.notes["data_pipeline"].text == "a." * 250 and state.notes["data_pipeline"].link is None


def test_a_form_link_is_checked_as_given_and_kept_apart_from_the_text(model: MaturityModel) -> None:
    state = replay(model, [("2", "question 3")], online(model))
    bad = handle(model, state, Input(Command.NOTE, "see the audit", question_id="data_pipeline", link="s3://b/k"))
    assert bad.messages[0].kind is Kind.HINT and bad.state.notes == {}
    good = Input(Command.NOTE, "see the audit", question_id="data_pipeline", link="https://audit.example/7")
    step = handle(model, state, good)
    assert step.state.notes["data_pipeline"] == Note(text="see the audit", link="https://audit.example/7")
    assert "(evidence link: https://audit.example/7)" in step.messages[0].text


def test_back_shows_the_answer_already_given(model: MaturityModel) -> None:
    state = replay(model, [("3", "question 3")], online(model))
    step = handle(model, state, Input(Command.BACK))
    view = step.messages[-1].question
    assert view is not None and view.id == "data_pipeline" and view.current_answer == "versioned_datasets"


def test_answer_by_id_number_letter_label_and_keyword(model: MaturityModel) -> None:
    options = model.choices(model.question_by_id["data_pipeline"])
    target = options[3]
    assert match_option(options, target.id).option == target
    assert match_option(options, "4").option == target
    assert match_option(options, "D").option == target
    assert match_option(options, target.label.upper()).option == target
    assert match_option(options, f"we have {target.keywords[0]} here").option == target
    assert match_option(options, "I don't know").option.id == DONT_KNOW  # type: ignore[union-attr]
    assert match_option(options, "99").option is None
    assert match_option(options, "").option is None


def test_every_keyword_and_label_picks_its_own_option(model: MaturityModel) -> None:
    """Typed as a person would (through the command parser), so a keyword shadowed by a command word fails."""
    for q in model.questions:
        options = model.choices(q)
        for option in options:
            for typed in (*option.keywords, option.label):
                inp = parse_text(typed)
                assert inp.command is Command.ANSWER, (q.id, typed)
                assert match_option(options, inp.value).option == option, (q.id, typed)


@pytest.mark.parametrize(
    "typed", ["no drift monitoring", "we don't monitor drift", "not yet", "90 days", "²", "①", "1.5", "-1"]
)
def test_negations_numbers_and_odd_digits_never_guess(model: MaturityModel, typed: str) -> None:
    for q in model.questions:
        assert match_option(model.choices(q), typed).option is None, (q.id, typed)
    step = handle(model, online(model), parse_text(typed))
    assert step.messages[0].kind is Kind.HINT


def build_state(model: MaturityModel, profile: str, *, until: str) -> ConversationState:
    """Answered at level 2 up to (not including) question ``until``."""
    state = replay(model, [("start", "question 1"), (profile, "questions fit")])
    while state.pending[0] != until:
        state = handle(model, state, parse_text("3")).state
    return state


def test_skipped_question_comes_back_at_the_end_and_can_be_left_out(model: MaturityModel) -> None:
    asked = model.questions_for("online")
    first = asked[1]
    state = replay(model, [("skip", "come back at the end")], online(model))
    for _ in asked[2:]:
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
    asked = model.questions_for("online")
    q2, q3 = asked[1], asked[2]
    state = replay(model, [("skip", "come back")], online(model))
    step = handle(model, state, Input(Command.ANSWER, q2.options[2].id, question_id=q2.id))
    assert step.state.answers[q2.id] == q2.options[2].id
    assert step.state.skipped == [] and q2.id not in step.state.pending
    assert step.messages[-1].question is not None and step.messages[-1].question.id == q3.id


def test_finishing_gives_the_scored_result_and_back_reopens(model: MaturityModel) -> None:
    asked = model.questions_for("online")
    state = online(model)
    for _ in asked[1:]:
        step = handle(model, state, parse_text("5"))
        state = step.state
    assert step.result is not None and step.result.overall == 4
    assert step.messages[-1].kind is Kind.RESULT
    state = replay(model, [("start", "You have finished"), ("9", "finished")], state)
    step = handle(model, state, parse_text("back"))
    assert step.state.phase is Phase.ASKING and step.state.pending == [asked[-1].id]
    step = handle(model, step.state, parse_text("1"))
    assert step.result is not None and step.result.overall < 4


def test_restart_starts_a_new_attempt_with_no_answers_or_notes(model: MaturityModel) -> None:
    state = replay(model, [("2", "question 3"), ("note why", "Note kept"), ("restart", "question 1 of")], online(model))
    assert state.attempt == 2 and state.answers == {} and state.history == [] and state.notes == {}


def test_a_stale_or_repeated_click_changes_nothing(model: MaturityModel) -> None:
    q = model.question_by_id["data_pipeline"]
    state = online(model)
    click = Input(Command.ANSWER, q.options[1].id, question_id=q.id)
    state = handle(model, state, click).state
    again = handle(model, state, click)
    assert again.state.answers == state.answers and again.state.history == state.history
    assert "already saved" in again.messages[0].text
    other = handle(model, state, Input(Command.ANSWER, q.options[4].id, question_id=q.id))
    assert other.state.answers[q.id] == q.options[1].id
    assert "no longer the current one" in other.messages[0].text


def test_a_click_on_a_question_the_profile_no_longer_asks_changes_nothing(model: MaturityModel) -> None:
    state = replay(model, [("back", "about your system"), ("batch", "questions fit")], online(model))
    step = handle(model, state, Input(Command.ANSWER, "overwritten", question_id="rollout_online"))
    assert "rollout_online" not in step.state.answers and "no longer the current one" in step.messages[0].text


def test_a_paused_conversation_resumes_on_any_answer(model: MaturityModel) -> None:
    state = replay(model, [("stop", "Paused")], online(model))
    step = handle(model, state, parse_text("1"))
    assert step.state.phase is Phase.ASKING and "data_pipeline" in step.state.answers


def test_state_from_an_older_bank_is_repaired_not_fatal(model: MaturityModel) -> None:
    old = ConversationState(
        phase=Phase.ASKING,
        pending=["removed_question", "data_pipeline"],
        answers={"gone": "x", "system_type": "online"},
        notes={"gone": Note(text="old")},
    )
    step = handle(model, old, parse_text("1"))
    assert "gone" not in step.state.answers and "removed_question" not in step.state.pending
    assert step.state.notes == {}


def test_handle_never_mutates_the_callers_state(model: MaturityModel) -> None:
    state = online(model)
    before = state.model_dump()
    handle(model, state, parse_text("1"))
    handle(model, state, parse_text("note x"))
    assert state.model_dump() == before


def test_engine_result_matches_direct_scoring(model: MaturityModel) -> None:
    asked = model.questions_for("llm")
    answers = {q.id: model.choices(q)[i % len(model.choices(q))].id for i, q in enumerate(asked)}
    answers["system_type"] = "llm"
    state = replay(model, [("start", "question 1")])
    for q in asked:
        step = handle(model, state, Input(Command.ANSWER, answers[q.id], question_id=q.id))
        state = step.state
    assert step.result == score_answers(model, answers)


@pytest.mark.parametrize(
    ("typed", "command", "value"),
    [
        ("Skip", Command.SKIP, ""),
        ("/back", Command.BACK, ""),
        ("why?", Command.WHY, ""),
        ("QUIT", Command.STOP, ""),
        ("start over", Command.RESTART, ""),
        ("continue", Command.RESUME, ""),
        ("3", Command.ANSWER, "3"),
        ("note see the runbook", Command.NOTE, "see the runbook"),
        ("Note: https://x.example", Command.NOTE, "https://x.example"),
        ("notebooks", Command.ANSWER, "notebooks"),
    ],
)
def test_command_words(typed: str, command: Command, value: str) -> None:
    parsed = parse_text(typed)
    assert parsed.command is command and parsed.value == value

"""Property-based tests: whatever people type, the engine never raises and its state stays valid; the order of
answers and of members never changes a result; and "not applicable" or "don't know" never lowers a level."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.engine import handle, planned
from dialogs.messages import Command, Input
from dialogs.parse import parse_text
from dialogs.state import ConversationState, Phase
from scoring.model import DONT_KNOW, MaturityModel, default_model
from scoring.score import Result, score, score_answers

MODEL: MaturityModel = default_model()
QIDS = [q.id for q in MODEL.questions]
PROFILES = [o.id for o in MODEL.profile_options]


def assert_valid(model: MaturityModel, state: ConversationState) -> None:
    plan = {q.id for q in planned(model, state)}
    assert len(state.pending) == len(set(state.pending))
    assert len(state.history) == len(set(state.history))
    assert not set(state.pending) & set(state.history)
    assert set(state.pending) | set(state.history) | set(state.skipped) <= plan
    for qid, oid in state.answers.items():
        assert model.option(qid, oid) is not None
    assert set(state.notes) <= set(state.answers)
    for note in state.notes.values():
        assert len(note.text) <= 500 and (note.link is None or note.link.startswith(("http://", "https://")))
    if state.phase is not Phase.NEW:
        assert set(state.pending) | set(state.history) | set(state.skipped) == plan
    if state.phase is Phase.ASKING:
        assert state.pending
    if state.phase is Phase.FINISHED:
        assert not state.pending
    assert state.attempt >= 1


typed_lines = st.one_of(
    st.sampled_from(["start", "back", "skip", "why", "help", "stop", "resume", "restart", "?", "/skip", "next"]),
    st.sampled_from(["n/a", "dont know", "note see https://x.example/y", "note ftp://x", "note clear", "note"]),
    st.integers(-2, 9).map(str),
    st.sampled_from(list("abcdefgz")),
    st.text(max_size=30),
)
clicks = st.builds(
    lambda qid, n, note: Input(
        Command.ANSWER,
        MODEL.choices(MODEL.question_by_id[qid])[n % len(MODEL.choices(MODEL.question_by_id[qid]))].id,
        question_id=qid,
        note=note,
    ),
    st.sampled_from(QIDS),
    st.integers(0, 8),
    st.one_of(st.none(), st.text(max_size=40)),
)
any_input = st.one_of(typed_lines.map(parse_text), clicks, st.sampled_from(list(Command)).map(Input))


@settings(max_examples=300, deadline=None)
@given(st.lists(any_input, max_size=80))
def test_any_sequence_of_inputs_never_raises_and_keeps_state_valid(inputs: list[Input]) -> None:
    state = ConversationState()
    for inp in inputs:
        step = handle(MODEL, state, inp)
        assert step.messages, f"no reply to {inp}"
        assert_valid(MODEL, step.state)
        state = ConversationState.model_validate(step.state.model_dump(mode="json"))  # as storage would


@st.composite
def answer_sets(draw: st.DrawFn, profile: str | None = None) -> dict[str, str]:
    """A member's answers for a profile: each question answered with any choice, or left out."""
    chosen = profile or draw(st.sampled_from(PROFILES))
    found = {"system_type": chosen}
    for question in MODEL.questions_for(chosen)[1:]:
        options = [o.id for o in MODEL.choices(question)]
        answer = draw(st.one_of(st.none(), st.sampled_from(options)))
        if answer is not None:
            found[question.id] = answer
    return found


@settings(max_examples=150, deadline=None)
@given(answer_sets(), st.data())
def test_answering_in_any_order_gives_the_canonical_result(answers: dict[str, str], data: st.DataObject) -> None:
    """Skipping some questions to the end and stepping back to re-answer others reorders the answers; the
    result must equal that of scoring the same answers directly."""
    asked = [q.id for q in MODEL.questions_for(answers["system_type"])]
    full = {q: answers.get(q, DONT_KNOW) for q in asked}
    skip_first = data.draw(st.sets(st.sampled_from(asked[1:])))
    go_back = iter(data.draw(st.lists(st.booleans(), max_size=60)))
    step = handle(MODEL, ConversationState(), Input(Command.START))
    for _ in range(len(asked) * 2 + 130):
        state = step.state
        if state.phase is Phase.FINISHED:
            break
        qid = state.pending[0]
        if qid in skip_first and qid not in state.skipped and qid not in state.answers:
            step = handle(MODEL, state, Input(Command.SKIP))
        elif state.history and next(go_back, False):
            step = handle(MODEL, state, Input(Command.BACK))
        else:
            step = handle(MODEL, state, Input(Command.ANSWER, full[qid], question_id=qid))
    assert step.state.phase is Phase.FINISHED
    assert step.state.answers == full
    assert step.result == score_answers(MODEL, dict(reversed(list(full.items()))))


def _levels(result: Result) -> tuple[int, dict[str, int]]:
    return result.overall, {d.id: d.level for d in result.dimensions if d.level is not None}


@settings(max_examples=300, deadline=None)
@given(st.lists(answer_sets("online"), min_size=1, max_size=4), st.data())
def test_adding_a_not_applicable_or_dont_know_answer_never_lowers_a_level(
    members: list[dict[str, str]], data: st.DataObject
) -> None:
    member = data.draw(st.integers(0, len(members) - 1))
    open_questions = [q for q in MODEL.questions_for("online")[1:] if q.id not in members[member]]
    if not open_questions:
        return
    question = data.draw(st.sampled_from(open_questions))
    unscored = [o.id for o in MODEL.choices(question) if o.level is None]
    added = [dict(m) for m in members]
    added[member][question.id] = data.draw(st.sampled_from(unscored))
    before_overall, before = _levels(score(MODEL, members))
    after_overall, after = _levels(score(MODEL, added))
    assert after_overall >= before_overall
    for dimension, level in after.items():
        assert level >= before.get(dimension, level), dimension


@settings(max_examples=150, deadline=None)
@given(st.lists(answer_sets(), min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_the_order_of_members_never_changes_a_team_result(members: list[dict[str, str]], shuffle) -> None:
    shuffled = list(members)
    shuffle.shuffle(shuffled)
    assert score(MODEL, shuffled) == score(MODEL, members)


@settings(max_examples=200, deadline=None)
@given(answer_sets())
def test_every_answer_short_of_the_next_gate_gets_a_step(answers: dict[str, str]) -> None:
    from scoring.score import Status, blockers, overall_level, score_dimensions

    profile = answers["system_type"]
    dimensions, by_question = score_dimensions(MODEL, [answers], profile)
    dims = {d.id: d for d in dimensions}
    reached = overall_level(MODEL, dims, by_question)
    short = {
        qid
        for ids in blockers(MODEL, dims, by_question, reached).values()
        for qid in ids
        if by_question[qid].status is Status.SCORED
    }
    stepped = {qid for step in score_answers(MODEL, answers).next_steps for qid in step.questions}
    assert short <= stepped

"""Property-based tests: whatever people type, the engine never raises and its state stays valid; and the order
in which questions get answered never changes the result."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.engine import handle
from dialogs.messages import Command, Input
from dialogs.parse import parse_text
from dialogs.state import ConversationState, Phase
from scoring.model import MaturityModel, default_model
from scoring.score import score_answers

MODEL: MaturityModel = default_model()
QIDS = [q.id for q in MODEL.questions]


def assert_valid(model: MaturityModel, state: ConversationState) -> None:
    known = set(QIDS)
    assert len(state.pending) == len(set(state.pending))
    assert len(state.history) == len(set(state.history))
    assert not set(state.pending) & set(state.history)
    assert set(state.pending) | set(state.history) | set(state.skipped) <= known
    for qid, oid in state.answers.items():
        assert model.question_by_id[qid].option(oid) is not None
    if state.phase is not Phase.NEW:
        assert set(state.pending) | set(state.history) | set(state.skipped) == known
    if state.phase is Phase.ASKING:
        assert state.pending
    if state.phase is Phase.FINISHED:
        assert not state.pending
    assert state.attempt >= 1


typed_lines = st.one_of(
    st.sampled_from(["start", "back", "skip", "why", "help", "stop", "resume", "restart", "?", "/skip", "next"]),
    st.integers(-2, 9).map(str),
    st.sampled_from(list("abcdefgz")),
    st.text(max_size=30),
)
clicks = st.builds(
    lambda qid, n: Input(Command.ANSWER, MODEL.question_by_id[qid].choices[n % 6].id, question_id=qid),
    st.sampled_from(QIDS),
    st.integers(0, 5),
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


answer_sets = st.fixed_dictionaries({q.id: st.sampled_from([o.id for o in q.choices]) for q in MODEL.questions})


@settings(max_examples=150, deadline=None)
@given(answer_sets, st.sets(st.sampled_from(QIDS)), st.lists(st.booleans(), max_size=60))
def test_answering_in_any_order_gives_the_canonical_result(
    answers: dict[str, str], skip_first: set[str], go_back: list[bool]
) -> None:
    """Skipping some questions to the end and stepping back to re-answer others reorders the answers; the
    result must equal that of answering every question once, in order."""
    backs = iter(go_back)
    step = handle(MODEL, ConversationState(), Input(Command.START))
    for _ in range(len(QIDS) * 2 + len(go_back) * 2 + 10):
        state = step.state
        if state.phase is Phase.FINISHED:
            break
        qid = state.pending[0]
        if qid in skip_first and qid not in state.skipped and qid not in state.answers:
            step = handle(MODEL, state, Input(Command.SKIP))
        elif state.history and next(backs, False):
            step = handle(MODEL, state, Input(Command.BACK))
        else:
            step = handle(MODEL, state, Input(Command.ANSWER, answers[qid], question_id=qid))
    assert step.state.phase is Phase.FINISHED
    assert step.state.answers == answers
    assert step.result == score_answers(MODEL, {q: answers[q] for q in QIDS})

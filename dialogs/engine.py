"""The conversation engine: one state machine, declared as a table of (phase, command) -> handler.

``handle(model, state, input)`` is pure: it returns the next state and the messages to show, never raises on
bad input, and never touches storage or a platform. ``dialogs.turn`` wraps it with loading and saving.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dialogs.messages import Choice, Command, Input, Kind, Message, Progress, QuestionView
from dialogs.parse import LETTERS, match_option
from dialogs.state import ConversationState, Phase
from scoring.model import MaturityModel, Question
from scoring.score import Result, score_answers

HELP_TEXT = (
    "Answer with the option's number (1), letter (a) or a few of its words. Other things you can type:\n"
    "  back     go to the previous question and change its answer\n"
    "  skip     leave this question for the end (skip it again to leave it out)\n"
    "  why      why this question matters\n"
    "  stop     pause; every answer so far is saved\n"
    "  resume   carry on where you left off\n"
    "  restart  start again from the first question"
)


@dataclass
class Step:
    """The outcome of one turn: the state to save, the messages to show, and the result when just finished."""

    state: ConversationState
    messages: list[Message] = field(default_factory=list)
    result: Result | None = None
    round: int | None = None  # the team's round the turn ran in (set by the turn runner), for buttons to carry


Handler = Callable[[MaturityModel, ConversationState, Input], Step]


# --- views -----------------------------------------------------------------------------------------------


def question_view(model: MaturityModel, state: ConversationState, qid: str) -> QuestionView:
    question = model.question_by_id[qid]
    choices = tuple(Choice(o.id, o.label, n + 1, LETTERS[n]) for n, o in enumerate(question.choices))
    progress = Progress(
        index=model.position_of[qid],
        total=len(model.questions),
        dimension=model.dimension_by_id[question.dimension].name,
    )
    return QuestionView(
        id=qid,
        text=question.text,
        why=question.why,
        choices=choices,
        progress=progress,
        current_answer=state.answers.get(qid),
        revisit=qid in state.skipped,
    )


def _ask(model: MaturityModel, state: ConversationState, *before: Message) -> Step:
    """Show the current question, or finish when nothing is left to ask."""
    if not state.pending:
        return _finish(model, state, *before)
    state.phase = Phase.ASKING
    view = question_view(model, state, state.pending[0])
    lines = [f"({view.progress.text}{', skipped earlier' if view.revisit else ''})", view.text]
    lines += [f"  {c.number}. {c.label}" for c in view.choices]
    return Step(state, [*before, Message(Kind.QUESTION, "\n".join(lines), question=view)])


def result_text(result: Result) -> str:
    lines = [f"Overall level {result.overall}: {result.overall_name}. {result.overall_summary}"]
    lines += [f"  {d.name}: level {d.level} ({d.progress_text})" for d in result.dimensions]
    return "\n".join(lines)


def _finish(model: MaturityModel, state: ConversationState, *before: Message) -> Step:
    state.phase = Phase.FINISHED
    result = score_answers(model, state.answers)
    messages = [*before, Message(Kind.RESULT, result_text(result), result=result)]
    if result.unanswered:
        messages.append(
            Message(
                Kind.NOTE,
                f"You finished with {len(result.unanswered)} question(s) unanswered; they count as level 0. "
                "Type back to go back to them, or restart to begin again.",
            )
        )
    return Step(state, messages, result)


def _note(state: ConversationState, text: str) -> Step:
    return Step(state, [Message(Kind.NOTE, text)])


# --- handlers --------------------------------------------------------------------------------------------


def begin(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    state.pending = [q.id for q in model.questions]
    state.history, state.skipped, state.answers = [], [], {}
    intro = Message(
        Kind.NOTE,
        f"{model.name} ({model.version}): {len(model.questions)} questions across {len(model.dimensions)} "
        "dimensions, about five minutes. Answer with a number, a letter or the option's words; "
        "type help for back, skip, why and stop.",
    )
    return _ask(model, state, intro)


def restart(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
    state.attempt += 1  # earlier answers stay in storage under the old attempt
    return begin(model, state, inp)


def _answerable(state: ConversationState, qid: str) -> bool:
    """Still open: waiting in the queue, or skipped and never answered (so it can be answered after finishing)."""
    return qid in state.pending or (qid in state.skipped and qid not in state.answers)


def answer(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
    """Answer the current question, or, from a button or the terminal's own view, any question still open."""
    qid = inp.question_id or (state.pending[0] if state.pending else "")
    if not _answerable(state, qid):
        return _stale(model, state, inp)
    question = model.question_by_id[qid]
    match = match_option(question, inp.value)
    if match.option is None:
        return _ask(model, state, Message(Kind.HINT, _hint(question, inp.value, match.candidates)))
    state.answers[qid] = match.option.id
    if qid in state.pending:
        state.pending.remove(qid)
    if qid in state.skipped:
        state.skipped.remove(qid)
    if qid not in state.history:
        state.history.append(qid)
    recorded = Message(Kind.RECORDED, f"Saved: {match.option.label}", question_id=qid, option_id=match.option.id)
    return _ask(model, state, recorded)


def _hint(question: Question, typed: str, candidates: tuple) -> str:
    if candidates:
        names = ", ".join(f"{question.choices.index(o) + 1}. {o.label}" for o in candidates)
        return f"That fits more than one option ({names}). Please answer with its number."
    return (
        f"Sorry, I couldn't match {typed.strip()[:60]!r} to an option. "
        f"Answer with a number from 1 to {len(question.choices)}, a letter, or type help."
    )


def _stale(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
    """A click on a question already answered: an old message, or the same button twice. Nothing changes."""
    qid = inp.question_id or ""
    question = model.question_by_id.get(qid)
    given = state.answers.get(qid)
    if (
        question is not None
        and given is not None
        and match_option(question, inp.value).option == question.option(given)
    ):
        note = Message(Kind.NOTE, "That answer is already saved.", question_id=qid, option_id=given)
    else:
        note = Message(
            Kind.NOTE,
            "That question is no longer the current one, so nothing changed. Use back to change an earlier answer.",
            question_id=qid,
        )
    return Step(state, [note])  # the current question is already on screen; posting it again is noise


def skip(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    qid = state.pending.pop(0)
    if qid in state.answers:  # revisited through back: keep the answer and move on
        state.history.append(qid)
        return _ask(model, state, Message(Kind.NOTE, "Kept your earlier answer."))
    if qid in state.skipped:  # skipped twice: finish without it (back still reaches it)
        state.history.append(qid)
        return _ask(model, state, Message(Kind.NOTE, "Left unanswered; it counts as level 0."))
    state.skipped.append(qid)
    state.pending.append(qid)
    return _ask(model, state, Message(Kind.NOTE, "Skipped; it will come back at the end."))


def back(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    """The previous question, answered or passed; after finishing, the last one, to change it."""
    if not state.history:
        if state.phase is Phase.FINISHED:
            return _note(state, "There is no earlier question to go back to; type restart to begin again.")
        text = "There is nothing before this question" + (
            "; skipped questions come back at the end." if state.skipped else "."
        )
        return _ask(model, state, Message(Kind.HINT, text))
    state.pending.insert(0, state.history.pop())
    return _ask(model, state)


def why(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    question = model.question_by_id[state.pending[0]]
    return _ask(model, state, Message(Kind.WHY, f"Why we ask: {question.why}"))


def help_(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    step = _ask(model, state) if state.phase is Phase.ASKING else Step(state)
    step.messages.insert(0, Message(Kind.HELP, HELP_TEXT))
    return step


def stop(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    state.phase = Phase.PAUSED
    return _note(state, f"Paused with {len(state.answers)} answer(s) saved. Type resume to carry on.")


def resume(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    return _ask(model, state, Message(Kind.NOTE, f"Welcome back: {len(state.answers)} answer(s) saved so far."))


def resume_then(handler: Handler) -> Handler:
    """From a pause, any action picks the conversation up again and then does what was asked."""

    def resumed(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
        state.phase = Phase.ASKING
        return handler(model, state, inp)

    return resumed


def show_result(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    """The stored result again (recomputed from the same answers, so nothing new to save)."""
    note = Message(Kind.NOTE, "You have finished this assessment. Type back to change an answer, or restart.")
    return Step(state, [note, *_finish(model, state).messages])


def answer_after_finishing(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
    if inp.question_id:  # a button: a question left unanswered can still be answered; others are stale
        return answer(model, state, inp)
    return _note(state, "This assessment is finished. Type back to change an answer, or restart.")


def finished_note(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    return _note(state, "This assessment is finished. Type back to change an answer, or restart.")


def nothing_to_stop(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    return _note(state, "Nothing is running; type start to begin.")


def already_paused(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    return _note(state, "Already paused; your answers are saved. Type resume to carry on.")


# --- the table: (phase, command) -> handler ---------------------------------------------------------------

C = Command
TRANSITIONS: dict[Phase, dict[Command, Handler]] = {
    Phase.NEW: {
        **dict.fromkeys([C.START, C.RESUME, C.ANSWER, C.RESTART, C.SKIP, C.BACK, C.WHY], begin),
        C.HELP: help_,
        C.STOP: nothing_to_stop,
    },
    Phase.ASKING: {
        C.ANSWER: answer,
        C.SKIP: skip,
        C.BACK: back,
        C.WHY: why,
        C.HELP: help_,
        C.STOP: stop,
        C.START: resume,
        C.RESUME: resume,
        C.RESTART: restart,
    },
    Phase.PAUSED: {
        C.START: resume_then(resume),
        C.RESUME: resume_then(resume),
        C.ANSWER: resume_then(answer),
        C.SKIP: resume_then(skip),
        C.BACK: resume_then(back),
        C.WHY: resume_then(why),
        C.HELP: help_,
        C.STOP: already_paused,
        C.RESTART: restart,
    },
    Phase.FINISHED: {
        C.START: show_result,
        C.RESUME: show_result,
        C.BACK: back,
        C.RESTART: restart,
        C.HELP: help_,
        C.ANSWER: answer_after_finishing,
        **dict.fromkeys([C.SKIP, C.WHY, C.STOP], finished_note),
    },
}


def _repair(model: MaturityModel, state: ConversationState) -> ConversationState:
    """Drop anything the current model does not know (a question removed in a new version), so a stored state
    from an older bank can never make a turn fail."""
    known = model.question_by_id
    state.pending = [q for q in state.pending if q in known]
    state.history = [q for q in state.history if q in known]
    state.skipped = [q for q in state.skipped if q in known]
    state.answers = {q: o for q, o in state.answers.items() if q in known and known[q].option(o)}
    if state.phase in (Phase.ASKING, Phase.PAUSED) and not state.pending:
        state.phase = Phase.FINISHED
    return state


def handle(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
    """One turn. Works on a copy: the caller's state is untouched, so a failed save can simply be retried."""
    state = _repair(model, state.model_copy(deep=True))
    return TRANSITIONS[state.phase][inp.command](model, state, inp)

"""The conversation engine: one state machine, declared as a table of (phase, command) -> handler.

``handle(model, state, input)`` is pure: it returns the next state and the messages to show, never raises on
bad input, and never touches storage or a platform. ``dialogs.turn`` wraps it with loading and saving.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from dialogs.messages import Choice, Command, Input, Kind, Message, Progress, QuestionView
from dialogs.parse import LETTERS, Match, match_option, normalise, preview
from dialogs.state import ConversationState, Note, Phase
from scoring.model import NOT_APPLICABLE_WORDS, MaturityModel, Option, Question
from scoring.score import Result, score_answers

NOTE_LIMIT = 500  # characters kept of a note, and of its link (what storage keeps)
READ_LIMIT = 4 * NOTE_LIMIT  # what is read of a typed note at all: a pasted novel costs no more than this
EVIDENCE = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)  # the first http(s) link is the evidence link
OTHER_LINK = re.compile(r"(?<![\w])([A-Za-z][A-Za-z0-9+.-]{0,20})://")  # s3://, ftp://: kept as text only
CLEAR_NOTE = frozenset({"clear", "delete", "remove"})

HELP_TEXT = (
    "Answer with the option's number (1), letter (a) or a few of its words. Other things you can type:\n"
    "  back     go to the previous question and change its answer\n"
    "  skip     leave this question for the end (skip it again to leave it out)\n"
    "  why      why this question matters\n"
    "  note ... keep a note or an evidence link (https://...) with your last answer\n"
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


# --- the plan of questions ---------------------------------------------------------------------------------


def planned(model: MaturityModel, state: ConversationState) -> tuple[Question, ...]:
    """The questions this person is asked: until the profile is answered, only the profile question; then
    those that fit the profile, the profile question first. A bank without a profile question asks them all."""
    profile = model.profile_of(state.answers)
    if model.profile_question is not None and profile is None:
        return (model.profile_question,)
    return model.questions_for(profile)


def _replan(model: MaturityModel, state: ConversationState, *, reorder: bool = False) -> None:
    """Bring the queues in line with the plan: questions that no longer fit go (their answers stay stored but
    do not count), newly fitting ones join the queue. ``reorder`` (a new profile): the queue follows bank order
    again, skipped questions still last; otherwise newcomers join its end and the order people made stays."""
    wanted = [q.id for q in planned(model, state)]
    keep = set(wanted)
    state.history = [q for q in state.history if q in keep]
    state.skipped = [q for q in state.skipped if q in keep]
    if reorder:
        later, passed = set(state.skipped), set(state.history)
        state.pending = [q for q in wanted if q not in passed and q not in later] + state.skipped
        return
    state.pending = [q for q in state.pending if q in keep]
    seen = set(state.pending) | set(state.history)
    state.pending += [q for q in wanted if q not in seen]


# --- views -----------------------------------------------------------------------------------------------


def question_view(model: MaturityModel, state: ConversationState, qid: str) -> QuestionView:
    question = model.question_by_id[qid]
    options = model.choices(question)
    choices = tuple(Choice(o.id, o.label, n + 1, LETTERS[n], o.level) for n, o in enumerate(options))
    plan = [q.id for q in planned(model, state)]
    profile_known = len(plan) > 1 or model.profile_question is None
    progress = Progress(
        index=plan.index(qid) + 1 if qid in plan else 1,
        total=len(plan) if profile_known else model.most_questions,
        dimension=model.dimension_by_id[question.dimension].name if question.dimension else "",
    )
    note = state.notes.get(qid)
    return QuestionView(
        id=qid,
        text=question.text,
        why=question.why,
        choices=choices,
        progress=progress,
        current_answer=state.answers.get(qid),
        current_note=note.text if note else None,
        revisit=qid in state.skipped,
        profile=question.profile,
    )


def _ask(model: MaturityModel, state: ConversationState, *before: Message) -> Step:
    """Show the current question, or finish when nothing is left to ask."""
    if not state.pending:
        return _finish(model, state, *before)
    state.phase = Phase.ASKING
    view = question_view(model, state, state.pending[0])
    lines = [f"({view.progress.text}{', skipped earlier' if view.revisit else ''})", view.text]
    lines += [f"  {c.number}. {c.label}" for c in view.choices]
    if view.current_note:
        lines.append(f"  (your note: {view.current_note})")
    return Step(state, [*before, Message(Kind.QUESTION, "\n".join(lines), question=view)])


def result_text(result: Result) -> str:
    lines = [f"Overall level {result.overall}: {result.overall_name}. {result.overall_summary}"]
    lines += [
        f"  {d.name}: " + (f"level {d.level} ({d.progress_text})" if d.level is not None else "not assessed")
        for d in result.dimensions
    ]
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
    state.pending, state.history, state.skipped, state.answers, state.notes = [], [], [], {}, {}
    _replan(model, state)
    dimensions = len(model.dimensions)
    if model.profile_question is not None:
        size = f"first what your team runs, then up to {model.most_questions - 1} questions that fit it"
    else:
        size = f"{len(model.questions)} questions across {dimensions} dimensions"
    intro = Message(
        Kind.NOTE,
        f"{model.name} ({model.version}): {size}, about seven minutes. Answer with a number, a letter or the "
        "option's words; type help for back, skip, why, note and stop.",
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
    options = model.choices(question)
    match = match_option(options, inp.value)
    if match.option is None:
        return _ask(model, state, Message(Kind.HINT, _hint(options, inp.value, match)))
    option = match.option
    state.answers[qid] = option.id
    if qid in state.pending:
        state.pending.remove(qid)
    if qid in state.skipped:
        state.skipped.remove(qid)
    if qid not in state.history:
        state.history.append(qid)
    recorded = Message(
        Kind.RECORDED,
        f"Saved: {option.label}",
        question_id=qid,
        option_id=option.id,
        question_text=question.text,
        answer_label=option.label,
    )
    before = [recorded]
    if question.profile:
        _replan(model, state, reorder=True)
        count = len(planned(model, state)) - 1
        before.append(Message(Kind.NOTE, f"{count} questions fit this kind of system; back changes it."))
    elif option.not_applicable:
        before.append(
            Message(
                Kind.NOTE,
                "Not applicable is left out of the score and listed, with its reason, in the team's result. Type "
                "note and a few words to say more.",
            )
        )
    elif option.dont_know:
        before.append(
            Message(Kind.NOTE, f"Left out of the score; {model.who_knows(question)} could probably answer it.")
        )
    if inp.note and inp.note.strip() and (kept := _keep_note(state, qid, question, inp.note)) is not None:
        before.append(kept)
    return _ask(model, state, *before)


def _hint(options: tuple[Option, ...], typed: str, match: Match) -> str:
    if normalise(typed) in NOT_APPLICABLE_WORDS and not any(o.not_applicable for o in options):
        return (
            'Every team asked this question needs it, so it has no "not applicable" answer. Pick the closest '
            'option, or "Don\'t know".'
        )
    if match.candidates:
        names = ", ".join(f"{options.index(o) + 1}. {o.label}" for o in match.candidates)
        return f"That fits more than one option ({names}). Please answer with its number."
    last, shown = len(options), preview(typed)
    said = f"Sorry, I couldn't match '{shown}' to an option." if shown else "That was not an answer."
    return (
        f"{said} Answer with its number (1 to {last}), its letter (a to {LETTERS[last - 1]}) or a few of its "
        "words; help lists back, skip, why, note and stop."
    )


def _stale(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
    """A click on a question already answered: an old message, or the same button twice. Nothing changes."""
    qid = inp.question_id or ""
    question = model.question_by_id.get(qid)
    given = state.answers.get(qid)
    if (
        question is not None
        and given is not None
        and match_option(model.choices(question), inp.value).option == model.option(qid, given)
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
    qid = state.pending[0]
    if model.question_by_id[qid].profile and qid not in state.answers:
        hint = "This question decides which questions follow, so it cannot be skipped: pick the closest fit."
        return _ask(model, state, Message(Kind.HINT, hint))
    state.pending.pop(0)
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


def why(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
    """The reason for the question the button belongs to (else the one on screen), and nothing more: the question
    is still on screen with its answers, and asking it again would leave two copies to answer."""
    qid = inp.question_id if inp.question_id in model.question_by_id else state.pending[0]
    question = model.question_by_id[qid]
    return Step(state, [Message(Kind.WHY, f"Why we ask: {question.why}", question_id=qid)])


def note(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
    """Keep a note or an evidence link with an answer: the question the button names, else the one on screen when
    it is answered (after back), else the last answered one. Nothing else moves."""
    on_screen = state.pending[0] if state.phase is Phase.ASKING and state.pending else ""
    qid = inp.question_id or (on_screen if on_screen in state.answers else "")
    qid = qid or next((q for q in reversed(state.history) if q in state.answers), "")
    question = model.question_by_id.get(qid)
    if question is None or qid not in state.answers:
        return Step(state, [Message(Kind.HINT, "Answer a question first: a note is kept with an answer.")])
    if not inp.value.strip() and not inp.link:
        example = "note see https://mlflow.example.com/#/models/churn"
        return Step(state, [Message(Kind.HINT, f"Type note and the note or a link after it, e.g. {example}")])
    kept = _keep_note(state, qid, question, inp.value, inp.link)
    return Step(state, [kept or Message(Kind.NOTE, "That note is already kept with that answer.", question_id=qid)])


def _keep_note(
    state: ConversationState, qid: str, question: Question, raw: str, link: str | None = None
) -> Message | None:
    """Keep ``raw`` (and ``link``, a form's link field) with the answer to ``qid``; the message to show, or None
    when that very note is already kept. Only an http or https link becomes the evidence link; any other kind
    (s3://, ftp://) stays part of the text."""
    text = " ".join(raw[:READ_LIMIT].split())
    if text.lower() in CLEAR_NOTE and not link:
        state.notes.pop(qid, None)
        return Message(Kind.NOTE, f"Note removed from your answer to '{question.text}'.", question_id=qid)
    if link is not None:
        link = link.strip()
        if not EVIDENCE.fullmatch(link) or len(link) > NOTE_LIMIT:
            hint = "Only an http or https link of up to 500 characters can be kept as evidence; nothing was saved."
            return Message(Kind.HINT, hint, question_id=qid)
    else:
        found = EVIDENCE.search(text[:NOTE_LIMIT])
        link = found.group(0).rstrip(".,;:!?)]}") if found else None
    note = Note(text=text[:NOTE_LIMIT] or link or "", link=link)
    if state.notes.get(qid) == note:
        return None
    state.notes[qid] = note
    said = [f"Note kept with your answer to '{question.text}'"]
    if len(text) > NOTE_LIMIT:
        said.append(" (shortened to 500 characters)")
    other = OTHER_LINK.search(text[:NOTE_LIMIT])
    if other and other.group(1).lower() not in ("http", "https"):
        said.append(f"; the {other.group(1)[:20]}:// address is kept as text, since only http or https links count")
        said.append(" as evidence" if link is None else ", and the https link as evidence")
    shown = note.text + (f" (evidence link: {link})" if link and link not in note.text else "")
    return Message(Kind.NOTE, "".join(said) + f": {shown}", question_id=qid)


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
    message = Message(Kind.NOTE, "You have finished this assessment. Type back to change an answer, or restart.")
    return Step(state, [message, *_finish(model, state).messages])


def answer_after_finishing(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
    if inp.question_id:  # a button: a question left unanswered can still be answered; others are stale
        return answer(model, state, inp)
    return _note(state, "This assessment is finished. Type back to change an answer, or restart.")


def finished_note(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    return _note(state, "This assessment is finished. Type back to change an answer, or restart.")


def nothing_to_stop(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    return _note(state, "Nothing is running; type start to begin.")


def nothing_to_note(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    return Step(state, [Message(Kind.HINT, "Answer a question first: a note is kept with an answer. Type start.")])


def already_paused(model: MaturityModel, state: ConversationState, _: Input) -> Step:
    return _note(state, "Already paused; your answers are saved. Type resume to carry on.")


# --- the table: (phase, command) -> handler ---------------------------------------------------------------

C = Command
TRANSITIONS: dict[Phase, dict[Command, Handler]] = {
    Phase.NEW: {
        **dict.fromkeys([C.START, C.RESUME, C.ANSWER, C.RESTART, C.SKIP, C.BACK, C.WHY], begin),
        C.HELP: help_,
        C.STOP: nothing_to_stop,
        C.NOTE: nothing_to_note,
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
        C.NOTE: note,
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
        C.NOTE: note,
    },
    Phase.FINISHED: {
        C.START: show_result,
        C.RESUME: show_result,
        C.BACK: back,
        C.RESTART: restart,
        C.HELP: help_,
        C.ANSWER: answer_after_finishing,
        C.NOTE: note,
        **dict.fromkeys([C.SKIP, C.WHY, C.STOP], finished_note),
    },
}


def _repair(model: MaturityModel, state: ConversationState) -> ConversationState:
    """Drop anything the model does not know (a question or option removed in another version) and bring the
    queues in line with the profile, so a stored state can never make a turn fail."""
    known = model.question_by_id
    state.answers = {q: o for q, o in state.answers.items() if model.option(q, o) is not None}
    state.notes = {q: n for q, n in state.notes.items() if q in state.answers}
    state.pending = [q for q in dict.fromkeys(state.pending) if q in known]
    state.history = [q for q in dict.fromkeys(state.history) if q in known and q not in state.pending]
    state.skipped = [q for q in dict.fromkeys(state.skipped) if q in known]
    if state.phase is not Phase.NEW:
        _replan(model, state)
    if state.phase in (Phase.ASKING, Phase.PAUSED) and not state.pending:
        state.phase = Phase.FINISHED
    if state.phase is Phase.FINISHED and state.pending:
        state.phase = Phase.ASKING
    return state


def handle(model: MaturityModel, state: ConversationState, inp: Input) -> Step:
    """One turn. Works on a copy: the caller's state is untouched, so a failed save can simply be retried."""
    state = _repair(model, state.model_copy(deep=True))
    return TRANSITIONS[state.phase][inp.command](model, state, inp)

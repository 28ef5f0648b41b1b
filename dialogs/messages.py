"""Neutral inputs and outputs of the conversation engine. Adapters translate platform payloads to ``Input`` and
render ``Message`` as terminal text, Block Kit or Adaptive Cards; the engine never sees either side's format."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scoring.score import Result


class Command(StrEnum):
    START = "start"
    ANSWER = "answer"  # value: option id, number, letter or typed words
    BACK = "back"
    SKIP = "skip"
    WHY = "why"
    HELP = "help"
    STOP = "stop"
    RESUME = "resume"
    RESTART = "restart"
    NOTE = "note"  # value: the note's text, with or without a link


@dataclass(frozen=True)
class Input:
    command: Command
    value: str = ""
    question_id: str | None = None  # set by buttons: the question the click belongs to, to catch stale clicks
    round: int | None = None  # set by buttons: the round the question was asked in, to catch closed rounds
    note: str | None = None  # a note sent with an answer (a card's text field); NOTE commands carry it in value
    link: str | None = None  # NOTE from a form with a link field of its own: the evidence link, checked as given


class Kind(StrEnum):
    QUESTION = "question"
    RECORDED = "recorded"  # an answer was saved; adapters may update the question's message in place
    NOTE = "note"  # information: paused, resumed, stale click, already recorded
    HINT = "hint"  # the input was not understood; the same question follows
    WHY = "why"
    HELP = "help"
    RESULT = "result"


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    number: int
    letter: str
    level: int | None = None  # None: a profile, "not applicable" or "don't know"


@dataclass(frozen=True)
class Progress:
    index: int  # the question's place in the bank, 1-based, so it does not jump around on skip or back
    total: int
    dimension: str

    @property
    def text(self) -> str:
        if not self.dimension:  # the profile question, before the plan of questions is known
            return f"question {self.index} of up to {self.total}, about your system"
        return f"question {self.index} of {self.total}, {self.dimension}"


@dataclass(frozen=True)
class QuestionView:
    id: str
    text: str
    why: str
    choices: tuple[Choice, ...]
    progress: Progress
    current_answer: str | None = None  # option id already given, when the person came back to it
    current_note: str | None = None  # the note kept with that answer, shown back with it
    revisit: bool = False  # a skipped question coming back at the end
    profile: bool = False  # the question that decides which questions follow: it cannot be skipped


@dataclass(frozen=True)
class Message:
    kind: Kind
    text: str
    question: QuestionView | None = None
    result: Result | None = None
    question_id: str | None = None  # for RECORDED and stale-click NOTEs: which question it is about
    option_id: str | None = None
    question_text: str | None = None  # for RECORDED: the question and the answer given, to show in its place
    answer_label: str | None = None

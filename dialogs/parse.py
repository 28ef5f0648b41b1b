"""Reading what people type: commands, and answers given as an id, a number, a letter or words."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from dialogs.messages import Command, Input
from scoring.model import Option, Question

COMMAND_WORDS: dict[str, Command] = {
    **dict.fromkeys(["start", "begin", "go"], Command.START),
    **dict.fromkeys(["back", "previous", "prev", "undo"], Command.BACK),
    **dict.fromkeys(["skip", "pass", "later", "next"], Command.SKIP),
    **dict.fromkeys(["why", "why?", "explain"], Command.WHY),
    **dict.fromkeys(["help", "?", "commands", "menu"], Command.HELP),
    **dict.fromkeys(["stop", "pause", "quit", "exit", "bye"], Command.STOP),
    **dict.fromkeys(["resume", "continue"], Command.RESUME),
    **dict.fromkeys(["restart", "start over", "reset", "retake"], Command.RESTART),
}
LETTERS = string.ascii_lowercase


def normalise(text: str) -> str:
    """Lower case, no apostrophes or surrounding punctuation, single spaces: "Don't know." -> "dont know"."""
    text = text.strip().lower().replace("'", "").replace("\u2019", "")
    text = re.sub(r"\s+", " ", text)
    return text.strip(' .,;:!)("')


def parse_text(text: str) -> Input:
    """A typed line: a command word (optionally with a leading slash) or else an answer to the current question."""
    word = normalise(text).lstrip("/")
    command = COMMAND_WORDS.get(word) or COMMAND_WORDS.get(text.strip().lower())
    if command:
        return Input(command)
    return Input(Command.ANSWER, text)


@dataclass(frozen=True)
class Match:
    option: Option | None
    candidates: tuple[Option, ...] = ()  # when the words fit several options


def _has_phrase(haystack: str, phrase: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", haystack) is not None


def match_option(question: Question, raw: str) -> Match:
    text = normalise(raw)
    if not text:
        return Match(None)
    choices = question.choices
    by_id = {o.id: o for o in choices}
    if text.replace(" ", "_") in by_id:
        return Match(by_id[text.replace(" ", "_")])
    if text.isdigit():
        n = int(text)
        return Match(choices[n - 1] if 1 <= n <= len(choices) else None)
    if len(text) == 1 and text in LETTERS:
        n = LETTERS.index(text)
        return Match(choices[n] if n < len(choices) else None)
    for option in choices:
        if normalise(option.label) == text or any(normalise(k) == text for k in option.keywords):
            return Match(option)
    # Words: an option's keyword found in the text, or the text found inside an option's label.
    hits = tuple(
        o
        for o in choices
        if any(_has_phrase(text, normalise(k)) for k in o.keywords)
        or (len(text) >= 4 and _has_phrase(normalise(o.label), text))
    )
    return Match(hits[0]) if len(hits) == 1 else Match(None, hits)

"""Reading what people type: commands, and answers given as an id, a number, a letter or words."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.messages import Command, Input
from scoring.model import NOT_APPLICABLE_WORDS, Option

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
NOTE_WORD = "note"  # "note <text or link>" keeps a note with the answer on screen, or the last one
LETTERS = string.ascii_lowercase
NEGATIONS = frozenset(
    [
        "no",
        "not",
        "never",
        "none",
        "nothing",
        "nobody",
        "without",
        "neither",
        "nor",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "cant",
        "cannot",
        "wont",
    ]
)


ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # pasted or typed on phones, never meant


def normalise(text: str) -> str:
    """Lower case, no apostrophes or surrounding punctuation, single spaces: "Don't know." -> "dont know"."""
    text = text.translate(ZERO_WIDTH).strip().lower().replace("'", "").replace("\u2019", "")
    text = re.sub(r"\s+", " ", text)
    return text.strip(' .,;:!)("')


def parse_text(text: str) -> Input:
    """A typed line: a command word (optionally with a leading slash), ``note`` and its text, or else an answer
    to the current question."""
    word = normalise(text).lstrip("/")
    command = COMMAND_WORDS.get(word) or COMMAND_WORDS.get(text.strip().lower())
    if command:
        return Input(command)
    first, *rest = words(text) or [""]
    if first.lower().lstrip("/").rstrip(":") == NOTE_WORD:
        return Input(Command.NOTE, " ".join(rest))
    return Input(Command.ANSWER, text)


def words(text: str) -> list[str]:
    """A typed line's words, split on any whitespace (a tab, a newline, a phone's no-break space), without the
    zero-width characters some keyboards and pasted text carry unseen."""
    return text.translate(ZERO_WIDTH).split()


PREVIEW_LIMIT = 40  # characters of a typed line quoted back; the rest is cut, visibly


def preview(typed: str, limit: int = PREVIEW_LIMIT) -> str:
    """What a reply may quote of a typed line: one line, at most ``limit`` characters, with an ellipsis when
    cut. Quoting a pasted page back at its writer helps nobody."""
    flat = " ".join(typed.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Match:
    option: Option | None
    candidates: tuple[Option, ...] = ()  # when the words fit several options


def _has_phrase(haystack: str, phrase: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", haystack) is not None


def _words_allow_guessing(text: str) -> bool:
    """Free words are matched to keywords only when they cannot mean the opposite: "no drift alerts" must not
    pick the drift-alerts option, and "90 days" must not pick the "days" option."""
    words = set(text.split())
    return not (words & NEGATIONS) and re.search(r"(?<![a-z])[0-9]", text) is None


def match_option(choices: Sequence[Option], raw: str) -> Match:
    """Exact forms first (id, number, letter, whole label or keyword, "n/a"); then, when safe, a keyword or a run
    of at least two words from a label found in the text, if it fits exactly one option."""
    text = normalise(raw)
    if not text:
        return Match(None)
    by_id = {o.id: o for o in choices}
    if text.replace(" ", "_") in by_id:
        return Match(by_id[text.replace(" ", "_")])
    if re.fullmatch(r"[0-9]+", text):
        n = int(text)
        return Match(choices[n - 1] if 1 <= n <= len(choices) else None)
    if len(text) == 1 and text in LETTERS:
        n = LETTERS.index(text)
        return Match(choices[n] if n < len(choices) else None)
    for option in choices:
        if normalise(option.label) == text or any(normalise(k) == text for k in option.keywords):
            return Match(option)
    if text in NOT_APPLICABLE_WORDS:  # "n/a" alone: the question's one "not applicable", or which reason?
        reasons = tuple(o for o in choices if o.not_applicable)
        return Match(reasons[0]) if len(reasons) == 1 else Match(None, reasons)
    if not _words_allow_guessing(text):
        return Match(None)
    hits = tuple(
        o
        for o in choices
        if any(_has_phrase(text, normalise(k)) for k in o.keywords)
        or (len(text.split()) >= 2 and _has_phrase(normalise(o.label), text))
    )
    return Match(hits[0]) if len(hits) == 1 else Match(None, hits)

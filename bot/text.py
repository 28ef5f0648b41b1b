"""Small text helpers shared by every renderer (terminal now, chat platforms later)."""

from __future__ import annotations

from scoring.model import MAX_LEVEL
from scoring.score import Result

NEXT_STEPS_SHOWN = 3  # a result shows the first few investments; the rest are in `report --json`


def level_bar(level: int, width: int = MAX_LEVEL) -> str:
    """A level as a bar that reads without colour: level 2 of 4 -> '■■□□'."""
    return "■" * level + "□" * (width - level)


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def next_steps_heading(result: Result) -> str:
    return "Keep level 4 up" if result.overall >= MAX_LEVEL else f"Next investments toward level {result.overall + 1}"

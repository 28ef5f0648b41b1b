"""Small text helpers shared by every renderer (terminal now, chat platforms later)."""

from __future__ import annotations

from scoring.model import MAX_LEVEL


def level_bar(level: int, width: int = MAX_LEVEL) -> str:
    """A level as a bar that reads without colour: level 2 of 4 -> '■■□□'."""
    return "■" * level + "□" * (width - level)


def percent(share: float) -> str:
    return f"{round(share * 100)}%"

"""The team summary's chart: each dimension's level, with the previous round's drawn beside it. Drawn headless
(matplotlib's Agg), sized for a chat message, and readable without colour: the previous round is hatched and
every bar carries its number."""

from __future__ import annotations

import asyncio
import io
import logging
import textwrap
from collections.abc import Sequence

from bot.app.summary import TeamSummary, Trend
from scoring.model import MAX_LEVEL

log = logging.getLogger("maturity_bot.chart")
WIDTH_PX, DPI = 800, 100
ROW_PX, TOP_PX, MARGIN_PX = 44, 62, 137  # margin: the title and legend above, the axis below
PALETTE_COLOURS = 32


def chart_height(dimensions: int) -> int:
    return MARGIN_PX + ROW_PX * dimensions


async def draw_summary_chart(summary: TeamSummary) -> bytes | None:
    """Drawn off the event loop (matplotlib is CPU work); None, logged, when it cannot be drawn: the summary then
    goes out without its chart."""
    try:
        return await asyncio.to_thread(summary_chart, summary)
    except Exception:
        log.exception("the chart for %s, round %s could not be drawn", summary.team, summary.round_number)
        return None


def chart_title(summary: TeamSummary) -> str:
    """The team by its name, or "Your team" when only its channel id is known: an id means nothing to a reader."""
    team = summary.known_name or "Your team"
    return f"{team}, round {summary.round_number}: level {summary.overall.level}, {summary.overall.name}"


def summary_chart(summary: TeamSummary) -> bytes:
    return levels_chart(summary.dimensions, title=chart_title(summary))


def levels_chart(dimensions: Sequence[Trend], *, title: str) -> bytes:
    """A PNG, WIDTH_PX wide and ``chart_height`` tall, in a small palette: it goes inline in a Teams card,
    where a message has to stay under about 28 KB."""
    # A Figure of its own on the Agg canvas, never pyplot: no display, and no global state shared by the worker
    # threads that draw charts at the same time.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = [textwrap.fill(d.name, 24) for d in dimensions]  # long names on two lines, not cut
    now = [d.level or 0 for d in dimensions]  # a dimension not assessed has no bar, and says so
    before = [d.previous or 0 for d in dimensions] if any(d.previous is not None for d in dimensions) else None
    rows = range(len(names))
    height = chart_height(len(names))
    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    bar = 0.38 if before else 0.6
    offset = bar / 2 if before else 0.0
    current = axes.barh([r - offset for r in rows], now, height=bar, color="#2B5797", label="this round")
    axes.bar_label(
        current, labels=["n/a" if d.level is None else str(d.level) for d in dimensions], padding=3, fontsize=9
    )
    if before is not None:
        earlier = axes.barh(
            [r + offset for r in rows],
            before,
            height=bar,
            color="white",
            edgecolor="#555555",
            hatch="///",
            label="previous round",
        )
        was = ["–" if d.previous is None else str(d.previous) for d in dimensions]
        axes.bar_label(earlier, labels=was, padding=3, fontsize=9, color="#555555")
        figure.legend(loc="upper left", bbox_to_anchor=(0.3, 1 - 30 / height), ncols=2, fontsize=9, frameon=False)
    axes.set_yticks(list(rows), names, fontsize=10)
    axes.invert_yaxis()  # the model's order, top to bottom
    axes.set_xlim(0, MAX_LEVEL + 0.6)
    axes.set_xticks(range(MAX_LEVEL + 1))
    axes.set_xlabel("maturity level (0-4)", fontsize=9)
    figure.text(0.01, 1 - 8 / height, title, va="top", fontsize=11, weight="bold", parse_math=False)  # "$" is text
    axes.spines[["top", "right"]].set_visible(False)
    figure.subplots_adjust(left=0.3, right=0.97, top=1 - TOP_PX / height, bottom=55 / height)
    drawn = io.BytesIO()
    figure.savefig(drawn, format="png", dpi=DPI)
    return _small_png(drawn.getvalue())


def _small_png(png: bytes) -> bytes:
    """The same picture in PALETTE_COLOURS colours: about a quarter of the bytes, no visible loss for flat bars
    and text."""
    from PIL import Image

    small = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").quantize(PALETTE_COLOURS).save(small, format="PNG", optimize=True)
    return small.getvalue()

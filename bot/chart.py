"""The team summary's chart: each dimension's level, with the previous round's drawn beside it. Drawn headless
(matplotlib's Agg), sized for a chat message, and readable without colour: the previous round is hatched and
every bar carries its number."""

from __future__ import annotations

import io
import textwrap

from scoring.model import MAX_LEVEL, MaturityModel
from scoring.score import Result

WIDTH_PX, DPI = 800, 100
ROW_PX, MARGIN_PX = 44, 120


def chart_height(dimensions: int) -> int:
    return MARGIN_PX + ROW_PX * dimensions


def levels_chart(model: MaturityModel, result: Result, previous: Result | None = None, *, title: str) -> bytes:
    """A PNG, WIDTH_PX wide and ``chart_height`` tall."""
    import matplotlib

    matplotlib.use("Agg")  # no display, ever: servers and CI have none
    from matplotlib import pyplot as plt

    names = [textwrap.fill(d.name, 24) for d in result.dimensions]  # long names on two lines, not cut
    now = [d.level for d in result.dimensions]
    before = [previous.dimension(d.id).level for d in result.dimensions] if previous else None
    rows = range(len(names))
    height = chart_height(len(names))
    figure, axes = plt.subplots(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI)
    try:
        bar = 0.38 if before else 0.6
        offset = bar / 2 if before else 0.0
        current = axes.barh([r - offset for r in rows], now, height=bar, color="#2B5797", label="this round")
        axes.bar_label(current, labels=[str(v) for v in now], padding=3, fontsize=9)
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
            axes.bar_label(earlier, labels=[str(v) for v in before], padding=3, fontsize=9, color="#555555")
            axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=9, frameon=False)
        axes.set_yticks(list(rows), names, fontsize=10)
        axes.invert_yaxis()  # the model's order, top to bottom
        axes.set_xlim(0, MAX_LEVEL + 0.6)
        axes.set_xticks(range(MAX_LEVEL + 1))
        axes.set_xlabel("maturity level (0-4)", fontsize=9)
        axes.set_title(title, fontsize=11, loc="left")
        axes.spines[["top", "right"]].set_visible(False)
        figure.subplots_adjust(left=0.3, right=0.97, top=1 - 45 / height, bottom=55 / height)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    finally:
        plt.close(figure)
    return buffer.getvalue()

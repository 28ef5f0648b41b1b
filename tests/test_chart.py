"""The summary chart: a real PNG of the expected size, with and without a previous round; and the terminal's
`report --chart`."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.app.summary import Trend
from bot.chart import WIDTH_PX, chart_height, levels_chart
from scoring.model import default_model
from scoring.score import score_answers
from tests.personas import PERSONAS, PROFILE
from tests.test_cli import run, typed

MODEL = default_model()
ROWS = len(MODEL.dimensions_for(PROFILE))  # a team's chart has a bar for each dimension its profile is asked about


def test_the_chart_is_a_png_sized_for_chat_with_or_without_the_previous_round() -> None:
    now = score_answers(MODEL, PERSONAS["faq_level_3"][1])
    before = score_answers(MODEL, PERSONAS["faq_level_2"][1])
    levels = [(d.name, d.level, before.dimension(d.id).level) for d in now.dimensions]
    with_trend = levels_chart([Trend(*row) for row in levels], title="Team x, round 2")
    alone = levels_chart([Trend(name, level, None) for name, level, _ in levels], title="Team x, round 1")
    for png in (with_trend, alone):
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.size == (WIDTH_PX, chart_height(ROWS))
    assert with_trend != alone  # the previous round is drawn
    # A dimension not assessed (no level) and one new since the previous round (no previous level) still draw.
    gaps = [
        Trend(name, None if n == 0 else level, None if n == 1 else was) for n, (name, level, was) in enumerate(levels)
    ]
    png = levels_chart(gaps, title="Team x, round 3")
    assert Image.open(io.BytesIO(png)).size == (WIDTH_PX, chart_height(ROWS)) and png != with_trend


def test_report_draws_the_chart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/chart.db"
    assert (
        run("chat", "--team", "recsys", "--user", "ana", url=url, stdin=typed(PERSONAS["faq_level_2"][1])).returncode
        == 0
    )
    chart = tmp_path / "recsys.png"
    done = run("report", "--team", "recsys", "--chart", str(chart), url=url)
    assert done.returncode == 0, done.stderr
    assert Image.open(chart).size == (WIDTH_PX, chart_height(ROWS))
    assert run("report", "--team", "recsys", "--chart", str(tmp_path / "no" / "dir.png"), url=url).returncode == 2

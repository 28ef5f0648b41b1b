"""A team summary to Teams, its chart inline in the card. Should Teams refuse the card with the image (a
message too large, an image it will not take), the same summary goes again without it: the text always gets
through."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from botbuilder.schema import Activity, ErrorResponseException

from bot.app.summary import TeamSummary
from bot.chart import draw_summary_chart
from bot.teams.cards import summary_activity

log = logging.getLogger("maturity_bot.teams")
REFUSED = frozenset({400, 413})  # what a retry of the same card will not change


async def send_summary(send: Callable[[Activity], Awaitable[object]], summary: TeamSummary, *, text: str = "") -> None:
    chart = await draw_summary_chart(summary)
    if chart is not None:
        try:
            await send(summary_activity(summary, chart, text=text))
            return
        except ErrorResponseException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status not in REFUSED:
                raise
            log.warning("Teams refused the summary with its chart (HTTP %s); sending it without the chart", status)
    await send(summary_activity(summary, None, text=text))

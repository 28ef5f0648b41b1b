"""The summary's chart, uploaded beside its text with Slack's current upload API (files.getUploadURLExternal,
the upload, files.completeUploadExternal). Best effort: the text has gone out already, and a chart that cannot
be drawn or uploaded is logged, never a reason to post the summary again."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.app.summary import TeamSummary, chart_description
from bot.chart import draw_summary_chart

log = logging.getLogger("maturity_bot.slack")


async def upload_chart(client: AsyncWebClient, channel: str, summary: TeamSummary) -> None:
    png = await draw_summary_chart(summary)
    if png is None:
        return
    beside = f", beside round {summary.previous_round}" if summary.previous_round else ""
    try:
        await client.files_upload_v2(
            channel=channel,
            file=png,
            filename=f"maturity-round-{summary.round_number}.png",
            title=f"Levels by dimension, round {summary.round_number}{beside}",
            alt_txt=chart_description(summary),
        )
    except Exception as exc:  # whatever Slack or the client raise: the text is out, and must not go again
        log.warning("the summary chart for %s could not be uploaded; the text went out without it: %r", channel, exc)

"""The time every use case is given: aware UTC, so adapters never make their own."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)

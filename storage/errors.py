"""What can go wrong with the database, said in one line a person can act on.

Driver errors are long, multi-line and sometimes carry the connection string; these never do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dialogs.ports import StoreUnavailable

UPGRADE_HINT = "run `maturity-bot db upgrade`"
SQLITE_LOCKED = "database is locked"  # SQLite's SQLITE_BUSY, as the driver words it

_PSYCOPG_PREFIX = re.compile(
    r'^(connection failed: )?(connection to server (at|on socket) "[^"]*"( \([^)]*\))?(, port \d+)? failed: )?'
)


class StorageError(Exception):
    """Base of the errors storage raises on purpose."""


class DatabaseUnavailable(StorageError, StoreUnavailable):
    """The database cannot be reached or used right now; ``reason`` is the driver's short reason."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

    @classmethod
    def unreachable(cls, url: URL, reason: str) -> DatabaseUnavailable:
        if reason == SQLITE_LOCKED:  # reached, but another program kept its write lock for the whole wait
            return cls(f"the database {display_url(url)} is busy: another program is writing to it", reason=reason)
        return cls(f"cannot reach the database {display_url(url)}: {reason}", reason=reason)


class SchemaOutOfDate(StorageError):
    """The database schema is not the revision this code was written for."""


def display_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def is_retryable(exc: DBAPIError) -> bool:
    """PostgreSQL's class 40 (serialization failure, deadlock): the transaction can simply run again."""
    return str(getattr(exc.orig, "sqlstate", None) or "").startswith("40")


def short_reason(exc: BaseException, url: URL | None = None) -> str:
    """The driver's reason on one line, without psycopg's "connection to server at ..." preamble."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    reason = _PSYCOPG_PREFIX.sub("", lines[0]) if lines else type(orig).__name__
    reason = re.sub(r"^(FATAL|ERROR):\s+", "", reason)
    reason = re.sub(r"\s+", " ", reason).strip() or type(orig).__name__
    if url is not None and url.password:
        reason = reason.replace(str(url.password), "***")
    if reason[:1].isupper() and reason[1:2].islower():  # "Connection refused" -> "connection refused"
        reason = reason[0].lower() + reason[1:]
    return reason


@contextmanager
def translate_errors(url: URL | str) -> Iterator[None]:
    """Turn connection-level failures inside the block into DatabaseUnavailable; everything else passes."""
    url = make_url(url)
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        if is_retryable(exc):
            raise
        raise DatabaseUnavailable.unreachable(url, short_reason(exc, url)) from exc
    except PoolTimeout as exc:
        raise DatabaseUnavailable.unreachable(url, "every connection in the pool is busy (timed out waiting)") from exc

"""Structured logs and Prometheus metrics for the server. Logs never carry a token or a secret."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

SECRET = re.compile(r"xox[abpre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


class RedactingJsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": SECRET.sub("[redacted]", record.getMessage()),
        }
        if record.exc_info:
            entry["error"] = SECRET.sub("[redacted]", self.formatException(record.exc_info))
        return json.dumps(entry)


class RedactingTextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return SECRET.sub("[redacted]", super().format(record))


def configure_logging(log_format: str = "auto", level: int = logging.INFO) -> None:
    """JSON lines when not on a terminal (or when asked), readable text otherwise."""
    as_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingJsonFormatter()
        if as_json
        else RedactingTextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class Metrics:
    """The server's own registry, so several servers in one process (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "maturity_bot_http_requests", "HTTP requests served", ["path", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "maturity_bot_http_request_seconds", "Time to answer an HTTP request", ["path"], registry=self.registry
        )
        self.turns = Counter("maturity_bot_turns", "Conversation turns committed", ["platform"], registry=self.registry)
        self.errors = Counter(
            "maturity_bot_errors", "Requests that failed inside the bot", ["path"], registry=self.registry
        )

    def exposition(self) -> bytes:
        """The Prometheus text format: this process's counters, or every worker's summed under ``--workers``."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)
            return generate_latest(merged)
        return generate_latest(self.registry)

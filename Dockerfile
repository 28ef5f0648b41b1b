# maturity-bot: the server (`maturity-bot serve`) for Slack, /healthz and /metrics.
# Build: docker build -t maturity-bot .     Run with Postgres: docker compose up (see compose.yaml, docs/slack.md).
FROM python:3.11-slim

# XDG_DATA_HOME: without a DATABASE_URL the bot keeps a SQLite file in the user's data directory, here /data.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    XDG_DATA_HOME=/data

WORKDIR /app

# Only what the package needs: no tests, no benchmarks (see .dockerignore as well).
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY dialogs/ dialogs/
COPY scoring/ scoring/
COPY storage/ storage/
COPY checkins/ checkins/
RUN pip install --no-cache-dir .

# An unprivileged user with a writable data directory.
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /data --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown 10001:10001 /data
USER 10001:10001

EXPOSE 3000

# slim has no curl: ask /healthz with Python (it answers 503 when the database is unreachable).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MATURITY_BOT_PORT', '3000'), timeout=4)"]

CMD ["maturity-bot", "serve"]

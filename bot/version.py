"""This project's installed version, for `maturity-bot --version` and the Teams app package."""

from __future__ import annotations

DISTRIBUTION = "mlops-maturity-bot"  # the name pyproject.toml gives the project


def installed_version() -> str | None:
    """None when running from a source tree that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return None

"""The Slack app manifest, with the request URLs pointed at this deployment (``maturity-bot slack-manifest``)."""

from __future__ import annotations

from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

import yaml

PLACEHOLDER = "https://YOUR-HOST/slack/events"
EVENTS_PATH = "/slack/events"


def events_url(base_url: str) -> str:
    """``{base_url}/slack/events`` for an absolute http(s) URL; ValueError, with the reason, for anything else."""
    base = base_url.strip()
    try:
        parts = urlsplit(base)
        _ = parts.port  # raises ValueError for a port that is not a number or is out of range
    except ValueError as exc:
        raise ValueError(f"{base_url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{base_url!r} is not an absolute http(s) URL; give one like https://bot.example.com")
    if parts.query or parts.fragment or base.endswith(("?", "#")):
        raise ValueError(f"{base_url!r}: the base URL cannot have a query or fragment")
    if any(c.isspace() for c in base):
        raise ValueError(f"{base_url!r}: the base URL cannot contain spaces")
    if parts.path.rstrip("/").endswith(EVENTS_PATH):
        raise ValueError(f"{base_url!r}: give the base URL only; {EVENTS_PATH} is added to it")
    return base.rstrip("/") + EVENTS_PATH


def load_manifest() -> dict[str, Any]:
    """The bundled manifest, with its placeholder request URLs."""
    text = files("bot.slack").joinpath("manifest.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def bot_scopes() -> list[str]:
    """The bot scopes the app asks for, from the manifest, so that the OAuth install asks for the same ones."""
    return list(load_manifest()["oauth_config"]["scopes"]["bot"])


def _replace(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {key: _replace(value, old, new) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace(item, old, new) for item in node]
    return new if node == old else node


def _drop_request_urls(manifest: dict[str, Any]) -> None:
    """Socket Mode apps receive everything over the socket; Slack rejects request URLs alongside it."""
    settings = manifest.get("settings", {})
    settings.get("event_subscriptions", {}).pop("request_url", None)
    settings.get("interactivity", {}).pop("request_url", None)
    for command in manifest.get("features", {}).get("slash_commands", []):
        command.pop("url", None)


def render_manifest(base_url: str, *, socket_mode: bool = False) -> str:
    """The manifest as YAML, ready to paste into api.slack.com/apps ("From a manifest")."""
    manifest = _replace(load_manifest(), PLACEHOLDER, events_url(base_url))
    if socket_mode:
        manifest["settings"]["socket_mode_enabled"] = True
        _drop_request_urls(manifest)
    header = (
        "# Slack app manifest for maturity-bot; paste it in api.slack.com/apps > Create New App > From a manifest.\n"
    )
    return header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=120)

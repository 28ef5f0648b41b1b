"""The Slack app manifest: rendered for a host, in both delivery modes, and through the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack.channels import BOT_NAME
from bot.slack.manifest import PLACEHOLDER, load_manifest, render_manifest
from tests.test_cli import run

BOT_SCOPES = {
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "users:read",
    "files:write",
    "channels:read",  # conversations.info and member_joined_channel
    "groups:read",
    "channels:join",
}


def request_urls(manifest: dict[str, Any]) -> list[str | None]:
    """Every place Slack sends requests to; None where the key is absent."""
    settings = manifest["settings"]
    return [
        settings["event_subscriptions"].get("request_url"),
        settings["interactivity"].get("request_url"),
        *(command.get("url") for command in manifest["features"]["slash_commands"]),
    ]


def test_the_bundled_file_only_has_placeholders() -> None:
    raw = load_manifest()
    assert request_urls(raw) == [PLACEHOLDER] * 3
    assert raw["_metadata"]["major_version"] == 1


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://bot.example.com", "https://bot.example.com/slack/events"),
        ("https://bot.example.com/", "https://bot.example.com/slack/events"),
        ("http://10.0.0.5:3000/maturity/", "http://10.0.0.5:3000/maturity/slack/events"),
    ],
)
def test_every_request_url_points_at_the_host(base: str, expected: str) -> None:
    text = render_manifest(base)
    assert PLACEHOLDER not in text and "YOUR-HOST" not in text
    manifest = yaml.safe_load(text)
    assert request_urls(manifest) == [expected] * 3
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_scopes_commands_and_events() -> None:
    manifest = yaml.safe_load(render_manifest("https://bot.example.com"))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    assert "user" not in manifest["oauth_config"]["scopes"]
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/maturity"
    assert command["usage_hint"] == "[start|status|summary|plan|schedule|org|help]"
    assert command["should_escape"] is False
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "message.im",
        "member_joined_channel",  # the bot was invited: parked check-ins go out
        "app_uninstalled",
        "tokens_revoked",
    }
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    assert manifest["features"]["bot_user"] == {"display_name": "maturity-bot", "always_online": False}
    assert "@" + manifest["features"]["bot_user"]["display_name"] == BOT_NAME  # what /invite instructions name
    assert manifest["display_information"]["name"] == "MLOps Maturity"
    assert len(manifest["display_information"]["description"]) <= 140  # Slack's limit
    assert manifest["settings"]["org_deploy_enabled"] is True  # Enterprise Grid org-wide installs
    assert manifest["settings"]["token_rotation_enabled"] is False


def test_socket_mode_has_no_request_urls() -> None:
    text = render_manifest("https://bot.example.com", socket_mode=True)
    assert "https://" not in text
    manifest = yaml.safe_load(text)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert request_urls(manifest) == [None] * 3
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "message.im",
        "member_joined_channel",  # the bot was invited: parked check-ins go out
        "app_uninstalled",
        "tokens_revoked",
    }
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES


@pytest.mark.parametrize(
    "base",
    [
        "bot.example.com",
        "ftp://bot.example.com",
        "https://",
        "/slack",
        "",
        "https://bot.example.com?x=1",
        "https://bot.example.com:99999",
        "https://bot.example.com/slack/events",
    ],
)
def test_a_bad_base_url_is_refused(base: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        render_manifest(base)


def test_cli_prints_the_manifest(tmp_path: Path) -> None:
    done = run("slack-manifest", "--url", "https://bot.example.com", url=f"sqlite:///{tmp_path}/unused.db")
    assert done.returncode == 0, done.stderr
    assert request_urls(yaml.safe_load(done.stdout)) == ["https://bot.example.com/slack/events"] * 3
    socket = run("slack-manifest", "--url", "https://x.example", "--socket-mode", url=f"sqlite:///{tmp_path}/u.db")
    assert socket.returncode == 0, socket.stderr
    assert yaml.safe_load(socket.stdout)["settings"]["socket_mode_enabled"] is True


def test_cli_refuses_a_bad_url_in_one_line(tmp_path: Path) -> None:
    done = run("slack-manifest", "--url", "bot.example.com", url=f"sqlite:///{tmp_path}/unused.db")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: --url:") and "absolute http(s) URL" in lines[0]
    assert "Traceback" not in done.stderr

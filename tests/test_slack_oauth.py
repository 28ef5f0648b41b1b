"""Many workspaces through Slack's OAuth install: the real server on 127.0.0.1, Slack's side played by signed
requests and the fake Web API. Installations are saved with their tokens encrypted."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import select

from bot.server.compose import build_app
from bot.settings import ConfigurationError, Settings
from bot.slack.installations import EncryptedInstallationStore, InstallationDecryptionError
from storage.database import Database, make_engine
from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS
from tests.fakes.slack_api import FakeSlackApi
from tests.server_thread import ServerThread
from tests.slack_requests import slash_command
from tests.test_cli import run
from tests.test_slack_manifest import BOT_SCOPES
from tests.test_slack_server import SECRET

CLIENT_ID, CLIENT_SECRET = "1111.2222", "client-secret"
KEY = Fernet.generate_key().decode()
INSTALLED_TOKEN = "xoxb-installed-1234-abcd"
TEAM, OTHER_TEAM, CHANNEL, USER = "T0INST", "T0NEVER", "C0001", "U0001"
COOKIE = "slack-app-oauth-state"
# slack_sdk's own oauth.v2.access call uses aiohttp's BasicAuth, which aiohttp deprecates; not this project's code.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


def oauth_v2_access(_call: object) -> dict[str, object]:
    """Slack's answer to oauth.v2.access for a bot-only install, in its real shape."""
    return {
        "ok": True,
        "app_id": "A0APP",
        "authed_user": {"id": USER},
        "scope": "commands,chat:write,im:write,im:history,users:read,files:write",
        "token_type": "bot",
        "access_token": INSTALLED_TOKEN,
        "bot_user_id": "U0BOT",
        "team": {"id": TEAM, "name": "Installed Team"},
        "enterprise": None,
        "is_enterprise_install": False,
    }


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=TEAM) as fake:
        fake.valid_tokens.add(INSTALLED_TOKEN)
        fake.set_response("oauth.v2.access", oauth_v2_access)
        yield fake


def oauth_settings(database_url: str, slack_api: FakeSlackApi, **extra: str) -> Settings:
    return Settings.model_validate(
        {
            "scheduler": False,  # check-ins are tested in test_checkins*.py
            "MATURITY_BOT_DATABASE_URL": database_url,
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack_api.url,
            "MATURITY_BOT_ENCRYPTION_KEY": KEY,
            **extra,
        }
    )


@pytest.fixture
def server(database_url: str, slack_api: FakeSlackApi) -> Iterator[ServerThread]:
    srv = ServerThread(build_app(oauth_settings(database_url, slack_api))).start()
    yield srv
    srv.stop()


def start_install(server: ServerThread) -> str:
    """GET /slack/install as a browser would; the state, checked against the cookie it sets."""
    status, html, headers = server.request("GET", "/slack/install")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    link = unescape(re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', html).group(1))
    query = parse_qs(urlsplit(link).query)
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) == BOT_SCOPES
    [state] = query["state"]
    assert f"{COOKIE}={state}" in headers["Set-Cookie"]
    return state


def redirect(server: ServerThread, state: str, cookie: str | None = None) -> tuple[int, str]:
    """Slack sending the browser back with a code; ``cookie`` defaults to the matching state cookie."""
    headers = {"Cookie": f"{COOKIE}={state if cookie is None else cookie}"}
    status, body, _ = server.request(
        "GET", "/slack/oauth_redirect?" + urlencode({"code": "abc", "state": state}), None, headers
    )
    return status, body


def stored(database_url: str) -> tuple[list[dict], list[dict]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            installs = [dict(r) for r in conn.execute(select(SLACK_INSTALLATIONS)).mappings()]
            bots = [dict(r) for r in conn.execute(select(SLACK_BOTS)).mappings()]
            return installs, bots
    finally:
        engine.dispose()


def test_install_then_a_command_uses_the_installed_token(
    server: ServerThread, slack_api: FakeSlackApi, database_url: str
) -> None:
    state = start_install(server)
    status, _ = redirect(server, state)
    assert status == 200
    [access] = slack_api.calls_to("oauth.v2.access")
    assert access.args["code"] == "abc"

    [install], [bot] = stored(database_url)
    assert install["team_id"] == TEAM and install["client_id"] == CLIENT_ID and bot["team_id"] == TEAM
    for row in (install, bot):
        assert row["bot_token"] and "xoxb" not in row["bot_token"]
        assert Fernet(KEY).decrypt(row["bot_token"].encode()).decode() == INSTALLED_TOKEN

    status, _ = server.post_json(
        "/slack/events", *slash_command(SECRET, team_id=TEAM, channel_id=CHANNEL, user_id=USER)
    )
    assert status == 200
    slack_api.wait_for("conversations.open")
    slack_api.wait_for("chat.postMessage")
    by_token = {call.token for call in slack_api.calls if call.method != "oauth.v2.access"}
    assert by_token == {INSTALLED_TOKEN}  # the installation's token, decrypted, on every call


def test_a_team_that_never_installed_gets_nothing(server: ServerThread, slack_api: FakeSlackApi) -> None:
    # Bolt answers through the command's response_url, here pointed at the fake (Slack's is a hooks URL).
    response_url = slack_api.url + "response_url"
    body, headers = slash_command(
        SECRET, team_id=OTHER_TEAM, channel_id=CHANNEL, user_id=USER, response_url=response_url
    )
    status, reply = server.post_json("/slack/events", body, headers)
    assert (status, reply) == (200, None)
    [respond] = slack_api.wait_for("response_url")
    assert "install this app" in respond.args["text"]
    time.sleep(0.3)
    assert [call.method for call in slack_api.calls] == ["response_url"]  # no Web API call, nothing posted


def test_a_bad_or_reused_state_is_refused(server: ServerThread, slack_api: FakeSlackApi, database_url: str) -> None:
    assert redirect(server, "made-up-state")[0] == 401  # the cookie matches, the store never issued it
    state = start_install(server)
    assert redirect(server, state, cookie="another-state")[0] == 400  # not the browser that started
    assert redirect(server, state)[0] == 200
    assert redirect(server, state)[0] == 401  # a state is good once
    assert len(slack_api.calls_to("oauth.v2.access")) == 1
    assert len(stored(database_url)[0]) == 1


def test_oauth_without_an_encryption_key_is_refused_in_one_line(
    database_url: str, slack_api: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MATURITY_BOT_ENCRYPTION_KEY", raising=False)
    settings = oauth_settings(database_url, slack_api)
    settings.encryption_key = None
    with pytest.raises(ConfigurationError, match=r"MATURITY_BOT_ENCRYPTION_KEY.*Fernet\.generate_key"):
        build_app(settings)
    env = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": "",
    }
    done = run("serve", "--port", "0", url=database_url, env=env)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "Fernet.generate_key().decode()" in line


def test_a_key_that_is_not_a_fernet_key_is_refused(database_url: str, slack_api: FakeSlackApi) -> None:
    with pytest.raises(ConfigurationError, match="not a Fernet key"):
        build_app(oauth_settings(database_url, slack_api, MATURITY_BOT_ENCRYPTION_KEY="not-a-key"))


def test_every_token_is_encrypted_at_rest_and_a_wrong_key_is_an_error(db: Database) -> None:
    secrets = {
        "bot_token": "xoxb-secret-bot",
        "bot_refresh_token": "xoxe-secret-bot-refresh",
        "user_token": "xoxp-secret-user",
        "user_refresh_token": "xoxe-secret-user-refresh",
        "incoming_webhook_url": "https://hooks.slack.com/services/T0/B0/secret-hook",
    }
    installation = Installation(
        app_id="A0APP", team_id=TEAM, user_id=USER, bot_id="B0BOT", bot_user_id="U0BOT", **secrets
    )
    store = EncryptedInstallationStore(client_id=CLIENT_ID, engine=db.engine, encryption_key=KEY)
    asyncio.run(store.async_save(installation))
    assert installation.bot_token == secrets["bot_token"]  # the caller's object is left alone
    with db.engine.connect() as conn:
        raw = " ".join(
            str(value)
            for table in (SLACK_INSTALLATIONS, SLACK_BOTS)
            for row in conn.execute(select(table))
            for value in row
        )
    assert not any(secret in raw for secret in secrets.values())
    found = asyncio.run(store.async_find_installation(enterprise_id=None, team_id=TEAM))
    assert found is not None and {name: getattr(found, name) for name in secrets} == secrets
    bot = asyncio.run(store.async_find_bot(enterprise_id=None, team_id=TEAM))
    assert bot is not None and bot.bot_token == secrets["bot_token"]
    other = EncryptedInstallationStore(client_id=CLIENT_ID, engine=db.engine, encryption_key=Fernet.generate_key())
    with pytest.raises(InstallationDecryptionError, match="MATURITY_BOT_ENCRYPTION_KEY"):
        asyncio.run(other.async_find_installation(enterprise_id=None, team_id=TEAM))

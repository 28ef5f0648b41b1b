"""Slack as real companies run it, over HTTP in Slack's real shapes: an Enterprise Grid org-wide install, Slack
Connect users, commands typed in DMs, the bot outside a team's channel, a throttled ``users.info``, the app
uninstalled and its tokens revoked or rotated."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.app.runtime import Runtime
from bot.scheduler import CheckinScheduler
from bot.server.compose import build_app
from bot.slack.installations import EncryptedInstallationStore
from bot.slack.outbox import SlackOutbox
from bot.slack.tokens import InstalledClients
from scoring.catalog import ModelCatalog
from scoring.model import default_model
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.models import SLACK_BOTS, CheckinSettings, Delivery, Team
from tests.block_kit import assert_within_limits
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi
from tests.personas import ASKED, PERSONAS
from tests.server_thread import ServerThread
from tests.slack_posts import button, command_answer, question_id, questions_posted, wait_until
from tests.slack_requests import BOT_USER_ID, block_action, dm_message, event, slash_command
from tests.slack_shapes import connect_dm, in_channel, org_wide, reshaped
from tests.test_slack_oauth import CLIENT_ID, KEY, oauth_settings, redirect, start_install, stored
from tests.test_slack_server import SECRET, start_server

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
MODELS = ModelCatalog(default_model())
_, ANSWERS = PERSONAS["faq_level_2"]
ENTERPRISE, GRID_TEAM, CHANNEL, USER = "E0GRID", "T0GRIDA", "C0GRID", "W0PERSON"  # Grid user ids start with W
ORG_TOKEN = "xoxb-org-wide-token"
WORKSPACE = "T0001"


def org_wide_access(_call: object) -> dict[str, object]:
    """oauth.v2.access for an org-wide install on Enterprise Grid: no team, the enterprise instead."""
    return {
        "ok": True,
        "app_id": "A0APP",
        "authed_user": {"id": "W0ADMIN"},
        "scope": "commands,chat:write",
        "token_type": "bot",
        "access_token": ORG_TOKEN,
        "bot_user_id": BOT_USER_ID,
        "team": None,
        "enterprise": {"id": ENTERPRISE, "name": "Acme Group"},
        "is_enterprise_install": True,
    }


@pytest.fixture
def grid_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=GRID_TEAM) as fake:
        fake.valid_tokens.add(ORG_TOKEN)
        fake.set_response("oauth.v2.access", org_wide_access)
        yield fake


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=WORKSPACE) as fake:
        yield fake


@pytest.fixture
def server(database_url: str, slack_api: FakeSlackApi) -> Iterator[ServerThread]:
    srv = start_server(database_url, slack_api)
    yield srv
    srv.stop()


def post(server: ServerThread, built: tuple[str, dict[str, str]]) -> tuple[int, Any]:
    return server.post_json("/slack/events", *built)


def installed_clients(db: Database, api: FakeSlackApi) -> InstalledClients:
    store = EncryptedInstallationStore(client_id=CLIENT_ID, engine=db.engine, encryption_key=KEY)
    rotator = AsyncTokenRotator(
        client_id=CLIENT_ID, client_secret="client-secret", client=AsyncWebClient(base_url=api.url)
    )
    return InstalledClients(store, rotator, lambda token: AsyncWebClient(token=token, base_url=api.url))


def tick(db: Database, outbox: SlackOutbox) -> Any:
    scheduler = CheckinScheduler(Runtime(SqlConversationStore(db), db, MODELS), {"slack": outbox}, pace=0.0)
    return asyncio.run(scheduler.tick())


# --- Enterprise Grid ------------------------------------------------------------------------------------------


def test_an_org_wide_grid_install_works_end_to_end_and_check_ins_use_the_organisation_token(
    database_url: str, db: Database, grid_api: FakeSlackApi
) -> None:
    server = ServerThread(build_app(oauth_settings(database_url, grid_api))).start()
    try:
        assert redirect(server, start_install(server))[0] == 200
        asked_before = len(grid_api.calls_to("auth.test"))  # the install itself asks once
        [_], [bot] = stored(database_url)
        assert (bot["enterprise_id"], bot["team_id"], bot["is_enterprise_install"]) == (ENTERPRISE, None, True)

        grid = org_wide(ENTERPRISE)
        start = slash_command(SECRET, team_id=GRID_TEAM, channel_id=CHANNEL, user_id=USER)
        status, reply = post(server, reshaped(SECRET, start, grid))
        assert status == 200 and "direct message" in reply["text"]
        for n, question in enumerate(ASKED, start=1):  # every click arrives with "team": null
            wait_until(lambda n=n: len(questions_posted(grid_api)) == n, slack_api=grid_api)
            message = questions_posted(grid_api)[-1]
            assert question_id(message) == question.id
            action_id, value = button(message, ANSWERS[question.id])
            click = block_action(
                SECRET,
                team_id=GRID_TEAM,
                user_id=USER,
                channel_id=message["channel"],
                message_ts=f"5.{n}",
                action_id=action_id,
                value=value,
            )
            assert post(server, reshaped(SECRET, click, grid))[0] == 200
        wait_until(lambda: any(c.args["text"].startswith("Your result") for c in grid_api.calls_to("chat.postMessage")))
        assert {c.token for c in grid_api.calls_to("chat.postMessage")} == {ORG_TOKEN}
        assert len(grid_api.calls_to("auth.test")) == asked_before  # no request asked Slack before its ack
    finally:
        server.stop()

    with db.reading() as session:  # one team, kept under the organisation it was installed on
        assert session.scalars(select(Team.external_id)).all() == [CHANNEL]
        assert session.scalar(select(func.count()).select_from(CheckinSettings)) == 1
    grid_api.reset()
    result = tick(db, SlackOutbox(installed_clients(db, grid_api).client_for))
    assert result.sent == 1  # the announcement: its token found from the enterprise id alone
    [announce] = grid_api.calls_to("chat.postMessage")
    assert announce.args["channel"] == CHANNEL and announce.token == ORG_TOKEN


# --- Slack Connect, DMs and group DMs --------------------------------------------------------------------------


def test_a_slack_connect_user_from_another_organisation_answers_in_their_dm(
    server: ServerThread, slack_api: FakeSlackApi
) -> None:
    """The DM's envelope names the sender's organisation; the answer still belongs to this installation's team."""
    guest = "U0GUEST"
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id="C0SHARED", user_id=guest))
    wait_until(lambda: len(questions_posted(slack_api)) == 1, slack_api=slack_api)
    typed = event(SECRET, dm_message(guest, "1"), team_id=WORKSPACE)
    assert post(server, reshaped(SECRET, typed, connect_dm("T0THEIRORG")))[0] == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 2, slack_api=slack_api)
    assert question_id(questions_posted(slack_api)[-1]) == ASKED[1].id


@pytest.mark.parametrize(("channel_id", "channel_name"), [("D0PERSON", "directmessage"), ("C0GROUP", "mpdm-a--b-1")])
def test_maturity_in_a_dm_or_group_dm_creates_no_team_and_offers_the_persons_teams(
    db: Database, server: ServerThread, slack_api: FakeSlackApi, channel_id: str, channel_name: str
) -> None:
    user = "U0001"
    here = in_channel(channel_id, channel_name)
    answer = command_answer(
        server,
        slack_api,
        reshaped(SECRET, slash_command(SECRET, user_id=user, response_url=slack_api.response_url()), here),
    )
    assert "in your team's channel" in answer
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Team)) == 0  # the DM did not become a team

    for team in ("C0TEAM", "C0OTHER"):  # two real teams
        post(server, slash_command(SECRET, user_id=user, channel_id=team))
    wait_until(lambda: len(questions_posted(slack_api)) == 2, slack_api=slack_api)
    before = len(slack_api.calls_to(RESPONSE_URL))
    status, _ = post(
        server,
        reshaped(
            SECRET, slash_command(SECRET, user_id=user, text="status", response_url=slack_api.response_url()), here
        ),
    )
    assert status == 200
    offer = slack_api.wait_for(RESPONSE_URL, before + 1)[before].args
    assert "`/maturity status` works in your team's channel" in offer["text"]
    assert_within_limits(slack_api)  # one action id per button, as Slack requires
    buttons = [e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert sorted(json.loads(b["value"])["t"] for b in buttons) == ["C0OTHER", "C0TEAM"]
    with db.reading() as session:
        assert sorted(session.scalars(select(Team.external_id))) == ["C0OTHER", "C0TEAM"]

    [other] = [b for b in buttons if json.loads(b["value"])["t"] == "C0OTHER"]  # carry on with that team
    click = block_action(
        SECRET,
        user_id=user,
        channel_id=channel_id,
        message_ts="1.0",
        action_id=other["action_id"],
        value=other["value"],
    )
    assert post(server, click)[0] == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 3, slack_api=slack_api)
    assert json.loads(button(questions_posted(slack_api)[-1], ANSWERS[ASKED[0].id])[1])["t"] == "C0OTHER"

    help_answer = command_answer(  # help works anywhere
        server,
        slack_api,
        reshaped(SECRET, slash_command(SECRET, user_id=user, text="help", response_url=slack_api.response_url()), here),
    )
    assert help_answer.startswith("*MLOps maturity assessment*")


# --- the three-second rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["org", "schedule pause"])
def test_the_admin_check_never_holds_the_acknowledgement(
    db: Database, server: ServerThread, slack_api: FakeSlackApi, words: str
) -> None:
    """users.info is held unanswered: the command is acknowledged anyway, and answered once Slack replies."""
    finish_team(db)
    slack_api.set_response("users.info", lambda call: {"ok": True, "user": {"id": call.args["user"], "is_admin": True}})
    released = slack_api.hold("users.info")
    built = slash_command(SECRET, user_id="U0ADMIN", text=words, response_url=slack_api.response_url())
    status, reply = post(server, built)  # returns while users.info has not been answered
    assert status == 200 and not reply
    assert slack_api.calls_to(RESPONSE_URL) == []
    released.set()
    [answer] = slack_api.wait_for(RESPONSE_URL)
    assert answer.args["response_type"] == "ephemeral"
    assert ("Organisation view" if words == "org" else "Check-ins are paused") in answer.args["text"]


def test_a_throttled_admin_check_says_it_could_not_check_never_that_the_person_is_no_admin(
    database_url: str, db: Database, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    finish_team(db)
    slack_api.fail_next("users.info", status=429, retry_after=0, times=20)  # past the client's retries
    started = time.monotonic()
    status, reply = post(
        server, slash_command(SECRET, user_id="U0ADMIN", text="org", response_url=slack_api.response_url())
    )
    acknowledged = time.monotonic() - started
    assert status == 200 and not reply
    [answer] = slack_api.wait_for(RESPONSE_URL)
    assert "couldn't check" in answer.args["text"] and "is for workspace admins" not in answer.args["text"]
    print(f"acknowledged in {acknowledged * 1000:.0f} ms during a users.info 429 storm")


def finish_team(db: Database, team: str = "C0001", user: str = "U0001", workspace: str = WORKSPACE) -> None:
    from bot.app.turns import take_turn
    from dialogs.messages import Command, Input
    from dialogs.ports import Participant

    store, who = SqlConversationStore(db), Participant("slack", workspace, team, user)
    take_turn(store, MODELS, who, Input(Command.START), source="test")
    for question in ASKED:
        take_turn(store, MODELS, who, Input(Command.ANSWER, ANSWERS[question.id], question_id=question.id), source="t")


# --- the bot outside the channel -------------------------------------------------------------------------------


def test_starting_in_a_public_channel_the_bot_is_not_in_joins_it(server: ServerThread, slack_api: FakeSlackApi) -> None:
    slack_api.keep_out("C0PUBLIC")
    post(server, slash_command(SECRET, channel_id="C0PUBLIC", response_url=slack_api.response_url()))
    [joined] = slack_api.wait_for("conversations.join")
    assert joined.args["channel"] == "C0PUBLIC"
    wait_until(lambda: len(questions_posted(slack_api)) == 1, slack_api=slack_api)
    assert slack_api.calls_to(RESPONSE_URL) == []  # nothing to ask of anyone


def test_starting_in_a_private_channel_the_bot_is_not_in_asks_for_an_invitation(
    server: ServerThread, slack_api: FakeSlackApi
) -> None:
    slack_api.keep_out("C0PRIVATE", private=True)
    status, reply = post(server, slash_command(SECRET, channel_id="C0PRIVATE", response_url=slack_api.response_url()))
    assert status == 200 and "direct message" in reply["text"]  # the assessment itself goes ahead in the DM
    [told] = slack_api.wait_for(RESPONSE_URL)
    assert told.args["response_type"] == "ephemeral"
    assert "/invite @maturity-bot" in told.args["text"] and "<#C0PRIVATE>" in told.args["text"]
    assert slack_api.calls_to("conversations.join") == []


def test_an_invitation_sends_the_check_ins_that_waited(
    db: Database, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    finish_team(db, team="C0LATE")
    slack_api.keep_out("C0LATE", private=True)
    same_client = AsyncWebClient(token="xoxb-test", base_url=slack_api.url)

    async def client_for(_: str) -> AsyncWebClient:
        return same_client

    outbox = SlackOutbox(client_for)
    assert tick(db, outbox).waiting == 1
    slack_api.let_in("C0LATE")
    joined = {
        "type": "member_joined_channel",
        "user": BOT_USER_ID,
        "channel": "C0LATE",
        "channel_type": "G",
        "team": WORKSPACE,
        "inviter": "U0001",
        "event_ts": "1.0",
    }
    assert post(server, event(SECRET, joined, team_id=WORKSPACE))[0] == 200  # committed before the ack
    assert tick(db, outbox).sent == 1
    with db.reading() as session:
        assert session.scalar(select(Delivery.status).where(Delivery.kind == "announce")) == "sent"


def test_someone_else_joining_the_channel_releases_nothing(
    db: Database, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    finish_team(db, team="C0LATE")
    slack_api.keep_out("C0LATE")
    client = AsyncWebClient(token="xoxb-test", base_url=slack_api.url)

    async def client_for(_: str) -> AsyncWebClient:
        return client

    assert tick(db, SlackOutbox(client_for)).waiting == 1
    joined = {
        "type": "member_joined_channel",
        "user": "U0SOMEONE",
        "channel": "C0LATE",
        "team": WORKSPACE,
        "event_ts": "1.0",
    }
    assert post(server, event(SECRET, joined, team_id=WORKSPACE))[0] == 200
    with db.reading() as session:
        assert session.scalar(select(Delivery.status).where(Delivery.kind == "announce")) == "waiting"


# --- uninstall, revocation, rotation -----------------------------------------------------------------------------

INSTALLED = "T0INST"


@pytest.mark.parametrize("removal", ["app_uninstalled", "tokens_revoked"])
def test_removal_forgets_the_tokens_and_pauses_check_ins_until_a_reinstall(
    database_url: str, db: Database, removal: str
) -> None:
    from tests.test_slack_oauth import INSTALLED_TOKEN, oauth_v2_access

    with FakeSlackApi(team_id=INSTALLED) as api:
        api.valid_tokens.add(INSTALLED_TOKEN)
        api.set_response("oauth.v2.access", oauth_v2_access)
        server = ServerThread(build_app(oauth_settings(database_url, api))).start()
        try:
            assert redirect(server, start_install(server))[0] == 200
            finish_team(db, workspace=INSTALLED)
            happened: dict[str, Any] = {"type": removal, "event_ts": "1.0"}
            if removal == "tokens_revoked":
                happened["tokens"] = {"oauth": [], "bot": [BOT_USER_ID]}
            assert post(server, event(SECRET, happened, team_id=INSTALLED))[0] == 200
            installs, bots = stored(database_url)
            assert installs == [] and bots == []
            with db.reading() as session:
                settings = session.scalars(select(CheckinSettings)).one()
                assert (settings.paused, settings.paused_reason) == (True, "uninstalled")
            assert tick(db, SlackOutbox(installed_clients(db, api).client_for)).sent == 0  # nothing goes out

            assert redirect(server, start_install(server))[0] == 200  # installed again
            with db.reading() as session:
                settings = session.scalars(select(CheckinSettings)).one()
                assert (settings.paused, settings.paused_reason) == (False, None)
        finally:
            server.stop()


def rotating_install(call: Any, token: str, refresh_token: str) -> dict[str, object]:
    """oauth.v2.access for an install with token rotation on: the token has an hour left."""
    from tests.test_slack_oauth import oauth_v2_access

    return oauth_v2_access(call) | {"access_token": token, "refresh_token": refresh_token, "expires_in": 3600}


def refreshed(token: str, refresh_token: str) -> dict[str, object]:
    """oauth.v2.access's answer to ``grant_type=refresh_token``: a new token for twelve hours."""
    return {
        "ok": True,
        "access_token": token,
        "refresh_token": refresh_token,
        "expires_in": 43200,
        "token_type": "bot",
        "team": {"id": INSTALLED},
        "enterprise": None,
        "is_enterprise_install": False,
        "bot_user_id": BOT_USER_ID,
        "app_id": "A0APP",
        "scope": "commands,chat:write",
    }


def install(database_url: str, api: FakeSlackApi) -> None:
    """The OAuth install, through a server that is stopped again (check-ins are sent by the test's scheduler)."""
    server = ServerThread(build_app(oauth_settings(database_url, api))).start()
    try:
        assert redirect(server, start_install(server))[0] == 200
    finally:
        server.stop()


def newest_bot(db: Database) -> Any:
    with db.reading() as session:
        return session.execute(select(SLACK_BOTS).order_by(SLACK_BOTS.c.installed_at.desc())).mappings().first()


def test_a_rotating_token_is_refreshed_before_it_expires_and_saved_encrypted(database_url: str, db: Database) -> None:
    def access(call: Any) -> dict[str, object]:
        if call.args.get("grant_type") == "refresh_token":
            assert call.args["refresh_token"] == "xoxe-1-refresh"
            return refreshed("xoxe.xoxb-fresh", "xoxe-1-refresh-2")
        return rotating_install(call, "xoxe.xoxb-old", "xoxe-1-refresh")

    with FakeSlackApi(team_id=INSTALLED) as api:
        api.valid_tokens |= {"xoxe.xoxb-old", "xoxe.xoxb-fresh"}
        api.set_response("oauth.v2.access", access)
        install(database_url, api)
        finish_team(db, workspace=INSTALLED)
        assert tick(db, SlackOutbox(installed_clients(db, api).client_for)).sent == 1  # an hour left: refreshed
        refreshes = [c for c in api.calls_to("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]
        assert len(refreshes) == 1
        [announce] = api.calls_to("chat.postMessage")
        assert announce.token == "xoxe.xoxb-fresh"
        newest = newest_bot(db)
        assert newest is not None and "xoxb" not in newest["bot_token"]
        assert Fernet(KEY).decrypt(newest["bot_token"].encode()).decode() == "xoxe.xoxb-fresh"
        expires = newest["bot_token_expires_at"]
        assert expires.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(hours=11)


def test_a_failed_refresh_keeps_the_working_token_and_the_background_refresher_tries_again(
    database_url: str, db: Database
) -> None:
    refreshes: list[int] = []

    def access(call: Any) -> dict[str, object]:
        if call.args.get("grant_type") != "refresh_token":
            return rotating_install(call, "xoxe.xoxb-old", "xoxe-1-r")
        refreshes.append(1)
        if len(refreshes) == 1:
            return {"ok": False, "error": "internal_error"}
        return refreshed("xoxe.xoxb-new", "xoxe-1-r2")

    with FakeSlackApi(team_id=INSTALLED) as api:
        api.valid_tokens |= {"xoxe.xoxb-old", "xoxe.xoxb-new"}
        api.set_response("oauth.v2.access", access)
        install(database_url, api)
        finish_team(db, workspace=INSTALLED)
        clients = installed_clients(db, api)
        assert tick(db, SlackOutbox(clients.client_for)).sent == 1  # the refresh failed; the old token still works
        assert [c.token for c in api.calls_to("chat.postMessage")] == ["xoxe.xoxb-old"]
        asyncio.run(clients.refresh_expiring())  # what the server's background refresher runs every few minutes
        assert len(refreshes) == 2
        newest = newest_bot(db)
        assert newest is not None
        assert Fernet(KEY).decrypt(newest["bot_token"].encode()).decode() == "xoxe.xoxb-new"

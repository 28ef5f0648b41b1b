"""Teams end to end: Bot Framework activities POSTed to /api/messages on the real server on 127.0.0.1; the
bot's replies, updates and new conversations go to a fake Bot Connector on 127.0.0.1 that records them."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.server.compose import build_app
from bot.settings import ConfigurationError, Settings
from scoring.model import default_model
from scoring.score import score_answers
from storage.database import Database, open_database, upgrade
from storage.models import Answer, ConversationRef, Response
from tests import teams_activities as a
from tests.fakes.bot_connector import FakeBotConnector
from tests.personas import ASKED, PERSONAS
from tests.server_thread import ServerThread
from tests.slack_posts import wait_until
from tests.storage.helpers import count
from tests.tcp_proxy import TcpProxy

MODEL = default_model()
JSON = {"Content-Type": "application/json"}
APP_ID = "6f3c1b2a-0d4e-4f5a-9b8c-7d6e5f4a3b2c"


@pytest.fixture
def connector() -> Iterator[FakeBotConnector]:
    with FakeBotConnector() as fake:
        yield fake


def start_server(database_url: str, **extra: str) -> ServerThread:
    settings = Settings.model_validate({"MATURITY_BOT_DATABASE_URL": database_url, "scheduler": False, **extra})
    return ServerThread(build_app(settings)).start()


@pytest.fixture
def server(database_url: str) -> Iterator[ServerThread]:
    srv = start_server(database_url)
    yield srv
    srv.stop()


def post(server: ServerThread, activity: dict[str, Any] | str, headers: dict[str, str] | None = None) -> int:
    body = activity if isinstance(activity, str) else json.dumps(activity)
    status, _, _ = server.request("POST", "/api/messages", body, headers or JSON)
    return status


class Personal:
    """The person's side of the personal chat, read off what the fake connector received."""

    def __init__(self, connector: FakeBotConnector) -> None:
        self.connector = connector

    @property
    def conversation(self) -> str:
        [created] = self.connector.calls_to("create_conversation")
        return created.response["id"]  # type: ignore[index]

    def cards(self) -> list[tuple[str, dict[str, Any]]]:
        """(activity id, card) of every card sent into the personal chat, oldest first."""
        found = []
        for call in self.connector.calls:  # posted into the chat, or as a reply to the person's message
            if call.operation not in ("send", "reply") or call.conversation_id != self.conversation or call.failed:
                continue
            if call.body.get("attachments"):
                found.append((call.response["id"], call.body["attachments"][0]["content"]))  # type: ignore[index]
        return found

    def texts(self) -> list[str]:
        return [b.get("text") or "" for b in self.connector.activities_sent(self.conversation)]

    def submit(self, server: ServerThread, card_id: str, data: dict[str, Any]) -> int:
        activity = a.card_submit(
            data, reply_to_id=card_id, service_url=self.connector.url, conversation_id=self.conversation
        )
        return post(server, activity)

    def say(self, server: ServerThread, text: str) -> int:
        return post(server, a.message(text, service_url=self.connector.url, conversation_id=self.conversation))


def rows(db: Database, model: type[Any]) -> list[Any]:
    with db.reading() as session:
        return list(session.scalars(select(model)))


def option_data(card: dict[str, Any], option_id: str) -> dict[str, Any]:
    actions = [act for item in card["body"] if item["type"] == "ActionSet" for act in item["actions"]]
    return next(act["data"] for act in actions if act["data"]["o"] == option_id)


def start(server: ServerThread, connector: FakeBotConnector) -> Personal:
    assert post(server, a.channel_mention("start", service_url=connector.url)) == 201
    personal = Personal(connector)
    wait_until(lambda: len(personal.cards()) == 1)
    [reply] = connector.calls_to("reply")  # in the channel thread the mention started
    assert reply.body["text"] == "I've sent you a personal message with the assessment for this channel."
    return personal


def answer_all(server: ServerThread, personal: Personal, answers: dict[str, str], *, first: int = 0) -> None:
    for n in range(first, len(ASKED)):
        question = ASKED[n]
        card_id, card = personal.cards()[-1]
        assert card["body"][1]["text"] == question.text
        assert personal.submit(server, card_id, option_data(card, answers[question.id])) == 201
        wait_until(lambda n=n: len(personal.connector.calls_to("update")) >= n + 1)


def test_a_whole_assessment_by_card_submits(
    server: ServerThread, connector: FakeBotConnector, database_url: str
) -> None:
    expected, answers = PERSONAS["faq_level_2"]
    personal = start(server, connector)
    [created] = connector.calls_to("create_conversation")
    assert created.body["isGroup"] is False and created.body["members"][0]["id"] == "29:1user"
    answer_all(server, personal, answers)
    updates = connector.calls_to("update")
    assert len(updates) == len(ASKED) == 26  # the profile question, then the 25 an online team is asked
    assert [u.activity_id for u in updates] == [card_id for card_id, _ in personal.cards()[: len(ASKED)]]
    profile = MODEL.option(ASKED[0].id, answers[ASKED[0].id])
    assert profile is not None and profile.label in json.dumps(updates[0].body)
    result = connector.activities_sent(personal.conversation)[-1]["attachments"][0]["content"]
    assert result["body"][0]["text"] == f"Your result: level {expected}, {score_answers(MODEL, answers).overall_name}"
    db = open_database(database_url)
    try:
        assert count(db, Answer) == len(ASKED)
        assert sorted(r.kind for r in rows(db, ConversationRef)) == ["channel", "personal"]
    finally:
        db.close()


def test_an_assessment_by_typed_replies(server: ServerThread, connector: FakeBotConnector) -> None:
    expected, answers = PERSONAS["faq_level_1"]
    personal = start(server, connector)
    for question in ASKED:
        number = [option.id for option in MODEL.choices(question)].index(answers[question.id]) + 1
        sent = len(personal.texts())
        assert personal.say(server, str(number)) == 201
        assert len(personal.texts()) > sent  # the replies went out before the request was answered
    wait_until(lambda: "attachments" in connector.activities_sent(personal.conversation)[-1])
    result = connector.activities_sent(personal.conversation)[-1]["attachments"][0]["content"]
    assert result["body"][0]["text"].startswith(f"Your result: level {expected}")
    assert not connector.calls_to("update")  # typed answers have no card to update


def test_a_restart_in_the_middle_then_resume(database_url: str, connector: FakeBotConnector) -> None:
    _, answers = PERSONAS["faq_level_3"]
    first = start_server(database_url)
    personal = start(first, connector)
    for question in ASKED[:5]:
        card_id, card = personal.cards()[-1]
        assert personal.submit(first, card_id, option_data(card, answers[question.id])) == 201
        wait_until(lambda text=question.text: personal.cards()[-1][1]["body"][1]["text"] != text)
    first.stop()

    second = start_server(database_url)  # a deploy: nothing but the database carries over
    try:
        answer_all(second, personal, answers, first=5)  # the sixth card, posted before the restart, still works
        result = connector.activities_sent(personal.conversation)[-1]["attachments"][0]["content"]
        assert result["body"][0]["text"].startswith("Your result: level 3")
    finally:
        second.stop()


def test_an_old_card_gets_a_note_and_changes_nothing(
    server: ServerThread, connector: FakeBotConnector, database_url: str
) -> None:
    personal = start(server, connector)
    card_id, card = personal.cards()[0]
    first = ASKED[0]
    assert personal.submit(server, card_id, option_data(card, first.options[0].id)) == 201
    wait_until(lambda: len(personal.cards()) == 2)
    assert personal.submit(server, card_id, option_data(card, first.options[3].id)) == 201
    wait_until(lambda: "no longer the current one" in personal.texts()[-1])
    assert len(connector.calls_to("update")) == 1
    db = open_database(database_url)
    try:
        assert count(db, Answer) == 1
    finally:
        db.close()


def test_a_not_applicable_answer_with_a_note_from_the_card_over_http(
    server: ServerThread, connector: FakeBotConnector, database_url: str
) -> None:
    """The card as Teams receives it has the N/A options after a separator and the note field; the submit, with
    the field's value merged into it as Teams does, keeps the N/A answer (no level) and the note with its link."""
    _, answers = PERSONAS["faq_level_2"]
    personal = start(server, connector)
    asked = ASKED.index(MODEL.question_by_id["feature_consistency"])
    for n, question in enumerate(ASKED[:asked]):
        card_id, card = personal.cards()[-1]
        assert personal.submit(server, card_id, option_data(card, answers[question.id])) == 201
        wait_until(lambda n=n: len(personal.cards()) == n + 2)
    card_id, card = personal.cards()[-1]
    assert card["body"][1]["text"] == ASKED[asked].text
    other_set = [s for s in card["body"] if s["type"] == "ActionSet"][-1]  # the answers that are not levels
    assert [a["data"]["o"] for a in other_set["actions"]] == ["na_other", "dont_know"]
    [field] = [item for item in card["body"] if item["type"] == "Input.Text"]
    assert field["id"] == "note"

    link = "https://wiki.example.com/features"
    data = {**option_data(card, "na_other"), "note": f"raw images only, see {link}"}
    assert personal.submit(server, card_id, data) == 201
    wait_until(lambda: len(personal.cards()) == asked + 2)
    said = personal.texts()
    assert any("left out of the score" in t for t in said)
    assert any(t.startswith("Note kept with your answer to") and link in t for t in said)
    update = connector.calls_to("update")[-1]
    assert update.activity_id == card_id and "Not applicable: another reason" in json.dumps(update.body)
    db = open_database(database_url)
    try:
        with db.reading() as session:
            row = session.scalars(
                select(Answer).where(Answer.question_id == "feature_consistency").order_by(Answer.id.desc()).limit(1)
            ).one()
        assert (row.option_id, row.level) == ("na_other", None)
        assert (row.note, row.link) == (f"raw images only, see {link}", link)
    finally:
        db.close()


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ("{not json", JSON, 400),
        ("[1, 2]", JSON, 400),
        (json.dumps({"text": "no type"}), JSON, 400),
        (json.dumps({"type": "message", "serviceUrl": "http://127.0.0.1:1/"}), JSON, 400),
        (json.dumps({"type": "message", "conversation": {"id": 5}, "from": {"id": "u"}}), JSON, 400),
        (
            json.dumps({"type": "message", "conversation": {"id": "c"}, "from": {"id": "u"}, "serviceUrl": "x"}),
            JSON,
            400,
        ),
        ("type=message", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ],
)
def test_a_malformed_activity_gets_an_error_status_and_the_server_keeps_serving(
    server: ServerThread, connector: FakeBotConnector, body: str, headers: dict[str, str], status: int
) -> None:
    assert post(server, body, headers) == status
    assert connector.calls == []
    assert post(server, a.channel_mention("help", service_url=connector.url)) == 201


def test_the_bot_added_to_a_channel_says_hello_and_remembers_the_channel(
    server: ServerThread, connector: FakeBotConnector, database_url: str
) -> None:
    assert post(server, a.bot_added(service_url=connector.url)) == 201
    [hello] = connector.wait_for("send")
    assert hello.conversation_id == a.TEAM_ID and "mention me with `start`" in hello.body["text"]
    db = open_database(database_url)
    try:
        [ref] = rows(db, ConversationRef)
        assert (ref.platform, ref.workspace_id, ref.team_id, ref.service_url) == (
            "teams",
            a.TENANT_ID,
            a.TEAM_ID,
            connector.url,
        )
    finally:
        db.close()


def test_with_an_app_id_a_request_without_a_valid_token_gets_401_and_changes_nothing(
    database_url: str, connector: FakeBotConnector
) -> None:
    server = start_server(database_url, MicrosoftAppId=APP_ID, MicrosoftAppPassword="secret")
    try:
        mention = a.channel_mention("start", service_url=connector.url)
        assert post(server, mention) == 401
        assert post(server, mention, {**JSON, "Authorization": "Bearer not-a-token"}) == 401
        assert post(server, mention, {**JSON, "Authorization": "Basic abc"}) == 401
        forged = jwt.encode(
            {"iss": "https://sts.example.test/", "aud": APP_ID},
            "a guessed key, thirty-two bytes long",
            algorithm="HS256",
        )
        assert post(server, mention, {**JSON, "Authorization": f"Bearer {forged}"}) == 401
    finally:
        server.stop()
    assert connector.calls == []
    db = open_database(database_url)
    try:
        assert count(db, Response) == 0 and count(db, ConversationRef) == 0
    finally:
        db.close()


def test_without_an_app_id_only_local_service_urls_are_answered(
    server: ServerThread, connector: FakeBotConnector
) -> None:
    remote = a.channel_mention("start", service_url="https://smba.trafficmanager.net/emea/")
    assert post(server, remote) == 401
    assert connector.calls == []


@pytest.mark.postgres
def test_a_database_outage_gets_a_helpful_reply_and_loses_nothing(
    postgres_url: str, connector: FakeBotConnector
) -> None:
    upgrade(postgres_url)
    direct = make_url(postgres_url)
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    proxied = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    server = start_server(proxied)
    try:
        personal = start(server, connector)
        card_id, card = personal.cards()[-1]
        proxy.down()
        assert personal.submit(server, card_id, option_data(card, ASKED[0].options[1].id)) == 201
        wait_until(lambda: "database is unavailable" in personal.texts()[-1])
        proxy.up()
        assert personal.submit(server, card_id, option_data(card, ASKED[0].options[1].id)) == 201
        wait_until(lambda: len(personal.cards()) == 2)  # the same click, again, once the database is back
    finally:
        server.stop()
        proxy.close()


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"MicrosoftAppId": APP_ID}, "MicrosoftAppPassword is not"),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s", "MicrosoftAppType": "Single"}, "must be one of"),
        ({"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "s", "MicrosoftAppType": "SingleTenant"}, "TenantId"),
    ],
)
def test_teams_settings_that_cannot_work_are_refused_in_one_line(settings: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        Settings.model_validate(settings).check()


def test_teams_can_be_turned_off(database_url: str, connector: FakeBotConnector) -> None:
    server = start_server(database_url, teams="false")  # MATURITY_BOT_TEAMS=false
    try:
        assert post(server, a.channel_mention("help", service_url=connector.url)) == 404
    finally:
        server.stop()


def this_machines_other_address() -> str | None:
    """A non-loopback address of this machine, to reach the server as a remote caller would."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_without_an_app_id_a_caller_from_another_machine_is_refused(
    database_url: str, connector: FakeBotConnector
) -> None:
    address = this_machines_other_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to call from")
    settings = Settings.model_validate({"MATURITY_BOT_DATABASE_URL": database_url, "scheduler": False})
    server = ServerThread(build_app(settings), host="0.0.0.0").start()
    try:
        # A local serviceUrl is not enough: the request itself must come from this machine's loopback.
        body = json.dumps(a.channel_mention("start", service_url=connector.url)).encode()
        request = urllib.request.Request(f"http://{address}:{server.port}/api/messages", data=body, headers=JSON)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
        assert post(server, a.channel_mention("help", service_url=connector.url)) == 201  # loopback: answered
    finally:
        server.stop()
    assert [c.operation for c in connector.calls] == ["reply"]  # only the loopback caller's help


def test_with_slack_configured_and_no_app_id_teams_stays_off(database_url: str, connector: FakeBotConnector) -> None:
    server = start_server(database_url, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s")
    try:
        assert post(server, a.channel_mention("help", service_url=connector.url)) == 404
    finally:
        server.stop()


def test_bot_framework_credentials_are_made_once_per_app_and_audience() -> None:
    """Each set keeps its own token cache: one per request would fetch a token for every reply."""
    from types import SimpleNamespace

    from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory

    from bot.teams.adapter import CachedCredentials

    config = SimpleNamespace(APP_ID=APP_ID, APP_PASSWORD="secret", APP_TYPE="MultiTenant", APP_TENANTID="")
    factory = CachedCredentials(ConfigurationServiceClientCredentialFactory(config))
    login = "https://login.microsoftonline.com/botframework.com"

    async def make(scope: str) -> object:
        return await factory.create_credentials(APP_ID, scope, login, True)

    first, again, other = (
        asyncio.run(make(s))
        for s in ("https://api.botframework.com", "https://api.botframework.com", "https://other.example")
    )
    assert first is again and first is not other
    assert asyncio.run(factory.is_valid_app_id(APP_ID)) and not asyncio.run(factory.is_authentication_disabled())

"""The fake Bot Connector speaks well enough for botframework's own ConnectorClient to be fooled by it, and the Teams
activities of tests/teams_activities.py read as the real ones do to botbuilder."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationResourceResponse,
    ErrorResponseException,
    ResourceResponse,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AppCredentials, MicrosoftAppCredentials

from tests import teams_activities
from tests.fakes.bot_connector import FakeBotConnector

T = TypeVar("T")

THREAD_ID = "19:abc@thread.tacv2;messageid=123"


class _StaticToken(AppCredentials):
    """Credentials with a fixed token, instead of one fetched from Microsoft's login service."""

    def __init__(self, token: str) -> None:
        super().__init__(app_id="app-id")
        self._token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeBotConnector]:
    with FakeBotConnector() as fake:
        yield fake


@pytest.fixture
def fake(_server: FakeBotConnector) -> FakeBotConnector:
    _server.reset()
    return _server


def _with_client(
    fake: FakeBotConnector, use: Callable[[ConnectorClient], Awaitable[T]], credentials: AppCredentials | None = None
) -> T:
    """Run ``use`` with a ConnectorClient pointed at the fake (anonymous, as in the Emulator, unless told)."""

    async def go() -> T:
        creds = credentials or MicrosoftAppCredentials(app_id="", password="")
        async with ConnectorClient(creds, base_url=fake.url) as client:
            return await use(client)

    return asyncio.run(go())


def _error_code(exc: ErrorResponseException) -> str | None:
    return exc.error.error.code if exc.error is not None and exc.error.error is not None else None


def test_url_is_a_service_url(fake: FakeBotConnector) -> None:
    assert fake.url.startswith("http://127.0.0.1:")
    assert fake.url.endswith("/")


def test_send_and_reply_round_trip_thread_ids(fake: FakeBotConnector) -> None:
    async def use(client: ConnectorClient) -> tuple[ResourceResponse, ResourceResponse]:
        sent = await client.conversations.send_to_conversation(THREAD_ID, Activity(type="message", text="hi"))
        reply = Activity(type="message", text="re", reply_to_id="123")
        replied = await client.conversations.reply_to_activity(THREAD_ID, "123", reply)
        return sent, replied

    sent, replied = _with_client(fake, use)

    [send] = fake.wait_for("send")
    [reply] = fake.wait_for("reply")
    assert send.conversation_id == THREAD_ID  # sent percent-encoded (%3A %40 %3B %3D), decoded by the fake
    assert send.activity_id is None
    assert send.body == {"type": "message", "text": "hi"}
    assert send.authorization is None  # anonymous credentials send no Authorization header at all
    assert (reply.conversation_id, reply.activity_id) == (THREAD_ID, "123")
    assert reply.body["replyToId"] == "123"
    assert send.response == {"id": sent.id}
    assert replied.id != sent.id
    assert fake.activities_sent() == [send.body, reply.body]
    assert fake.activities_sent("19:other@thread.tacv2") == []


def test_update_and_delete(fake: FakeBotConnector) -> None:
    async def use(client: ConnectorClient) -> tuple[str, ResourceResponse]:
        sent = await client.conversations.send_to_conversation("a:1chat", Activity(type="message", text="q1"))
        edit = Activity(type="message", id=sent.id, text="q1 answered")
        updated = await client.conversations.update_activity("a:1chat", sent.id, edit)
        await client.conversations.delete_activity("a:1chat", sent.id)
        return sent.id, updated

    sent_id, updated = _with_client(fake, use)

    assert updated.id == sent_id
    [update] = fake.calls_to("update")
    assert (update.conversation_id, update.activity_id) == ("a:1chat", sent_id)
    assert update.body == {"type": "message", "id": sent_id, "text": "q1 answered"}
    [delete] = fake.calls_to("delete")
    assert (delete.conversation_id, delete.activity_id, delete.body) == ("a:1chat", sent_id, {})
    assert [call.operation for call in fake.calls] == ["send", "update", "delete"]


def test_create_personal_conversation_is_one_per_user(fake: FakeBotConnector) -> None:
    def params(user_id: str, activity: Activity | None = None) -> ConversationParameters:
        return ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id="28:bot-app-id"),
            members=[ChannelAccount(id=user_id)],
            tenant_id="tenant-1",
            channel_data={"tenant": {"id": "tenant-1"}},
            activity=activity,
        )

    async def use(client: ConnectorClient) -> list[ConversationResourceResponse]:
        first = await client.conversations.create_conversation(params("29:1ada"))
        again = await client.conversations.create_conversation(params("29:1ada", Activity(type="message", text="hi")))
        other = await client.conversations.create_conversation(params("29:1bob"))
        return [first, again, other]

    first, again, other = _with_client(fake, use)

    assert first.id.startswith("a:1")
    assert again.id == first.id
    assert other.id != first.id
    assert first.service_url == fake.url
    assert first.activity_id is None
    assert again.activity_id is not None
    calls = fake.wait_for("create_conversation", count=3)
    assert calls[0].body["members"] == [{"id": "29:1ada"}]
    assert calls[0].body["tenantID"] == "tenant-1"  # botbuilder-python's spelling; Teams' own JSON says tenantId
    assert calls[0].body["isGroup"] is False
    assert (calls[1].conversation_id, calls[1].activity_id) == (again.id, again.activity_id)
    assert calls[1].body["activity"] == {"type": "message", "text": "hi"}


def test_create_channel_thread(fake: FakeBotConnector) -> None:
    channel = "19:chan@thread.tacv2"
    parameters = ConversationParameters(
        is_group=True,
        channel_data={"channel": {"id": channel}},
        activity=Activity(type="message", text="Weekly check-in"),
    )

    async def use(client: ConnectorClient) -> ConversationResourceResponse:
        return await client.conversations.create_conversation(parameters)

    created = _with_client(fake, use)

    assert created.id == f"{channel};messageid={created.activity_id}"


def test_create_without_members_or_channel_is_a_bad_argument(fake: FakeBotConnector) -> None:
    async def use(client: ConnectorClient) -> Any:
        return await client.conversations.create_conversation(ConversationParameters(is_group=False))

    with pytest.raises(ErrorResponseException) as caught:
        _with_client(fake, use)
    assert caught.value.response.status_code == 400
    assert _error_code(caught.value) == "BadArgument"
    assert fake.calls_to("create_conversation")[0].failed


def test_injected_429_is_an_error_for_posts_and_recorded_failed(fake: FakeBotConnector) -> None:
    fake.fail_next("send", 429, retry_after=7)

    async def use(client: ConnectorClient) -> ResourceResponse:
        return await client.conversations.send_to_conversation("a:1chat", Activity(type="message", text="hi"))

    with pytest.raises(ErrorResponseException) as caught:
        _with_client(fake, use)
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert _error_code(caught.value) == "TooManyRequests"
    [call] = fake.calls_to("send")
    assert call.failed
    assert call.response is None
    assert fake.activities_sent() == []

    again = _with_client(fake, use)  # the failure was for one call only
    assert again.id
    assert [call.failed for call in fake.calls_to("send")] == [True, False]


def test_injected_500_is_an_error_for_posts(fake: FakeBotConnector) -> None:
    fake.fail_next("reply", 500)

    async def use(client: ConnectorClient) -> ResourceResponse:
        return await client.conversations.reply_to_activity("a:1chat", "1", Activity(type="message", text="hi"))

    with pytest.raises(ErrorResponseException) as caught:
        _with_client(fake, use)
    assert caught.value.response.status_code == 500
    assert _error_code(caught.value) == "ServiceError"
    assert [call.failed for call in fake.calls_to("reply")] == [True]


def test_client_retries_puts_by_itself(fake: FakeBotConnector) -> None:
    """msrest's urllib3 retry policy resends PUT and DELETE (not POST) after a 429 with Retry-After, or a 5xx."""
    fake.fail_next("update", 429, retry_after=0)

    async def use(client: ConnectorClient) -> ResourceResponse:
        return await client.conversations.update_activity("a:1chat", "42", Activity(type="message", text="x"))

    assert _with_client(fake, use).id == "42"
    assert [call.failed for call in fake.calls_to("update")] == [True, False]


def test_required_token(fake: FakeBotConnector) -> None:
    fake.require_token("tok-123")

    async def use(client: ConnectorClient) -> ResourceResponse:
        return await client.conversations.send_to_conversation("a:1chat", Activity(type="message", text="hi"))

    assert _with_client(fake, use, _StaticToken("tok-123")).id
    with pytest.raises(ErrorResponseException) as caught:
        _with_client(fake, use)
    assert caught.value.response.status_code == 401
    with pytest.raises(ErrorResponseException):
        _with_client(fake, use, _StaticToken("wrong"))

    calls = fake.calls_to("send")
    assert [(call.authorization, call.failed) for call in calls] == [
        ("Bearer tok-123", False),
        (None, True),
        ("Bearer wrong", True),
    ]


def test_unknown_route_is_not_found(fake: FakeBotConnector) -> None:
    async def use(client: ConnectorClient) -> Any:
        return await client.conversations.get_conversation_members("a:1chat")

    with pytest.raises(ErrorResponseException) as caught:
        _with_client(fake, use)
    assert caught.value.response.status_code == 404
    assert _error_code(caught.value) == "NotFound"
    assert fake.calls == []


def test_raw_http_errors_and_wait_for_timeout(fake: FakeBotConnector) -> None:
    request = urllib.request.Request(
        fake.url + "v3/conversations/a%3A1chat/activities", data=b"not json", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["error"]["code"] == "BadArgument"
    assert fake.calls_to("send")[0].failed

    with pytest.raises(AssertionError, match=r"expected 1 call\(s\) of reply, got 0; recorded: \['send \(failed\)'\]"):
        fake.wait_for("reply", timeout=0.05)
    with pytest.raises(ValueError, match="unknown operation"):
        fake.calls_to("postMessage")


def test_teams_activities_deserialize_as_botbuilder_reads_them(fake: FakeBotConnector) -> None:
    mention = Activity().deserialize(teams_activities.channel_mention("assess", service_url=fake.url))
    assert mention.service_url == fake.url
    assert mention.channel_id == "msteams"
    assert mention.conversation.conversation_type == "channel"
    assert mention.conversation.is_group is True
    assert mention.conversation.id == f"19:chan@thread.tacv2;messageid={mention.id}"
    assert mention.recipient.id == teams_activities.BOT_ID
    assert mention.channel_data["team"] == {"id": teams_activities.TEAM_ID}
    [mentioned] = mention.get_mentions()
    assert mentioned.additional_properties["mentioned"]["id"] == mention.recipient.id
    assert mention.text == "<at>Maturity</at> assess"

    submit = Activity().deserialize(teams_activities.card_submit({"q": 1}, reply_to_id="99", service_url=fake.url))
    assert (submit.type, submit.text, submit.value, submit.reply_to_id) == ("message", "", {"q": 1}, "99")

    added = Activity().deserialize(teams_activities.bot_added(service_url=fake.url))
    assert added.type == "conversationUpdate"
    assert [member.id for member in added.members_added] == [teams_activities.BOT_ID]
    assert added.channel_data["eventType"] == "teamMemberAdded"

    removed = Activity().deserialize(teams_activities.installation_update("remove", service_url=fake.url))
    assert (removed.type, removed.action, removed.conversation.conversation_type) == (
        "installationUpdate",
        "remove",
        "personal",
    )


def test_reply_to_a_channel_mention_reaches_its_thread(fake: FakeBotConnector) -> None:
    incoming = Activity().deserialize(teams_activities.channel_mention("assess", service_url=fake.url))

    async def use(client: ConnectorClient) -> ResourceResponse:
        reply = Activity(type="message", text="Let's start", reply_to_id=incoming.id)
        return await client.conversations.reply_to_activity(incoming.conversation.id, incoming.id, reply)

    _with_client(fake, use)
    [reply] = fake.wait_for("reply")
    assert (reply.conversation_id, reply.activity_id) == (incoming.conversation.id, incoming.id)

"""The fake Slack API speaks well enough for the real slack_sdk clients, sync and async, to be fooled by it."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import UPLOAD, Call, FakeSlackApi, Upload

# A PNG signature and then every byte value: what arrives must be byte for byte what was sent, not text.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as fake:
        yield fake


@pytest.fixture
def fake(_server: FakeSlackApi) -> FakeSlackApi:
    _server.reset()
    _server.valid_tokens = {"xoxb-test"}
    return _server


def test_url_is_slack_sdk_base_url(fake: FakeSlackApi) -> None:
    assert fake.url.startswith("http://127.0.0.1:")
    assert fake.url.endswith("/api/")


def test_async_client_posts_message_and_records_json_args(fake: FakeSlackApi) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]

    async def go() -> tuple[dict, dict]:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)
        first = await client.chat_postMessage(channel="C1", text="hello", blocks=blocks)
        second = await client.chat_postMessage(channel="C1", text="again")
        return first.data, second.data  # type: ignore[return-value]

    first, second = asyncio.run(go())
    assert first["ok"] is True
    assert first["channel"] == "C1"
    assert first["message"]["text"] == "hello"
    assert first["message"]["blocks"] == blocks
    assert float(second["ts"]) > float(first["ts"])

    calls = fake.wait_for("chat.postMessage", count=2)
    assert calls[0].args == {"channel": "C1", "text": "hello", "blocks": blocks}
    assert calls[0].token == "xoxb-test"
    assert not calls[0].failed


def test_sync_client_conversations_open_and_update(fake: FakeSlackApi) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.url)
    opened = client.conversations_open(users="U42")
    assert opened["channel"]["id"] == "DU42"

    posted = client.chat_postMessage(channel="DU42", text="q1")
    updated = client.chat_update(channel="DU42", ts=posted["ts"], text="q1 answered")
    assert updated["ts"] == posted["ts"]
    assert updated["text"] == "q1 answered"

    assert [c.method for c in fake.calls] == ["conversations.open", "chat.postMessage", "chat.update"]
    assert fake.calls_to("conversations.open")[0].args == {"users": "U42"}


def test_other_methods_answer_in_slack_shapes(fake: FakeSlackApi) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.url)
    auth = client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0001", "U0BOT", "B0BOT")
    assert client.users_info(user="U7")["user"]["real_name"] == "User U7"
    assert client.conversations_info(channel="C9")["channel"]["name"] == "chan-C9"
    assert client.chat_postEphemeral(channel="C9", user="U7", text="psst")["message_ts"]
    view = client.views_publish(user_id="U7", view={"type": "home", "blocks": []})["view"]
    assert view["id"].startswith("V")
    assert view["type"] == "home"


def test_team_id_is_configurable() -> None:
    with FakeSlackApi(team_id="T0TEAM2") as other:
        assert WebClient(token="xoxb-test", base_url=other.url).auth_test()["team_id"] == "T0TEAM2"


def test_invalid_token_raises_slack_api_error(fake: FakeSlackApi) -> None:
    async def go() -> None:
        await AsyncWebClient(token="xoxb-wrong", base_url=fake.url).chat_postMessage(channel="C1", text="x")

    with pytest.raises(SlackApiError) as err:
        asyncio.run(go())
    assert err.value.response["error"] == "invalid_auth"
    assert fake.calls_to("chat.postMessage")[0].token == "xoxb-wrong"


def test_missing_token_is_invalid_auth(fake: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=fake.url).auth_test()
    assert err.value.response["error"] == "invalid_auth"
    assert fake.calls[0].token is None


def test_unknown_method(fake: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-test", base_url=fake.url).api_call("no.suchMethod")
    assert err.value.response["error"] == "unknown_method"
    assert err.value.response.status_code == 200


def test_rate_limited_call_is_retried_after_retry_after(fake: FakeSlackApi) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=0)

    async def go() -> dict:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
        return (await client.chat_postMessage(channel="C1", text="hello")).data  # type: ignore[return-value]

    assert asyncio.run(go())["ok"] is True
    calls = fake.wait_for("chat.postMessage", count=2)
    assert [c.failed for c in calls] == [True, False]


def test_rate_limit_without_retry_handler_surfaces(fake: FakeSlackApi) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-test", base_url=fake.url).chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"


def test_server_errors_injected_times_then_recover(fake: FakeSlackApi) -> None:
    fake.fail_next("users.info", status=500, times=2)
    client = WebClient(token="xoxb-test", base_url=fake.url)
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=1))
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U1")
    assert err.value.response["error"] == "internal_error"
    assert client.users_info(user="U1")["ok"] is True
    assert [c.failed for c in fake.calls_to("users.info")] == [True, True, False]


def test_form_json_and_query_args_are_all_read(fake: FakeSlackApi) -> None:
    def post(path: str, data: bytes | None, content_type: str | None) -> dict:
        headers = {"Content-Type": content_type} if content_type else {}
        req = urllib.request.Request(fake.url + path, data=data, headers=headers, method="POST" if data else "GET")
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    assert post("users.info?token=xoxb-test&user=U1", None, None)["user"]["id"] == "U1"
    assert post("users.info", b"token=xoxb-test&user=U2", "application/x-www-form-urlencoded")["ok"]
    body = json.dumps({"token": "xoxb-test", "channel": "C3", "text": "t"}).encode()
    assert post("chat.postMessage", body, "application/json; charset=utf-8")["channel"] == "C3"
    assert [c.args for c in fake.calls] == [{"user": "U1"}, {"user": "U2"}, {"channel": "C3", "text": "t"}]
    assert all(c.token == "xoxb-test" for c in fake.calls)


def test_wait_for_times_out_naming_what_was_seen(fake: FakeSlackApi) -> None:
    WebClient(token="xoxb-test", base_url=fake.url).auth_test()
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"chat\.update.*auth\.test"):
        fake.wait_for("chat.update", timeout=0.2)
    assert time.monotonic() - started < 2


def test_async_wait_for_lets_the_loop_run(fake: FakeSlackApi) -> None:
    async def go() -> list[Call]:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)
        task = asyncio.create_task(client.chat_postMessage(channel="C1", text="later"))
        calls = await fake.async_wait_for("chat.postMessage")
        await task
        return calls

    assert asyncio.run(go())[0].args["text"] == "later"


def test_set_response_overrides_an_answer(fake: FakeSlackApi) -> None:
    fake.set_response("users.info", lambda call: {"ok": True, "user": {"id": call.args["user"], "is_admin": True}})
    assert WebClient(token="xoxb-test", base_url=fake.url).users_info(user="U5")["user"]["is_admin"] is True
    fake.reset()
    assert WebClient(token="xoxb-test", base_url=fake.url).users_info(user="U5")["user"]["is_admin"] is False


def test_files_upload_v2_round_trip(fake: FakeSlackApi) -> None:
    async def go() -> dict:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)
        response = await client.files_upload_v2(
            channel="C1", file=PNG, filename="chart.png", title="Levels", initial_comment="This round", thread_ts="1.2"
        )
        return response.data  # type: ignore[return-value]

    response = asyncio.run(go())
    [upload] = fake.uploads()
    assert upload == Upload(
        file_id=response["file"]["id"],
        filename="chart.png",
        title="Levels",
        content=PNG,
        channel_id="C1",
        initial_comment="This round",
        thread_ts="1.2",
    )
    assert response["ok"] is True
    assert response["file"]["id"].startswith("F")
    assert [response["files"][0][key] for key in ("name", "title", "mimetype", "size")] == [
        "chart.png",
        "Levels",
        "image/png",
        len(PNG),
    ]
    assert [c.method for c in fake.calls] == ["files.getUploadURLExternal", UPLOAD, "files.completeUploadExternal"]
    asked, uploaded, completed = fake.calls
    assert asked.args == {"filename": "chart.png", "length": str(len(PNG))}
    assert asked.token == "xoxb-test"
    assert uploaded.args == {"file_id": upload.file_id, "size": len(PNG)}
    assert json.loads(completed.args["files"]) == [{"id": upload.file_id, "title": "Levels"}]


def test_sync_client_uploads_several_files_in_order(fake: FakeSlackApi) -> None:
    """WebClient posts the bytes with urllib's default form Content-Type; they are still stored raw."""
    client = WebClient(token="xoxb-test", base_url=fake.url)
    response = client.files_upload_v2(
        channels=["C1", "C2"],
        file_uploads=[{"file": PNG, "filename": "a.png"}, {"content": "plain text", "filename": "b.txt", "title": "B"}],
    )
    assert [f["id"] for f in response["files"]] == [u.file_id for u in fake.uploads()]
    assert [(u.filename, u.title, u.content, u.channels) for u in fake.uploads()] == [
        ("a.png", "a.png", PNG, ("C1", "C2")),
        ("b.txt", "B", b"plain text", ("C1", "C2")),
    ]
    assert fake.uploads()[0].channel_id is None


def test_upload_failure_makes_files_upload_v2_raise(fake: FakeSlackApi) -> None:
    fake.fail_next(UPLOAD, status=500)

    async def go() -> None:
        await AsyncWebClient(token="xoxb-test", base_url=fake.url).files_upload_v2(
            channel="C1", file=PNG, filename="chart.png"
        )

    with pytest.raises(SlackRequestError, match="status: 500"):
        asyncio.run(go())
    assert [(c.method, c.failed) for c in fake.calls] == [("files.getUploadURLExternal", False), (UPLOAD, True)]
    assert fake.uploads() == []


def test_completion_needs_issued_and_uploaded_files(fake: FakeSlackApi) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.url)
    with pytest.raises(SlackApiError) as err:
        client.files_completeUploadExternal(files=[{"id": "F0NOSUCH", "title": "x"}], channel_id="C1")
    assert err.value.response["error"] == "file_not_found"

    issued = client.files_getUploadURLExternal(filename="late.png", length=len(PNG))
    with pytest.raises(SlackApiError) as err:  # issued, but its bytes never arrived
        client.files_completeUploadExternal(files=[{"id": issued["file_id"]}], channel_id="C1")
    assert err.value.response["error"] == "file_not_found"

    with pytest.raises(SlackApiError) as err:
        client.api_call("files.completeUploadExternal", params={"files": "not json"})
    assert err.value.response["error"] == "invalid_arguments"
    assert fake.uploads() == []


def test_upload_url_needs_filename_and_length(fake: FakeSlackApi) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.url)
    for params, error in [
        ({"filename": "a.png"}, "invalid_arguments"),
        ({"length": 3}, "invalid_arguments"),
        ({"filename": "a.png", "length": "three"}, "invalid_arguments"),
        ({"filename": "a.png", "length": 0}, "missing_argument"),
    ]:
        with pytest.raises(SlackApiError) as err:
            client.api_call("files.getUploadURLExternal", params=params)
        assert err.value.response["error"] == error, params
    first = client.files_getUploadURLExternal(filename="a.png", length=3)
    second = client.files_getUploadURLExternal(filename="a.png", length=3)
    assert first["file_id"] != second["file_id"]
    assert first["upload_url"].startswith(fake.url.removesuffix("api/") + "upload/v1/")


def test_file_methods_refuse_a_missing_token(fake: FakeSlackApi) -> None:
    client = WebClient(base_url=fake.url)
    for call in (
        lambda: client.files_getUploadURLExternal(filename="a.png", length=3),
        lambda: client.files_completeUploadExternal(files=[{"id": "F1"}]),
    ):
        with pytest.raises(SlackApiError) as err:
            call()
        assert err.value.response["error"] == "invalid_auth"
    assert [c.token for c in fake.calls] == [None, None]


def test_upload_url_takes_multipart_and_unknown_paths_are_404(fake: FakeSlackApi) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.url)
    issued = client.files_getUploadURLExternal(filename="form.png", length=len(PNG))

    def post(url: str, body: bytes, content_type: str) -> tuple[int, str]:
        req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    boundary = "fake-boundary"
    form = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="form.png"\r\n'.encode(),
            b"Content-Type: image/png\r\n\r\n",
            PNG,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    assert post(issued["upload_url"], form, f"multipart/form-data; boundary={boundary}") == (200, f"OK - {len(PNG)}")
    unknown = issued["upload_url"].rpartition("/")[0] + "/nosuchticket"
    assert post(unknown, b"bytes", "application/octet-stream")[0] == 404
    assert [c.args["file_id"] for c in fake.calls_to(UPLOAD)] == [issued["file_id"], None]

    client.files_completeUploadExternal(files=[{"id": issued["file_id"], "title": "Form"}], channel_id="C1")
    assert [(u.title, u.content) for u in fake.uploads()] == [("Form", PNG)]


def test_async_wait_for_uploads_lets_the_loop_run(fake: FakeSlackApi) -> None:
    async def go() -> list[Upload]:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)
        task = asyncio.create_task(client.files_upload_v2(channel="C1", content="report", filename="r.txt"))
        uploads = await fake.async_wait_for_uploads()
        await task
        return uploads

    assert [u.content for u in asyncio.run(go())] == [b"report"]
    with pytest.raises(AssertionError, match=r"2 completed upload\(s\), got 1"):
        fake.wait_for_uploads(count=2, timeout=0.1)

"""Check-ins delivered: the scheduler's tick, with the test's clock, posting through the real Slack and Teams
outboxes to the fake Slack Web API and the fake Bot Connector; failures retried and delivered once; nudge
buttons that change the plan; who may change the schedule, and the settings modal and card reading back what
they show."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.app.checkins import Asker, Current, schedule_command
from bot.app.reach import team_reachable
from bot.app.runtime import Runtime
from bot.app.turns import take_turn
from bot.chart import WIDTH_PX, chart_height
from bot.scheduler import CheckinScheduler, Pacer
from bot.server.compose import build_app
from bot.settings import Settings
from bot.slack.outbox import SlackOutbox
from bot.slack.render import SLACK, NoticeValue, schedule_form, schedule_view
from bot.teams.adapter import build_adapter
from bot.teams.cards import schedule_card, schedule_submit
from bot.teams.outbox import TeamsOutbox
from checkins.cadence import Cadence
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from scoring.catalog import ModelCatalog
from scoring.model import default_model
from storage.checkins import cadence_of
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.models import CheckinSettings, Delivery, PlanEvent, PlanItem, Schedule
from tests import teams_activities as a
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import UPLOAD, FakeSlackApi
from tests.personas import ASKED, PERSONAS, PROFILE
from tests.server_thread import ServerThread
from tests.slack_posts import command_answer
from tests.slack_requests import block_action, slash_command, view_submission
from tests.test_slack_server import SECRET

MODEL = default_model()
MODELS = ModelCatalog(MODEL)
_, ANSWERS = PERSONAS["faq_level_2"]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id="T1") as fake:
        yield fake


def finish(db: Database, user: str, *, platform: str = "slack", workspace: str = "T1", team: str = "C1") -> None:
    store = SqlConversationStore(db)
    who = Participant(platform, workspace, team, user)
    take_turn(store, MODELS, who, Input(Command.START), source="test")
    for question in ASKED:
        take_turn(store, MODELS, who, Input(Command.ANSWER, ANSWERS[question.id], question_id=question.id), source="t")


def slack_scheduler(db: Database, slack_api: FakeSlackApi, clock: Clock, **kw: Any) -> CheckinScheduler:
    client = AsyncWebClient(token="xoxb-test", base_url=slack_api.url)  # no retry handlers: ours are tested

    async def client_for(_: str) -> AsyncWebClient:
        return client

    bot = Runtime(SqlConversationStore(db), db, MODELS)
    return CheckinScheduler(bot, {"slack": SlackOutbox(client_for)}, clock=clock, pace=0.0, **kw)


def next_nudge(db: Database) -> datetime:
    with db.reading() as session:
        when = session.scalar(select(Schedule.next_fire_at).where(Schedule.kind == "nudge"))
    assert when is not None
    return when


def posts(slack_api: FakeSlackApi) -> list[dict[str, Any]]:
    return [c.args for c in slack_api.calls_to("chat.postMessage") if not c.failed]


def test_the_announcement_and_a_nudge_reach_the_team_channel(db: Database, slack_api: FakeSlackApi) -> None:
    finish(db, "U1")
    clock = Clock(datetime.now(tz=UTC))
    scheduler = slack_scheduler(db, slack_api, clock)
    asyncio.run(scheduler.tick())
    [announce] = posts(slack_api)
    assert announce["channel"] == "C1" and announce["text"].startswith("Check-ins are on for <#C1>")

    clock.now = next_nudge(db)
    result = asyncio.run(scheduler.tick())
    assert (result.fired.fired, result.sent) == (1, 1)
    nudge = posts(slack_api)[-1]
    assert nudge["channel"] == "C1" and "This week's step toward level 3" in nudge["text"]
    buttons = (
        json.loads(nudge["blocks"])[-1]["elements"]
        if isinstance(nudge["blocks"], str)
        else nudge["blocks"][-1]["elements"]
    )
    assert [b["action_id"] for b in buttons] == ["plan_done", "plan_in_progress", "plan_not_for_us", "plan_snoozed"]
    assert asyncio.run(scheduler.tick()).sent == 0  # nothing is posted twice


@pytest.mark.parametrize("status", [429, 500])
def test_a_post_that_fails_is_retried_and_delivered_once(db: Database, slack_api: FakeSlackApi, status: int) -> None:
    finish(db, "U1")
    clock = Clock(datetime.now(tz=UTC))
    scheduler = slack_scheduler(db, slack_api, clock)
    slack_api.fail_next("chat.postMessage", status=status, retry_after=30)
    result = asyncio.run(scheduler.tick())
    assert (result.sent, result.retried) == (0, 1)
    clock.now += timedelta(seconds=5)
    assert asyncio.run(scheduler.tick()).sent == 0  # not before Retry-After (or the backoff)
    clock.now += timedelta(minutes=2)
    assert asyncio.run(scheduler.tick()).sent == 1
    assert len(posts(slack_api)) == 1 and len(slack_api.calls_to("chat.postMessage")) == 2
    with db.reading() as session:
        assert session.scalars(select(Delivery.status)).all() == ["sent"]


def test_a_channel_the_bot_is_not_in_parks_check_ins_tells_the_owner_once_and_sends_them_once_invited(
    db: Database, slack_api: FakeSlackApi
) -> None:
    finish(db, "U1")
    slack_api.keep_out("C1")  # the team finished without ever inviting the bot
    clock = Clock(datetime.now(tz=UTC))
    scheduler = slack_scheduler(db, slack_api, clock)
    first = asyncio.run(scheduler.tick())
    assert (first.waiting, first.sent, first.failed) == (1, 1, 0)  # the announcement parked; the owner told
    [note] = [p for p in posts(slack_api) if p["channel"] == "DU1"]
    assert "/invite @maturity-bot" in note["text"] and "<#C1>" in note["text"]

    clock.now = next_nudge(db)
    second = asyncio.run(scheduler.tick())
    assert (second.fired.fired, second.waiting, second.sent) == (1, 1, 0)  # the nudge parks too; no second note
    assert asyncio.run(scheduler.tick()).waiting == 0  # parked means not retried blindly
    refused = len(slack_api.calls_to("chat.postMessage"))
    assert refused == 3  # two refusals in C1 and the one note

    slack_api.let_in("C1")
    released = team_reachable(db, "slack", "T1", "C1", clock.now)
    assert released == 2
    third = asyncio.run(scheduler.tick())
    assert third.sent == 2
    assert [c.args["channel"] for c in slack_api.calls_to("chat.postMessage")[refused:]] == ["C1", "C1"]
    with db.reading() as session:
        assert sorted(session.scalars(select(Delivery.kind).where(Delivery.status == "sent"))) == [
            "announce",
            "nudge",
            "unreachable",
        ]
        assert session.scalar(select(CheckinSettings.unreachable_since)) is None  # a later refusal tells again


def test_a_parked_check_in_older_than_a_week_is_kept_as_skipped_when_the_bot_is_invited(
    db: Database, slack_api: FakeSlackApi
) -> None:
    finish(db, "U1")
    slack_api.keep_out("C1")
    clock = Clock(datetime.now(tz=UTC))
    asyncio.run(slack_scheduler(db, slack_api, clock).tick())
    assert team_reachable(db, "slack", "T1", "C1", clock.now + timedelta(days=8)) == 0
    with db.reading() as session:
        assert session.scalar(select(Delivery.status).where(Delivery.kind == "announce")) == "skipped"


def test_a_channel_that_is_gone_for_a_person_is_not_retried(db: Database, slack_api: FakeSlackApi) -> None:
    finish(db, "U1")
    slack_api.set_response("conversations.open", {"ok": False, "error": "user_disabled"})
    with db.transaction() as session:  # a private message to a member whose account was disabled
        delivery = session.scalars(select(Delivery)).one()
        delivery.recipient = "U1"
    result = asyncio.run(slack_scheduler(db, slack_api, Clock(datetime.now(tz=UTC))).tick())
    assert (result.sent, result.failed, result.retried) == (0, 1, 0)
    with db.reading() as session:
        assert session.scalars(select(Delivery.last_error)).all() == ["user_disabled"]


def test_posts_to_one_channel_are_paced() -> None:
    async def two_turns() -> float:
        pacer = Pacer(0.2)
        loop = asyncio.get_running_loop()
        lock = await pacer.wait_turn("C1")
        pacer.done("C1", lock)
        started = loop.time()
        lock = await pacer.wait_turn("C1")
        pacer.done("C1", lock)
        other = await pacer.wait_turn("C2")  # another channel does not wait
        pacer.done("C2", other)
        return loop.time() - started

    assert asyncio.run(two_turns()) >= 0.2


def test_a_reassessment_invites_members_by_dm_with_a_start_button(db: Database, slack_api: FakeSlackApi) -> None:
    finish(db, "U1")
    finish(db, "U2")
    with db.reading() as session:
        reassess = session.scalar(select(Schedule.next_fire_at).where(Schedule.kind == "reassess"))
        settings = session.scalars(select(CheckinSettings)).one()
    assert reassess is not None
    clock = Clock(reassess)
    result = asyncio.run(slack_scheduler(db, slack_api, clock).tick())
    assert result.failed == 0
    opened = [c.args["users"] for c in slack_api.calls_to("conversations.open")]
    assert sorted(opened) == ["U1", "U2"]
    invites = [p for p in posts(slack_api) if "Round 2" in p["text"] and "is open" in p["text"]]
    assert len(invites) == 2
    assert "It is open until" in invites[0]["text"] and cadence_of(settings).timezone == "UTC"
    summary = next(p for p in posts(slack_api) if p["text"].startswith("Round 1 for <#C1> has closed"))
    assert summary["channel"] == "C1"
    assert "2 of 2 members finished before the round closed." in json.dumps(summary["blocks"])
    assert [(u.channel_id, u.filename) for u in slack_api.uploads()] == [("C1", "maturity-round-1.png")]


def test_the_summary_cadence_posts_where_the_team_stands_with_its_chart(db: Database, slack_api: FakeSlackApi) -> None:
    finish(db, "U1")
    owner = Asker(Participant("slack", "T1", "C1", "U1"), admin=False)
    assert "a team summary every week" in schedule_command(db, owner, ["summary", "weekly"], SLACK, datetime.now(UTC))
    with db.reading() as session:
        due = session.scalar(select(Schedule.next_fire_at).where(Schedule.kind == "summary"))
    assert due is not None
    assert asyncio.run(slack_scheduler(db, slack_api, Clock(due)).tick()).failed == 0
    [summary] = [p for p in posts(slack_api) if "stands" in p["text"]]
    assert summary["channel"] == "C1" and summary["text"] == "Where <#C1> stands: round 1, still open."
    assert "1 of 1 member finished." in json.dumps(summary["blocks"])
    assert [u.channel_id for u in slack_api.uploads()] == ["C1"]


def test_a_round_summary_whose_chart_upload_fails_is_delivered_once_without_it(
    db: Database, slack_api: FakeSlackApi
) -> None:
    finish(db, "U1")
    with db.reading() as session:
        reassess = session.scalar(select(Schedule.next_fire_at).where(Schedule.kind == "reassess"))
    assert reassess is not None
    clock = Clock(reassess)
    slack_api.fail_next(UPLOAD, status=500)
    scheduler = slack_scheduler(db, slack_api, clock)
    assert asyncio.run(scheduler.tick()).failed == 0
    assert asyncio.run(scheduler.tick()).sent == 0  # nothing is owed again: the text was delivered
    closed = [p for p in posts(slack_api) if p["text"].startswith("Round 1 for <#C1> has closed")]
    assert len(closed) == 1 and slack_api.calls_to(UPLOAD)[0].failed and slack_api.uploads() == []
    with db.reading() as session:
        kinds = session.execute(select(Delivery.kind, Delivery.status).where(Delivery.kind == "summary")).all()
    assert kinds == [("summary", "sent")]


def test_teams_check_ins_go_through_the_stored_conversation_reference(db: Database, database_url: str) -> None:
    with FakeBotConnector() as connector:
        settings = Settings.model_validate({"MATURITY_BOT_DATABASE_URL": database_url, "scheduler": False})
        server = ServerThread(build_app(settings)).start()
        try:
            body = json.dumps(a.bot_added(service_url=connector.url))
            assert server.request("POST", "/api/messages", body, {"Content-Type": "application/json"})[0] == 201
        finally:
            server.stop()
        finish(
            db,
            a.message("", service_url="x")["from"]["aadObjectId"],
            platform="teams",
            workspace=a.TENANT_ID,
            team=a.TEAM_ID,
        )
        bot = Runtime(SqlConversationStore(db), db, MODELS)
        outbox = TeamsOutbox(bot, build_adapter(settings), None)
        result = asyncio.run(CheckinScheduler(bot, {"teams": outbox}, clock=Clock(datetime.now(tz=UTC))).tick())
        assert result.sent == 1
        announce = connector.activities_sent(a.TEAM_ID)[-1]
        assert announce["attachments"][0]["content"]["body"][0]["text"].startswith("Check-ins are on for")

        # The round closes: its summary goes to the channel with the chart inline; refused with it, without it.
        with db.reading() as session:
            reassess = session.scalar(select(Schedule.next_fire_at).where(Schedule.kind == "reassess"))
        assert reassess is not None
        posted = connector.calls[-1].operation  # a reply in the channel, as Teams' stored reference leads to
        connector.fail_next(posted, status=413)
        asyncio.run(CheckinScheduler(bot, {"teams": outbox}, clock=Clock(reassess)).tick())
        sent = [c for c in connector.calls_to(posted) if c.conversation_id == a.TEAM_ID]
        refused, summary = sent[-2], sent[-1]
        assert refused.failed and not summary.failed
        assert image_of(refused.body) is not None and image_of(summary.body) is None
        body = summary.body["attachments"][0]["content"]["body"]
        assert body[0]["text"].startswith("Round 1 for") and body[1]["text"].startswith("Team summary, round 1")


def image_of(activity: dict[str, Any]) -> bytes | None:
    """The PNG inline in a card's Image (a data URI), checked to be a real PNG; None when the card has none."""
    for element in activity["attachments"][0]["content"]["body"]:
        if element["type"] == "Image":
            head, _, data = element["url"].partition(",")
            assert head == "data:image/png;base64"
            png = base64.b64decode(data)
            assert Image.open(io.BytesIO(png)).size == (WIDTH_PX, chart_height(len(MODEL.dimensions_for(PROFILE))))
            return png
    return None


@pytest.fixture
def server(database_url: str, slack_api: FakeSlackApi) -> Iterator[ServerThread]:
    settings = Settings.model_validate(
        {
            "MATURITY_BOT_DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack_api.url,
            "scheduler": False,
        }
    )
    srv = ServerThread(build_app(settings)).start()
    yield srv
    srv.stop()


def post(server: ServerThread, built: tuple[str, dict[str, str]]) -> tuple[int, Any]:
    return server.post_json("/slack/events", *built)


def test_a_nudge_button_changes_the_plan_and_the_next_nudge_moves_on(
    db: Database, slack_api: FakeSlackApi, server: ServerThread
) -> None:
    finish(db, "U1")
    clock = Clock(datetime.now(tz=UTC))
    scheduler = slack_scheduler(db, slack_api, clock)
    asyncio.run(scheduler.tick())  # the announcement
    clock.now = next_nudge(db)
    asyncio.run(scheduler.tick())
    nudge = posts(slack_api)[-1]
    blocks = nudge["blocks"] if isinstance(nudge["blocks"], list) else json.loads(nudge["blocks"])
    done = blocks[-1]["elements"][0]
    value = NoticeValue.decode(done["value"])
    click = block_action(
        SECRET,
        team_id="T1",
        user_id="U2",
        channel_id="C1",
        message_ts="5.0",
        action_id=done["action_id"],
        value=done["value"],
    )
    assert post(server, click)[0] == 200
    slack_api.wait_for("chat.update")
    assert "marked *done* by <@U2>" in slack_api.calls_to("chat.update")[-1].args["text"]
    with db.reading() as session:
        assert session.execute(select(PlanItem.investment_id, PlanItem.status)).one() == (value.investment, "done")
        assert session.execute(select(PlanEvent.by_user, PlanEvent.source)).one() == ("U2", "slack")

    clock.now = next_nudge(db)
    asyncio.run(scheduler.tick())
    following = NoticeValue.decode(json.loads(json.dumps(posts(slack_api)[-1]["blocks"]))[-1]["elements"][0]["value"])
    assert following.investment != value.investment  # one investment at a time, the done one is left behind

    status, reply = post(server, slash_command(SECRET, team_id="T1", user_id="U2", channel_id="C1", text="plan"))
    assert status == 200 and "The plan toward level 3" in reply["text"] and ": done" in reply["text"]


def test_only_the_owner_or_a_workspace_admin_may_change_the_schedule(
    db: Database, slack_api: FakeSlackApi, server: ServerThread
) -> None:
    finish(db, "U1")

    def schedule(user: str, text: str) -> str:
        built = slash_command(
            SECRET, team_id="T1", user_id=user, channel_id="C1", text=text, response_url=slack_api.response_url()
        )
        return command_answer(server, slack_api, built)

    assert "Check-ins are on" in schedule("U2", "schedule")  # anyone may look
    assert schedule("U2", "schedule pause").startswith("Only the person who set this team up")
    slack_api.set_response("users.info", lambda call: {"ok": True, "user": {"id": call.args["user"], "is_admin": True}})
    assert "Check-ins are paused" in schedule("U3", "schedule pause")  # a workspace admin may
    slack_api.reset()
    assert "Check-ins are on" in schedule("U1", "schedule resume")  # and so may the owner
    assert "Thursday at 09:30" in schedule("U1", "schedule nudge thu 9:30")
    assert "unknown time zone 'Mars/Olympus'" in schedule("U1", "schedule tz Mars/Olympus")


def test_an_invitations_start_button_opens_the_new_round_in_the_dm(
    db: Database, slack_api: FakeSlackApi, server: ServerThread
) -> None:
    finish(db, "U1")
    with db.reading() as session:
        reassess = session.scalar(select(Schedule.next_fire_at).where(Schedule.kind == "reassess"))
    assert reassess is not None
    asyncio.run(slack_scheduler(db, slack_api, Clock(reassess)).tick())
    invite = next(p for p in posts(slack_api) if "Round 2" in p["text"])
    blocks = invite["blocks"] if isinstance(invite["blocks"], list) else json.loads(invite["blocks"])
    [start] = blocks[-1]["elements"]
    assert start["action_id"] == "start"
    click = block_action(
        SECRET, team_id="T1", user_id="U1", channel_id="DU1", message_ts="8.0", action_id="start", value=start["value"]
    )
    before = len(posts(slack_api))  # counted before the click: its posts may arrive before post() returns
    assert post(server, click)[0] == 200
    slack_api.wait_for("chat.postMessage", before + 2)
    question = posts(slack_api)[-1]
    assert question["text"].startswith("question 1 of")
    action_value = json.dumps(
        question["blocks"] if isinstance(question["blocks"], list) else json.loads(question["blocks"])
    )
    assert '\\"r\\":2' in action_value  # the buttons belong to round 2


def test_the_owner_changes_the_schedule_in_a_modal_and_a_wrong_field_is_answered_on_it(
    db: Database, slack_api: FakeSlackApi, server: ServerThread
) -> None:
    finish(db, "U1")
    status, _ = post(server, slash_command(SECRET, team_id="T1", user_id="U1", channel_id="C1", text="schedule"))
    assert status == 200
    [opened] = slack_api.wait_for("views.open")
    view = opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])
    assert view["callback_id"] == "schedule" and view["private_metadata"] == "C1"
    assert [b["block_id"] for b in view["blocks"]] == [
        "weekday",
        "time",
        "timezone",
        "weeks",
        "summary",
        "days",
        "paused",
    ]
    assert view["blocks"][4]["element"]["initial_option"]["value"] == "0"

    def values(timezone: str) -> dict[str, Any]:
        return {
            "weekday": {"weekday": {"type": "static_select", "selected_option": {"value": "thursday"}}},
            "time": {"time": {"type": "timepicker", "selected_time": "09:30"}},
            "timezone": {"timezone": {"type": "plain_text_input", "value": timezone}},
            "weeks": {"weeks": {"type": "static_select", "selected_option": {"value": "8"}}},
            "summary": {"summary": {"type": "static_select", "selected_option": {"value": "2"}}},
            "days": {
                "days": {"type": "checkboxes", "selected_options": [{"value": d} for d in ("monday", "thursday")]}
            },
            "paused": {"paused": {"type": "checkboxes", "selected_options": []}},
        }

    def submit(timezone: str, user: str = "U1") -> tuple[int, Any]:
        form = values(timezone)
        return post(
            server,
            view_submission(
                SECRET, team_id="T1", user_id=user, callback_id="schedule", private_metadata="C1", values=form
            ),
        )

    status, reply = submit("Mars/Olympus")
    assert status == 200 and reply["response_action"] == "errors" and "timezone" in reply["errors"]
    status, reply = submit("Europe/Berlin")
    assert status == 200 and not reply
    with db.reading() as session:
        settings = session.scalars(select(CheckinSettings)).one()
    assert (settings.nudge_weekday, settings.nudge_time, settings.timezone) == (3, "09:30", "Europe/Berlin")
    assert (settings.reassess_weeks, settings.working_days, settings.summary_weeks) == (8, "0,3", 2)
    # Someone else's submission of the same form (a forged one): whether they administer the workspace is asked
    # after the acknowledgement (users.info may be slow), so the form closes and the refusal comes by DM.
    status, reply = submit("UTC", user="U9")
    assert status == 200 and not reply
    slack_api.wait_for("users.info")
    [refusal] = [c.args for c in slack_api.wait_for("chat.postMessage") if c.args["channel"] == "DU9"]
    assert "Only the person" in refusal["text"] and "<#C1>" in refusal["text"]
    with db.reading() as session:
        assert session.scalars(select(CheckinSettings.timezone)).one() == "Europe/Berlin"  # unchanged


def test_the_org_view_is_for_workspace_admins(db: Database, slack_api: FakeSlackApi, server: ServerThread) -> None:
    finish(db, "U1")

    def org(user: str) -> str:
        built = slash_command(
            SECRET, team_id="T1", user_id=user, channel_id="C1", text="org", response_url=slack_api.response_url()
        )
        return command_answer(server, slack_api, built)

    assert org("U1").startswith("`/maturity org` is for workspace admins")
    slack_api.set_response("users.info", lambda call: {"ok": True, "user": {"id": call.args["user"], "is_admin": True}})
    assert "Organisation view: 1 team(s) assessed of 1" in org("U4")
    calls = len(slack_api.calls_to("users.info"))
    assert "Organisation view" in org("U4")  # known for a few minutes: answered in the acknowledgement
    assert len(slack_api.calls_to("users.info")) == calls


# --- the settings form on each platform ----------------------------------------------------------------------

FORM_CADENCES = [
    Cadence(),
    Cadence(timezone="Europe/Berlin", working_days=(0, 1, 2, 3), nudge_weekday=3, summary_weeks=2, reassess_weeks=8),
    Cadence(summary_weeks=3, reassess_weeks=0),  # a value the picker does not offer: shown, and kept
]


def modal_state(view: dict[str, Any], **picked: str) -> dict[str, dict[str, dict[str, Any]]]:
    """What Slack sends back for a modal submitted as it opened, with ``picked`` select values changed."""
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for block in view["blocks"]:
        element, key = block["element"], block["block_id"]
        if element["type"] == "static_select":
            value = {"selected_option": {"value": picked.get(key, element["initial_option"]["value"])}}
        elif element["type"] == "timepicker":
            value = {"selected_time": element["initial_time"]}
        elif element["type"] == "plain_text_input":
            value = {"value": element["initial_value"]}
        else:
            value = {"selected_options": element.get("initial_options", [])}
        state[key] = {key: {"type": element["type"], **value}}
    return state


def card_submit(card: dict[str, Any], **picked: str) -> dict[str, Any]:
    """What Teams sends back for a settings card saved as it was posted, with ``picked`` inputs changed."""
    [save] = card["actions"]
    inputs = {item["id"]: item["value"] for item in card["body"] if item["type"].startswith("Input.")}
    return {**save["data"], **inputs, **picked}


@pytest.mark.parametrize("cadence", FORM_CADENCES)
def test_the_slack_modal_reads_back_what_it_shows(cadence: Cadence) -> None:
    view = schedule_view(Current(False, cadence, True), "C1")
    [summary] = [b["element"] for b in view["blocks"] if b["block_id"] == "summary"]
    offered = [(o["value"], o["text"]["text"]) for o in summary["options"]]
    assert offered[:2] == [("0", "When a round closes"), ("1", "Every week")]
    assert ("2", "Every 2 weeks") in offered and ("4", "Every 4 weeks") in offered
    assert summary["initial_option"]["value"] == str(cadence.summary_weeks)
    assert schedule_form(modal_state(view)).apply(False, Cadence()) == (False, cadence)
    _, changed = schedule_form(modal_state(view, summary="4")).apply(False, Cadence())
    assert changed.summary_weeks == 4


@pytest.mark.parametrize("cadence", FORM_CADENCES)
def test_the_teams_card_reads_back_what_it_shows(cadence: Cadence) -> None:
    card = schedule_card(Current(True, cadence, True), "19:team")
    [summary] = [item for item in card["body"] if item.get("id") == "summary"]
    assert summary["type"] == "Input.ChoiceSet" and summary["label"] == "Team summary posts"
    assert summary["value"] == str(cadence.summary_weeks)
    assert {(c["value"], c["title"]) for c in summary["choices"]} >= {
        ("0", "When a round closes"),
        ("4", "Every 4 weeks"),
    }
    parsed = schedule_submit(card_submit(card))
    assert parsed is not None and parsed[0] == "19:team"
    assert parsed[1].apply(False, Cadence()) == (True, cadence)
    changed = schedule_submit(card_submit(card, summary="1"))
    assert changed is not None and changed[1].apply(False, Cadence())[1].summary_weeks == 1


def test_a_form_from_before_the_summary_setting_leaves_it_alone() -> None:
    kept = Cadence(summary_weeks=2)
    view = schedule_view(Current(False, Cadence(), True), "C1")
    state = {k: v for k, v in modal_state(view).items() if k != "summary"}
    assert schedule_form(state).apply(False, kept)[1].summary_weeks == 2
    submitted = {
        k: v for k, v in card_submit(schedule_card(Current(False, Cadence(), True), "19:t")).items() if k != "summary"
    }
    parsed = schedule_submit(submitted)
    assert parsed is not None and parsed[1].apply(False, kept)[1].summary_weeks == 2
    with pytest.raises(ValueError, match="a whole number is needed"):
        schedule_form(modal_state(view, summary="two")).apply(False, kept)


def test_a_send_whose_record_meets_a_locked_database_is_recorded_once_it_answers(
    db: Database, slack_api: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given up, the record would leave the post under its lease, and the next sender would post it again."""
    import bot.scheduler as scheduler_module
    from storage.errors import DatabaseUnavailable

    finish(db, "U1")
    real, failures = scheduler_module.finish_deliveries, []

    def locked_once(*args: Any, **kwargs: Any) -> list[str]:
        if not failures:
            failures.append(1)
            raise DatabaseUnavailable("the database is busy", reason="database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(scheduler_module, "finish_deliveries", locked_once)
    monkeypatch.setattr(scheduler_module, "RECORD_WAITS", (0.0,))
    clock = Clock(datetime.now(tz=UTC))
    result = asyncio.run(slack_scheduler(db, slack_api, clock).tick())
    assert (failures, result.sent) == ([1], 1)
    clock.now += timedelta(minutes=10)  # past any lease
    assert asyncio.run(slack_scheduler(db, slack_api, clock).tick()).sent == 0
    assert len(posts(slack_api)) == 1
    with db.reading() as session:
        assert session.scalars(select(Delivery.status)).all() == ["sent"]

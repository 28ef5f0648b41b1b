"""What a person sees in Slack: every option readable in full on a phone, one live copy of a question after
"why", a typed non-answer quoted short, the rubric's words escaped wherever they go, an App Home within Slack's
100 blocks, a team named and never shown as a bare channel id, and commands read on any whitespace.

The real server on 127.0.0.1 gets signed Slack requests over HTTP; its Web API calls go to the fake Slack Web
API, and every message and view it sent is checked against Block Kit's limits (``tests/block_kit.py``). Rules
that are pure are tested as functions."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

import bot.chart
from bot.app.checkins import plan_text
from bot.app.commands import command_word
from bot.app.notices import Notice
from bot.app.replies import known_team_name, unknown_command_text
from bot.app.runtime import Runtime
from bot.app.summary import build_summary
from bot.app.turns import take_turn
from bot.chart import chart_title
from bot.scheduler import CheckinScheduler
from bot.server.compose import build_app
from bot.settings import Settings
from bot.slack.outbox import SlackOutbox
from bot.slack.render import (
    HOME_BLOCKS_LIMIT,
    SLACK,
    ActionValue,
    answered_blocks,
    escape,
    home_view,
    message_payload,
    note_view,
    notice_payload,
    question_blocks,
    summary_payload,
)
from dialogs.engine import handle, question_view
from dialogs.messages import Choice, Command, Input, Kind, Message, Progress, QuestionView
from dialogs.parse import parse_text
from dialogs.ports import Participant
from dialogs.state import ConversationState, Phase
from scoring.catalog import ModelCatalog
from scoring.model import MaturityModel, default_model, parse_model
from scoring.score import score_answers
from storage.conversations import SqlConversationStore
from storage.database import Database, open_database
from storage.model_versions import model_catalog
from storage.models import Answer, Schedule
from storage.reports import MemberTeam
from storage.summaries import SummaryFacts
from tests.block_kit import (
    MESSAGE_METHODS,
    VIEW_METHODS,
    assert_within_limits,
    block_problems,
    blocks_of,
    mrkdwn_texts,
    plain_texts,
)
from tests.fakes.slack_api import FakeSlackApi
from tests.mini_model import MINI_YAML
from tests.personas import ASKED, PERSONAS
from tests.server_thread import ServerThread
from tests.slack_posts import posted_texts, question_id, questions_posted, wait_until
from tests.slack_requests import app_home_opened, block_action, dm_message, event, slash_command
from tests.test_slack_server import CHANNEL, SECRET, USER, WORKSPACE, click, post

MODEL = default_model()
SHORT_BUTTON = 20  # what "short" means for an answer button: it fits a phone's width whole
READ_KEYS = {"name", "summary", "description", "who_knows", "label", "text", "why", "title", "warning"}  # rubric


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=WORKSPACE) as fake:
        yield fake


def serve(database_url: str, slack_api: FakeSlackApi, model_file: Path | None = None) -> ServerThread:
    settings: dict[str, Any] = {
        "scheduler": False,  # the tests drive check-ins themselves, on their own clock
        "MATURITY_BOT_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_api.url,
    }
    if model_file is not None:
        settings["MATURITY_BOT_MODEL"] = str(model_file)
    return ServerThread(build_app(Settings.model_validate(settings))).start()


@pytest.fixture
def server(database_url: str, slack_api: FakeSlackApi) -> Iterator[ServerThread]:
    srv = serve(database_url, slack_api)
    yield srv
    srv.stop()


def press(server: ServerThread, message: dict[str, Any], action_id: str, ts: str) -> int:
    """Click the button ``action_id`` (an answer's, or back, skip, why) on a posted message."""
    element = next(e for b in message["blocks"] for e in b.get("elements", []) if e.get("action_id") == action_id)
    status, _ = post(
        server,
        block_action(
            SECRET,
            team_id=WORKSPACE,
            user_id=USER,
            channel_id=message["channel"],
            message_ts=ts,
            action_id=action_id,
            value=element["value"],
        ),
    )
    return status


def typed(server: ServerThread, text: str) -> None:
    assert post(server, event(SECRET, dm_message(USER, text), team_id=WORKSPACE))[0] == 200


def section_text(message: dict[str, Any]) -> str:
    """The message's section texts, whitespace folded (a long text may go on in the next section)."""
    return " ".join(" ".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section").split())


def answer_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e for b in message["blocks"] for e in b.get("elements", []) if str(e.get("action_id", "")).startswith("answer_")
    ]


def model_file(tmp_path: Path, change: Any) -> tuple[Path, MaturityModel]:
    """The mini model (tests/mini_model.py) changed by ``change(data)``, written where MATURITY_BOT_MODEL can
    point."""
    data = yaml.safe_load(MINI_YAML)
    change(data)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    return path, parse_model(text, str(path))


# -- 1. long options: the full text in the message, short buttons that still answer ------------------------------

LONG = (
    "Every training run is started by the scheduler from a pinned container image, records its data version, "
    "code commit, parameters and metrics in the tracking server, and a release is blocked until an evaluation "
    "on the frozen holdout set passes & the on-call reviewer signs the model card (level {n})"
)


def long_options(data: dict[str, Any]) -> None:
    question = next(q for q in data["questions"] if q["id"] == "a1")
    for n, option in enumerate(question["options"]):
        option["label"] = LONG.format(n=n)


def test_long_options_are_written_out_in_full_and_their_short_buttons_answer(
    database_url: str, slack_api: FakeSlackApi, tmp_path: Path
) -> None:
    path, model = model_file(tmp_path, long_options)
    a1 = model.question_by_id["a1"]
    server = serve(database_url, slack_api, path)
    try:
        post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
        wait_until(lambda: len(questions_posted(slack_api)) == 1, slack_api=slack_api)
        assert click(server, questions_posted(slack_api)[0], "svc", ts="100.1") == 200
        wait_until(lambda: len(questions_posted(slack_api)) == 2, slack_api=slack_api)
        message = questions_posted(slack_api)[-1]
        assert question_id(message) == "a1"
        shown = section_text(message)
        for n, option in enumerate(model.choices(a1), start=1):
            assert f"{n}. {escape(option.label)}" in shown  # each option whole, numbered, in the message itself
        buttons = answer_buttons(message)
        assert [b["action_id"] for b in buttons] == [f"answer_{n}" for n in range(1, len(model.choices(a1)) + 1)]
        assert [ActionValue.decode(b["value"]).option for b in buttons] == [o.id for o in model.choices(a1)]
        assert all(len(b["text"]["text"]) <= SHORT_BUTTON for b in buttons), [b["text"]["text"] for b in buttons]
        assert {b["text"]["text"] for b in buttons} >= {"1", "2", "3", "4", "5"}
        assert [b["text"]["text"] for b in buttons][-1].endswith("Don't know")  # not a level, still reachable

        typed(server, "3")  # the number from the list: the third option, level 2
        wait_until(lambda: len(questions_posted(slack_api)) == 3, slack_api=slack_api)
        third = questions_posted(slack_api)[-1]
        assert question_id(third) == "a2"
        others = [b["text"]["text"] for b in answer_buttons(third)][-2:]
        assert others == ["6 · Not applicable", "7 · Don't know"]
        assert "6. Not applicable: another reason" in section_text(third)
        assert press(server, third, "answer_6", ts="100.3") == 200  # "not applicable" by its short button
        wait_until(lambda: len(questions_posted(slack_api)) == 4, slack_api=slack_api)
        assert_within_limits(slack_api)
    finally:
        server.stop()
    db = open_database(database_url)
    try:
        with db.reading() as session:
            given = dict(session.execute(select(Answer.question_id, Answer.option_id)).all())
    finally:
        db.close()
    assert given == {"kind": "svc", "a1": "a1_2", "a2": "na_other"}


def view_with(labels: list[str], text: str = "Which one?") -> QuestionView:
    """A question whose options (levels, all of them) have these labels."""
    choices = tuple(Choice(f"o{n}", label, n + 1, chr(ord("a") + n), n % 5) for n, label in enumerate(labels))
    return QuestionView("q", text, "Because.", choices, Progress(1, 1, "Dimension"))


def test_every_option_of_a_huge_question_is_shown_within_block_kits_limits() -> None:
    """26 options (the most a question can have: a to z), some past a section's 3000 characters, and a question
    longer than a section: every word is shown, over as many sections as it takes, never cut."""
    labels = [f"option {n} " + "word & <b> " * (10 + 10 * n) for n in range(26)]
    text = "Question " + "why & how " * 400
    blocks = question_blocks(view_with(labels, text), "C1", round_=1)
    assert [b["block_id"] for b in blocks if b["type"] == "actions"][:2] == ["answers:q", "more1:q"]
    assert block_problems(blocks, most=50) == []
    sections = " ".join(" ".join(b["text"]["text"] for b in blocks if b["type"] == "section").split())
    assert " ".join(escape(text).split()) in sections.replace("* *", " ")  # bold pieces join up again
    for n, label in enumerate(labels, start=1):
        assert f"{n}. {' '.join(escape(label).split())}" in sections
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"].startswith("ans")]
    assert [ActionValue.decode(b["value"]).option for b in buttons] == [f"o{n}" for n in range(26)]
    assert max(len(b["text"]["text"]) for b in buttons) <= SHORT_BUTTON


def test_a_cut_never_falls_inside_an_entity() -> None:
    """A line with no space to cut at is cut at the limit, moved back to the start of an entity it would split."""
    label = "x" * 2990 + "&<>" * 10
    sections = [b["text"]["text"] for b in question_blocks(view_with([label]), "C1") if b["type"] == "section"]
    assert sections[0] == "*Which one?*" and len(sections) == 3, [text[:20] for text in sections]
    for text in sections:
        assert not re.search(r"&[a-z]{0,3}$", text) and not re.match(r"^[a-z]{1,3};", text), (text[:9], text[-9:])
    assert "".join(sections[1:]) == f"1. {escape(label)}"  # nothing lost at the cut


PADDING = " and more words" * 240  # 3,600 characters: longer than any one Slack text may be


def lengthen(node: Any) -> None:
    """Every text of the rubric that people read made longer than a section holds."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in READ_KEYS and isinstance(value, str):
                node[key] = value + PADDING
            else:
                lengthen(value)
    elif isinstance(node, list):
        for value in node:
            lengthen(value)


def test_a_rubric_of_very_long_texts_is_shown_whole_within_block_kits_limits(tmp_path: Path) -> None:
    """Questions, options, the answered message, the note form, the result, the summary and a check-in, from a
    rubric whose every text is past Slack's 3000 characters: all within Block Kit's limits, none cut."""
    _, model = model_file(tmp_path, lengthen)
    state = ConversationState(answers={"kind": "svc"})
    answers = {"kind": "svc"}
    for question in model.questions_for("svc"):
        blocks = question_blocks(question_view(model, state, question.id), "C1", 1)
        assert block_problems(blocks, most=50) == [], question.id
        shown = " ".join(" ".join(b["text"]["text"] for b in blocks if b["type"] == "section").split())
        assert " ".join(escape(question.text).split()) in shown.replace("* *", " ")
        option = model.choices(question)[0 if question.profile else 2]
        answers[question.id] = option.id
        recorded = Message(
            Kind.RECORDED, "", question_id=question.id, question_text=question.text, answer_label=option.label
        )
        assert block_problems(answered_blocks(recorded, "C1", 1), most=50) == []
        form = note_view(ActionValue("C1", question.id, round=1), question.text)
        assert block_problems(form["blocks"], most=100) == []
    result = message_payload(Message(Kind.RESULT, "", result=score_answers(model, answers)), team="C1")
    assert block_problems(result["blocks"], most=50) == []
    facts = SummaryFacts("C1", "ml", 1, True, model.version, [answers], 0, 0, 0, 1, None, {})
    summary = build_summary(ModelCatalog(model), facts, min_respondents=3)
    assert summary is not None
    assert block_problems(summary_payload(summary)["blocks"], most=50) == []
    notice = Notice(f"This week's step for <#C1>: {escape(model.investments[0].why)}", summary=summary)
    assert block_problems(notice_payload(notice, team="C1")["blocks"], most=50) == []
    header_and_title = json.dumps(summary_payload(summary)["blocks"][:2])
    assert escape(summary.title)[-100:] in header_and_title  # a title too long for the header is given whole


# -- 2. "why" explains without posting the question again -------------------------------------------------------


def test_why_answers_without_a_second_live_copy_of_the_question(server: ServerThread, slack_api: FakeSlackApi) -> None:
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(lambda: len(questions_posted(slack_api)) == 1, slack_api=slack_api)
    assert click(server, questions_posted(slack_api)[0], "online", ts="200.1") == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 2, slack_api=slack_api)
    second = questions_posted(slack_api)[-1]
    assert press(server, second, "why", ts="200.2") == 200
    wait_until(lambda: any(t.startswith("Why we ask:") for t in posted_texts(slack_api)), slack_api=slack_api)
    why = next(c.args for c in slack_api.calls_to("chat.postMessage") if c.args["text"].startswith("Why we ask:"))
    assert ASKED[1].why.split(".")[0] in why["text"] and not blocks_of(why)  # words only: no buttons
    typed(server, "why")  # typed, the same
    wait_until(lambda: sum(t.startswith("Why we ask:") for t in posted_texts(slack_api)) == 2, slack_api=slack_api)
    # The question's own message is still the one to answer, and answering it moves on.
    answer = PERSONAS["faq_level_2"][1][ASKED[1].id]
    assert click(server, second, answer, ts="200.2") == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 3, slack_api=slack_api)
    server.stop()  # every post in flight has gone out: now nothing more can arrive
    assert [question_id(m) for m in questions_posted(slack_api)] == [q.id for q in ASKED[:3]]
    assert [c.args["ts"] for c in slack_api.calls_to("chat.update")] == ["200.1", "200.2"]
    assert_within_limits(slack_api)


def test_why_in_the_engine_is_one_message_about_the_question_clicked() -> None:
    state = handle(MODEL, ConversationState(), Input(Command.START)).state
    state = handle(MODEL, state, Input(Command.ANSWER, "online", question_id=ASKED[0].id)).state
    current = state.pending[0]
    step = handle(MODEL, state, Input(Command.WHY, question_id=current))
    assert [m.kind for m in step.messages] == [Kind.WHY] and step.messages[0].question_id == current
    older = handle(MODEL, state, Input(Command.WHY, question_id=ASKED[0].id))  # an older message's button
    assert older.messages[0].text == f"Why we ask: {ASKED[0].why}" and older.state.pending[0] == current
    paused = handle(MODEL, handle(MODEL, state, Input(Command.STOP)).state, parse_text("why"))
    assert [m.kind for m in paused.messages] == [Kind.WHY] and paused.state.phase is Phase.ASKING


# -- 3. a typed non-answer is quoted short ----------------------------------------------------------------------


def test_a_long_typed_non_answer_is_quoted_short_and_says_what_to_type(
    server: ServerThread, slack_api: FakeSlackApi
) -> None:
    post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    wait_until(lambda: len(questions_posted(slack_api)) == 1, slack_api=slack_api)
    pasted = "zebra " + "lorem ipsum dolor sit amet " * 148  # about 4,000 characters
    typed(server, pasted)
    wait_until(lambda: any("couldn't match" in t for t in posted_texts(slack_api)), slack_api=slack_api)
    hint = next(t for t in posted_texts(slack_api) if "couldn't match" in t)
    quoted = re.search(r"couldn't match '([^']*)'", hint)
    assert quoted is not None and quoted.group(1).endswith("…") and len(quoted.group(1)) <= 40
    assert pasted.startswith(quoted.group(1)[:-1])
    assert len(hint) < 250 and "1 to 4" in hint and "help" in hint  # what can be typed instead


@pytest.mark.parametrize(
    ("line", "quoted"),
    [
        ("what is this", "what is this"),
        ("x" * 4000, "x" * 39 + "…"),
        (
            "first line\n\nsecond\tline   and more words than forty characters",
            "first line second line and more words t…",
        ),
    ],
)
def test_the_hint_quotes_at_most_forty_characters(line: str, quoted: str) -> None:
    state = handle(MODEL, ConversationState(), Input(Command.START)).state
    [hint, again] = handle(MODEL, state, parse_text(line)).messages
    assert hint.kind is Kind.HINT and f"'{quoted}'" in hint.text and again.kind is Kind.QUESTION


def test_an_unknown_subcommand_is_quoted_short_too() -> None:
    reply = unknown_command_text(SLACK, "<!here>" + "y" * 4000, MODEL.most_questions)
    assert "`&lt;!here&gt;" + "y" * 32 + "…`" in reply and "y" * 33 not in reply
    assert "/maturity status" in reply  # and what there is to type instead


# -- 4. the rubric's words are escaped everywhere they reach Slack -----------------------------------------------

HOSTILE = " <script>alert(1)</script> & <!channel> <https://evil.example|click>"
RAW = ("<script", "</script", "<!channel>", "<https://evil")
ESCAPED = "&lt;script&gt;"


def poison(node: Any) -> None:
    """Every piece of the rubric that people read gets markup appended: a script tag, a channel ping and a link."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in READ_KEYS and isinstance(value, str):
                node[key] = value + HOSTILE
            elif key == "changes":
                node[key] = [change + HOSTILE for change in value]
            else:
                poison(value)
    elif isinstance(node, list):
        for value in node:
            poison(value)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def scheduler_for(db: Database, models: Any, slack_api: FakeSlackApi, clock: Clock) -> CheckinScheduler:
    client = AsyncWebClient(token="xoxb-test", base_url=slack_api.url)

    async def client_for(_: str) -> AsyncWebClient:
        return client

    runtime = Runtime(SqlConversationStore(db), db, models)
    return CheckinScheduler(runtime, {"slack": SlackOutbox(client_for)}, clock=clock, pace=0.0)


def next_fire(db: Database, kind: str) -> datetime:
    """When every team's schedule of ``kind`` has come due."""
    with db.reading() as session:
        when = session.scalar(select(func.max(Schedule.next_fire_at)).where(Schedule.kind == kind))
    assert when is not None
    return when


def recording_titles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The titles of the charts drawn from now on (the picture itself cannot be read back as text)."""
    drawn: list[str] = []
    draw = bot.chart.levels_chart

    def recorded(dimensions: Any, *, title: str) -> bytes:
        drawn.append(title)
        return draw(dimensions, title=title)

    monkeypatch.setattr(bot.chart, "levels_chart", recorded)
    return drawn


def test_rubric_words_reach_slack_escaped_and_the_bots_own_mentions_still_work(
    database_url: str, slack_api: FakeSlackApi, tmp_path: Path
) -> None:
    path, model = model_file(tmp_path, poison)
    asked = model.questions_for("svc")
    server = serve(database_url, slack_api, path)
    db = open_database(database_url)
    try:
        post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
        wait_until(lambda: len(questions_posted(slack_api)) == 1, slack_api=slack_api)
        assert click(server, questions_posted(slack_api)[0], "svc", ts="300.0") == 200
        wait_until(lambda: len(questions_posted(slack_api)) == 2, slack_api=slack_api)
        assert press(server, questions_posted(slack_api)[-1], "why", ts="300.1") == 200
        wait_until(lambda: any(t.startswith("Why we ask:") for t in posted_texts(slack_api)), slack_api=slack_api)
        typed(server, "at level")  # fits every option: the hint names them
        wait_until(lambda: any("more than one option" in t for t in posted_texts(slack_api)), slack_api=slack_api)
        for n, question in enumerate(asked[1:], start=1):
            wait_until(lambda q=question.id: question_id(questions_posted(slack_api)[-1]) == q, slack_api=slack_api)
            assert click(server, questions_posted(slack_api)[-1], f"{question.id}_2", ts=f"301.{n}") == 200
        wait_until(lambda: posted_texts(slack_api)[-1].startswith("Your result"), slack_api=slack_api)
        typed(server, "note see https://wiki.example/runbook")
        wait_until(lambda: any(t.startswith("Note kept") for t in posted_texts(slack_api)), slack_api=slack_api)
        post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER, text="summary"))
        slack_api.wait_for_uploads()
        post(server, event(SECRET, app_home_opened(USER), team_id=WORKSPACE))
        slack_api.wait_for("views.publish")

        # A week on, the nudge names the next step of the plan; a click on its Done says who pressed it.
        models = model_catalog(db, path.read_text(encoding="utf-8"), model, source="test")
        clock = Clock(datetime.now(tz=UTC))
        scheduler = scheduler_for(db, models, slack_api, clock)
        asyncio.run(scheduler.tick())  # the announcement
        clock.now = next_fire(db, "nudge")
        assert asyncio.run(scheduler.tick()).sent == 1
        nudge = slack_api.calls_to("chat.postMessage")[-1].args
        done = blocks_of(nudge)[-1]["elements"][0]
        click_done = block_action(
            SECRET,
            team_id=WORKSPACE,
            user_id=USER,
            channel_id=CHANNEL,
            message_ts="5.0",
            action_id=done["action_id"],
            value=done["value"],
        )
        assert post(server, click_done)[0] == 200
        marked = slack_api.wait_for("chat.update", len(asked) + 1)[-1]  # each answered question, then the nudge
        assert_within_limits(slack_api)
    finally:
        server.stop()
        db.close()

    shown = [(c.method, c.args) for c in slack_api.calls if c.method in MESSAGE_METHODS + VIEW_METHODS]
    for method, args in shown:
        for text in mrkdwn_texts(args):
            assert not any(raw in text for raw in RAW), f"{method} sent rubric markup raw: {text!r}"
            assert "&amp;lt;" not in text and "&amp;amp;" not in text, f"{method} escaped twice: {text!r}"
        for text in plain_texts(args):  # Slack shows plain text as given: an entity there would show as typed
            assert "&lt;" not in text and "&amp;" not in text, f"{method} escaped plain text: {text!r}"

    def said(method: str, starts: str = "") -> str:
        return json.dumps(
            [mrkdwn_texts(a) for m, a in shown if m == method and str(a.get("text", "")).startswith(starts)]
        )

    for where, text in {
        "the questions and their options": said("chat.postMessage", "question"),
        "why": said("chat.postMessage", "Why we ask"),
        "the hint naming options": said("chat.postMessage", "That fits more than one"),
        "the intro": said("chat.postMessage", "Mini model"),
        "the answered questions": said("chat.update", "What do you run"),
        "the result": said("chat.postMessage", "Your result"),
        "the note": said("chat.postMessage", "Note kept"),
        "the summary": said("chat.postMessage", "Team summary"),
        "App Home": said("views.publish"),
        "the nudge": said("chat.postMessage", "This week's step"),
        "the nudge marked done": json.dumps(mrkdwn_texts(marked.args)),
    }.items():
        assert ESCAPED in text, f"{where}: no escaped rubric text in {text[:300]}"
    assert f"<#{CHANNEL}>" in said("chat.postMessage", "This week's step")  # the bot's channel mention works
    assert f"by <@{USER}>" in marked.args["text"]  # and its user mention


def test_the_plan_reply_escapes_rubric_words(db: Database, tmp_path: Path) -> None:
    """``/maturity plan``'s reply is worded in bot/app/checkins.py, outside the renderer."""
    _, model = model_file(tmp_path, poison)
    models = ModelCatalog(model)
    store = SqlConversationStore(db)
    who = Participant("slack", WORKSPACE, CHANNEL, USER)
    take_turn(store, models, who, Input(Command.START), source="slack")
    for question in model.questions_for("svc"):
        answer = "svc" if question.profile else f"{question.id}_1"
        take_turn(store, models, who, Input(Command.ANSWER, answer, question_id=question.id), source="slack")
    reply = plan_text(db, models, who, SLACK, datetime.now(tz=UTC))
    assert not any(raw in reply for raw in RAW) and ESCAPED in reply


# -- 5. App Home within 100 blocks, however many teams ------------------------------------------------------------


def test_app_home_for_someone_in_sixty_teams_stays_within_slacks_limit(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    db = open_database(database_url)
    channels = [f"C{n:08d}" for n in range(60)]
    try:
        store, models = SqlConversationStore(db), ModelCatalog(MODEL)
        for channel in channels:  # oldest first: App Home lists the most recently active first
            take_turn(store, models, Participant("slack", WORKSPACE, channel, USER), Input(Command.START), source="t")
    finally:
        db.close()
    post(server, event(SECRET, app_home_opened(USER), team_id=WORKSPACE))
    [published] = slack_api.wait_for("views.publish")
    blocks = blocks_of(published.args)
    assert len(blocks) <= HOME_BLOCKS_LIMIT
    assert_within_limits(slack_api)
    text = json.dumps(blocks)
    assert "20 more teams" in text  # said, not silently dropped
    assert all(f"<#{channel}>" in text for channel in channels)  # the forty in full, the other twenty named


def member_team(n: int, *, phase: Phase = Phase.ASKING) -> MemberTeam:
    return MemberTeam(f"C{n:08d}", f"team-{n}", 1, phase, 3, None)


@pytest.mark.parametrize("count", [0, 1, 40, 41, 97, 98, 500, 5000])
def test_app_home_never_passes_one_hundred_blocks(count: int) -> None:
    teams = [member_team(n) for n in range(count)]
    view = home_view(teams, dict.fromkeys((t.team for t in teams), (2, "Repeatable & <tracked>")))
    assert block_problems(view["blocks"], most=HOME_BLOCKS_LIMIT) == []
    text = json.dumps(view["blocks"])
    if count > 40:
        named = len(re.findall(r"<#C\d{8}>", text))
        counted = re.search(r", and (\d+) more", text)
        assert named + (int(counted.group(1)) if counted else 0) == count  # every team is shown or counted
        assert f"{count - 40} more team" in text
    assert count == 0 or ("<tracked>" not in text and "&lt;tracked&gt;" in text)


# -- 6. a team is named, never shown as a bare channel id ---------------------------------------------------------


@pytest.mark.parametrize(
    ("team", "name", "known"),
    [
        ("C0123ABCD", "C0123ABCD", None),  # storage had no name and fell back to the id
        ("C0123ABCD", None, None),
        ("G0456EFGH", "privategroup", None),  # Slack's word for some private channels
        ("D0789IJKL", "directmessage", None),
        ("19:abc123@thread.tacv2", "19:abc123@thread.tacv2", None),  # a Teams channel with no name sent
        ("C0123ABCD", "ml-platform", "ml-platform"),
        ("recsys", "recsys", "recsys"),  # the terminal: the team's id is the name the person typed
    ],
)
def test_a_known_team_name_is_a_name_and_never_an_id(team: str, name: str | None, known: str | None) -> None:
    assert known_team_name(team, name) == known


def bare(args: dict[str, Any], ids: tuple[str, ...]) -> list[str]:
    """The ids that a message shows (its text, its blocks' texts) other than in Slack's channel mention ``<#id>``;
    what a button carries unseen (its value) does not count."""
    shown = "\n".join(mrkdwn_texts(args) + plain_texts(args))
    return [i for i in ids if i in re.sub(r"<#[A-Z0-9]+(\|[^>]*)?>", "", shown)]


def test_check_ins_and_summaries_name_the_team_never_its_bare_channel_id(
    db: Database, slack_api: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = recording_titles(monkeypatch)
    teams = {"C0123ABCD": None, "G0456EFGH": "privategroup"}  # no name at all; Slack's placeholder
    models, store, answers = ModelCatalog(MODEL), SqlConversationStore(db), PERSONAS["faq_level_2"][1]
    for channel, name in teams.items():
        who = Participant("slack", WORKSPACE, channel, USER, team_name=name)
        take_turn(store, models, who, Input(Command.START), source="slack")
        for question in ASKED:
            take_turn(
                store, models, who, Input(Command.ANSWER, answers[question.id], question_id=question.id), source="slack"
            )
    clock = Clock(datetime.now(tz=UTC))
    scheduler = scheduler_for(db, models, slack_api, clock)
    asyncio.run(scheduler.tick())  # the announcements
    clock.now = next_fire(db, "nudge")
    asyncio.run(scheduler.tick())  # the nudges
    clock.now = next_fire(db, "reassess")
    asyncio.run(scheduler.tick())  # round 1 closes: its summary with the chart, and the invitations
    posts = [c.args for c in slack_api.calls_to("chat.postMessage") if not c.failed]
    for channel in teams:
        said = [p["text"] for p in posts if p["channel"] == channel]
        for opening in ("Check-ins are on for", "This week's step toward level 3 for", "Round 1 for"):
            assert any(t.startswith(f"{opening} <#{channel}>") for t in said), (opening, said)  # Slack's mention
    assert any(p["text"].startswith("Round 2 of the MLOps maturity") for p in posts)  # the invitations, by DM
    for args in posts:
        assert bare(args, tuple(teams)) == [], args["text"]
    uploads = slack_api.wait_for_uploads(2)
    assert {u.channel_id for u in uploads} == set(teams)
    assert all(bare({"text": u.title}, tuple(teams)) == [] for u in uploads)
    assert len(drawn) == 2 and all(title.startswith("Your team, round 1: level 2") for title in drawn), drawn
    assert_within_limits(slack_api)


def test_a_summary_asked_for_in_a_private_channel_names_no_placeholder_and_no_id(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = recording_titles(monkeypatch)
    private = "G0456EFGH"
    db = open_database(database_url)
    try:
        who = Participant("slack", WORKSPACE, private, USER, team_name="privategroup")
        store, answers = SqlConversationStore(db), PERSONAS["faq_level_2"][1]
        take_turn(store, ModelCatalog(MODEL), who, Input(Command.START), source="slack")
        for question in ASKED:
            inp = Input(Command.ANSWER, answers[question.id], question_id=question.id)
            take_turn(store, ModelCatalog(MODEL), who, inp, source="slack")
    finally:
        db.close()
    summary = slash_command(
        SECRET, team_id=WORKSPACE, channel_id=private, user_id=USER, text="summary", channel_name="privategroup"
    )
    assert post(server, summary)[0] == 200
    [upload] = slack_api.wait_for_uploads()
    [posted] = [c.args for c in slack_api.calls_to("chat.postMessage") if c.args["channel"] == private]
    assert bare(posted, (private,)) == [] and bare({"text": upload.title}, (private,)) == []
    assert "privategroup" not in json.dumps([posted.get("text"), blocks_of(posted), upload.title])
    assert len(drawn) == 1 and drawn[0].startswith("Your team, round 1: level 2, "), drawn


@pytest.mark.parametrize(
    ("team", "name", "title"),
    [
        ("C0123ABCD", "ml-platform", "ml-platform, round 3: level 2"),
        ("C0123ABCD", "C0123ABCD", "Your team, round 3: level 2"),
        ("G0456EFGH", "privategroup", "Your team, round 3: level 2"),
    ],
)
def test_the_chart_title_names_the_team_or_says_your_team(team: str, name: str, title: str) -> None:
    facts = SummaryFacts(
        team=team,
        team_name=name,
        round_number=3,
        round_open=True,
        model_version=MODEL.version,
        answer_sets=[PERSONAS["faq_level_2"][1]],
        notes=0,
        links=0,
        in_progress=0,
        members=1,
        previous=None,
        plan={},
    )
    summary = build_summary(ModelCatalog(MODEL), facts, min_respondents=3)
    assert summary is not None and chart_title(summary).startswith(title)


# -- 7. commands on any whitespace ---------------------------------------------------------------------------------

SPACES = ["\t", "\u00a0", "   ", "\n", "\r\n", " \u3000 ", "\u2003"]


@pytest.mark.parametrize("space", SPACES, ids=repr)
def test_a_subcommand_is_read_on_any_whitespace(space: str) -> None:
    assert command_word(f"{space}status{space}") == "status"
    assert command_word(f"schedule{space}pause") == "schedule"
    assert command_word(f"Summary{space}now{space}please") == "summary"
    assert command_word(space) == "start"


@pytest.mark.parametrize("space", SPACES, ids=repr)
def test_typed_commands_and_notes_are_read_on_any_whitespace(space: str) -> None:
    assert parse_text(f"{space}skip{space}").command is Command.SKIP
    assert parse_text(f"start{space}over").command is Command.RESTART
    assert parse_text(f"{space}3{space}") == Input(Command.ANSWER, f"{space}3{space}")
    note = parse_text(f"note{space}see https://wiki.example/x")
    assert (note.command, note.value) == (Command.NOTE, "see https://wiki.example/x")
    state = handle(MODEL, ConversationState(), Input(Command.START)).state
    assert handle(MODEL, state, parse_text(f"{space}2{space}")).state.answers == {"system_type": "batch"}


def test_a_zero_width_space_from_a_phone_keyboard_does_not_hide_a_typed_command() -> None:
    assert parse_text("skip\u200b").command is Command.SKIP
    assert parse_text("\ufeffwhy").command is Command.WHY
    assert parse_text("note\u200b see https://wiki.example/x") == Input(Command.NOTE, "see https://wiki.example/x")


def test_a_zero_width_space_does_not_hide_a_subcommand() -> None:
    assert command_word("status\u200b") == "status"
    assert command_word("\ufeffhelp") == "help"


def test_slash_subcommands_with_odd_whitespace_reach_their_command(server: ServerThread) -> None:
    for text in ("\u00a0status", "status\t", "  help\n"):
        status, reply = post(
            server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER, text=text)
        )
        assert status == 200 and "I don't know" not in reply["text"], (text, reply)
        assert "Nobody in this channel has started" in reply["text"] or "/maturity status" in reply["text"]


def test_a_question_view_from_the_engine_renders_with_its_options_listed() -> None:
    """The bundled model's questions as the engine builds them: each option's label is in the text."""
    state = ConversationState(answers={"system_type": "online"})
    for question in MODEL.questions_for("online")[1:]:
        blocks = question_blocks(question_view(MODEL, state, question.id), "C1", 1)
        text = " ".join(b["text"]["text"] for b in blocks if b["type"] == "section")
        assert all(escape(o.label) in text for o in MODEL.choices(question))
        assert block_problems(blocks, most=50) == []

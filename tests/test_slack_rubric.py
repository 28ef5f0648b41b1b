"""Slack end to end for issue 13's conversation: the profile question first, "not applicable" with its reason
apart from the levels, and notes or evidence links kept with an answer (a modal, or typed in the DM).

The real server on 127.0.0.1 gets correctly signed Slack requests over HTTP (button clicks, DM events, a modal's
``view_submission``), and its Web API calls go to the fake Slack Web API, which records them; what was stored is
read back from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.slack.render import (
    BUTTON_TEXT_LIMIT,
    NOTE_CALLBACK,
    ActionValue,
    answered_blocks,
    escape,
    note_view,
    question_blocks,
)
from dialogs.engine import question_view
from dialogs.messages import Command, Input, Kind, Message
from dialogs.ports import Participant
from dialogs.state import ConversationState
from dialogs.turn import run_turn
from scoring.catalog import ModelCatalog
from storage.conversations import SqlConversationStore
from storage.database import open_database
from storage.models import Answer
from tests.fakes.slack_api import FakeSlackApi
from tests.personas import ASKED, MODEL, PERSONAS
from tests.server_thread import ServerThread
from tests.slack_posts import posted_texts, question_id, questions_posted, wait_until
from tests.slack_requests import block_action, dm_message, event, slash_command, view_submission
from tests.teams import TEAMS, Team
from tests.test_slack_server import CHANNEL, SECRET, USER, WORKSPACE, click, post, start_server

PROFILE_QUESTION = ASKED[0]
EVIDENCE = "https://mlflow.example.com/#/models/churn/versions/7"
KEPT = [("registry_stages", 2, None, None)]  # model_versions answered with level 2, no note


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id=WORKSPACE) as fake:
        yield fake


@pytest.fixture
def server(database_url: str, slack_api: FakeSlackApi) -> Iterator[ServerThread]:
    srv = start_server(database_url, slack_api)
    yield srv
    srv.stop()


# -- helpers ------------------------------------------------------------------------------------------------------


def blocks_named(message: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if str(b.get("block_id", "")).startswith(prefix)]


def buttons_in(message: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """The buttons of the message's block whose block_id starts with ``prefix`` (none when it has no such block)."""
    return [e for b in blocks_named(message, prefix) for e in b.get("elements", []) if e.get("type") == "button"]


def option_ids(buttons: list[dict[str, Any]]) -> list[str]:
    return [json.loads(b["value"])["o"] for b in buttons]


def start(server: ServerThread, slack_api: FakeSlackApi) -> dict[str, Any]:
    """``/maturity`` in the team's channel; the first question posted in the DM."""
    status, _ = post(server, slash_command(SECRET, team_id=WORKSPACE, channel_id=CHANNEL, user_id=USER))
    assert status == 200
    wait_until(lambda: len(questions_posted(slack_api)) >= 1, slack_api=slack_api)
    return questions_posted(slack_api)[-1]


def answered_before(database_url: str, answers: dict[str, str], until: str) -> None:
    """The person answered every question asked before ``until`` (written through the server's own store, as a
    quicker stand-in for clicking); the next ``/maturity`` resumes on ``until``."""
    db = open_database(database_url)
    models = ModelCatalog(MODEL)
    try:
        store = SqlConversationStore(db)
        who = Participant("slack", WORKSPACE, CHANNEL, USER, team_name="ml-platform")
        run_turn(store, models, who, Input(Command.START), source="slack")
        for question in ASKED[: [q.id for q in ASKED].index(until)]:
            inp = Input(Command.ANSWER, answers[question.id], question_id=question.id)
            run_turn(store, models, who, inp, source="slack")
    finally:
        db.close()


def resume_on(server: ServerThread, slack_api: FakeSlackApi, database_url: str, qid: str) -> dict[str, Any]:
    """The question ``qid`` posted in the DM, every question before it answered as the level-2 FAQ team did."""
    answered_before(database_url, PERSONAS["faq_level_2"][1], qid)
    message = start(server, slack_api)
    assert question_id(message) == qid
    return message


def stored(database_url: str, qid: str) -> list[tuple[str, int | None, str | None, str | None]]:
    """Every answer row kept for ``qid``, oldest first: (option, level, note, link)."""
    db = open_database(database_url)
    try:
        with db.reading() as session:
            rows = session.execute(
                select(Answer.option_id, Answer.level, Answer.note, Answer.link)
                .where(Answer.question_id == qid)
                .order_by(Answer.id)
            ).all()
    finally:
        db.close()
    return [tuple(row) for row in rows]


def update_of(slack_api: FakeSlackApi, ts: str) -> dict[str, Any]:
    """The chat.update that turned the clicked message ``ts`` into its answer."""
    wait_until(lambda: any(c.args.get("ts") == ts for c in slack_api.calls_to("chat.update")), slack_api=slack_api)
    args = next(c.args for c in slack_api.calls_to("chat.update") if c.args.get("ts") == ts)
    blocks = args.get("blocks") or []
    return args | {"blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}


def open_note_form(server: ServerThread, slack_api: FakeSlackApi, answered: dict[str, Any], ts: str) -> dict[str, Any]:
    """Click the answered message's "Add a note or evidence link"; the modal views.open was called with."""
    [note_button] = buttons_in(answered, "noted:")
    trigger = f"{ts}.trigger"
    before = len(slack_api.calls_to("views.open"))
    status, reply = post(
        server,
        block_action(
            SECRET,
            team_id=WORKSPACE,
            user_id=USER,
            channel_id=f"D{USER}",
            message_ts=ts,
            action_id=note_button["action_id"],
            value=note_button["value"],
            trigger_id=trigger,
        ),
    )
    assert status == 200 and not reply  # acknowledged, empty: the form opens through views.open
    opened = slack_api.wait_for("views.open", before + 1)[-1]
    assert opened.args["trigger_id"] == trigger  # a trigger id is good for one modal, three seconds
    view = opened.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def submit_note(
    server: ServerThread, form: dict[str, Any], note: str | None, link: str | None, *, metadata: str | None = None
) -> tuple[int, Any]:
    """Save on the note modal, in the shape Slack sends: each input's value (None when left empty)."""
    values = {
        "note": {"note": {"type": "plain_text_input", "value": note}},
        "link": {"link": {"type": "url_text_input", "value": link}},
    }
    return post(
        server,
        view_submission(
            SECRET,
            team_id=WORKSPACE,
            user_id=USER,
            callback_id=form["callback_id"],
            private_metadata=form["private_metadata"] if metadata is None else metadata,
            values=values,
        ),
    )


# -- a. the profile question first; the questions that follow fit the profile ---------------------------------------


def test_the_first_question_is_the_profile_question_and_cannot_be_skipped(
    server: ServerThread, slack_api: FakeSlackApi
) -> None:
    first = start(server, slack_api)
    assert question_id(first) == PROFILE_QUESTION.id == "system_type"
    assert first["channel"] == f"D{USER}"
    assert option_ids(buttons_in(first, "answers:")) == ["online", "batch", "llm", "research"]
    assert blocks_named(first, "other:") == []  # the profiles are its only answers: no N/A, no don't know
    navigation = [b["action_id"] for b in buttons_in(first, "navigation:")]
    assert navigation == ["back", "why"]  # no Skip: the answer decides which questions follow
    progress = first["blocks"][0]["elements"][0]["text"]
    assert progress == f"Question 1 of up to {len(ASKED)}, about your system"
    # Typing skip does not get past it either.
    assert post(server, event(SECRET, dm_message(USER, "skip"), team_id=WORKSPACE))[0] == 200
    wait_until(lambda: any("cannot be skipped" in t for t in posted_texts(slack_api)), slack_api=slack_api)
    wait_until(lambda: len(questions_posted(slack_api)) == 2)
    assert question_id(questions_posted(slack_api)[-1]) == PROFILE_QUESTION.id


@pytest.mark.parametrize(
    "team",
    [t for t in TEAMS if t.profile != "online"],
    ids=lambda t: t.profile,
)
def test_after_the_profile_every_question_fits_it(server: ServerThread, slack_api: FakeSlackApi, team: Team) -> None:
    """A batch team is asked how a new model takes over a scheduled run, never about canaries in online serving;
    an LLM team about prompts and evaluations; a research lab only its 15 questions. The result is the level an
    expert gives the team (tests/teams.py)."""
    answers = team.answer_set(MODEL)
    expected = [q.id for q in MODEL.questions_for(team.profile)]
    start(server, slack_api)
    for n in range(1, len(expected) + 1):
        wait_until(lambda n=n: len(questions_posted(slack_api)) == n, slack_api=slack_api)
        message = questions_posted(slack_api)[-1]
        qid = question_id(message)
        assert click(server, message, answers[qid], ts=f"300.{n}") == 200
    wait_until(lambda: posted_texts(slack_api)[-1].startswith("Your result"), slack_api=slack_api)
    asked = [question_id(m) for m in questions_posted(slack_api)]
    assert asked == expected
    if team.profile == "batch":
        assert "rollout_batch" in asked and "rollout_online" not in asked
    if team.profile == "llm":
        assert {"prompt_versioning", "evaluation_gates", "guardrails"} <= set(asked) and "rollout_batch" not in asked
    if team.profile == "research":
        assert len(asked) == 15 and not {"rollout_online", "rollout_batch", "production_monitoring"} & set(asked)
    count = len(expected) - 1
    assert f"{count} questions fit this kind of system; back changes it." in posted_texts(slack_api)
    second = questions_posted(slack_api)[1]["blocks"][0]["elements"][0]["text"]
    assert second.startswith(f"Question 2 of {len(expected)}, ")  # the plan is known once the profile is
    assert posted_texts(slack_api)[-1].startswith(f"Your result: level {team.expected}, ")


# -- b. "not applicable" with its reason, apart from the levels -----------------------------------------------------


def test_not_applicable_reasons_sit_apart_from_the_levels_and_are_stored_without_a_level(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    question = MODEL.question_by_id["fairness_checks"]
    message = resume_on(server, slack_api, database_url, question.id)
    choices = MODEL.choices(question)
    levels = [o.id for o in choices if o.level is not None]
    others = [o.id for o in choices if o.level is None]
    assert option_ids(buttons_in(message, "answers:")) == levels
    assert others == ["na_no_decisions_about_people", "na_other", "dont_know"]
    assert option_ids(buttons_in(message, "other:")) == others
    labels = [b["text"]["text"] for b in buttons_in(message, "other:")]
    assert labels == ["6 · Not applicable", "7 · Not applicable", "8 · Don't know"]  # short: buttons do not wrap
    listed = "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    assert "\n6. Not applicable: its outputs do not affect people\n" in listed and listed.endswith("\n8. Don't know")

    assert click(server, message, "na_no_decisions_about_people", ts="400.1") == 200
    explained = "Not applicable is left out of the score"
    wait_until(lambda: any(explained in t for t in posted_texts(slack_api)), slack_api=slack_api)
    assert stored(database_url, question.id) == [("na_no_decisions_about_people", None, None, None)]
    answered = update_of(slack_api, "400.1")
    assert "✅ Not applicable: its outputs do not affect people" in json.dumps(answered["blocks"], ensure_ascii=False)
    wait_until(lambda: question_id(questions_posted(slack_api)[-1]) == "eu_ai_act", slack_api=slack_api)


def test_a_question_every_team_needs_offers_only_dont_know_beside_its_levels(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    message = resume_on(server, slack_api, database_url, "data_pipeline")
    assert option_ids(buttons_in(message, "other:")) == ["dont_know"]
    assert click(server, message, "dont_know", ts="410.1") == 200
    wait_until(lambda: any("Left out of the score;" in t for t in posted_texts(slack_api)), slack_api=slack_api)
    assert stored(database_url, "data_pipeline") == [("dont_know", None, None, None)]


# -- c. a note or an evidence link through the modal ------------------------------------------------------------------


def test_a_note_and_a_link_from_the_modal_are_kept_with_the_answer(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    question = MODEL.question_by_id["model_versions"]
    message = resume_on(server, slack_api, database_url, question.id)
    assert click(server, message, "registry_stages", ts="500.1") == 200
    answered = update_of(slack_api, "500.1")
    assert blocks_named(answered, "answers:") == []  # the buttons are gone: it is answered
    [note_button] = buttons_in(answered, "noted:")
    assert (note_button["action_id"], note_button["text"]["text"]) == ("note", "Add a note or evidence link")
    wait_until(lambda: len(questions_posted(slack_api)) == 2, slack_api=slack_api)
    next_question = question_id(questions_posted(slack_api)[-1])

    form = open_note_form(server, slack_api, answered, "500.1")
    assert form["type"] == "modal" and form["callback_id"] == NOTE_CALLBACK
    assert [b.get("block_id") for b in form["blocks"] if b["type"] == "input"] == ["note", "link"]
    assert question.text in json.dumps(form)

    status, reply = submit_note(server, form, "Every release is registered, see the March audit", EVIDENCE)
    assert status == 200 and not reply  # the modal closes
    [(option, level, note, link)] = stored(database_url, question.id)[-1:]
    assert (option, level, link) == ("registry_stages", 2, EVIDENCE)
    assert note is not None and "Every release is registered, see the March audit" in note
    assert len(stored(database_url, question.id)) == 2  # the answer, then the same answer with its note
    wait_until(
        lambda: any(t.startswith(f"Note kept with your answer to '{question.text}'") for t in posted_texts(slack_api)),
        slack_api=slack_api,
    )
    kept = next(c.args for c in slack_api.calls_to("chat.postMessage") if c.args["text"].startswith("Note kept"))
    assert kept["channel"] == f"D{USER}" and EVIDENCE in kept["text"]
    # The note moves nothing: the question on screen is still the current one, and clicking it carries on.
    assert question_id(questions_posted(slack_api)[-1]) == next_question
    assert click(server, questions_posted(slack_api)[-1], PERSONAS["faq_level_2"][1][next_question], ts="500.2") == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 3, slack_api=slack_api)


@pytest.mark.parametrize(
    ("note", "link", "field"),
    [
        pytest.param("see the runbook", "ftp://x", "link", id="ftp link"),
        pytest.param(None, "javascript:alert(1)", "link", id="javascript link"),
        pytest.param(None, None, "note", id="empty"),
        pytest.param("   ", "  ", "note", id="blank"),
    ],
)
def test_a_bad_note_form_is_answered_on_its_field_and_stores_nothing(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi, note: str | None, link: str | None, field: str
) -> None:
    message = resume_on(server, slack_api, database_url, "model_versions")
    assert click(server, message, "registry_stages", ts="510.1") == 200
    form = open_note_form(server, slack_api, update_of(slack_api, "510.1"), "510.1")
    before = len(slack_api.calls_to("chat.postMessage"))
    status, reply = submit_note(server, form, note, link)
    assert status == 200
    assert reply["response_action"] == "errors" and list(reply["errors"]) == [field]
    assert stored(database_url, "model_versions") == KEPT
    # Nothing goes to the DM either (the form stays open with the error on it): what the DM says next is the
    # answer to the next thing typed.
    post(server, event(SECRET, dm_message(USER, "why"), team_id=WORKSPACE))
    wait_until(lambda: any(t.startswith("Why we ask:") for t in posted_texts(slack_api)[before:]), slack_api=slack_api)
    assert not any(t.startswith(("Note kept", "Only http")) for t in posted_texts(slack_api)[before:])


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param("", id="empty"),
        pytest.param("{not json", id="not json"),
        pytest.param("[]", id="a list"),
        pytest.param('{"q": "model_versions"}', id="no team"),
        pytest.param('{"t": "C0001", "q": "model_versions", "r": "one"}', id="round not a number"),
    ],
)
def test_a_note_form_with_malformed_metadata_gets_an_error_never_a_5xx(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi, metadata: str
) -> None:
    message = resume_on(server, slack_api, database_url, "model_versions")
    assert click(server, message, "registry_stages", ts="520.1") == 200
    form = open_note_form(server, slack_api, update_of(slack_api, "520.1"), "520.1")
    status, reply = submit_note(server, form, "a note", EVIDENCE, metadata=metadata)
    assert status == 200 and reply["response_action"] == "errors" and reply["errors"]
    assert stored(database_url, "model_versions") == KEPT
    code, text, _ = server.request("GET", "/healthz")
    assert code == 200 and json.loads(text)["status"] == "ok"


def test_a_note_form_with_mangled_inputs_gets_an_error_never_a_5xx(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    message = resume_on(server, slack_api, database_url, "model_versions")
    assert click(server, message, "registry_stages", ts="530.1") == 200
    form = open_note_form(server, slack_api, update_of(slack_api, "530.1"), "530.1")
    for values in (
        {},
        {"note": {"note": "not an input's state"}, "link": {"link": {"value": EVIDENCE}}},
        {"note": {"note": {"value": ["a", "list"]}}, "link": {"link": {"value": None}}},
    ):
        body = view_submission(
            SECRET,
            team_id=WORKSPACE,
            user_id=USER,
            callback_id=NOTE_CALLBACK,
            private_metadata=form["private_metadata"],
            values=values,
        )
        status, reply = post(server, body)
        assert status == 200 and reply["response_action"] == "errors", values
    assert stored(database_url, "model_versions") == KEPT


# -- d. a note typed in the DM ------------------------------------------------------------------------------------


def test_a_typed_note_is_kept_with_the_last_answer(
    database_url: str, server: ServerThread, slack_api: FakeSlackApi
) -> None:
    first = start(server, slack_api)
    assert click(server, first, "online", ts="600.1") == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 2, slack_api=slack_api)
    second = questions_posted(slack_api)[-1]
    qid = question_id(second)
    assert qid == ASKED[1].id
    assert post(server, event(SECRET, dm_message(USER, "2"), team_id=WORKSPACE))[0] == 200
    wait_until(lambda: len(questions_posted(slack_api)) == 3, slack_api=slack_api)
    [(option, *_)] = stored(database_url, qid)

    typed = f"note see {EVIDENCE} for the schedule"
    assert post(server, event(SECRET, dm_message(USER, typed), team_id=WORKSPACE))[0] == 200
    wait_until(lambda: any(t.startswith("Note kept with your answer") for t in posted_texts(slack_api)))
    level = MODEL.option(qid, option).level
    assert stored(database_url, qid)[-1] == (option, level, f"see {EVIDENCE} for the schedule", EVIDENCE)
    assert len(questions_posted(slack_api)) == 3  # a note asks nothing new
    kept = stored(database_url, qid)

    # An address that is not http(s) stays text: it is never kept as an evidence link.
    ftp = dm_message(USER, "note see ftp://files.example.com/x")
    assert post(server, event(SECRET, ftp, team_id=WORKSPACE))[0] == 200
    wait_until(lambda: any("ftp:// address is kept as text" in t for t in posted_texts(slack_api)), slack_api=slack_api)
    assert stored(database_url, qid) == [*kept, (option, level, "see ftp://files.example.com/x", None)]


# -- e. every button fits Slack's limits, and no option is lost to them ----------------------------------------------


@pytest.mark.parametrize("qid", [q.id for q in MODEL.questions])
def test_every_button_of_every_question_fits_slacks_limits(qid: str) -> None:
    """Each of the bundled model's questions as the engine shows it (a question other than the profile once a
    profile it applies to is known), rendered for Slack."""
    question = MODEL.question_by_id[qid]
    profile = None if question.profile else (question.applies_to or ("online",))[0]
    state = ConversationState(answers={PROFILE_QUESTION.id: profile} if profile else {})
    view = question_view(MODEL, state, qid)
    blocks = question_blocks(view, CHANNEL, round_=3)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert all(len(b["text"]["text"]) <= BUTTON_TEXT_LIMIT for b in buttons)
    assert all(len(b["value"]) <= 2000 and len(b["action_id"]) <= 255 for b in buttons)
    assert all(len(b["elements"]) <= 25 for b in blocks if b["type"] == "actions")
    ids = [b["action_id"] for b in buttons]
    assert len(ids) == len(set(ids))  # Slack refuses a message whose action ids repeat
    choices = MODEL.choices(question)
    answers = [json.loads(b["value"])["o"] for b in buttons if b["action_id"].startswith("answer_")]
    assert answers == [o.id for o in choices]  # every option has its button, in order
    # A label cut to fit its button is still readable in full in the message.
    shown = json.dumps([b for b in blocks if b["type"] != "actions"], ensure_ascii=False)
    for n, option in enumerate(choices, start=1):
        full = f"{n}. {option.label}"
        button_text = next(b["text"]["text"] for b in buttons if json.loads(b["value"])["o"] == option.id)
        assert button_text == full or json.dumps(f"{n}. {escape(option.label)}", ensure_ascii=False)[1:-1] in shown


def test_the_answered_message_and_the_note_form_fit_slacks_limits() -> None:
    longest = max(MODEL.questions, key=lambda q: len(q.text))
    option = max(MODEL.choices(longest), key=lambda o: len(o.label))
    recorded = Message(
        Kind.RECORDED,
        "",
        question_id=longest.id,
        option_id=option.id,
        question_text=longest.text,
        answer_label=option.label,
    )
    blocks = answered_blocks(recorded, CHANNEL, 3)
    [note_button] = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(note_button["text"]["text"]) <= BUTTON_TEXT_LIMIT
    form = note_view(ActionValue(CHANNEL, longest.id, round=3), longest.text)
    assert all(len(form[k]["text"]) <= 24 for k in ("title", "submit", "close"))  # Slack's modal limits
    assert len(form["private_metadata"]) <= 3000 and len(form["callback_id"]) <= 255
    # The form's inputs are those the submission handler reads.
    assert {b["block_id"]: b["element"]["action_id"] for b in form["blocks"] if b["type"] == "input"} == {
        "note": "note",
        "link": "link",
    }

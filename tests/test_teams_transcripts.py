"""The Teams handler as transcripts through botbuilder's TestAdapter: activities in, activities out, on a real
database (SQLite and PostgreSQL). The HTTP path and the Bot Connector are tested in test_teams_server.py."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ConversationAccount, ConversationParameters
from PIL import Image
from sqlalchemy import select, update

from bot.app.runtime import Runtime
from bot.teams.cards import SUBMIT_KEY
from bot.teams.handler import HELLO_PERSONAL, HELLO_TEAM, NOT_OUR_CARD, TeamsBot
from checkins.states import RoundStatus
from scoring.model import read_model_file
from scoring.score import score_answers
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.model_versions import model_catalog
from storage.models import Answer, ConversationRef, Response, Round, utcnow
from tests import teams_activities as a
from tests.personas import ASKED, PERSONAS
from tests.storage.helpers import count

MODEL_TEXT, MODEL = read_model_file()
SERVICE = "https://smba.example.test/teams/"
PERSONAL_CHAT = "a:1personal-chat"


class TranscriptAdapter(TestAdapter):
    """TestAdapter, plus CloudAdapter's ``create_conversation`` so a channel ``start`` can open a personal chat."""

    def __init__(self, logic: Any) -> None:
        super().__init__(logic)
        self.created: list[ConversationParameters] = []

    async def create_conversation(  # type: ignore[override]
        self,
        bot_app_id: str,
        callback: Any,
        conversation_parameters: ConversationParameters,
        channel_id: str,
        service_url: str,
        audience: str | None = None,
    ) -> None:
        self.created.append(conversation_parameters)
        activity = Activity(  # what CloudAdapter hands the callback: no sender, no conversation type
            type="event",
            name="CreateConversation",
            channel_id=channel_id,
            service_url=service_url,
            conversation=ConversationAccount(id=PERSONAL_CHAT, tenant_id=conversation_parameters.tenant_id),
            channel_data=conversation_parameters.channel_data,
            recipient=conversation_parameters.bot,
        )
        await callback(TurnContext(self, activity))


class Chat:
    """Replays activities and returns what the bot sent back (and updated) for each."""

    def __init__(self, db: Database) -> None:
        models = model_catalog(db, MODEL_TEXT, MODEL, source="the bundled model")  # as the server builds it
        self.bot = TeamsBot(Runtime(SqlConversationStore(db), db, models), app_id="")
        self.adapter = TranscriptAdapter(self.bot.on_turn)
        self.card_ids = itertools.count(1)

    def send(self, activity: dict[str, Any]) -> list[Activity]:
        self.adapter.activity_buffer.clear()
        self.adapter.updated_activities.clear()
        asyncio.run(self.adapter.receive_activity(Activity().deserialize(activity)))
        return list(self.adapter.activity_buffer)

    @property
    def updated(self) -> list[Activity]:
        return list(self.adapter.updated_activities)


def card(activity: Activity) -> dict[str, Any]:
    [attachment] = activity.attachments
    assert attachment.content_type == "application/vnd.microsoft.card.adaptive"
    return attachment.content


def submits(activity: Activity) -> list[dict[str, Any]]:
    """Every Action.Submit's data on a card, options first (in the body), then navigation."""
    content = card(activity)
    found = [act["data"] for item in content["body"] if item["type"] == "ActionSet" for act in item["actions"]]
    return found + [act["data"] for act in content.get("actions", [])]


def option_submit(activity: Activity, option_id: str) -> dict[str, Any]:
    return next(d for d in submits(activity) if d[SUBMIT_KEY] == "answer" and d["o"] == option_id)


def texts(activities: list[Activity]) -> list[str]:
    return [x.text or x.summary or "" for x in activities]


def personal(text: str = "", **kw: Any) -> dict[str, Any]:
    return a.message(text, service_url=SERVICE, conversation_id=PERSONAL_CHAT, **kw)


@pytest.fixture
def chat(db: Database) -> Iterator[Chat]:
    yield Chat(db)


def start_in_channel(chat: Chat) -> Activity:
    """``@Maturity start`` in the channel: returns the first question card, sent to the personal chat."""
    replies = chat.send(a.channel_mention("start", service_url=SERVICE))
    assert texts(replies)[-1] == "I've sent you a personal message with the assessment for this channel."
    in_personal_chat = [r for r in replies if r.conversation.id == PERSONAL_CHAT]
    assert in_personal_chat and in_personal_chat[-1].attachments
    return in_personal_chat[-1]


def test_the_bot_greets_a_channel_it_is_added_to_and_remembers_it(chat: Chat, db: Database) -> None:
    replies = chat.send(a.bot_added(service_url=SERVICE))
    assert texts(replies) == [HELLO_TEAM]
    with db.reading() as session:
        ref = session.scalars(select(ConversationRef)).one()
    assert (ref.kind, ref.team_id, ref.workspace_id, ref.service_url) == ("channel", a.TEAM_ID, a.TENANT_ID, SERVICE)
    assert ref.reference["conversation"]["id"] == a.TEAM_ID  # a team install names its General channel
    assert ref.reference["serviceUrl"] == SERVICE


def test_a_personal_install_is_greeted_and_remembered(chat: Chat, db: Database) -> None:
    replies = chat.send(a.bot_added(service_url=SERVICE, conversation_type="personal"))
    assert texts(replies) == [HELLO_PERSONAL]
    chat.send(a.installation_update(service_url=SERVICE))
    with db.reading() as session:
        kinds = session.scalars(select(ConversationRef.kind)).all()
    assert kinds == ["personal"]  # the install and the greeting name the same chat: one row


def test_start_in_a_channel_opens_a_personal_chat_with_the_first_question(chat: Chat, db: Database) -> None:
    question = start_in_channel(chat)
    [params] = chat.adapter.created
    assert params.is_group is False and params.tenant_id == a.TENANT_ID
    assert ASKED[0].profile and card(question)["body"][1]["text"] == ASKED[0].text  # what the team runs, first
    assert {d["t"] for d in submits(question)} == {a.CHANNEL_ID}  # every button names the team
    assert {d["r"] for d in submits(question)} == {1}  # and the round
    with db.reading() as session:
        assert sorted(session.scalars(select(ConversationRef.kind)).all()) == ["channel", "personal"]


def test_a_whole_assessment_by_card_submits_updates_each_card_and_ends_with_the_result(chat: Chat) -> None:
    expected, answers = PERSONAS["faq_level_2"]
    question = start_in_channel(chat)
    for n, q in enumerate(ASKED):
        card_id = f"card-{n}"
        assert card(question)["body"][1]["text"] == q.text  # the profile's questions, in the order they are asked
        replies = chat.send(personal(value=option_submit(question, answers[q.id]), reply_to_id=card_id))
        [updated] = chat.updated
        assert updated.id == card_id
        body = card(updated)["body"]
        given = MODEL.option(q.id, answers[q.id])
        assert given is not None and body[0]["text"] == q.text and given.label in body[1]["text"]
        assert "actions" not in card(updated)  # an answered card has no buttons left
        question = replies[-1]
    result = card(question)
    assert result["body"][0]["text"] == f"Your result: level {expected}, {score_answers(MODEL, answers).overall_name}"
    facts = {f["title"]: f["value"] for f in next(b for b in result["body"] if b["type"] == "FactSet")["facts"]}
    assert set(facts) == {d.name for d in MODEL.dimensions_for("online")}


def test_typed_replies_in_the_personal_chat_answer_the_current_question(chat: Chat, db: Database) -> None:
    start_in_channel(chat)
    batch = MODEL.questions_for("batch")
    first, second = batch[0], batch[1]
    assert MODEL.choices(first)[1].id == "batch"
    replies = chat.send(personal("2"))  # the profile question's second option: batch scoring
    assert f"{len(batch) - 1} questions fit this kind of system" in texts(replies)[0]
    assert card(replies[-1])["body"][1]["text"] == second.text
    replies = chat.send(personal("why"))
    assert second.why.split(".")[0] in texts(replies)[0]
    replies = chat.send(personal("back"))
    assert card(replies[-1])["body"][1]["text"] == first.text
    replies = chat.send(personal("maybe?"))  # matches no option: a hint, and the same question again
    assert "1 to" in texts(replies)[0] and count(db, Answer) == 1


def test_an_old_card_and_a_closed_round_change_nothing_and_say_so(chat: Chat, db: Database) -> None:
    question = start_in_channel(chat)
    first = option_submit(question, ASKED[0].options[1].id)
    chat.send(personal(value=first, reply_to_id="card-1"))
    replies = chat.send(personal(value=option_submit(question, ASKED[0].options[3].id), reply_to_id="c"))
    assert "no longer the current one" in texts(replies)[0] and not chat.updated
    with db.transaction() as session:
        session.execute(
            update(Round).where(Round.status == RoundStatus.OPEN).values(status="closed", closed_at=utcnow())
        )
    replies = chat.send(personal(value=first, reply_to_id="card-1"))
    assert "round 1, which has closed" in texts(replies)[0]
    assert count(db, Answer) == 1
    assert count(db, Round) == 1 and count(db, Response) == 1  # no new round opened by the old card


def test_a_card_that_is_not_ours_is_refused_politely(chat: Chat, db: Database) -> None:
    start_in_channel(chat)
    for value in ({"answer": 3}, {SUBMIT_KEY: "answer"}, {SUBMIT_KEY: "answer", "t": "x", "r": "one"}, [1, 2], "hi"):
        assert texts(chat.send(personal(value=value, reply_to_id="c"))) == [NOT_OUR_CARD]
    assert count(db, Answer) == 0


def test_channel_commands_status_summary_help_and_a_typo(chat: Chat) -> None:
    status = texts(chat.send(a.channel_mention("status", service_url=SERVICE)))[0]
    assert "Nobody in this channel has started" in status
    assert "finished the assessment yet" in texts(chat.send(a.channel_mention("summary", service_url=SERVICE)))[0]
    assert "`start`" in texts(chat.send(a.channel_mention("help", service_url=SERVICE)))[0]
    assert "Did you mean `status`?" in texts(chat.send(a.channel_mention("statsu", service_url=SERVICE)))[0]

    _, answers = PERSONAS["faq_level_3"]
    question = start_in_channel(chat)
    for q in ASKED:
        question = chat.send(personal(value=option_submit(question, answers[q.id]), reply_to_id="c"))[-1]
    status = texts(chat.send(a.channel_mention("status", service_url=SERVICE)))[0]
    assert "**Team level 3" in status and "1 finished" in status and "You have finished" in status
    summary = card(chat.send(a.channel_mention("summary", service_url=SERVICE))[0])
    assert summary["body"][0]["text"].startswith("Team summary, round 1: level 3")
    assert "1 of 1 member finished" in summary["body"][1]["text"]
    [image] = [element for element in summary["body"] if element["type"] == "Image"]
    png = base64.b64decode(image["url"].removeprefix("data:image/png;base64,"))
    assert Image.open(io.BytesIO(png)).format == "PNG" and "Chart of each dimension's level" in image["altText"]
    other = texts(chat.send(a.channel_mention("status", service_url=SERVICE, aad_object_id="other-person")))[0]
    assert "You have not started yet" in other  # counts for the team, nothing of anyone's answers


def test_the_personal_chat_before_any_team_points_to_the_channel(chat: Chat) -> None:
    assert texts(chat.send(personal(""))) == [HELLO_PERSONAL]
    assert "in your team's channel" in texts(chat.send(personal("2")))[0]


def test_a_redelivered_activity_is_handled_once(chat: Chat, db: Database) -> None:
    question = start_in_channel(chat)
    click = personal(value=option_submit(question, ASKED[0].options[0].id), reply_to_id="c")
    assert chat.send(click)
    assert chat.send(click) == []  # same activity id in the same conversation: a retry
    assert count(db, Answer) == 1


def test_a_nudge_card_button_changes_the_plan_and_the_card_says_who(chat: Chat, db: Database) -> None:
    from storage.models import PlanItem

    question = start_in_channel(chat)
    _, answers = PERSONAS["faq_level_2"]
    for q in ASKED:
        question = chat.send(personal(value=option_submit(question, answers[q.id]), reply_to_id="c"))[-1]
    investment = MODEL.investments[0].id
    data = {SUBMIT_KEY: "plan", "t": a.CHANNEL_ID, "i": investment, "s": "in_progress"}
    replies = chat.send(
        a.message(
            "",
            service_url=SERVICE,
            conversation_id=a.CHANNEL_ID,
            conversation_type="channel",
            channel_id=a.CHANNEL_ID,
            team_id=a.TEAM_ID,
            value=data,
            reply_to_id="nudge-1",
        )
    )
    assert replies == []  # the card itself changes
    [updated] = chat.updated
    assert updated.id == "nudge-1" and "in progress" in json.dumps(card(updated))
    with db.reading() as session:
        assert session.execute(select(PlanItem.investment_id, PlanItem.status)).one() == (investment, "in_progress")
    forged = {**data, "s": "finished"}
    assert texts(chat.send(personal(value=forged, reply_to_id="c"))) == [NOT_OUR_CARD]


def test_the_owner_changes_the_schedule_on_a_card_and_others_only_see_it(chat: Chat, db: Database) -> None:
    from storage.models import CheckinSettings

    question = start_in_channel(chat)
    _, answers = PERSONAS["faq_level_2"]
    for q in ASKED:
        question = chat.send(personal(value=option_submit(question, answers[q.id]), reply_to_id="c"))[-1]
    [form] = chat.send(a.channel_mention("schedule", service_url=SERVICE))
    inputs = {item["id"]: item for item in card(form)["body"] if item["type"].startswith("Input.")}
    assert set(inputs) == {"weekday", "time", "timezone", "weeks", "summary", "days", "paused"}
    assert inputs["summary"]["value"] == "0"
    assert inputs["weekday"]["value"] == "tuesday" and inputs["time"]["value"] == "10:00"
    [save] = card(form)["actions"]
    submitted = {
        **save["data"],
        "weekday": "friday",
        "time": "14:00",
        "timezone": "America/New_York",
        "weeks": "4",
        "summary": "2",
        "days": "monday,friday",
        "paused": "false",
    }
    reply = texts(chat.send(personal(value=submitted, reply_to_id="form-1")))[0]
    assert reply.startswith("Done.") and "Friday at 14:00 (America/New_York" in reply
    with db.reading() as session:
        settings = session.scalars(select(CheckinSettings)).one()
    assert (settings.nudge_weekday, settings.timezone, settings.reassess_weeks) == (4, "America/New_York", 4)
    assert settings.summary_weeks == 2 and "a team summary every 2 weeks." in reply

    other = texts(chat.send(a.channel_mention("schedule", service_url=SERVICE, aad_object_id="someone-else")))[0]
    assert other.startswith("Check-ins are on")  # text, not the form
    forged = texts(chat.send(personal(value=submitted, reply_to_id="form-1", aad_object_id="someone-else")))[0]
    assert forged.startswith("Only the person who set this team up")


def test_org_is_refused_to_someone_who_is_not_an_admin(chat: Chat) -> None:
    assert texts(chat.send(a.channel_mention("org", service_url=SERVICE)))[0].startswith(
        "`org` is for workspace admins"
    )


# --- the profile question, "not applicable", notes and "not assessed" (issue 13) ---------------------------


def navigation(activity: Activity) -> list[str]:
    """The commands of the card's navigation buttons (below the body)."""
    return [act["data"][SUBMIT_KEY] for act in card(activity).get("actions", [])]


def inputs(activity: Activity) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in card(activity)["body"] if item["type"].startswith("Input.")}


def option_sets(activity: Activity) -> list[dict[str, Any]]:
    """The card's option buttons: the levels' ActionSet, then the other answers' (if any)."""
    return [item for item in card(activity)["body"] if item["type"] == "ActionSet"]


def answer_until(chat: Chat, question: Activity, answers: dict[str, str], stop_at: str) -> Activity:
    """Answer the asked questions by card from ``question`` on, until the card for ``stop_at`` is shown."""
    for q in ASKED:
        assert card(question)["body"][1]["text"] == q.text
        if q.id == stop_at:
            return question
        question = chat.send(personal(value=option_submit(question, answers[q.id]), reply_to_id="c"))[-1]
    raise AssertionError(f"{stop_at} is not asked of an online team")


def latest_answer(db: Database, question_id: str) -> Answer:
    """The row that counts for a question: answers are append-only, the newest one wins."""
    with db.reading() as session:
        return session.scalars(
            select(Answer).where(Answer.question_id == question_id).order_by(Answer.id.desc()).limit(1)
        ).one()


def test_the_first_card_is_the_profile_question_then_only_that_profiles_questions_follow(
    chat: Chat, db: Database
) -> None:
    question = start_in_channel(chat)
    profile = MODEL.profile_question
    assert profile is not None and card(question)["body"][1]["text"] == profile.text
    assert card(question)["body"][0]["text"] == "Question 1 of up to 26, about your system"
    assert [d["o"] for d in submits(question) if d[SUBMIT_KEY] == "answer"] == ["online", "batch", "llm", "research"]
    assert navigation(question) == ["back", "why"]  # no Skip: the answer decides what follows
    assert inputs(question) == {}  # and no note field
    assert not any(s.get("separator") for s in option_sets(question))
    refused = chat.send(personal("skip"))  # typing it does not get past the question either
    assert "cannot be skipped" in texts(refused)[0] and card(refused[-1])["body"][1]["text"] == profile.text

    research = MODEL.questions_for("research")
    assert len(research) == 15 < len(ASKED)
    replies = chat.send(personal(value=option_submit(question, "research"), reply_to_id="c"))
    assert f"{len(research) - 1} questions fit this kind of system" in texts(replies)[0]
    shown = [profile.text]
    question = replies[-1]
    for _ in ASKED:  # never more cards than an online team gets
        body = card(question)["body"]
        if body[0]["text"].startswith("Your result"):
            break
        shown.append(body[1]["text"])
        assert body[0]["text"].startswith(f"Question {len(shown)} of {len(research)}, ")
        assert "skip" in navigation(question) and "note" in inputs(question)  # the other questions have both
        first_level = next(d["o"] for d in submits(question) if d[SUBMIT_KEY] == "answer")
        question = chat.send(personal(value=option_submit(question, first_level), reply_to_id="c"))[-1]
    assert shown == [q.text for q in research]  # no online-serving, deployment or LLM question in between
    facts = {f["title"] for f in next(b for b in card(question)["body"] if b["type"] == "FactSet")["facts"]}
    assert facts == {d.name for d in MODEL.dimensions_for("research")}
    with db.reading() as session:
        assert set(session.scalars(select(Answer.question_id))) == {q.id for q in research}


def test_a_not_applicable_option_follows_the_levels_and_is_recorded_without_a_level(chat: Chat, db: Database) -> None:
    _, answers = PERSONAS["faq_level_2"]
    question = answer_until(chat, start_in_channel(chat), answers, "feature_consistency")
    choices = MODEL.choices(MODEL.question_by_id["feature_consistency"])
    assert [d["o"] for d in submits(question) if d[SUBMIT_KEY] == "answer"] == [o.id for o in choices]
    level_set, other_set = option_sets(question)  # the levels' short buttons, then the other answers' apart
    levels = [o for o in choices if o.level is not None]
    others = [o.id for o in choices[len(levels) :]]
    assert others == ["na_other", "dont_know"]  # after the levels, don't know last
    assert [b["title"] for b in level_set["actions"]] == [str(n) for n in range(1, len(levels) + 1)]
    n = len(levels) + 1
    assert [b["title"] for b in other_set["actions"]] == [f"{n} · Not applicable", f"{n + 1} · Don't know"]
    na = MODEL.option("feature_consistency", "na_other")
    assert na is not None
    [listed] = [b for b in card(question)["body"] if b["type"] == "TextBlock" and b["text"] == f"{n}. {na.label}"]
    assert listed["separator"] is True  # the answers that are not levels are listed apart too

    replies = chat.send(personal(value=option_submit(question, na.id), reply_to_id="card-na"))
    assert any("left out of the score" in t for t in texts(replies))
    [updated] = chat.updated
    assert updated.id == "card-na" and na.label in json.dumps(card(updated))
    row = latest_answer(db, "feature_consistency")
    assert (row.option_id, row.level) == ("na_other", None)
    assert latest_answer(db, "data_quality").level == 2  # a level answer keeps its level beside it


def test_a_note_sent_with_a_card_answer_is_kept_with_it_and_shown_back(chat: Chat, db: Database) -> None:
    _, answers = PERSONAS["faq_level_2"]
    question = answer_until(chat, start_in_channel(chat), answers, "data_pipeline")
    field = inputs(question)["note"]
    assert field["type"] == "Input.Text" and field["value"] == ""
    link = "https://mlflow.example.com/#/models/churn"
    value = {**option_submit(question, answers["data_pipeline"]), "note": f"see {link}"}
    replies = chat.send(personal(value=value, reply_to_id="c"))
    assert any(t.startswith("Note kept with your answer to") and link in t for t in texts(replies))
    row = latest_answer(db, "data_pipeline")
    assert (row.option_id, row.note, row.link) == (answers["data_pipeline"], f"see {link}", link)

    question = replies[-1]  # the next card: an address that is not http(s) stays text, never an evidence link
    value = {**option_submit(question, answers["data_quality"]), "note": "ftp://x"}
    replies = chat.send(personal(value=value, reply_to_id="c"))
    assert any("ftp:// address is kept as text" in t for t in texts(replies))
    row = latest_answer(db, "data_quality")
    assert (row.option_id, row.note, row.link) == (answers["data_quality"], "ftp://x", None)

    question = replies[-1]
    assert card(question)["body"][1]["text"] == ASKED[3].text
    answered = count(db, Answer)
    for mangled in (5, ["see https://x.example"], {"text": "hi"}, True):
        value = {**option_submit(question, answers[ASKED[3].id]), "note": mangled}
        assert texts(chat.send(personal(value=value, reply_to_id="c"))) == [NOT_OUR_CARD]
        assert not chat.updated
    assert count(db, Answer) == answered

    chat.send(personal("back"))  # data_quality, then data_pipeline: its card shows the note kept with it
    again = chat.send(personal("back"))[-1]
    assert card(again)["body"][1]["text"] == ASKED[1].text and inputs(again)["note"]["value"] == f"see {link}"


def test_a_typed_note_is_kept_with_the_last_answer_and_can_be_cleared(chat: Chat, db: Database) -> None:
    question = start_in_channel(chat)
    chat.send(personal(value=option_submit(question, "online"), reply_to_id="c"))
    first = MODEL.choices(ASKED[1])[0]
    chat.send(personal("1"))  # the second question, typed
    assert latest_answer(db, ASKED[1].id).option_id == first.id
    replies = chat.send(personal("note exports are in [the runbook](https://wiki.example.com/exports)"))
    [reply] = texts(replies)  # only the confirmation: the question on screen stays the current one
    assert reply.startswith("Note kept with your answer to") and "[the runbook]" not in reply  # escaped
    row = latest_answer(db, ASKED[1].id)
    assert row.option_id == first.id and row.link == "https://wiki.example.com/exports"
    assert row.note == "exports are in [the runbook](https://wiki.example.com/exports)"  # stored as typed

    assert "Note removed" in texts(chat.send(personal("note clear")))[0]
    assert latest_answer(db, ASKED[1].id).note is None
    replies = chat.send(personal("2"))  # answering goes on as before
    assert card(replies[-1])["body"][1]["text"] == ASKED[3].text


def test_the_result_card_says_not_assessed_and_lists_the_not_applicable_answers(chat: Chat) -> None:
    _, persona = PERSONAS["faq_level_2"]
    answers = {
        **persona,
        "cost_tracking": "dont_know",  # the cost dimension's only question: nothing left to give it a level
        "fairness_checks": "na_no_decisions_about_people",
        "eu_ai_act": "na_outside_law",
    }
    question = start_in_channel(chat)
    for q in ASKED:
        question = chat.send(personal(value=option_submit(question, answers[q.id]), reply_to_id="c"))[-1]
    result = card(question)
    assert result["body"][0]["text"].startswith("Your result: level")
    facts = {f["title"]: f["value"] for f in next(b for b in result["body"] if b["type"] == "FactSet")["facts"]}
    cost = MODEL.dimension_by_id["cost"].name
    assert facts[cost] == "···· not assessed"
    assert all(value[-1].isdigit() for name, value in facts.items() if name != cost)  # the others have a level
    [listed] = [b["text"] for b in result["body"] if b.get("text", "").startswith("**Not applicable")]
    for qid, option in (("fairness_checks", "na_no_decisions_about_people"), ("eu_ai_act", "na_outside_law")):
        reason = MODEL.reason_by_id[option.removeprefix("na_")].label
        assert MODEL.question_by_id[qid].text in listed and reason in listed
    assert "Don't know" not in listed and MODEL.question_by_id["cost_tracking"].text not in listed


def test_a_display_name_past_255_characters_still_takes_the_assessment(chat: Chat) -> None:
    """Entra allows longer display names than storage keeps: the name is shortened, the person never refused."""
    replies = chat.send(a.channel_mention("start", service_url=SERVICE, user_name="Dr. " + "Long " * 60))
    assert texts(replies)[-1] == "I've sent you a personal message with the assessment for this channel."
    assert any(r.attachments for r in replies if r.conversation.id == PERSONAL_CHAT)


def test_the_general_channel_goes_by_its_teams_name_and_a_rename_follows(chat: Chat, db: Database) -> None:
    """Teams sends no name for a team's General channel, only ``channelData.team.name``: the team is never shown
    as a raw ``19:...`` id. A later activity with a new name renames it."""
    from storage.models import Team

    def start(team_name: str, channel_name: str | None = None) -> None:
        activity = a.channel_mention("start", service_url=SERVICE)
        activity["channelData"]["team"]["name"] = team_name
        if channel_name is not None:
            activity["channelData"]["channel"]["name"] = channel_name
        assert "personal message" in texts(chat.send(activity))[-1]

    start("ML Platform")  # the General channel: no channel name
    with db.reading() as session:
        assert session.scalars(select(Team.name)).all() == ["ML Platform"]
    start("ML Platform", channel_name="models")  # a named channel goes by its own name
    start("Machine Learning Platform", channel_name="models-renamed")
    with db.reading() as session:
        assert session.scalars(select(Team.name)).all() == ["models-renamed"]

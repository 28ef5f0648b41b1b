"""Engine messages as Teams activities: Adaptive Cards for questions and results, markdown text for the rest.

Every Action.Submit carries a ``Submit`` (team, round, question, option), so a submit from an old card is
recognised by the turn runner; the person is always the activity's sender, never a field of the card.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

from bot.app.checkins import Current, ScheduleForm
from bot.app.notices import Notice
from bot.app.replies import Style
from bot.app.summary import TeamSummary, chart_description, lead, sections
from bot.text import level_bar, result_sections, short_label
from checkins.cadence import DAY_NAMES
from dialogs.engine import NOTE_LIMIT
from dialogs.messages import Choice, Command, Input, Kind, Message, QuestionView
from scoring.score import Result

Card = dict[str, Any]
CARD_VERSION = "1.5"  # what Teams renders on desktop, web and mobile
SUBMIT_KEY = "maturity"  # marks a submit as ours; its value is the action
NOTE_INPUT = "note"  # the question card's text field: a note or an evidence link sent with the answer
ACTIONS = {Command.ANSWER, Command.BACK, Command.SKIP, Command.WHY, Command.RESUME, Command.START}
PLAN = "plan"  # a check-in's plan button: {SUBMIT_KEY: "plan", "t": team, "i": investment, "s": status}


_NEUTRAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "`": "'", "[": "(", "]": ")"})


def escape(text: str) -> str:
    """Typed or platform-provided text shown in a message: no HTML, and no backtick or bracket that could close
    a code span and open a markdown link in the bot's voice."""
    return text.translate(_NEUTRAL)


TEAMS = Style(
    bold=lambda text: f"**{text}**",
    command=lambda sub: sub,
    escape=escape,
    channel=lambda _team, name: escape(name) if name else "your team",
)


@dataclass(frozen=True)
class Submit:
    """What an Action.Submit carries back."""

    action: Command
    team: str
    round: int | None = None
    question: str = ""
    option: str = ""
    note: str = ""  # what the card's note field held when the button was pressed

    def data(self) -> dict[str, Any]:
        return {SUBMIT_KEY: self.action.value, "t": self.team, "r": self.round, "q": self.question, "o": self.option}

    @classmethod
    def parse(cls, value: object) -> Submit:
        """Raises ValueError for anything that is not a submit this bot wrote."""
        if not isinstance(value, dict) or value.get(SUBMIT_KEY) not in ACTIONS:
            raise ValueError("not a maturity-bot card submit")
        team, round_ = value.get("t"), value.get("r")
        if not isinstance(team, str) or not team:
            raise ValueError("a card submit without its team")
        if round_ is not None and (not isinstance(round_, int) or isinstance(round_, bool)):
            raise ValueError("a card submit with a malformed round")
        note = value.get(NOTE_INPUT)
        if note is not None and not isinstance(note, str):
            raise ValueError("a card submit with a mangled note")
        command = Command(value[SUBMIT_KEY])
        return cls(command, team, round_, str(value.get("q") or ""), str(value.get("o") or ""), (note or "")[:2000])

    def to_input(self) -> Input:
        """The answer, with the card's note when one was written (back, skip and why leave the note alone)."""
        if self.action is not Command.ANSWER:
            return Input(self.action, question_id=self.question or None, round=self.round)
        return Input(self.action, self.option, question_id=self.question or None, round=self.round, note=self.note)


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Card:
    card: Card = {"type": "AdaptiveCard", "version": CARD_VERSION, "body": body, "msteams": {"width": "Full"}}
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _submit(title: str, submit: Submit, **style: Any) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": title, "data": submit.data(), **style}


def question_card(view: QuestionView, team: str, round_: int | None) -> Card:
    """Every option written out in full and numbered, then a short button per number: Teams does not wrap an
    action's title, so on a phone a long option on its button would be cut off and readable nowhere. "Not
    applicable" and "don't know" are listed and buttoned apart from the levels; a note field is sent with whichever
    answer is pressed; then navigation."""
    progress = view.progress.text.capitalize() + (" (skipped earlier)" if view.revisit else "")
    levels = [c for c in view.choices if c.level is not None or view.profile]
    others = [c for c in view.choices if c.level is None and not view.profile]

    def listed(choice: Choice) -> dict[str, Any]:
        mine = "  ✓ *your answer*" if choice.id == view.current_answer else ""
        return _text(f"{choice.number}. {escape(choice.label)}{mine}", spacing="Small")

    def button(choice: Choice) -> dict[str, Any]:
        style = {"style": "positive"} if choice.id == view.current_answer else {}
        return _submit(short_label(choice), Submit(Command.ANSWER, team, round_, view.id, choice.id), **style)

    body: list[dict[str, Any]] = [
        _text(progress, isSubtle=True, size="Small"),
        _text(escape(view.text), weight="Bolder", size="Medium"),
        *map(listed, levels),
        {"type": "ActionSet", "actions": [button(c) for c in levels]},
    ]
    if others:
        body += [{**listed(others[0]), "separator": True, "spacing": "Medium"}, *map(listed, others[1:])]
        body.append({"type": "ActionSet", "actions": [button(c) for c in others]})
    if not view.profile:
        body.append(
            {
                "type": "Input.Text",
                "id": NOTE_INPUT,
                "label": "Note or evidence link (optional, sent with your answer)",
                "placeholder": "e.g. https://mlflow.example.com/#/models/churn",
                "maxLength": NOTE_LIMIT,
                "value": view.current_note or "",
            }
        )
    navigation = [
        _submit(title, Submit(action, team, round_, view.id))
        for action, title in ((Command.BACK, "◀ Back"), (Command.SKIP, "Skip"), (Command.WHY, "Why?"))
        if not (view.profile and action is Command.SKIP)
    ]
    return _card(body, navigation)


def answered_card(question: str, answer: str) -> Card:
    """What a question card becomes once answered: the question and the answer given, no buttons."""
    return _card([_text(question, weight="Bolder"), _text(f"✓ {answer}", color="Good")])


def result_card(result: Result, *, title: str) -> Card:
    body: list[dict[str, Any]] = [
        _text(f"{title}: level {result.overall}, {result.overall_name}", weight="Bolder", size="Large"),
        _text(result.overall_summary),
        {
            "type": "FactSet",
            "facts": [{"title": d.name, "value": f"{level_bar(d.level)} {d.level_text}"} for d in result.dimensions],
        },
    ]
    for heading, items in result_sections(result):
        lines = "\n".join(f"- {escape(item)}" for item in items)
        body.append(_text(f"**{escape(heading)}:**\n\n{lines}"))
    if result.unanswered:
        body.append(_text(f"{len(result.unanswered)} question(s) unanswered, counted as 0.", isSubtle=True))
    return _card(body)


def card_activity(card: Card, summary: str) -> Activity:
    """A message holding one Adaptive Card; ``summary`` is the text notifications and screen readers get."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    activity.summary = summary
    return activity


def message_activity(message: Message, *, team: str, round_: int | None) -> Activity:
    """The activity for one engine message (``steps.present`` turns RECORDED into an update of the card)."""
    if message.kind is Kind.QUESTION and message.question:
        view = message.question
        return card_activity(question_card(view, team, round_), f"{view.progress.text}: {view.text}")
    if message.kind is Kind.RESULT and message.result:
        summary = f"Your result: level {message.result.overall}, {message.result.overall_name}"
        return card_activity(result_card(message.result, title="Your result"), summary)
    return MessageFactory.text(escape(message.text))


def plan_submit(value: object) -> tuple[str, str, str] | None:
    """(team, investment, status) of a plan button's submit, or None when it is not one."""
    if not isinstance(value, dict) or value.get(SUBMIT_KEY) != PLAN:
        return None
    team, investment, status = value.get("t"), value.get("i"), value.get("s")
    if not all(isinstance(part, str) and part for part in (team, investment, status)):
        return None
    return team, investment, status  # type: ignore[return-value]


def summary_card(summary: TeamSummary, chart: bytes | None) -> Card:
    """The team summary, its chart inline (a data URI: Teams shows it without the bot hosting files)."""
    body: list[dict[str, Any]] = [
        _text(summary.title, weight="Bolder", size="Large"),
        _text(escape(lead(summary))),
        {
            "type": "FactSet",
            "facts": [
                {
                    "title": t.name,
                    "value": f"{level_bar(t.level)} {'not assessed' if t.level is None else t.level}"
                    + (f"  {t.change}" if t.change else ""),
                }
                for t in summary.dimensions
            ],
        },
    ]
    if chart is not None:
        body.append(
            {
                "type": "Image",
                "url": "data:image/png;base64," + base64.b64encode(chart).decode("ascii"),
                "altText": chart_description(summary),
                "size": "Stretch",
            }
        )
    for section in sections(summary, TEAMS):
        if section.heading:
            lines = "\n".join(f"- {line}" for line in section.lines)
            body.append(_text(f"**{escape(section.heading)}**\n\n{lines}"))
        else:
            body += [_text(line, isSubtle=True) for line in section.lines]
    return _card(body)


def summary_activity(summary: TeamSummary, chart: bytes | None, *, text: str = "") -> Activity:
    """The summary as a message, after ``text`` (a check-in's own words) when there is some."""
    card = summary_card(summary, chart)
    if text:
        card["body"].insert(0, _text(text))
    return card_activity(card, text or summary.title)


def notice_activity(notice: Notice, *, team: str) -> Activity:
    """A check-in as a card: its text and its buttons (a summary goes through ``summary_post.send_summary``)."""
    body: list[dict[str, Any]] = [_text(notice.text)]
    actions = []
    for action in notice.actions:
        if action.kind == "plan":
            data = {SUBMIT_KEY: PLAN, "t": team, "i": notice.investment, "s": action.value}
        else:
            data = Submit(Command.START, team).data()
        actions.append({"type": "Action.Submit", "title": action.label, "data": data})
    return card_activity(_card(body, actions), notice.text)


SCHEDULE = "schedule"  # the check-in settings card's submit


def schedule_card(current: Current, team: str) -> Card:
    """The check-in settings as a form, filled with the team's current ones; Save sends them all back."""
    c = current.cadence
    days = [{"title": name, "value": name.lower()} for name in DAY_NAMES]
    body: list[dict[str, Any]] = [
        _text("Check-ins", weight="Bolder", size="Medium"),
        {
            "type": "Input.ChoiceSet",
            "id": "weekday",
            "label": "Nudge day",
            "choices": days,
            "value": DAY_NAMES[c.nudge_weekday].lower(),
        },
        {"type": "Input.Time", "id": "time", "label": "Nudge time", "value": c.nudge_time.strftime("%H:%M")},
        {"type": "Input.Text", "id": "timezone", "label": "Time zone (IANA, e.g. Europe/Berlin)", "value": c.timezone},
        {
            "type": "Input.ChoiceSet",
            "id": "weeks",
            "label": "Re-assessment",
            "choices": [{"title": title, "value": value} for value, title in current.reassess_choices()],
            "value": str(c.reassess_weeks),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "summary",
            "label": "Team summary posts",
            "choices": [{"title": title, "value": value} for value, title in current.summary_choices()],
            "value": str(c.summary_weeks),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "days",
            "label": "Working days",
            "choices": days,
            "isMultiSelect": True,
            "style": "expanded",
            "value": ",".join(DAY_NAMES[d].lower() for d in c.working_days),
        },
        {
            "type": "Input.Toggle",
            "id": "paused",
            "title": "Pause check-ins",
            "value": "true" if current.paused else "false",
        },
    ]
    save = {"type": "Action.Submit", "title": "Save", "data": {SUBMIT_KEY: SCHEDULE, "t": team}}
    return _card(body, [save])


def schedule_submit(value: object) -> tuple[str, ScheduleForm] | None:
    """(team, form) of a settings card's Save, or None when it is not one; ValueError for a mangled form."""
    if not isinstance(value, dict) or value.get(SUBMIT_KEY) != SCHEDULE:
        return None
    team = value.get("t")
    if not isinstance(team, str) or not team:
        raise ValueError("a settings card without its team")
    fields = {name: value.get(name) for name in ("weekday", "time", "timezone", "weeks", "days", "paused")}
    if not all(isinstance(v, str) for v in fields.values()):
        raise ValueError("a settings card with a missing field")
    summary = value.get("summary", "")  # absent from a card posted before the setting existed: left as it is
    if not isinstance(summary, str):
        raise ValueError("a settings card with a mangled field")
    return team, ScheduleForm(
        nudge_weekday=str(fields["weekday"]),
        nudge_time=str(fields["time"]),
        timezone=str(fields["timezone"]),
        reassess_weeks=str(fields["weeks"]),
        working_days=tuple(d for d in str(fields["days"]).split(",") if d),
        paused=fields["paused"] == "true",
        summary_weeks=summary,
    )

"""Engine messages as Slack Block Kit. Pure functions: dicts in Slack's JSON shapes, no client calls."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.app.checkins import Current, ScheduleForm
from bot.app.home import MemberTeam
from bot.app.notices import Notice
from bot.app.replies import Style
from bot.app.summary import TeamSummary, lead, sections
from bot.text import level_bar, result_sections
from checkins.cadence import DAY_NAMES
from dialogs.engine import NOTE_LIMIT
from dialogs.messages import Kind, Message, QuestionView
from dialogs.state import Phase
from scoring.score import Result

Block = dict[str, Any]
BUTTON_TEXT_LIMIT = 75  # Slack's limit for a button's plain_text
SCHEDULE_CALLBACK = "schedule"  # the check-in settings modal
NOTE_CALLBACK = "note"  # the modal that keeps a note or an evidence link with an answer


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: typed text can never become a mention, a channel ping or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SLACK = Style(
    bold=lambda text: f"*{text}*",
    command=lambda sub: f"/maturity {sub}",
    escape=escape,
    channel=lambda team, _name: f"<#{team}>",
)


@dataclass(frozen=True)
class ActionValue:
    """What a button carries: the team (channel) it belongs to, the round it was asked in, the question and the
    option."""

    team: str
    question: str = ""
    option: str = ""
    round: int | None = None

    def encode(self) -> str:
        data: dict[str, Any] = {"t": self.team, "q": self.question, "o": self.option}
        if self.round is not None:
            data["r"] = self.round
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> ActionValue:
        """Raises ValueError on anything that is not a value this bot wrote."""
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("t"), str) or not data["t"]:
            raise ValueError("not a maturity-bot action value")
        round_ = data.get("r")
        if round_ is not None and (not isinstance(round_, int) or isinstance(round_, bool)):
            raise ValueError("not a maturity-bot action value")
        return cls(data["t"], str(data.get("q", "")), str(data.get("o", "")), round_)


def _plain(text: str, limit: int = BUTTON_TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…", "emoji": True}


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def question_blocks(view: QuestionView, team: str, round_: int | None = None) -> list[Block]:
    """The question, its levels as buttons, then "not applicable" and "don't know" apart from them (they are not
    levels), then back, skip and why."""

    def button(choice_number: int, label: str, option: str, chosen: bool) -> dict[str, Any]:
        made: dict[str, Any] = {
            "type": "button",
            "action_id": f"answer_{choice_number}",
            "text": _plain(f"{choice_number}. {label}"),
            "value": ActionValue(team, view.id, option, round_).encode(),
        }
        if chosen:
            made["style"] = "primary"
        return made

    progress = view.progress.text.capitalize() + (" (skipped earlier)" if view.revisit else "")
    levels = [
        button(c.number, c.label, c.id, c.id == view.current_answer)
        for c in view.choices
        if c.level is not None or view.profile
    ]
    others = [
        button(c.number, c.label, c.id, c.id == view.current_answer)
        for c in view.choices
        if c.level is None and not view.profile
    ]
    navigation = [
        {
            "type": "button",
            "action_id": name,
            "text": _plain(label),
            "value": ActionValue(team, view.id, round=round_).encode(),
        }
        for name, label in (("back", "◀ Back"), ("skip", "Skip"), ("why", "Why this question?"))
        if not (view.profile and name == "skip")
    ]
    question = f"*{escape(view.text)}*"
    if any(len(f"{c.number}. {c.label}") > BUTTON_TEXT_LIMIT for c in view.choices):
        # Slack cuts a button's text at 75 characters: the options are listed in full above their numbered buttons.
        question += "\n" + "\n".join(f"{c.number}. {escape(c.label)}" for c in view.choices)
    blocks: list[Block] = [
        {"type": "context", "elements": [_mrkdwn(escape(progress))]},
        {"type": "section", "text": _mrkdwn(question)},
        {"type": "actions", "block_id": f"answers:{view.id}", "elements": levels},
    ]
    if others:
        blocks.append({"type": "actions", "block_id": f"other:{view.id}", "elements": others})
    if view.current_note:
        blocks.append({"type": "context", "elements": [_mrkdwn(f"Your note: {escape(view.current_note)}")]})
    blocks.append({"type": "actions", "block_id": f"navigation:{view.id}", "elements": navigation})
    return blocks


def answered_blocks(message: Message, team: str, round_: int | None) -> list[Block]:
    """What a question's message becomes once answered: the question and the answer, and a button that opens a
    form for a note or an evidence link."""
    add_note = {
        "type": "button",
        "action_id": "note",
        "text": _plain("Add a note or evidence link"),
        "value": ActionValue(team, message.question_id or "", round=round_).encode(),
    }
    return [
        {"type": "section", "text": _mrkdwn(f"*{escape(message.question_text or '')}*")},
        {"type": "context", "elements": [_mrkdwn(f"✅ {escape(message.answer_label or '')}")]},
        {"type": "actions", "block_id": f"noted:{message.question_id}", "elements": [add_note]},
    ]


def note_view(value: ActionValue, question: str) -> dict[str, Any]:
    """The modal for a note or an evidence link on one answer (views.open); Save sends it back."""
    return {
        "type": "modal",
        "callback_id": NOTE_CALLBACK,
        "private_metadata": value.encode(),
        "title": _plain("Note or evidence", 24),
        "submit": _plain("Save", 24),
        "close": _plain("Cancel", 24),
        "blocks": [
            {"type": "context", "elements": [_mrkdwn(escape(question))]},
            {
                "type": "input",
                "block_id": "note",
                "optional": True,
                "label": _plain("Note"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "note",
                    "multiline": True,
                    "max_length": NOTE_LIMIT,
                    "placeholder": _plain("Why this answer, or where to see it"),
                },
            },
            {
                "type": "input",
                "block_id": "link",
                "optional": True,
                "label": _plain("Evidence link"),
                "element": {"type": "url_text_input", "action_id": "link"},
                "hint": _plain("A registry page, a dashboard, a runbook: http or https only.", 150),
            },
        ],
    }


def note_form(values: dict[str, dict[str, dict[str, Any]]]) -> tuple[str, str]:
    """(note, link) from the modal's submitted state; KeyError, TypeError or AttributeError if it is not our
    modal's shape."""
    note = values["note"]["note"].get("value") or ""
    link = values["link"]["link"].get("value") or ""
    if not isinstance(note, str) or not isinstance(link, str):
        raise TypeError("a note form with a mangled field")
    return note.strip(), link.strip()


def result_blocks(result: Result, *, title: str) -> list[Block]:
    lines = [f"`{level_bar(d.level)}` {d.level_text}  {escape(d.name)}" for d in result.dimensions]
    blocks: list[Block] = [
        {"type": "header", "text": _plain(f"{title}: level {result.overall}, {result.overall_name}", 150)},
        {"type": "section", "text": _mrkdwn(escape(result.overall_summary))},
        {"type": "section", "text": _mrkdwn("\n".join(lines))},
    ]
    for heading, items in result_sections(result):
        blocks.append(
            {"type": "section", "text": _mrkdwn(f"*{escape(heading)}*\n" + "\n".join(f"• {escape(i)}" for i in items))}
        )
    if result.unanswered:
        blocks.append(
            {
                "type": "context",
                "elements": [_mrkdwn(f"{len(result.unanswered)} question(s) unanswered, counted as 0.")],
            }
        )
    return blocks


def summary_blocks(summary: TeamSummary) -> list[Block]:
    """The team summary as blocks; its chart follows as an uploaded file (``bot/slack/chart_upload.py``)."""
    levels = [
        f"`{level_bar(t.level)}` {'not assessed' if t.level is None else t.level}  {escape(t.name)}"
        + (f"  _{t.change}_" if t.change else "")
        for t in summary.dimensions
    ]
    blocks: list[Block] = [
        {"type": "header", "text": _plain(summary.title, 150)},
        {"type": "section", "text": _mrkdwn(escape(lead(summary)))},
        {"type": "section", "text": _mrkdwn("\n".join(levels))},
    ]
    for section in sections(summary, SLACK):
        if section.heading:
            text = f"*{escape(section.heading)}*\n" + "\n".join(f"• {line}" for line in section.lines)
            blocks.append({"type": "section", "text": _mrkdwn(text)})
        else:
            blocks.append({"type": "context", "elements": [_mrkdwn(line) for line in section.lines]})
    return blocks


def summary_payload(summary: TeamSummary) -> dict[str, Any]:
    """chat.postMessage arguments for a team summary asked for in the channel."""
    return {"text": escape(f"{summary.title}. {lead(summary)}"), "blocks": summary_blocks(summary)}


def message_payload(message: Message, *, team: str, round_: int | None = None) -> dict[str, Any]:
    """chat.postMessage arguments (text and blocks) for one engine message (``steps.present`` turns RECORDED
    into an update of the question's own message)."""
    if message.kind is Kind.QUESTION and message.question:
        view = message.question
        return {"text": f"{view.progress.text}: {view.text}", "blocks": question_blocks(view, team, round_)}
    if message.kind is Kind.RESULT and message.result:
        return {
            "text": f"Your result: level {message.result.overall}, {message.result.overall_name}",
            "blocks": result_blocks(message.result, title="Your result"),
        }
    return {"text": escape(message.text)}


PHASE_TEXT = {
    Phase.NEW: "not started",
    Phase.ASKING: "in progress",
    Phase.PAUSED: "paused",
    Phase.FINISHED: "finished",
}


def home_view(teams: list[MemberTeam], team_levels: dict[str, tuple[int, str] | None]) -> dict[str, Any]:
    """The App Home tab (views.publish): each team with its level, the person's progress there and their last
    result. ``team_levels`` maps a team to its aggregated level and that level's name, None while nobody has
    finished."""
    blocks: list[Block] = [{"type": "header", "text": _plain("MLOps maturity", 150)}]
    if not teams:
        blocks.append(
            {
                "type": "section",
                "text": _mrkdwn("You have not taken the assessment yet. Type `/maturity` in your team's channel."),
            }
        )
    for team in teams:
        where = f"<#{team.team}>" if team.team[:1] in "CG" else escape(team.team_name)
        level = team_levels.get(team.team)
        team_line = f"Team level {level[0]}, {escape(level[1])}" if level is not None else "No team result yet"
        you = f"You: round {team.round_number}, {PHASE_TEXT[team.phase]}, {team.answered} answered"
        line = f"*{where}* · {team_line}\n{you}"
        if team.overall is not None:
            line += f"\nYour last result: level {team.overall}"
        section: Block = {"type": "section", "text": _mrkdwn(line)}
        if team.phase is not Phase.FINISHED:
            section["accessory"] = {
                "type": "button",
                "action_id": "resume",
                "text": _plain("Resume"),
                "style": "primary",
                "value": ActionValue(team.team).encode(),
            }
        blocks.append(section)
    blocks.append({"type": "context", "elements": [_mrkdwn("`/maturity help` lists every command.")]})
    return {"type": "home", "blocks": blocks}


@dataclass(frozen=True)
class NoticeValue:
    """What a check-in button carries: the team, and for a plan button the investment and its new status."""

    team: str
    investment: str = ""
    status: str = ""

    def encode(self) -> str:
        return json.dumps({"t": self.team, "i": self.investment, "s": self.status}, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> NoticeValue:
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("t"), str) or not data["t"]:
            raise ValueError("not a maturity-bot check-in value")
        return cls(data["t"], str(data.get("i") or ""), str(data.get("s") or ""))


def notice_payload(notice: Notice, *, team: str) -> dict[str, Any]:
    """chat.postMessage arguments for a check-in: its text, a summary when it has one, and its buttons."""
    blocks: list[Block] = [{"type": "section", "text": _mrkdwn(notice.text)}]
    if notice.summary is not None:
        blocks += summary_blocks(notice.summary)
    if notice.actions:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{action.kind}_{action.value}" if action.value else action.kind,
                        "text": _plain(action.label),
                        "value": NoticeValue(team, notice.investment or "", action.value).encode(),
                    }
                    for action in notice.actions
                ],
            }
        )
    return {"text": notice.text, "blocks": blocks}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text), "value": value}


def schedule_view(current: Current, team: str) -> dict[str, Any]:
    """The check-in settings as a modal (views.open), filled with the team's current ones."""
    c = current.cadence
    days = [_option(name, name.lower()) for name in DAY_NAMES]
    weeks = [_option(title, value) for value, title in current.reassess_choices()]
    summaries = [_option(title, value) for value, title in current.summary_choices()]
    pause = _option("Pause check-ins", "paused")

    def field(block_id: str, label: str, element: dict[str, Any], hint: str | None = None) -> dict[str, Any]:
        block = {
            "type": "input",
            "block_id": block_id,
            "label": _plain(label),
            "element": {**element, "action_id": block_id},
        }
        if hint:
            block["hint"] = _plain(hint, 150)
        return block

    return {
        "type": "modal",
        "callback_id": SCHEDULE_CALLBACK,
        "private_metadata": team,
        "title": _plain("Check-ins", 24),
        "submit": _plain("Save", 24),
        "close": _plain("Cancel", 24),
        "blocks": [
            field(
                "weekday",
                "Nudge day",
                {"type": "static_select", "options": days, "initial_option": days[c.nudge_weekday]},
            ),
            field("time", "Nudge time", {"type": "timepicker", "initial_time": c.nudge_time.strftime("%H:%M")}),
            field(
                "timezone",
                "Time zone",
                {"type": "plain_text_input", "initial_value": c.timezone},
                "An IANA name, such as Europe/Berlin or America/New_York.",
            ),
            field(
                "weeks",
                "Re-assessment",
                {
                    "type": "static_select",
                    "options": weeks,
                    "initial_option": next(w for w in weeks if w["value"] == str(c.reassess_weeks)),
                },
            ),
            field(
                "summary",
                "Team summary posts",
                {
                    "type": "static_select",
                    "options": summaries,
                    "initial_option": next(s for s in summaries if s["value"] == str(c.summary_weeks)),
                },
            ),
            field(
                "days",
                "Working days",
                {"type": "checkboxes", "options": days, "initial_options": [days[d] for d in c.working_days]},
            ),
            {
                **field(
                    "paused",
                    "Pause",
                    {
                        "type": "checkboxes",
                        "options": [pause],
                        **({"initial_options": [pause]} if current.paused else {}),
                    },
                ),
                "optional": True,
            },
        ],
    }


def schedule_form(values: dict[str, dict[str, dict[str, Any]]]) -> ScheduleForm:
    """The modal's submitted state as a ScheduleForm; KeyError or TypeError if it is not our modal's shape."""

    def picked(block: str) -> dict[str, Any]:
        return values[block][block]

    return ScheduleForm(
        nudge_weekday=picked("weekday")["selected_option"]["value"],
        nudge_time=picked("time")["selected_time"],
        timezone=picked("timezone")["value"] or "",
        reassess_weeks=picked("weeks")["selected_option"]["value"],
        working_days=tuple(o["value"] for o in picked("days")["selected_options"]),
        paused=bool(picked("paused").get("selected_options")),
        # A modal opened before the setting existed has no such block: the team's setting stays as it is.
        summary_weeks=picked("summary")["selected_option"]["value"] if "summary" in values else "",
    )

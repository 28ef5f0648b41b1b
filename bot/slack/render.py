"""Engine messages as Slack Block Kit. Pure functions: dicts in Slack's JSON shapes, no client calls."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.app.checkins import Current, ScheduleForm
from bot.app.home import MemberTeam
from bot.app.notices import Notice
from bot.app.replies import Style, known_team_name
from bot.app.summary import TeamSummary, lead, sections
from bot.text import level_bar, result_sections, short_label
from checkins.cadence import DAY_NAMES
from dialogs.engine import NOTE_LIMIT
from dialogs.messages import Choice, Kind, Message, QuestionView
from dialogs.state import Phase
from scoring.score import Result

Block = dict[str, Any]
BUTTON_TEXT_LIMIT = 75  # Slack's limit for a button's plain_text
SECTION_TEXT_LIMIT = 3000  # Slack's limit for a section's text
HEADER_TEXT_LIMIT = 150  # and for a header's
ACTIONS_LIMIT = 25  # elements in one actions block
MESSAGE_BLOCKS_LIMIT = 50  # blocks in one message
HOME_BLOCKS_LIMIT = 100  # blocks in the App Home tab
HOME_TEAMS_SHOWN = 40  # teams the App Home shows in full, a block each: the rest are named in a few blocks
HOME_OTHERS_ROOM = 5 * (SECTION_TEXT_LIMIT - 100)  # characters for naming the rest: five blocks at most
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
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _split(line: str, limit: int = SECTION_TEXT_LIMIT) -> list[str]:
    """One mrkdwn line in pieces of at most ``limit`` characters, cut at a space where there is one and never
    inside an entity such as ``&amp;``: text too long for one block goes on in the next, none of it is lost."""
    pieces = []
    while len(line) > limit:
        cut = line.rfind(" ", limit // 2, limit + 1)
        cut = cut if cut > 0 else limit
        entity = line.rfind("&", cut - 4, cut)
        if entity >= 0 and ";" not in line[entity:cut]:
            cut = entity
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    return [*pieces, line] if line else pieces


def _sections(lines: Iterable[str]) -> list[Block]:
    """Lines of mrkdwn in as few section blocks as Slack's 3000 characters a block allow."""
    texts: list[str] = []
    current: str | None = None
    for line in lines:
        for piece in _split(line) or [""]:
            if current is not None and len(current) + 1 + len(piece) <= SECTION_TEXT_LIMIT:
                current += "\n" + piece
            else:
                if current is not None:
                    texts.append(current)
                current = piece
    if current is not None:
        texts.append(current)
    return [{"type": "section", "text": _mrkdwn(text.strip("\n"))} for text in texts if text.strip()]


def _context(text: str) -> list[Block]:
    """Small print; a text longer than a context element's 3000 characters goes in sections instead, whole."""
    if len(text) <= SECTION_TEXT_LIMIT:
        return [{"type": "context", "elements": [_mrkdwn(text)]}]
    return _sections([text])


def _header(title: str) -> list[Block]:
    """A header (plain text, at most 150 characters); a longer title is cut there and given whole below it."""
    header: Block = {"type": "header", "text": _plain(title, HEADER_TEXT_LIMIT)}
    return [header] if len(title) <= HEADER_TEXT_LIMIT else [header, *_sections([f"*{escape(title)}*"])]


def _bold(text: str) -> list[str]:
    """Escaped text in bold, as lines short enough for a section (a bold mark does not carry over a cut)."""
    return [f"*{piece}*" for piece in _split(escape(text), SECTION_TEXT_LIMIT - 2)]


def question_blocks(view: QuestionView, team: str, round_: int | None = None) -> list[Block]:
    """The question with every option written out in full and numbered, then a button per number: Slack does
    not wrap a button's text, so on a phone a long option on its button would be cut off and readable nowhere.
    "Not applicable" and "don't know" have buttons of their own row (they are not levels); back, skip and why
    follow."""

    def button(choice: Choice) -> dict[str, Any]:
        made: dict[str, Any] = {
            "type": "button",
            "action_id": f"answer_{choice.number}",
            "text": _plain(short_label(choice)),
            "value": ActionValue(team, view.id, choice.id, round_).encode(),
            "accessibility_label": _cut(f"{choice.number}. {choice.label}", BUTTON_TEXT_LIMIT),  # read out
        }
        if choice.id == view.current_answer:
            made["style"] = "primary"
        return made

    def listed(choice: Choice) -> str:
        mine = "  ✓ _your answer_" if choice.id == view.current_answer else ""
        return f"{choice.number}. {escape(choice.label)}{mine}"

    progress = view.progress.text.capitalize() + (" (skipped earlier)" if view.revisit else "")
    levels = [c for c in view.choices if c.level is not None or view.profile]
    others = [c for c in view.choices if c.level is None and not view.profile]
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
    text = [*_bold(view.text), "", *map(listed, levels), *(["", *map(listed, others)] if others else [])]
    blocks: list[Block] = [*_context(escape(progress)), *_sections(text)]
    for n, start in enumerate(range(0, len(levels), ACTIONS_LIMIT)):  # 26 options at most: two rows
        name = "answers" if n == 0 else f"more{n}"
        row = [button(c) for c in levels[start : start + ACTIONS_LIMIT]]
        blocks.append({"type": "actions", "block_id": f"{name}:{view.id}", "elements": row})
    if others:
        blocks.append({"type": "actions", "block_id": f"other:{view.id}", "elements": [button(c) for c in others]})
    if view.current_note:
        blocks += _context(f"Your note: {escape(view.current_note)}")
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
        *_sections([*_bold(message.question_text or ""), f"✅ {escape(message.answer_label or '')}"]),
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
            *_context(escape(question)),
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
        *_header(f"{title}: level {result.overall}, {result.overall_name}"),
        *_sections([escape(result.overall_summary)]),
        *_sections(lines),
    ]
    for heading, items in result_sections(result):
        blocks += _sections([f"*{escape(heading)}*", *(f"• {escape(i)}" for i in items)])
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
    blocks: list[Block] = [*_header(summary.title), *_sections([escape(lead(summary))]), *_sections(levels)]
    for section in sections(summary, SLACK):
        if section.heading:
            blocks += _sections([f"*{escape(section.heading)}*", *(f"• {line}" for line in section.lines)])
        else:  # the footnotes: a few short lines of the bot's own
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
        return {"text": escape(f"{view.progress.text}: {view.text}"), "blocks": question_blocks(view, team, round_)}
    if message.kind is Kind.RESULT and message.result:
        return {
            "text": escape(f"Your result: level {message.result.overall}, {message.result.overall_name}"),
            "blocks": result_blocks(message.result, title="Your result"),
        }
    return {"text": escape(message.text)}  # a why, a hint or a note: words only, never buttons


PHASE_TEXT = {
    Phase.NEW: "not started",
    Phase.ASKING: "in progress",
    Phase.PAUSED: "paused",
    Phase.FINISHED: "finished",
}


def home_view(teams: list[MemberTeam], team_levels: dict[str, tuple[int, str] | None]) -> dict[str, Any]:
    """The App Home tab (views.publish): each team with its level, the person's progress there and their last
    result, most recently active first. Slack refuses a Home of more than 100 blocks, so past the first
    HOME_TEAMS_SHOWN teams the rest are only named, and past what that room holds, counted. ``team_levels``
    maps a team to its aggregated level and that level's name, None while nobody has finished."""
    blocks: list[Block] = [{"type": "header", "text": _plain("MLOps maturity", HEADER_TEXT_LIMIT)}]
    if not teams:
        blocks.append(
            {
                "type": "section",
                "text": _mrkdwn("You have not taken the assessment yet. Type `/maturity` in your team's channel."),
            }
        )
    for team in teams[:HOME_TEAMS_SHOWN]:
        level = team_levels.get(team.team)
        team_line = f"Team level {level[0]}, {escape(level[1])}" if level is not None else "No team result yet"
        you = f"You: round {team.round_number}, {PHASE_TEXT[team.phase]}, {team.answered} answered"
        line = f"*{_where(team)}* · {team_line}\n{you}"
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
    blocks += _other_teams(teams[HOME_TEAMS_SHOWN:])
    blocks.append({"type": "context", "elements": [_mrkdwn("`/maturity help` lists every command.")]})
    return {"type": "home", "blocks": blocks}


def _where(team: MemberTeam) -> str:
    """A team in Slack's words: its channel as a mention (Slack shows the channel's name), never a bare id."""
    if team.team[:1] in "CG":
        return f"<#{team.team}>"
    return escape(known_team_name(team.team, team.team_name) or "a direct message")


def _other_teams(rest: list[MemberTeam]) -> list[Block]:
    """The teams past those shown in full: named in a few sections, the remainder counted."""
    if not rest:
        return []
    named, room = [], HOME_OTHERS_ROOM
    for team in rest:
        where = _where(team)
        if len(where) + 2 > room:
            break
        named.append(where)
        room -= len(where) + 2
    more = f", and {len(rest) - len(named)} more" if len(named) < len(rest) else ""
    lead = (
        f"*{len(rest)} more team{'s' if len(rest) != 1 else ''}* you took part in, less recently active, not shown "
        "here in full (type `/maturity status` in a team's channel for its level):"
    )
    return _sections([lead, ", ".join(named) + more])


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
    blocks: list[Block] = _sections([notice.text])  # its rubric words come escaped, its channel mention live
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

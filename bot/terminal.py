"""The terminal adapter: reads lines, sends them through the same engine and storage as the chat platforms, and
renders the neutral messages with rich. It works from a keyboard or from piped stdin, one answer per line."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Iterable
from dataclasses import replace
from typing import IO, TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.app.replies import Style
from bot.app.summary import TeamSummary, lead, sections
from bot.app.turns import TurnStore, take_turn
from bot.text import level_bar, percent, result_sections
from dialogs.engine import Step
from dialogs.messages import Command, Input, Kind, Message, QuestionView
from dialogs.parse import parse_text
from dialogs.ports import ModelVersions, Participant, StoreUnavailable

if TYPE_CHECKING:
    from bot.app.runtime import Runtime
from dialogs.state import Phase
from scoring.score import Result

SOURCE = "terminal"
CLI_COMMANDS = {"start": "maturity-bot chat", "summary": "maturity-bot report", "org": "maturity-bot org"}


def terminal_command(sub: str) -> str:
    """How a command is given at the terminal: its own ``maturity-bot`` command, or typed in ``maturity-bot chat``."""
    return CLI_COMMANDS.get(sub, f"{sub} (typed in maturity-bot chat)")


TERMINAL = Style(
    bold=lambda text: f"[bold]{text}[/bold]",
    command=terminal_command,
    escape=escape,
    channel=lambda team, name: escape(name or team),
)
STYLE = {Kind.NOTE: "yellow", Kind.HINT: "red", Kind.WHY: "cyan", Kind.HELP: "", Kind.RECORDED: "green"}


def render_question(console: Console, view: QuestionView) -> None:
    progress = view.progress.text + (" (skipped earlier)" if view.revisit else "")
    console.print(f"\n[dim]{escape(progress)}[/dim]")
    console.print(f"[bold]{escape(view.text)}[/bold]")
    for choice in view.choices:
        mark = "  [green](your answer)[/green]" if choice.id == view.current_answer else ""
        console.print(f"  {choice.number}. {escape(choice.label)}{mark}")
    if view.current_note:
        console.print(f"  [dim]your note: {escape(view.current_note)}[/dim]")


def render_result(console: Console, result: Result, *, title: str) -> None:
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("Dimension")
    table.add_column("Level", justify="center")
    table.add_column("", no_wrap=True)
    table.add_column("Progress to next level")
    for d in result.dimensions:
        table.add_row(escape(d.name), d.level_text, level_bar(d.level), d.progress_text)
    table.add_section()
    table.add_row(
        "[bold]Overall[/bold]", f"[bold]{result.overall}[/bold]", level_bar(result.overall), result.overall_name
    )
    console.print()
    console.print(table)
    system = f" Assessed as: {escape(result.profile_label)}." if result.profile_label else ""
    console.print(
        f"[bold]Level {result.overall}, {escape(result.overall_name)}:[/bold] {escape(result.overall_summary)}{system}"
    )
    for heading, items in result_sections(result):
        console.print(f"[bold]{escape(heading)}:[/bold]")
        for item in items:
            console.print(f"  - {escape(item)}")
    if result.knowledge_silos:
        gaps = ", ".join(
            f"{escape(result.dimension(d).name)} ({percent(result.dimension(d).dont_know_share)})"
            for d in result.knowledge_silos
        )
        console.print(f'[yellow]Many "don\'t know" answers in:[/yellow] {gaps}')
    if result.unanswered:
        console.print(f"[dim]{len(result.unanswered)} question(s) unanswered, counted as level 0.[/dim]")


def render_summary(console: Console, summary: TeamSummary) -> None:
    """The team summary as the chat platforms post it, laid out for a terminal."""
    table = Table(title=f"{escape(summary.team_name)}: {escape(summary.title)}", title_justify="left")
    table.add_column("Dimension")
    table.add_column("Level", justify="center")
    table.add_column("", no_wrap=True)
    trend = summary.previous_round is not None
    if trend:
        table.add_column(f"Since round {summary.previous_round}")
    for t in summary.dimensions:
        level = "not assessed" if t.level is None else str(t.level)
        table.add_row(escape(t.name), level, level_bar(t.level), *([t.change] if trend else []))
    table.add_section()
    o = summary.overall
    table.add_row("[bold]Overall[/bold]", f"[bold]{o.level}[/bold]", level_bar(o.level), *([o.change] if trend else []))
    console.print()
    console.print(table)
    console.print(escape(lead(summary)))
    for section in sections(summary, TERMINAL):
        if section.heading:
            console.print(f"[bold]{escape(section.heading)}:[/bold]")
            for line in section.lines:
                console.print(f"  - {line}")
        else:
            for line in section.lines:
                console.print(f"[dim]{line}[/dim]")


class Renderer:
    """Prints engine messages. A question shown again right after itself (after a hint or "help") is reduced to
    a one-line reminder, so the screen is not flooded with the same options."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.on_screen: QuestionView | None = None

    def render(self, messages: Iterable[Message]) -> None:
        for message in messages:
            if message.kind is Kind.QUESTION and message.question:
                view = message.question
                if self.on_screen == view:
                    self.console.print(f"[dim]({escape(view.progress.text)}: answer 1-{len(view.choices)})[/dim]")
                else:
                    render_question(self.console, view)
                self.on_screen = view
            elif message.kind is Kind.RESULT and message.result:
                render_result(self.console, message.result, title="Your answers, scored")
                self.on_screen = None
            else:
                self.console.print(escape(message.text), style=STYLE.get(message.kind, ""))


TEAM_COMMANDS = ("status", "summary", "plan", "schedule", "org")  # typed in the chat: the team's, not the engine's


async def team_command(bot: Runtime, who: Participant, line: str, console: Console) -> None:
    """A team command typed in the chat, through the same router as Slack and Teams. The person at the terminal
    administers the local workspace."""
    from bot.app.commands import PostSummary, Reply, run_command  # here: the chat starts without it

    async def local_admin() -> bool:
        return True

    outcome = await run_command(bot, who, line, TERMINAL, platform_admin=local_admin, forms=False)
    if isinstance(outcome, PostSummary):
        summary = await outcome.read()
        if summary is None:
            console.print("No one in this team has finished the assessment yet.", markup=False)
        else:
            render_summary(console, summary)
    elif isinstance(outcome, Reply):
        console.print(outcome.text)


def chat(
    store: TurnStore,
    models: ModelVersions,
    who: Participant,
    *,
    stdin: IO[str],
    console: Console,
    bot: Runtime | None = None,
) -> Phase:
    """Run the conversation until the result is shown or input ends. Every turn is committed as it happens; a
    turn the database could not take is reported and may be typed again, and the chat carries on. With ``bot``,
    the team's commands (status, summary, plan, schedule, org) can be typed too."""
    view = Renderer(console)
    step = take_turn(store, models, who, Input(Command.START), source=SOURCE)
    view.render(step.messages)

    def turn(inp: Input) -> Step | None:
        try:
            return take_turn(store, models, who, inp, source=SOURCE)
        except StoreUnavailable as exc:
            console.print(
                f"Not saved: {exc}. Everything before it is safe; type it again in a moment.",
                style="red",
                markup=False,
            )
            return None

    def resume_hint() -> None:
        console.print(
            f"Saved. Resume with: maturity-bot chat --team {shlex.quote(who.team)} --user {shlex.quote(who.user)}",
            markup=False,
        )

    interactive = stdin.isatty()
    while True:
        if interactive:
            console.print("[dim]>[/dim] ", end="")
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            line = ""
        if not line:  # end of input: make sure it says paused, and tell how to come back
            if step.state.phase is Phase.ASKING:
                paused = turn(Input(Command.STOP))
                if paused is not None:
                    step = paused
                    view.render(step.messages)
            if step.state.phase is not Phase.FINISHED:
                resume_hint()
            return step.state.phase
        if not line.strip():
            continue
        if bot is not None and line.split()[0].lower() in TEAM_COMMANDS:
            try:
                asyncio.run(team_command(bot, who, line, console))
            except StoreUnavailable as exc:
                console.print(f"Not available right now: {exc}. Type it again in a moment.", style="red", markup=False)
            continue
        inp = parse_text(line)
        if inp.command is Command.ANSWER and view.on_screen is not None:
            inp = replace(inp, question_id=view.on_screen.id)  # the answer is for the question the person sees
        done = turn(inp)
        if done is None:
            continue
        step = done
        view.render(step.messages)
        if step.result is not None:  # just finished: the result is on screen and stored
            console.print(
                f"\nSaved. See the whole team with: maturity-bot report --team {shlex.quote(who.team)}",
                style="dim",
                markup=False,
            )
            return step.state.phase
        if step.state.phase is Phase.PAUSED:  # stop, quit, exit: leave the chat
            resume_hint()
            return step.state.phase

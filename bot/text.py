"""Small text helpers shared by every renderer (terminal now, chat platforms later)."""

from __future__ import annotations

from dialogs.messages import Choice
from scoring.model import DONT_KNOW, MAX_LEVEL, NOT_APPLICABLE_PREFIX
from scoring.score import Result

NEXT_STEPS_SHOWN = 3  # a result shows the first few investments; the rest are in `report --json`


def level_bar(level: int | None, width: int = MAX_LEVEL) -> str:
    """A level as a bar that reads without colour: level 2 of 4 -> '■■□□'; not assessed -> '····'."""
    if level is None:
        return "·" * width
    return "■" * level + "□" * (width - level)


def short_label(choice: Choice) -> str:
    """A choice's button: its number, and a short word for the answers that are not levels. Buttons do not wrap
    on phones (in Slack or Teams), so the option's own words go in the message, numbered, never on the button."""
    if choice.id == DONT_KNOW:
        return f"{choice.number} · Don't know"
    if choice.level is None and choice.id.startswith(NOT_APPLICABLE_PREFIX):
        return f"{choice.number} · Not applicable"
    return str(choice.number)


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def next_steps_heading(result: Result) -> str:
    if not result.blockers:  # level 4, or a profile's highest level: what keeps the practices up or improves them
        return "Keep level 4 up" if result.overall >= MAX_LEVEL else "Next investments in your practices"
    return f"Next investments toward level {result.overall + 1}"


def result_sections(result: Result) -> list[tuple[str, list[str]]]:
    """Everything a result says after its levels, as (heading, plain lines) that every platform escapes and lays
    out its own way: strengths, what holds the next level back, the next steps, what the profile's cap means,
    the "not applicable" answers with their reasons, what nobody knew and who could, and pitfalls."""
    names = {d.id: d.name for d in result.dimensions}
    found: list[tuple[str, list[str]]] = []
    if result.strengths:
        found.append(("Strengths", [", ".join(names[d] for d in result.strengths)]))
    if result.blockers:
        found.append(
            (f"Holding back level {result.overall + 1}", [result.dimension(d).explanation for d in result.blockers])
        )
    if result.level_cap is not None and result.overall >= result.level_cap and result.level_cap_note:
        found.append(("What production would add", [result.level_cap_note]))
    if result.next_steps:
        found.append(
            (
                next_steps_heading(result),
                [
                    f"{s.title}: {s.why}" + (f" (e.g. {', '.join(s.tools)})" if s.tools else "")
                    for s in result.next_steps[:NEXT_STEPS_SHOWN]
                ],
            )
        )
    if result.not_applicable:
        found.append(
            (
                "Not applicable, left out of the levels",
                [f"{n.question}: " + ", ".join(label for _, label, _ in n.reasons) for n in result.not_applicable],
            )
        )
    if result.knowledge_gaps:
        lines = [f"{g.question} Ask {g.who_knows}." for g in result.knowledge_gaps]
        if result.unconfirmed:
            confirm = f"Level {result.overall} holds only if the {len(result.unconfirmed)} marked * are as good:"
            unsure = set(result.unconfirmed)
            lines = [confirm] + [
                ("* " if g.question_id in unsure else "") + line
                for g, line in zip(result.knowledge_gaps, lines, strict=True)
            ]
        found.append(("Nobody could answer (left out)", lines))
    found += [(f"Watch out: {p.title.lower()}", [p.warning]) for p in result.pitfalls]
    return found

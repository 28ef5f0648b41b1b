"""The maturity model in shareable forms: JSON for tools, Markdown for people (``maturity-bot questions``)."""

from __future__ import annotations

from scoring.model import MaturityModel


def model_as_json(model: MaturityModel) -> dict[str, object]:
    """The whole model, with each question's options as a person sees them ("Don't know" included)."""
    data = model.model_dump(mode="json")
    data["questions"] = [
        q.model_dump(mode="json", exclude={"options"}) | {"options": [o.model_dump(mode="json") for o in q.choices]}
        for q in model.questions
    ]
    return data


def model_as_markdown(model: MaturityModel) -> str:
    lines = [f"# {model.name} ({model.version})", "", "## Levels", ""]
    for lv in model.levels:
        lines.append(f"- **{lv.level}. {lv.name}**: {lv.summary}")
        lines += [f"  - {sign}" for sign in lv.signs]
    lines += ["", "## Overall level gates", ""]
    names = model.dimension_by_id
    for gate in sorted(model.gates, key=lambda g: g.level):
        dims = ", ".join(names[d].name for d in gate.dimensions)
        lines.append(f"- Level {gate.level} needs at least level {gate.level} in: {dims} (and every gate below).")
    for dim in model.dimensions:
        lines += ["", f"## {dim.name} (`{dim.id}`)", "", dim.description]
        for q in model.questions_by_dimension[dim.id]:
            lines += ["", f"### {q.text} (`{q.id}`)", "", f"_Why we ask:_ {q.why}", ""]
            lines += [f"{n}. {o.label} (`{o.id}`, level {o.level})" for n, o in enumerate(q.choices, start=1)]
    lines += ["", "## Key investments", ""]
    for transition in range(len(model.levels)):
        heading = (
            "Sustaining level 4" if transition == len(model.levels) - 1 else f"Level {transition} to {transition + 1}"
        )
        lines += [f"### {heading}", ""]
        for inv in model.investments_for(transition):
            tools = f" Tools: {', '.join(inv.tools)}." if inv.tools else ""
            lifts = ", ".join(names[d].name for d in inv.lifts)
            lines.append(f"- **{inv.title}** (`{inv.id}`, lifts {lifts}): {inv.why}{tools}")
        lines.append("")
    if model.pitfalls:
        lines += ["## Common pitfalls", ""]
        lines += [f"- **{p.title}**: {p.warning}" for p in model.pitfalls]
    return "\n".join(lines) + "\n"

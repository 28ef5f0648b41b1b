"""The maturity model in shareable forms: JSON for tools, Markdown for people (``maturity-bot questions``).

The JSON shape is an interface outside tools rely on: ``dimensions`` [{id, name, description}], ``questions``
[{id, dimension, text, why, options: [{id, label, level}]}], with ``profile: true`` on the profile question and
``applies_to`` (profile option ids) on questions not every team is asked. An option that is not a level has
``level: null`` and ``not_applicable: true`` (with its ``reason``) or ``dont_know: true``.
"""

from __future__ import annotations

from typing import Any

from scoring.model import MAX_LEVEL, MaturityModel, Option, Question


def option_as_json(option: Option) -> dict[str, Any]:
    data: dict[str, Any] = {"id": option.id, "label": option.label, "level": option.level}
    if option.not_applicable:
        data |= {"not_applicable": True, "reason": option.reason}
    if option.dont_know:
        data["dont_know"] = True
    if option.keywords:
        data["keywords"] = list(option.keywords)
    if option.next:
        data["next"] = list(option.next)
    if option.max_level is not None:
        data |= {"max_level": option.max_level, "max_level_note": option.max_level_note}
    return data


def question_as_json(model: MaturityModel, question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": question.id,
        "dimension": question.dimension,
        "text": question.text,
        "why": question.why,
        "options": [option_as_json(o) for o in model.choices(question)],
    }
    if question.profile:
        data["profile"] = True
    if question.applies_to is not None:
        data["applies_to"] = list(question.applies_to)
    if question.sources:
        data["sources"] = list(question.sources)
    return data


def model_as_json(model: MaturityModel) -> dict[str, object]:
    """The whole model, with each question's options as a person sees them ("not applicable" with its reasons
    and "Don't know" included)."""
    data = model.model_dump(mode="json", exclude={"questions", "dimensions"})
    return {
        "version": model.version,
        "name": model.name,
        "dimensions": [{"id": d.id, "name": d.name, "description": d.description} for d in model.dimensions],
        "questions": [question_as_json(model, q) for q in model.questions],
        **{key: value for key, value in data.items() if key not in ("version", "name")},
    }


def model_as_markdown(model: MaturityModel) -> str:
    lines = [f"# {model.name} ({model.version})", "", "## Levels", ""]
    for lv in model.levels:
        lines.append(f"- **{lv.level}. {lv.name}**: {lv.summary}")
        lines += [f"  - {sign}" for sign in lv.signs]
    names = model.dimension_by_id
    lines += ["", "## Overall level gates", ""]
    for gate in sorted(model.gates, key=lambda g: g.level):
        needs = ", ".join(f"{names[d].name if d in names else '`' + d + '`'} {m}+" for d, m in gate.needs.items())
        every = f"every assessed dimension at {gate.level}" if gate.every_dimension else ""
        lines.append(
            f"- Level {gate.level} needs " + "; ".join(p for p in (needs, every) if p) + " (and every gate below)."
        )
    if model.profile_question is not None:
        profile = model.profile_question
        lines += ["", f"## {profile.text} (`{profile.id}`)", "", f"_Why we ask:_ {profile.why}", ""]
        for o in profile.options:
            cap = f" Highest overall level: {o.max_level}. {o.max_level_note}" if o.max_level is not None else ""
            asked = len(model.questions_for(o.id))
            lines.append(f"- **{o.label}** (`{o.id}`): {asked} questions.{cap}")
    labels = {o.id: o.label for o in model.profile_options}
    for dim in model.dimensions:
        lines += ["", f"## {dim.name} (`{dim.id}`)", "", dim.description, "", f"_Who usually knows:_ {dim.who_knows}"]
        for q in (q for q in model.questions if q.dimension == dim.id):
            lines += ["", f"### {q.text} (`{q.id}`)", "", f"_Why we ask:_ {q.why}"]
            if q.applies_to is not None:
                lines.append(f"_Asked of:_ {', '.join(labels[p] for p in q.applies_to)}")
            if q.sources:
                lines.append(f"_Sources:_ {', '.join(model.source_by_id[s].title for s in q.sources)}")
            lines.append("")
            for n, o in enumerate(model.choices(q), start=1):
                if o.level is None:
                    lines.append(f"{n}. {o.label} (`{o.id}`, not a level)")
                    continue
                steps = [model.investment_by_id[i].title for i in o.next]
                verb = "keep it" if o.level == MAX_LEVEL else "next"
                lines.append(f"{n}. {o.label} (`{o.id}`, level {o.level}; {verb}: {' / '.join(steps)})")
    if model.pitfalls:
        lines += ["", "## Common pitfalls", ""]
        lines += [f"- **{p.title}**: {p.warning}" for p in model.pitfalls]
    if model.changelog:
        lines += ["", "## Changes", ""]
        for change in model.changelog:
            lines += [f"- {change.version}: {item}" for item in change.changes]
    return "\n".join(lines) + "\n"

"""A small format-2 model for testing the scoring rules apart from the bundled bank: two profiles (``svc``, and
``lab`` which tops out at level 2), three dimensions, a dimension every answer of which may be "not applicable",
and one gate per level."""

from __future__ import annotations

from scoring.model import MaturityModel, parse_model


def _question(qid: str, dimension: str, *, applies_to: str = "", na: str = "") -> str:
    options = "\n".join(
        f"""      - id: {qid}_{level}
        label: {qid} at level {level}
        level: {level}
        next: [{"keep_" + qid if level == 4 else qid + "_up_" + str(level)}]"""
        for level in range(5)
    )
    return f"""  - id: {qid}
    dimension: {dimension}
    text: Question {qid}?
    why: Because {qid}.
{f"    applies_to: [{applies_to}]" if applies_to else ""}
{f"    not_applicable: [{na}]" if na else ""}
    options:
{options}
"""


def _investments(qid: str, *, applies_to: str = "") -> str:
    fit = f"\n    applies_to: [{applies_to}]" if applies_to else ""
    steps = "".join(
        f"""  - id: {qid}_up_{level}
    title: Move {qid} up from {level}
    why: It helps.{fit}
"""
        for level in range(4)
    )
    return (
        steps
        + f"""  - id: keep_{qid}
    title: Keep {qid} up
    why: It lasts.
    sustains: true
"""
    )


QUESTIONS = {  # id -> (dimension, applies_to, not_applicable reasons)
    "a1": ("alpha", "", ""),
    "a2": ("alpha", "", "other"),
    "b1": ("beta", "svc", ""),
    "b2": ("beta", "svc", ""),
    "c1": ("gamma", "", "no_people, other"),
}

MINI_YAML = f"""format: 2
version: "mini-1"
name: Mini model
changelog:
  - version: "mini-1"
    changes: [The first mini version.]
levels:
{
    "".join(
        f'''  - level: {n}
    name: Level {n}
    summary: Summary {n}.
'''
        for n in range(5)
    )
}
dimensions:
  - {{id: alpha, name: Alpha, description: First., who_knows: the alpha lead}}
  - {{id: beta, name: Beta, description: Second., who_knows: the beta lead}}
  - {{id: gamma, name: Gamma, description: Third., who_knows: the gamma lead}}
not_applicable_reasons:
  - {{id: no_people, label: no people involved}}
  - {{id: other, label: another reason}}
questions:
  - id: kind
    profile: true
    text: What do you run?
    why: It decides the questions.
    options:
      - {{id: svc, label: A service}}
      - {{id: lab, label: A lab, max_level: 2, max_level_note: Production would add beta.}}
{"".join(_question(q, d, applies_to=p, na=na) for q, (d, p, na) in QUESTIONS.items())}
investments:
{"".join(_investments(q) for q in QUESTIONS)}
pitfalls:
  - id: fast_alpha
    title: Alpha without gamma
    warning: Alpha is ahead of gamma.
    low: {{c1: 1}}
    high: {{alpha: 3}}
gates:
  - {{level: 1, needs: {{alpha: 1}}}}
  - {{level: 2, needs: {{alpha: 2, beta: 2, gamma: 1}}}}
  - {{level: 3, needs: {{alpha: 3, beta: 3, gamma: 2}}}}
  - {{level: 4, every_dimension: true}}
"""


def mini_model() -> MaturityModel:
    return parse_model(MINI_YAML, "tests/mini_model.py")


def answers(profile: str = "svc", **levels: int | str) -> dict[str, str]:
    """An answer set: a question given a number is answered at that level; a string is an option id."""
    found = {"kind": profile}
    for qid, given in levels.items():
        found[qid] = f"{qid}_{given}" if isinstance(given, int) else given
    return found

"""Model files from before ``format: 2`` (the 2026.12 bank and copies adapted from it), restated in format 2.

Their scoring is kept exactly: "don't know" counted as level 0, and gates that list dimensions needed at the
gate's level. Their investments were tied to a dimension and a transition rather than to an answer, so each
option is given the investments of its own transition that lift its dimension (all of that transition's when
none does), which is what the old advice offered first for a dimension at that level.
"""

from __future__ import annotations

from typing import Any

MAX_LEVEL = 4
WHO_KNOWS = "the people on the team who work on it day to day"
DONT_KNOW_WORDS = {"dont know", "i dont know", "we dont know", "idk", "not sure", "unsure", "no idea"}


def restate(raw: dict[str, Any]) -> dict[str, Any]:
    """A format-2 mapping with the same meaning as the old-format mapping ``raw`` (which is left untouched)."""
    investments: list[dict[str, Any]] = raw["investments"]
    by_transition: dict[int, list[dict[str, Any]]] = {}
    for inv in investments:
        by_transition.setdefault(int(inv["transition"]), []).append(inv)

    def next_for(dimension: str, level: int) -> list[str]:
        same = by_transition.get(level, [])
        lifting = [i["id"] for i in same if dimension in i.get("lifts", [])]
        return lifting or [i["id"] for i in same]

    # Format 2 checks more than the old loader did: options are listed lowest level first, and no keyword may be
    # one "don't know" already answers to. An old file is put in that shape rather than refused.
    questions = [
        {
            **question,
            "options": [
                {
                    **option,
                    "keywords": [k for k in option.get("keywords", []) if str(k).lower() not in DONT_KNOW_WORDS],
                    "next": next_for(question["dimension"], int(option["level"])),
                }
                for option in sorted(question["options"], key=lambda o: int(o["level"]))
            ],
        }
        for question in raw["questions"]
    ]
    return {
        **{key: value for key, value in raw.items() if key not in ("questions", "investments", "gates", "dimensions")},
        "format": 2,
        "scoring": {"dont_know": "lowest"},
        "dimensions": [{"who_knows": WHO_KNOWS, **dimension} for dimension in raw["dimensions"]],
        "questions": questions,
        "investments": [
            {
                **{key: value for key, value in inv.items() if key not in ("transition", "lifts")},
                "sustains": int(inv["transition"]) == MAX_LEVEL,
            }
            for inv in investments
        ],
        "gates": [
            {"level": gate["level"], "needs": dict.fromkeys(gate["dimensions"], gate["level"])} for gate in raw["gates"]
        ],
    }

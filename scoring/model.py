"""The maturity model as typed data: levels, dimensions, questions, investments, pitfalls and gates.

The model lives in one versioned YAML file (``scoring/data/``). It is validated here when loaded, so a typo in
the bank fails loudly at start-up with the file, the field and the reason, never in the middle of a chat.
"""

from __future__ import annotations

from functools import cache, cached_property
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

LevelNumber = Annotated[int, Field(ge=0, le=4)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
MAX_LEVEL = 4
DONT_KNOW = "dont_know"
DEFAULT_MODEL_FILE = Path(__file__).parent / "data" / "mlops-maturity.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    level: LevelNumber
    name: str
    summary: str
    signs: list[str] = []


class Dimension(_Strict):
    id: Identifier
    name: str
    description: str


class Option(_Strict):
    id: Identifier
    label: str
    level: LevelNumber
    keywords: list[str] = []


DONT_KNOW_OPTION = Option(
    id=DONT_KNOW,
    label="Don't know",
    level=0,
    keywords=["dont know", "i dont know", "we dont know", "idk", "not sure", "unsure", "no idea"],
)


class Question(_Strict):
    id: Identifier
    dimension: Identifier
    text: str
    why: str
    options: list[Option] = Field(min_length=2)

    @model_validator(mode="after")
    def _options_are_sound(self) -> Question:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"option ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        if DONT_KNOW in ids:
            raise ValueError(f"'{DONT_KNOW}' is added to every question automatically; remove it")
        keywords = [k.lower() for o in self.options for k in o.keywords]
        repeated = sorted({k for k in keywords if keywords.count(k) > 1})
        if repeated:
            raise ValueError(f"keywords {repeated} belong to more than one option; typed answers would be ambiguous")
        unusable = sorted(k for k in keywords if len(k) < 2 or k.strip().isdigit())
        if unusable:
            raise ValueError(f"keywords {unusable} would be read as an option number or letter; use words")
        missing = set(range(MAX_LEVEL + 1)) - {o.level for o in self.options}
        if missing:
            raise ValueError(f"no option for level(s) {sorted(missing)}: every level 0-4 must be reachable")
        return self

    @cached_property
    def choices(self) -> tuple[Option, ...]:
        """The options as shown to a person: the model's own, then "Don't know"."""
        return (*self.options, DONT_KNOW_OPTION)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.choices if o.id == option_id), None)


class Investment(_Strict):
    id: Identifier
    transition: Annotated[int, Field(ge=0, le=4)] = Field(
        description="The level the team is leaving: 0 means 0->1 ... 3 means 3->4; 4 means sustaining level 4."
    )
    title: str
    why: str
    tools: list[str] = []
    lifts: list[Identifier] = Field(min_length=1)


class Pitfall(_Strict):
    """A common trap, shown when the answers show it: every ``low`` dimension at or below its level while every
    ``high`` dimension is at or above its level."""

    id: Identifier
    title: str
    warning: str
    low: dict[Identifier, LevelNumber] = Field(min_length=1)
    high: dict[Identifier, LevelNumber] = {}


class Gate(_Strict):
    """To be at ``level`` overall, every dimension listed must be at least ``level`` (and every lower gate holds)."""

    level: Annotated[int, Field(ge=1, le=4)]
    dimensions: list[Identifier] = Field(min_length=1)


class MaturityModel(_Strict):
    version: str
    name: str
    levels: list[Level]
    dimensions: list[Dimension]
    questions: list[Question]
    investments: list[Investment]
    pitfalls: list[Pitfall] = []
    gates: list[Gate]

    @model_validator(mode="after")
    def _references_are_sound(self) -> MaturityModel:
        if [lv.level for lv in self.levels] != list(range(MAX_LEVEL + 1)):
            raise ValueError("levels must be exactly 0, 1, 2, 3, 4 in that order")
        dims = [d.id for d in self.dimensions]
        if len(set(dims)) != len(dims):
            raise ValueError("dimension ids repeat")
        qids = [q.id for q in self.questions]
        if len(set(qids)) != len(qids):
            raise ValueError(f"question ids repeat: {sorted({i for i in qids if qids.count(i) > 1})}")
        for q in self.questions:
            if q.dimension not in dims:
                raise ValueError(f"questions[{q.id}].dimension: unknown dimension {q.dimension!r}")
        for d in dims:
            if sum(q.dimension == d for q in self.questions) < 2:
                raise ValueError(f"dimensions[{d}]: needs at least two questions")
        for inv in self.investments:
            unknown = set(inv.lifts) - set(dims)
            if unknown:
                raise ValueError(f"investments[{inv.id}].lifts: unknown dimension(s) {sorted(unknown)}")
        for transition in range(MAX_LEVEL + 1):
            if not any(i.transition == transition for i in self.investments):
                raise ValueError(f"no investment for transition {transition} (every transition needs some)")
        for p in self.pitfalls:
            unknown = (set(p.low) | set(p.high)) - set(dims)
            if unknown:
                raise ValueError(f"pitfalls[{p.id}]: unknown dimension(s) {sorted(unknown)}")
        if sorted(g.level for g in self.gates) != list(range(1, MAX_LEVEL + 1)):
            raise ValueError("gates must be given once for each of levels 1, 2, 3 and 4")
        for g in self.gates:
            unknown = set(g.dimensions) - set(dims)
            if unknown:
                raise ValueError(f"gates[{g.level}].dimensions: unknown dimension(s) {sorted(unknown)}")
        return self

    # Lookups used on every turn; computed once per loaded model.
    @cached_property
    def question_by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def position_of(self) -> dict[str, int]:
        """Question id -> its place in the bank, 1-based (what progress shows)."""
        return {q.id: n for n, q in enumerate(self.questions, start=1)}

    @cached_property
    def dimension_by_id(self) -> dict[str, Dimension]:
        return {d.id: d for d in self.dimensions}

    @cached_property
    def investment_by_id(self) -> dict[str, Investment]:
        return {i.id: i for i in self.investments}

    @cached_property
    def questions_by_dimension(self) -> dict[str, tuple[Question, ...]]:
        return {d.id: tuple(q for q in self.questions if q.dimension == d.id) for d in self.dimensions}

    @cached_property
    def gate_by_level(self) -> dict[int, tuple[str, ...]]:
        return {g.level: tuple(g.dimensions) for g in self.gates}

    def level(self, number: int) -> Level:
        return self.levels[number]

    def investments_for(self, transition: int) -> list[Investment]:
        return [i for i in self.investments if i.transition == transition]


class ModelFileError(Exception):
    """The model file is missing, is not YAML, or does not match the schema. The message names the field."""


def _field_path(loc: tuple[int | str, ...], raw: object) -> str:
    """Turn pydantic's location into a readable path, naming list items by their id where they have one."""
    parts: list[str] = []
    node: object = raw
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            ident = node.get("id") if isinstance(node, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{ident or key}]"]
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def parse_model(text: str, source: str) -> MaturityModel:
    try:
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ModelFileError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ModelFileError(f"{source}: expected a mapping at the top level")
    try:
        return MaturityModel.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{_field_path(error['loc'], raw)}: {message}" if error["loc"] else message)
        raise ModelFileError(f"{source}: " + "; ".join(problems)) from None


def load_model(path: Path | str | None = None) -> MaturityModel:
    """Load and validate a model file; the bundled bank when no path is given."""
    file = Path(path) if path else DEFAULT_MODEL_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelFileError(f"{file}: cannot read the model file: {exc.strerror}") from None
    return parse_model(text, str(file))


@cache
def default_model() -> MaturityModel:
    """The bundled model, loaded and validated once per process."""
    return load_model()

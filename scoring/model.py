"""The maturity model as typed data: levels, dimensions, the profile question, questions, investments, pitfalls
and gates.

The model lives in one versioned YAML file (``scoring/data/``). It is validated here when loaded, so a typo in
the bank fails loudly at start-up with the file, the field and the reason, never in the middle of a chat.

A model file says ``format: 2``. Files written before formats existed (the 2026.12 bank, and any copy an
organisation adapted from it) are read through ``scoring.legacy``, which restates them in format 2 with their
original scoring, so old rounds keep the levels they were given.
"""

from __future__ import annotations

import hashlib
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

LevelNumber = Annotated[int, Field(ge=0, le=4)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
MAX_LEVEL = 4
FORMAT = 2
DONT_KNOW = "dont_know"
NOT_APPLICABLE_PREFIX = "na_"  # a "not applicable" option's id is this and its reason's id
NOT_APPLICABLE_WORDS = ("na", "n/a", "not applicable", "doesnt apply", "does not apply", "not relevant")
DEFAULT_MODEL_FILE = Path(__file__).parent / "data" / "mlops-maturity.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Wording(_Strict):
    """A level's name and meaning as one profile reads them (an LLM application is not "built in notebooks")."""

    name: str | None = None
    summary: str


class Level(_Strict):
    level: LevelNumber
    name: str
    summary: str
    signs: list[str] = []
    by_profile: dict[Identifier, Wording] = {}

    def name_for(self, profile: str | None) -> str:
        wording = self.by_profile.get(profile or "")
        return wording.name if wording and wording.name else self.name

    def summary_for(self, profile: str | None) -> str:
        wording = self.by_profile.get(profile or "")
        return wording.summary if wording else self.summary


class Dimension(_Strict):
    id: Identifier
    name: str
    description: str
    who_knows: str = Field(description="Who can usually answer its questions, suggested after a 'don't know'.")


class Reason(_Strict):
    """Why a question may not apply, worded to follow "Not applicable: "."""

    id: Identifier
    label: str


class Source(_Strict):
    id: Identifier
    title: str
    url: str | None = None


class Option(_Strict):
    """One answer. Level options carry their level and the investment(s) that move the answer one step up (the
    first that fits the team's profile is used); profile options carry no level; "not applicable" and "don't
    know" options are made by the question, not written in the file."""

    id: Identifier
    label: str
    level: LevelNumber | None = None
    keywords: list[str] = []
    next: list[Identifier] = []
    reason: Identifier | None = None  # set on "not applicable" options only
    max_level: LevelNumber | None = None  # profile options: the highest overall level such a system can show
    max_level_note: str | None = None  # profile options: why, and what would lift it

    @property
    def scored(self) -> bool:
        return self.level is not None

    @property
    def not_applicable(self) -> bool:
        return self.reason is not None

    @property
    def dont_know(self) -> bool:
        return self.id == DONT_KNOW


DONT_KNOW_OPTION = Option(
    id=DONT_KNOW,
    label="Don't know",
    keywords=["dont know", "i dont know", "we dont know", "idk", "not sure", "unsure", "no idea"],
)


class Question(_Strict):
    id: Identifier
    dimension: Identifier | None = None  # None only on the profile question
    text: str
    why: str
    options: list[Option] = Field(min_length=2)
    profile: bool = False
    applies_to: list[Identifier] | None = Field(default=None, min_length=1)  # profile option ids; None: every team
    not_applicable: list[Identifier] = []  # reason ids a team may give for "not applicable"
    who_knows: str | None = None  # overrides the dimension's
    sources: list[Identifier] = []

    @model_validator(mode="after")
    def _options_are_sound(self) -> Question:
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"option ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        if DONT_KNOW in ids or any(i.startswith(NOT_APPLICABLE_PREFIX) for i in ids):
            raise ValueError(
                f"'{DONT_KNOW}' and '{NOT_APPLICABLE_PREFIX}...' options are made from not_applicable; remove them"
            )
        keywords = [k.lower() for o in (*self.options, DONT_KNOW_OPTION) for k in o.keywords]
        repeated = sorted({k for k in keywords if keywords.count(k) > 1})
        if repeated:
            raise ValueError(f"keywords {repeated} belong to more than one option; typed answers would be ambiguous")
        unusable = sorted(k for k in keywords if len(k) < 2 or k.strip().isdigit())
        if unusable:
            raise ValueError(f"keywords {unusable} would be read as an option number or letter; use words")
        if any(o.reason is not None for o in self.options):
            raise ValueError("options take no reason; list the question's not_applicable reasons instead")
        if self.profile:
            return self._profile_is_sound()
        if self.dimension is None:
            raise ValueError("a question needs a dimension (only the profile question has none)")
        if any(o.level is None for o in self.options):
            raise ValueError("every option needs a level 0-4 (only the profile question's options have none)")
        if any(o.max_level is not None or o.max_level_note for o in self.options):
            raise ValueError("max_level belongs to the profile question's options")
        levels = [o.level or 0 for o in self.options]
        if levels != sorted(levels):
            raise ValueError("options must be listed from the lowest level to the highest")
        missing = set(range(MAX_LEVEL + 1)) - set(levels)
        if missing:
            raise ValueError(f"no option for level(s) {sorted(missing)}: every level 0-4 must be reachable")
        return self

    def _profile_is_sound(self) -> Question:
        if self.dimension is not None or self.applies_to is not None or self.not_applicable:
            raise ValueError("the profile question has no dimension, applies_to or not_applicable")
        if any(o.level is not None or o.next for o in self.options):
            raise ValueError("the profile question's options have no level and no next investment")
        return self

    def options_with(self, reasons: tuple[Reason, ...]) -> tuple[Option, ...]:
        """The options as shown to a person: the model's own, then "not applicable" with each of ``reasons``,
        then "Don't know". The profile question offers only its own options. (``MaturityModel.choices`` gives
        them with the question's reasons.)"""
        if self.profile:
            return tuple(self.options)
        na = tuple(
            Option(
                id=NOT_APPLICABLE_PREFIX + r.id,
                label=f"Not applicable: {r.label}",
                reason=r.id,
                keywords=[r.label, r.id.replace("_", " ")],  # the reason alone, typed after "which reason?"
            )
            for r in reasons
        )
        return (*self.options, *na, DONT_KNOW_OPTION)

    def applies(self, profile: str | None) -> bool:
        """Whether a team with this profile is asked the question (every question applies while the profile is
        unknown: a bank without a profile question asks everything)."""
        return self.applies_to is None or profile is None or profile in self.applies_to


class Investment(_Strict):
    id: Identifier
    title: str
    why: str
    tools: list[str] = []
    applies_to: list[Identifier] | None = Field(default=None, min_length=1)  # profiles it fits; None: every team
    sustains: bool = False  # advice on keeping a top-level practice up, named by level-4 options
    # The answers that show a team already has it (question id -> level). Default: its own question one rung up
    # from each option that names it. An investment named by several questions says which of them really show it.
    establishes: dict[Identifier, LevelNumber] | None = None

    def fits(self, profile: str | None) -> bool:
        return self.applies_to is None or profile is None or profile in self.applies_to


class Pitfall(_Strict):
    """A common trap, shown when the answers show it: everything in ``low`` at or below its level while
    everything in ``high`` is at or above its level. Keys are dimension ids or question ids; a dimension or
    question without a level (not assessed, not applicable) never matches."""

    id: Identifier
    title: str
    warning: str
    low: dict[Identifier, LevelNumber] = Field(min_length=1)
    high: dict[Identifier, LevelNumber] = {}


class Gate(_Strict):
    """To be at ``level`` overall, everything in ``needs`` must be at least at its minimum, and with
    ``every_dimension`` every assessed dimension at ``level`` (every lower gate holding too). ``needs`` names
    dimensions (their weakest answer counts) or single questions (a low gate can ask for the few practices that
    define it, so one unrelated weak answer does not sink a team to 0). What does not apply to the team blocks
    nothing; what nobody could assess (mostly "don't know") blocks."""

    level: Annotated[int, Field(ge=1, le=4)]
    needs: dict[Identifier, LevelNumber] = {}
    every_dimension: bool = False

    @model_validator(mode="after")
    def _says_something(self) -> Gate:
        if not self.needs and not self.every_dimension:
            raise ValueError("a gate needs dimensions (needs) or every_dimension: true")
        return self


class Scoring(_Strict):
    """Rules an organisation may choose. ``dont_know: lowest`` scores "don't know" as level 0 (the 2026.12 rule)
    instead of leaving it out."""

    dont_know: Literal["unscored", "lowest"] = "unscored"


class Change(_Strict):
    version: str
    changes: list[str] = Field(min_length=1)


class MaturityModel(_Strict):
    format: Literal[2]
    version: str = Field(min_length=1, max_length=100)
    name: str
    changelog: list[Change] = []
    scoring: Scoring = Scoring()
    sources: list[Source] = []
    levels: list[Level]
    dimensions: list[Dimension]
    not_applicable_reasons: list[Reason] = []
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
        if set(qids) & set(dims):
            raise ValueError(f"ids used for both a question and a dimension: {sorted(set(qids) & set(dims))}")
        self._profile_is_sound()
        profiles = {o.id for o in self.profile_options}
        reasons = {r.id for r in self.not_applicable_reasons}
        reasons_by_id = {r.id: r for r in self.not_applicable_reasons}
        sources = {s.id for s in self.sources}
        investments = {i.id: i for i in self.investments}
        if len(investments) != len(self.investments):
            raise ValueError("investment ids repeat")
        for lv in self.levels:
            _known(f"levels[{lv.level}].by_profile", set(lv.by_profile), profiles, "profile")
        for q in self.questions:
            if q.profile:
                continue
            where = f"questions[{q.id}]"
            if q.dimension not in dims:
                raise ValueError(f"{where}.dimension: unknown dimension {q.dimension!r}")
            _known(f"{where}.applies_to", set(q.applies_to or ()), profiles, "profile")
            _known(f"{where}.not_applicable", set(q.not_applicable), reasons, "reason")
            _known(f"{where}.sources", set(q.sources), sources, "source")
            for o in q.options:
                _known(f"{where}.options[{o.id}].next", set(o.next), set(investments), "investment")
                self._next_is_sound(q, o, investments)
            typed = [
                k.lower() for o in q.options_with(tuple(reasons_by_id[r] for r in q.not_applicable)) for k in o.keywords
            ]
            clash = sorted({k for k in typed if typed.count(k) > 1})
            if clash:
                raise ValueError(
                    f"{where}: keywords {clash} would pick more than one answer (a reason's words included)"
                )
        for d in dims:
            if not any(q.dimension == d for q in self.questions):
                raise ValueError(f"dimensions[{d}]: no question belongs to it")
        for inv in self.investments:
            _known(f"investments[{inv.id}].applies_to", set(inv.applies_to or ()), profiles, "profile")
            _known(f"investments[{inv.id}].establishes", set(inv.establishes or ()), set(qids), "question")
        named = {i for q in self.questions for o in q.options for i in o.next}
        unused = sorted(set(investments) - named)
        if unused:
            raise ValueError(f"investments {unused} are named by no option's next")
        for p in self.pitfalls:
            _known(f"pitfalls[{p.id}]", set(p.low) | set(p.high), set(dims) | set(qids), "dimension or question")
        if sorted(g.level for g in self.gates) != list(range(1, MAX_LEVEL + 1)):
            raise ValueError("gates must be given once for each of levels 1, 2, 3 and 4")
        for g in self.gates:
            _known(f"gates[{g.level}].needs", set(g.needs), set(dims) | set(qids), "dimension or question")
            too_high = sorted(d for d, m in g.needs.items() if m > g.level)
            if too_high:
                raise ValueError(f"gates[{g.level}].needs: {too_high} ask for more than level {g.level}")
        return self

    def _profile_is_sound(self) -> None:
        profile_questions = [q for q in self.questions if q.profile]
        if len(profile_questions) > 1:
            raise ValueError("only one question can be the profile question")
        if profile_questions and self.questions[0] is not profile_questions[0]:
            raise ValueError(f"questions[{profile_questions[0].id}]: the profile question must come first")
        if not profile_questions and any(q.applies_to is not None for q in self.questions):
            raise ValueError("questions say which profiles they apply to, but there is no profile question")

    def _next_is_sound(self, q: Question, o: Option, investments: dict[str, Investment]) -> None:
        """Each option names what moves it up (at the top: what keeps it there), and for every profile the
        question applies to, at least one of those fits."""
        where = f"questions[{q.id}].options[{o.id}].next"
        if not o.next:
            raise ValueError(f"{where}: name the investment that moves this answer up (at level 4: sustains it)")
        top = o.level == MAX_LEVEL
        wrong = [i for i in o.next if investments[i].sustains != top]
        if wrong:
            kind = "sustaining investments (sustains: true)" if top else "investments that do not only sustain"
            raise ValueError(f"{where}: {wrong} are not {kind}")
        profiles: list[str | None] = [*(q.applies_to or [p.id for p in self.profile_options])] or [None]
        for profile in profiles:
            if not any(investments[i].fits(profile) for i in o.next):
                raise ValueError(f"{where}: none of them fits profile {profile!r}")

    # Lookups used on every turn; computed once per loaded model.
    @cached_property
    def question_by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def profile_question(self) -> Question | None:
        return self.questions[0] if self.questions and self.questions[0].profile else None

    @cached_property
    def profile_options(self) -> tuple[Option, ...]:
        question = next((q for q in self.questions if q.profile), None)
        return tuple(question.options) if question else ()

    @cached_property
    def reason_by_id(self) -> dict[str, Reason]:
        return {r.id: r for r in self.not_applicable_reasons}

    @cached_property
    def dimension_by_id(self) -> dict[str, Dimension]:
        return {d.id: d for d in self.dimensions}

    @cached_property
    def investment_by_id(self) -> dict[str, Investment]:
        return {i.id: i for i in self.investments}

    @cached_property
    def source_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    @cached_property
    def gate_by_level(self) -> dict[int, Gate]:
        return {g.level: g for g in self.gates}

    @cached_property
    def established_by(self) -> dict[str, dict[str, int]]:
        """Investment id -> the answers (question id -> level) that show a team already has it: what the file
        says, else one rung above the highest option naming it on each question that names it."""
        found: dict[str, dict[str, int]] = {}
        for inv in self.investments:
            if inv.establishes is not None:
                found[inv.id] = dict(inv.establishes)
                continue
            rungs: dict[str, int] = {}
            for q in self.questions:
                for o in q.options:
                    if inv.id in o.next:
                        rungs[q.id] = max(rungs.get(q.id, 0), (o.level or 0) + 1)
            found[inv.id] = rungs
        return found

    @cached_property
    def _choices(self) -> dict[str, tuple[Option, ...]]:
        reasons = self.reason_by_id
        return {q.id: q.options_with(tuple(reasons[r] for r in q.not_applicable)) for q in self.questions}

    @cached_property
    def _plans(self) -> dict[str | None, tuple[Question, ...]]:
        plans: dict[str | None, tuple[Question, ...]] = {None: tuple(self.questions)}
        for profile in self.profile_options:
            plans[profile.id] = tuple(q for q in self.questions if q.applies(profile.id))
        return plans

    @cached_property
    def most_questions(self) -> int:
        """The most questions any profile is asked, the profile question included."""
        return max((len(self._plans[p.id]) for p in self.profile_options), default=len(self.questions))

    def choices(self, question: Question) -> tuple[Option, ...]:
        """What a person may answer: the levels, "not applicable" with each allowed reason, "Don't know"."""
        return self._choices[question.id]

    def option(self, question_id: str, option_id: str) -> Option | None:
        question = self.question_by_id.get(question_id)
        if question is None:
            return None
        return next((o for o in self._choices[question_id] if o.id == option_id), None)

    def questions_for(self, profile: str | None) -> tuple[Question, ...]:
        """The questions a team with this profile is asked, in bank order, the profile question first. With the
        profile unknown, every question."""
        return self._plans.get(profile, self._plans[None])

    def profile_of(self, answers: dict[str, str] | None) -> str | None:
        """The profile an answer set gives, None without a profile question or an answer to it."""
        question = self.profile_question
        if question is None or not answers:
            return None
        chosen = answers.get(question.id)
        return chosen if chosen in {o.id for o in question.options} else None

    def profile_option(self, profile: str | None) -> Option | None:
        return next((o for o in self.profile_options if o.id == profile), None)

    def dimensions_for(self, profile: str | None) -> tuple[Dimension, ...]:
        """The dimensions that have questions for this profile, in model order."""
        asked = {q.dimension for q in self.questions_for(profile) if not q.profile}
        return tuple(d for d in self.dimensions if d.id in asked)

    def who_knows(self, question: Question) -> str:
        return question.who_knows or self.dimension_by_id[question.dimension or ""].who_knows

    def level(self, number: int) -> Level:
        return self.levels[number]

    def changes_in(self, version: str) -> list[str]:
        """What the changelog says changed in ``version`` (empty when it says nothing)."""
        return next((list(c.changes) for c in self.changelog if c.version == version), [])


def _known(where: str, given: set[str], known: set[str], kind: str) -> None:
    unknown = sorted(given - known)
    if unknown:
        raise ValueError(f"{where}: unknown {kind}(s) {unknown}")


class ModelFileError(Exception):
    """The model file is missing, is not YAML, or does not match the schema. The message names the field."""


def _field_path(loc: tuple[int | str, ...], raw: object) -> str:
    """Turn pydantic's location into a readable path, naming list items by their id where they have one."""
    parts: list[str] = []
    node: object = raw
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            ident = node.get("id", node.get("level")) if isinstance(node, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key if ident is None else ident}]"]
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def content_hash(text: str) -> str:
    """What identifies a model file's content: the same version string must always mean the same content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_model(text: str, source: str) -> MaturityModel:
    try:
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ModelFileError(f"{source}: not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(raw, dict):
        raise ModelFileError(f"{source}: expected a mapping at the top level")
    if "format" not in raw:  # written before formats existed: restated in format 2 with its own scoring
        from scoring.legacy import restate

        try:
            raw = restate(raw)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{source}: an old-format model file that cannot be read: {exc}") from None
    try:
        return MaturityModel.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{_field_path(error['loc'], raw)}: {message}" if error["loc"] else message)
        raise ModelFileError(f"{source}: " + "; ".join(problems)) from None


def read_model_file(path: Path | str | None = None) -> tuple[str, MaturityModel]:
    """The file's text (what storage keeps of each version) and its validated model."""
    file = Path(path) if path else DEFAULT_MODEL_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelFileError(f"{file}: cannot read the model file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ModelFileError(f"{file}: not a UTF-8 text file") from None
    return text, parse_model(text, str(file))


def load_model(path: Path | str | None = None) -> MaturityModel:
    """Load and validate a model file; the bundled bank when no path is given."""
    return read_model_file(path)[1]


@cache
def default_model() -> MaturityModel:
    """The bundled model, loaded and validated once per process."""
    return load_model()

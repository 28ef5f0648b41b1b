"""Scoring: from answers to levels, explanations and next steps. Pure functions over the model; no I/O.

The rules, in short (docs/rubric.md has them in full):
- the team's profile (what it runs) is its members' majority; only questions for that profile count;
- a question's team answer is the lower median of the members who gave a level ("don't know" is left out,
  unless the model scores it as the lowest level); it is "not applicable" when more members said so than gave a
  level; a question nobody answered counts as level 0;
- a dimension's level is its weakest counted answer; with every answer "not applicable" it is not assessed and
  blocks nothing; with more "don't know" than counted answers it is not assessed and blocks the levels that need
  it (nobody can confirm them);
- the overall level is the highest level whose gate, and every gate below it, is met, capped by the profile
  (research tops out at level 2);
- next steps are the investments named by the weakest answers in the blocking dimensions, ranked by how much
  they unblock, leaving out any the team's answers show it already has and any that do not fit its profile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum

from scoring.model import DONT_KNOW, MAX_LEVEL, Investment, MaturityModel, Option, Pitfall, Question

DISAGREEMENT_SPREAD = 2
MIN_RESPONDENTS_TO_NAME = 3  # team posts name a disagreement only when this many answered (a setting)
KNOWLEDGE_SILO_SHARE = 0.3  # more "don't know" than this in a dimension: knowledge sits with few people

Answers = Mapping[str, str]  # question id -> option id


class Status(StrEnum):
    """How a question stands for a member or a team."""

    SCORED = "scored"
    NOT_APPLICABLE = "not_applicable"
    DONT_KNOW = "dont_know"
    UNANSWERED = "unanswered"


class Assessed(StrEnum):
    """Whether a dimension got a level."""

    YES = "assessed"
    NOT_APPLICABLE = "not_applicable"  # every answer was "not applicable": blocks nothing
    UNKNOWN = "unknown"  # mostly "don't know": not assessed, and the levels that need it cannot be confirmed


@dataclass(frozen=True)
class QuestionScore:
    question_id: str
    dimension: str
    status: Status
    level: int | None  # what counts toward the dimension; None when the question is left out
    option_id: str | None  # the option that stands for the answer (the lower median's)
    respondents: int  # members who gave any answer
    dont_know: int
    not_applicable: tuple[tuple[str, int], ...]  # (reason id, how many), most given first
    low: int | None  # the lowest and highest levels given, for disagreements
    high: int | None

    @property
    def answered(self) -> bool:
        return self.respondents > 0

    @property
    def spread(self) -> int:
        return (self.high or 0) - (self.low or 0)

    @property
    def said_not_applicable(self) -> int:
        return sum(n for _, n in self.not_applicable)

    @property
    def levels_given(self) -> int:
        return self.respondents - self.dont_know - self.said_not_applicable

    @property
    def disagrees(self) -> bool:
        """Members' answers are two or more levels apart, or some gave a level where others said it does not
        apply. ("Don't know" is a gap, not a disagreement.)"""
        wide = self.levels_given > 1 and self.spread >= DISAGREEMENT_SPREAD
        split = self.said_not_applicable > 0 and self.levels_given > 0
        return self.respondents > 1 and (wide or split)


@dataclass(frozen=True)
class DimensionScore:
    id: str
    name: str
    level: int | None  # None: not assessed (see ``assessed``)
    assessed: Assessed
    questions: tuple[QuestionScore, ...]  # the dimension's questions for the team's profile
    dont_know_share: float  # of the members' answers here, the share that were "don't know"
    explanation: str

    @property
    def counted(self) -> tuple[QuestionScore, ...]:
        return tuple(q for q in self.questions if q.level is not None)

    @property
    def above(self) -> int:
        """How many counted questions are already past the dimension's level."""
        return sum((q.level or 0) > (self.level or 0) for q in self.counted)

    @property
    def progress(self) -> float:
        """Progress inside the level: the share of counted questions already past it (1.0 at level 4)."""
        if self.level is None:
            return 0.0
        if self.level >= MAX_LEVEL:
            return 1.0
        return self.above / len(self.counted)

    @property
    def progress_text(self) -> str:
        if self.level is None:
            return "not assessed"
        if self.level >= MAX_LEVEL:
            return "top level"
        return f"{self.above} of {len(self.counted)} questions at level {self.level + 1}+"

    @property
    def level_text(self) -> str:
        return "not assessed" if self.level is None else str(self.level)


@dataclass(frozen=True)
class Disagreement:
    question_id: str
    question: str
    low: int | None
    high: int | None
    respondents: int  # members who answered it: team posts show the details only above a privacy threshold
    not_applicable: int = 0  # of them, how many said it does not apply

    @property
    def spread(self) -> int:
        return (self.high or 0) - (self.low or 0)


@dataclass(frozen=True)
class NextStep:
    """An investment for this team: the answers it moves one step up and the dimensions they belong to."""

    investment: Investment
    lifts: tuple[str, ...]  # dimension ids
    questions: tuple[str, ...]  # question ids whose answer it moves up (or keeps at the top)

    @property
    def id(self) -> str:
        return self.investment.id

    @property
    def title(self) -> str:
        return self.investment.title

    @property
    def why(self) -> str:
        return self.investment.why

    @property
    def tools(self) -> list[str]:
        return self.investment.tools


@dataclass(frozen=True)
class KnowledgeGap:
    question_id: str
    question: str
    dimension: str
    who_knows: str


@dataclass(frozen=True)
class NotApplicable:
    question_id: str
    question: str
    reasons: tuple[tuple[str, str, int], ...]  # (reason id, its label, how many gave it), most given first


@dataclass(frozen=True)
class Result:
    model_version: str
    profile: str | None  # the team's profile option id (None: the model has no profile question)
    profile_label: str | None
    profile_votes: tuple[tuple[str, int], ...]  # (profile id, members who chose it), in the model's order
    overall: int
    overall_name: str
    overall_summary: str
    level_cap: int | None  # the profile's highest reachable overall level, if it has one
    level_cap_note: str | None
    dimensions: tuple[DimensionScore, ...]  # those the profile is asked about, in model order
    strengths: tuple[str, ...]  # dimension ids above the overall level
    blockers: tuple[str, ...]  # dimension ids holding the next level back, weakest first
    next_steps: tuple[NextStep, ...]  # for the blockers' weakest answers; at the top, what keeps it there
    pitfalls: tuple[Pitfall, ...]
    disagreements: tuple[Disagreement, ...]
    knowledge_gaps: tuple[KnowledgeGap, ...]  # questions nobody who answered could answer
    knowledge_silos: tuple[str, ...]  # dimension ids with over 30% "don't know" answers
    not_applicable: tuple[NotApplicable, ...]
    unanswered: tuple[str, ...]  # question ids nobody answered
    respondents: int
    unconfirmed: tuple[str, ...] = ()  # question ids the gates up to the overall level count on, that nobody knew

    def dimension(self, dimension_id: str) -> DimensionScore:
        return next(d for d in self.dimensions if d.id == dimension_id)

    @property
    def dont_know(self) -> tuple[str, ...]:
        return tuple(g.question_id for g in self.knowledge_gaps)

    @property
    def profile_disagreement(self) -> bool:
        return len(self.profile_votes) > 1

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, stored with results and printed by ``maturity-bot score`` and ``report --json``."""
        return {
            "model_version": self.model_version,
            "profile": self.profile,
            "profile_label": self.profile_label,
            "profile_votes": dict(self.profile_votes),
            "overall": self.overall,
            "overall_name": self.overall_name,
            "overall_summary": self.overall_summary,
            "level_cap": None if self.level_cap is None else {"level": self.level_cap, "note": self.level_cap_note},
            "dimensions": {
                d.id: {
                    "name": d.name,
                    "level": d.level,
                    "assessed": d.assessed.value,
                    "progress": round(d.progress, 3),
                    "dont_know_share": round(d.dont_know_share, 3),
                    "explanation": d.explanation,
                }
                for d in self.dimensions
            },
            "strengths": list(self.strengths),
            "blockers": list(self.blockers),
            "next_steps": [
                {
                    "id": s.id,
                    "title": s.title,
                    "why": s.why,
                    "tools": list(s.tools),
                    "lifts": list(s.lifts),
                    "questions": list(s.questions),
                }
                for s in self.next_steps
            ],
            "pitfalls": [{"id": p.id, "title": p.title, "warning": p.warning} for p in self.pitfalls],
            "disagreements": [asdict(d) | {"spread": d.spread} for d in self.disagreements],
            "knowledge_gaps": [asdict(g) for g in self.knowledge_gaps],
            "knowledge_silos": list(self.knowledge_silos),
            "not_applicable": [n.question_id for n in self.not_applicable],
            "not_applicable_reasons": {n.question_id: {r: c for r, _, c in n.reasons} for n in self.not_applicable},
            "dont_know": list(self.dont_know),
            "unanswered": list(self.unanswered),
            "unconfirmed": list(self.unconfirmed),
            "respondents": self.respondents,
        }


def unknown_answers(model: MaturityModel, answers: Answers) -> list[str]:
    """Problems with an answer set: unknown question ids, option ids, or a missing profile answer. Empty when
    all is well. Answers to questions that do not apply to the profile are allowed (and ignored)."""
    problems = []
    for qid, oid in answers.items():
        question = model.question_by_id.get(qid)
        if question is None:
            problems.append(f"unknown question id {qid!r}")
        elif model.option(qid, oid) is None:
            valid = ", ".join(o.id for o in model.choices(question))
            problems.append(f"unknown option {oid!r} for question {qid!r} (valid: {valid})")
    profile = model.profile_question
    if profile is not None and profile.id not in answers:
        valid = ", ".join(o.id for o in profile.options)
        problems.append(f"the profile question {profile.id!r} needs an answer ({valid})")
    return problems


def team_profile(model: MaturityModel, answer_sets: Sequence[Answers]) -> tuple[str | None, Counter[str]]:
    """The profile most members chose (ties go to the one the model lists first) and every member's choice."""
    votes: Counter[str] = Counter(p for a in answer_sets if (p := model.profile_of(dict(a))) is not None)
    if not votes:
        return None, votes
    order = [o.id for o in model.profile_options]
    return max(votes, key=lambda p: (votes[p], -order.index(p))), votes


def score_question(model: MaturityModel, question: Question, answer_sets: Sequence[Answers]) -> QuestionScore:
    chosen = [o for answers in answer_sets if (o := model.option(question.id, answers.get(question.id, "")))]
    dont_know = sum(o.dont_know for o in chosen)
    lowest = model.scoring.dont_know == "lowest"
    voting = [o for o in chosen if o.scored or (lowest and o.dont_know)]  # options that give a level
    reasons = Counter(o.reason for o in chosen if o.reason is not None)
    known = [o.level for o in chosen if o.level is not None]
    na = tuple(sorted(reasons.items(), key=lambda r: (-r[1], r[0])))

    def made(status: Status, level: int | None, option_id: str | None) -> QuestionScore:
        return QuestionScore(
            question.id,
            question.dimension or "",
            status,
            level,
            option_id,
            len(chosen),
            dont_know,
            na,
            min(known, default=None),
            max(known, default=None),
        )

    if reasons and reasons.total() > len(voting):
        return made(Status.NOT_APPLICABLE, None, None)
    if voting:
        order = model.choices(question)
        ranked = sorted(voting, key=lambda o: (o.level or 0, order.index(o)))
        median = ranked[(len(ranked) - 1) // 2]  # the lower median's own option
        return made(Status.DONT_KNOW if median.dont_know else Status.SCORED, median.level or 0, median.id)
    if dont_know:
        return made(Status.DONT_KNOW, None, DONT_KNOW)
    return made(Status.UNANSWERED, 0, None)


def _dimension(
    model: MaturityModel, dimension_id: str, scores: tuple[QuestionScore, ...], team: bool
) -> DimensionScore:
    counted = [s for s in scores if s.level is not None]
    unknown = [s for s in scores if s.level is None and s.status is Status.DONT_KNOW]
    given = sum(s.respondents for s in scores)
    share = sum(s.dont_know for s in scores) / given if given else 0.0
    if not counted and not unknown:
        assessed, level = Assessed.NOT_APPLICABLE, None
    elif len(unknown) > len(counted):
        assessed, level = Assessed.UNKNOWN, None
    else:
        assessed, level = Assessed.YES, min(s.level or 0 for s in counted)
    name = model.dimension_by_id[dimension_id].name
    unexplained = DimensionScore(dimension_id, name, level, assessed, scores, share, "")
    return replace(unexplained, explanation=_explain(model, unexplained, team))


def _explain(model: MaturityModel, dim: DimensionScore, team: bool) -> str:
    name, level, scores = dim.name, dim.level, dim.questions
    left_out = [s for s in scores if s.level is None]
    if dim.assessed is Assessed.NOT_APPLICABLE:
        return f'{name} is not assessed: every question in it was answered "not applicable".'
    if dim.assessed is Assessed.UNKNOWN:
        who = model.dimension_by_id[dim.id].who_knows
        unknown = sum(s.status is Status.DONT_KNOW for s in left_out)
        return (
            f'{name} is not assessed: {unknown} of {len(scores)} questions were answered "don\'t know", so '
            f"the levels that need it cannot be confirmed. Ask {who}."
        )
    aside = _left_out_text(left_out)
    if level is None or level >= MAX_LEVEL:
        return f"{name} is level {MAX_LEVEL}: every counted answer here is at the top level.{aside}"
    reasons = []
    for s in scores:
        if s.level != level:
            continue
        question = model.question_by_id[s.question_id]
        if not s.answered:
            reasons.append(f"'{question.text}' was not answered")
        elif s.status is Status.DONT_KNOW:
            reasons.append(f"'{question.text}' was answered \"don't know\"{' by the typical member' if team else ''}")
        else:
            option = model.option(s.question_id, s.option_id or "")
            verb = "the team's typical answer to" if team else "the answer to"
            reasons.append(f"{verb} '{question.text}' is '{option.label if option else '?'}'")
    counted = len(dim.counted)
    return (
        f"{name} is level {level} because " + "; ".join(reasons) + f". {dim.above} of {counted} "
        f"question{'s' if counted != 1 else ''} already at level {level + 1} or above.{aside}"
    )


def _left_out_text(left_out: list[QuestionScore]) -> str:
    na = sum(s.status is Status.NOT_APPLICABLE for s in left_out)
    dk = sum(s.status is Status.DONT_KNOW for s in left_out)
    parts = [f"{na} not applicable"] * bool(na) + [f'{dk} "don\'t know"'] * bool(dk)
    return f" Left out: {' and '.join(parts)}." if parts else ""


def score_dimensions(
    model: MaturityModel, answer_sets: Sequence[Answers], profile: str | None
) -> tuple[tuple[DimensionScore, ...], dict[str, QuestionScore]]:
    asked = [q for q in model.questions_for(profile) if not q.profile]
    by_question = {q.id: score_question(model, q, answer_sets) for q in asked}
    team = len(answer_sets) > 1
    dims = tuple(
        _dimension(model, d.id, tuple(by_question[q.id] for q in asked if q.dimension == d.id), team)
        for d in model.dimensions_for(profile)
    )
    return dims, by_question


def requirements(model: MaturityModel, level: int, dims: Mapping[str, DimensionScore]) -> dict[str, int]:
    """What the gate of ``level`` asks: dimension or question id -> minimum level."""
    gate = model.gate_by_level[level]
    return dict(gate.needs) | (dict.fromkeys(dims, level) if gate.every_dimension else {})


def _shortfalls(
    needs: Mapping[str, int], dims: Mapping[str, DimensionScore], by_question: Mapping[str, QuestionScore]
) -> dict[str, list[str]]:
    """Dimension id -> the answers (question ids) below what ``needs`` asks, for each dimension that keeps the
    gate from being met; an empty list when it blocks because nobody could assess it. What is not asked of the
    team or is "not applicable" blocks nothing; what nobody knew blocks."""
    short: dict[str, list[str]] = {}
    for key, minimum in needs.items():
        if key in dims:
            dim = dims[key]
            if dim.assessed is Assessed.NOT_APPLICABLE or (dim.level is not None and dim.level >= minimum):
                continue
            low = [q.question_id for q in dim.questions if q.level is not None and q.level < minimum]
            found = short.setdefault(key, [])
            found.extend(q for q in low if q not in found)
            continue
        answer = by_question.get(key)
        if answer is None or answer.status is Status.NOT_APPLICABLE:
            continue
        if answer.level is None:  # nobody knew: the question's dimension, assessed from the rest, stands in
            stand_in = dims.get(answer.dimension)
            if stand_in is None or stand_in.level is None or stand_in.level < minimum:
                short.setdefault(answer.dimension, [])
        elif answer.level < minimum:
            found = short.setdefault(answer.dimension, [])
            if key not in found:
                found.append(key)
    return short


def overall_level(
    model: MaturityModel, dims: Mapping[str, DimensionScore], by_question: Mapping[str, QuestionScore]
) -> int:
    """The highest level whose gate is met, every lower gate included (levels build on each other). Nothing
    assessed at all is level 0, not a vacuous 4."""
    if not any(d.assessed is Assessed.YES for d in dims.values()):
        return 0
    reached = 0
    for level in range(1, MAX_LEVEL + 1):
        if _shortfalls(requirements(model, level, dims), dims, by_question):
            break
        reached = level
    return reached


def blockers(
    model: MaturityModel, dims: Mapping[str, DimensionScore], by_question: Mapping[str, QuestionScore], overall: int
) -> dict[str, list[str]]:
    """The dimensions holding the level above ``overall`` back, weakest first (those nobody could assess first of
    all), each with its answers that fall short."""
    if overall >= MAX_LEVEL:
        return {}
    order = list(dims)
    short = _shortfalls(requirements(model, overall + 1, dims), dims, by_question)

    def weakness(dimension_id: str) -> tuple[int, int]:
        level = dims[dimension_id].level
        return (-1 if level is None else level, order.index(dimension_id))

    return {d: short[d] for d in sorted(short, key=weakness)}


def _reported(model: MaturityModel, investment_id: str, by_question: Mapping[str, QuestionScore]) -> bool:
    """The team's answers already show this practice (``Investment.establishes``, by default its own question one
    rung up)."""
    return any(
        (s := by_question.get(qid)) is not None and s.status is Status.SCORED and (s.level or 0) >= level
        for qid, level in model.established_by[investment_id].items()
    )


def _option_at(model: MaturityModel, question: Question, score: QuestionScore) -> Option:
    """The option standing for the team's answer (the level's first option when the median was "don't know")."""
    option = model.option(question.id, score.option_id or "")
    if option is not None and option.scored:
        return option
    return next(o for o in question.options if o.level == score.level)


def _investment_for(
    model: MaturityModel,
    question: Question,
    score: QuestionScore,
    profile: str | None,
    by_question: Mapping[str, QuestionScore],
) -> Investment | None:
    """What moves this answer up: the first fitting investment its option names that the team does not already
    have; if the team has them all (another answer shows it), the next rung's; and never nothing for an answer
    that needs a step, whatever the other answers say."""
    current = _option_at(model, question, score)
    above = [o for o in question.options if (o.level or 0) > (current.level or 0) and (o.level or 0) < MAX_LEVEL]
    for option in (current, *above):
        for investment_id in option.next:
            investment = model.investment_by_id[investment_id]
            if investment.fits(profile) and not _reported(model, investment_id, by_question):
                return investment
    return next((model.investment_by_id[i] for i in current.next if model.investment_by_id[i].fits(profile)), None)


def next_steps(
    model: MaturityModel,
    profile: str | None,
    dims: Mapping[str, DimensionScore],
    by_question: Mapping[str, QuestionScore],
    reached: int,
    blocking: Mapping[str, list[str]],
) -> tuple[NextStep, ...]:
    """For each answer that falls short of what the gate above ``reached`` needs, the investment its option
    names, ranked: first those that would clear a whole blocking dimension, then those for the questions only
    this profile is asked (an LLM team's evaluations before generic advice), then those that move the most
    answers, then the weakest answers first, then bank order. With nothing blocking (level 4), what keeps each
    top answer there."""
    if not blocking:
        return _sustaining(model, profile, dims, by_question)
    needs = requirements(model, reached + 1, dims)
    found: dict[str, list[tuple[QuestionScore, int]]] = {}  # investment id -> (answer, level it needs)
    for dimension_id, short in blocking.items():
        for question_id in short:
            answer = by_question[question_id]
            if answer.status is Status.UNANSWERED:
                continue  # listed as unanswered: the step is to answer it
            need = max(needs.get(question_id, 0), needs.get(dimension_id, 0))
            question = model.question_by_id[question_id]
            investment = _investment_for(model, question, answer, profile, by_question)
            if investment is not None:
                found.setdefault(investment.id, []).append((answer, need))
    position = {q.id: n for n, q in enumerate(model.questions)}
    own = {q.id for q in model.questions if q.applies_to is not None and len(q.applies_to) == 1}

    def clears(answers: list[tuple[QuestionScore, int]]) -> int:
        """How many blocking dimensions this one investment would bring up to what the gate needs."""
        lifted = {s.question_id for s, need in answers if need - (s.level or 0) == 1}
        return sum(1 for short in blocking.values() if short and set(short) <= lifted)

    ranked = sorted(
        found.items(),
        key=lambda item: (
            -clears(item[1]),
            not any(s.question_id in own for s, _ in item[1]),
            -len(item[1]),
            min(s.level or 0 for s, _ in item[1]),
            min(position[s.question_id] for s, _ in item[1]),
        ),
    )
    return tuple(_step(model, investment_id, [s for s, _ in answers]) for investment_id, answers in ranked)


def _sustaining(
    model: MaturityModel,
    profile: str | None,
    dims: Mapping[str, DimensionScore],
    by_question: Mapping[str, QuestionScore],
) -> tuple[NextStep, ...]:
    found: dict[str, list[QuestionScore]] = {}
    for dim in dims.values():
        for s in dim.questions:
            if s.status is not Status.SCORED or s.level != MAX_LEVEL:
                continue
            question = model.question_by_id[s.question_id]
            option = _option_at(model, question, s)
            investment = next(
                (model.investment_by_id[i] for i in option.next if model.investment_by_id[i].fits(profile)), None
            )
            if investment is not None:
                found.setdefault(investment.id, []).append(s)
    return tuple(_step(model, investment_id, answers) for investment_id, answers in found.items())


def _step(model: MaturityModel, investment_id: str, answers: list[QuestionScore]) -> NextStep:
    return NextStep(
        investment=model.investment_by_id[investment_id],
        lifts=tuple(dict.fromkeys(s.dimension for s in answers)),
        questions=tuple(s.question_id for s in answers),
    )


def pitfalls_shown(
    model: MaturityModel, dims: Mapping[str, DimensionScore], by_question: Mapping[str, QuestionScore]
) -> tuple[Pitfall, ...]:
    def level_of(key: str) -> int | None:
        if key in dims:
            return dims[key].level
        found = by_question.get(key)
        return found.level if found is not None and found.status is Status.SCORED else None

    def holds(conditions: Mapping[str, int], low: bool) -> bool:
        for key, bound in conditions.items():
            level = level_of(key)
            if level is None or (level > bound if low else level < bound):
                return False
        return True

    return tuple(p for p in model.pitfalls if holds(p.low, True) and holds(p.high, False))


def own_answers(model: MaturityModel, answers: Answers) -> dict[str, str]:
    """A member's answers to the questions their own profile asks: one who changed profile keeps the answers
    given before in storage, but they no longer count."""
    asked = {q.id for q in model.questions_for(model.profile_of(dict(answers)))}
    return {qid: oid for qid, oid in answers.items() if qid in asked}


def score(model: MaturityModel, answer_sets: Sequence[Answers]) -> Result:
    """Score one member (one answer set) or a team (several)."""
    answer_sets = [own_answers(model, answers) for answers in answer_sets]
    profile, votes = team_profile(model, answer_sets)
    dimensions, by_question = score_dimensions(model, answer_sets, profile)
    dims = {d.id: d for d in dimensions}
    chosen = model.profile_option(profile)
    cap = chosen.max_level if chosen is not None else None
    reached = overall_level(model, dims, by_question)
    overall = reached if cap is None else min(reached, cap)
    # A team at its profile's cap is held back by what it runs, not by a dimension: nothing is shown as holding
    # it back, and its next steps aim at the level its practices would reach next.
    practice = blockers(model, dims, by_question, reached)
    capped = cap is not None and overall >= cap
    blocking = () if capped else tuple(practice)
    level = model.level(overall)
    texts = {q.id: q.text for q in model.questions}
    strengths = tuple(d.id for d in dimensions if d.level is not None and d.level > overall and d.id not in blocking)
    return Result(
        model_version=model.version,
        profile=profile,
        profile_label=chosen.label if chosen is not None else None,
        profile_votes=tuple((o.id, votes[o.id]) for o in model.profile_options if votes[o.id]),
        overall=overall,
        overall_name=level.name_for(profile),
        overall_summary=_summary(level.summary_for(profile), dims, strengths, blocking, overall),
        level_cap=cap,
        level_cap_note=chosen.max_level_note if chosen is not None else None,
        dimensions=dimensions,
        strengths=strengths,
        blockers=blocking,
        next_steps=next_steps(model, profile, dims, by_question, reached, practice),
        unconfirmed=_unconfirmed(model, dims, by_question, overall),
        pitfalls=pitfalls_shown(model, dims, by_question),
        disagreements=tuple(
            Disagreement(s.question_id, texts[s.question_id], s.low, s.high, s.respondents, s.said_not_applicable)
            for s in by_question.values()
            if s.disagrees
        ),
        knowledge_gaps=tuple(
            KnowledgeGap(s.question_id, texts[s.question_id], s.dimension, model.who_knows(model.question_by_id[qid]))
            for qid, s in by_question.items()
            if s.status is Status.DONT_KNOW
        ),
        knowledge_silos=tuple(d.id for d in dimensions if d.dont_know_share > KNOWLEDGE_SILO_SHARE),
        not_applicable=tuple(
            NotApplicable(s.question_id, texts[s.question_id], _reasons(model, s))
            for s in by_question.values()
            if s.status is Status.NOT_APPLICABLE
        ),
        unanswered=tuple(qid for qid, s in by_question.items() if s.status is Status.UNANSWERED),
        respondents=len(answer_sets),
    )


def _summary(
    described: str,
    dims: Mapping[str, DimensionScore],
    strengths: tuple[str, ...],
    blocking: tuple[str, ...],
    overall: int,
) -> str:
    """The level's own description, unless the answers say otherwise: when dimensions already reach past the
    level, the generic words ("training is handled by hand") would contradict them, so the result says what holds
    the team at this level instead."""
    if not strengths or not blocking:
        return described
    held = ", ".join(dims[d].name for d in blocking)
    ahead = ", ".join(dims[d].name for d in strengths)
    return (
        f"The gates confirm level {overall}: {held} hold{'s' if len(blocking) == 1 else ''} the team here, while "
        f"{ahead} already reach{'es' if len(strengths) == 1 else ''} further."
    )


def _unconfirmed(
    model: MaturityModel, dims: Mapping[str, DimensionScore], by_question: Mapping[str, QuestionScore], overall: int
) -> tuple[str, ...]:
    """Answers nobody knew in what the gates up to ``overall`` ask for: the level holds only if they are at least
    as good as the rest, so the result says so and whom to ask."""
    asked: set[str] = set()
    for level in range(1, overall + 1):
        for key in requirements(model, level, dims):
            asked |= {q.question_id for q in dims[key].questions} if key in dims else {key}
    return tuple(
        qid for qid, s in by_question.items() if qid in asked and s.status is Status.DONT_KNOW and s.level is None
    )


def _reasons(model: MaturityModel, s: QuestionScore) -> tuple[tuple[str, str, int], ...]:
    return tuple((r, model.reason_by_id[r].label if r in model.reason_by_id else r, n) for r, n in s.not_applicable)


def score_answers(model: MaturityModel, answers: Answers) -> Result:
    return score(model, [answers])

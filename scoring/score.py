"""Scoring: from answers to levels, explanations and next steps. Pure functions over the model; no I/O.

The rules, in short:
- a question's team level is the lower median of its members' levels (ordinal data: no means);
- a dimension's level is its weakest question (the ML Test Score rule), with progress toward the next level;
- the overall level is the highest level whose gate, and every gate below it, is met;
- unanswered questions and "don't know" count as level 0 and are flagged, so a gap is never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

from scoring.model import DONT_KNOW, MAX_LEVEL, Investment, MaturityModel, Pitfall, Question

DISAGREEMENT_SPREAD = 2
MIN_RESPONDENTS_TO_NAME = 3  # team posts name a disagreement only when this many answered (a setting)
KNOWLEDGE_GAP_SHARE = 0.3

Answers = Mapping[str, str]  # question id -> option id


@dataclass(frozen=True)
class QuestionScore:
    question_id: str
    level: int
    respondents: int  # members who gave an answer (don't know included)
    dont_know: int  # of those, how many said "don't know"
    low: int
    high: int
    option_id: str | None  # the option that stands for the level; None when nobody answered

    @property
    def answered(self) -> bool:
        return self.respondents > 0

    @property
    def spread(self) -> int:
        return self.high - self.low


@dataclass(frozen=True)
class DimensionScore:
    id: str
    name: str
    level: int
    questions: tuple[QuestionScore, ...]
    dont_know_share: float
    explanation: str

    @property
    def above(self) -> int:
        """How many of the dimension's questions are already past its level."""
        return sum(q.level > self.level for q in self.questions)

    @property
    def progress(self) -> float:
        """Progress inside the level: the share of questions already at the next one (1.0 at level 4)."""
        return 1.0 if self.level >= MAX_LEVEL else self.above / len(self.questions)

    @property
    def progress_text(self) -> str:
        if self.level >= MAX_LEVEL:
            return "top level"
        return f"{self.above} of {len(self.questions)} questions at level {self.level + 1}+"


@dataclass(frozen=True)
class Disagreement:
    question_id: str
    question: str
    low: int
    high: int
    respondents: int  # members who answered it: team posts show the details only above a privacy threshold

    @property
    def spread(self) -> int:
        return self.high - self.low


@dataclass(frozen=True)
class Result:
    model_version: str
    overall: int
    overall_name: str
    overall_summary: str
    dimensions: tuple[DimensionScore, ...]
    strengths: tuple[str, ...]  # dimension ids above the overall level
    blockers: tuple[str, ...]  # dimension ids holding the next level back, weakest first
    next_steps: tuple[Investment, ...]  # next transition's investments, blockers' first; sustaining at level 4
    pitfalls: tuple[Pitfall, ...]
    disagreements: tuple[Disagreement, ...]
    knowledge_gaps: tuple[str, ...]  # dimension ids where over 30% of answers were "don't know"
    unanswered: tuple[str, ...]  # question ids nobody answered
    respondents: int

    def dimension(self, dimension_id: str) -> DimensionScore:
        return next(d for d in self.dimensions if d.id == dimension_id)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, stored with results and printed by ``maturity-bot score``."""
        return {
            "model_version": self.model_version,
            "overall": self.overall,
            "overall_name": self.overall_name,
            "overall_summary": self.overall_summary,
            "dimensions": {
                d.id: {
                    "name": d.name,
                    "level": d.level,
                    "progress": round(d.progress, 3),
                    "dont_know_share": round(d.dont_know_share, 3),
                    "explanation": d.explanation,
                }
                for d in self.dimensions
            },
            "strengths": list(self.strengths),
            "blockers": list(self.blockers),
            "next_steps": [
                {"id": i.id, "title": i.title, "why": i.why, "tools": list(i.tools), "lifts": list(i.lifts)}
                for i in self.next_steps
            ],
            "pitfalls": [{"id": p.id, "title": p.title, "warning": p.warning} for p in self.pitfalls],
            "disagreements": [asdict(d) | {"spread": d.spread} for d in self.disagreements],
            "knowledge_gaps": list(self.knowledge_gaps),
            "unanswered": list(self.unanswered),
            "respondents": self.respondents,
        }


def unknown_answers(model: MaturityModel, answers: Answers) -> list[str]:
    """Problems with an answer set: unknown question ids or option ids. Empty when all is well."""
    problems = []
    for qid, oid in answers.items():
        question = model.question_by_id.get(qid)
        if question is None:
            problems.append(f"unknown question id {qid!r}")
        elif question.option(oid) is None:
            valid = ", ".join(o.id for o in question.choices)
            problems.append(f"unknown option {oid!r} for question {qid!r} (valid: {valid})")
    return problems


def score_question(question: Question, answer_sets: Sequence[Answers]) -> QuestionScore:
    chosen = [opt for answers in answer_sets if (opt := question.option(answers.get(question.id, "")))]
    if not chosen:
        return QuestionScore(question.id, 0, 0, 0, 0, 0, None)
    median = sorted(chosen, key=lambda o: o.level)[(len(chosen) - 1) // 2]  # the lower median's own option
    known = [o.level for o in chosen if o.id != DONT_KNOW] or [0]  # "don't know" is a gap, not a disagreement
    dont_know = sum(o.id == DONT_KNOW for o in chosen)
    return QuestionScore(question.id, median.level, len(chosen), dont_know, min(known), max(known), median.id)


def _explain(model: MaturityModel, dim: DimensionScore, team: bool) -> str:
    name, level, scores = dim.name, dim.level, dim.questions
    if level >= MAX_LEVEL:
        return f"{name} is level {MAX_LEVEL}: every answer here is at the top level."
    reasons = []
    for s in scores:
        if s.level != level:
            continue
        question = model.question_by_id[s.question_id]
        if not s.answered:
            reasons.append(f"'{question.text}' was not answered")
        elif s.option_id == DONT_KNOW:
            reasons.append(f"'{question.text}' was answered \"don't know\"{' by the typical member' if team else ''}")
        else:
            label = question.option(s.option_id or "").label if s.option_id else "?"
            verb = "the team's typical answer to" if team else "the answer to"
            reasons.append(f"{verb} '{question.text}' is '{label}'")
    return (
        f"{name} is level {level} because " + "; ".join(reasons) + f". {dim.above} of {len(scores)} "
        f"question{'s' if len(scores) != 1 else ''} already at level {level + 1} or above."
    )


def score_dimensions(
    model: MaturityModel, answer_sets: Sequence[Answers]
) -> tuple[tuple[DimensionScore, ...], dict[str, QuestionScore]]:
    by_question = {q.id: score_question(q, answer_sets) for q in model.questions}
    team = len(answer_sets) > 1
    dims = []
    for dim in model.dimensions:
        scores = tuple(by_question[q.id] for q in model.questions_by_dimension[dim.id])
        given = sum(s.respondents for s in scores)
        dont_know_share = sum(s.dont_know for s in scores) / given if given else 0.0
        unexplained = DimensionScore(dim.id, dim.name, min(s.level for s in scores), scores, dont_know_share, "")
        dims.append(replace(unexplained, explanation=_explain(model, unexplained, team)))
    return tuple(dims), by_question


def overall_level(model: MaturityModel, levels: Mapping[str, int]) -> int:
    """The highest level whose gate is met, every lower gate included (levels build on each other)."""
    reached = 0
    for level in range(1, MAX_LEVEL + 1):
        if any(levels[d] < level for d in model.gate_by_level[level]):
            break
        reached = level
    return reached


def blockers(model: MaturityModel, levels: Mapping[str, int], overall: int) -> tuple[str, ...]:
    if overall >= MAX_LEVEL:
        return ()
    gate = model.gate_by_level[overall + 1]
    order = [d.id for d in model.dimensions]
    held_back = [d for d in gate if levels[d] < overall + 1]
    return tuple(sorted(held_back, key=lambda d: (levels[d], order.index(d))))


def next_steps(
    model: MaturityModel, levels: Mapping[str, int], overall: int, blocking: Sequence[str]
) -> tuple[Investment, ...]:
    """Blockers first, weakest first, each with the investments of its own transition (a dimension two levels
    behind needs its first step, not the team's next one); then the rest of the next transition's investments.
    At level 4, the advice on sustaining it."""
    steps: list[Investment] = []
    for dim in blocking:
        steps += [i for i in model.investments_for(levels[dim]) if dim in i.lifts and i not in steps]
    steps += [i for i in model.investments_for(min(overall, MAX_LEVEL)) if i not in steps]
    return tuple(steps)


def pitfalls_shown(model: MaturityModel, levels: Mapping[str, int]) -> tuple[Pitfall, ...]:
    return tuple(
        p
        for p in model.pitfalls
        if all(levels[d] <= lv for d, lv in p.low.items()) and all(levels[d] >= lv for d, lv in p.high.items())
    )


def score(model: MaturityModel, answer_sets: Sequence[Answers]) -> Result:
    """Score one member (one answer set) or a team (several)."""
    dimensions, by_question = score_dimensions(model, answer_sets)
    levels = {d.id: d.level for d in dimensions}
    overall = overall_level(model, levels)
    blocking = blockers(model, levels, overall)
    disagreements = tuple(
        Disagreement(s.question_id, model.question_by_id[s.question_id].text, s.low, s.high, s.respondents)
        for s in by_question.values()
        if s.respondents > 1 and s.spread >= DISAGREEMENT_SPREAD
    )
    level = model.level(overall)
    return Result(
        model_version=model.version,
        overall=overall,
        overall_name=level.name,
        overall_summary=level.summary,
        dimensions=dimensions,
        strengths=tuple(d.id for d in dimensions if d.level > overall),
        blockers=blocking,
        next_steps=next_steps(model, levels, overall, blocking),
        pitfalls=pitfalls_shown(model, levels),
        disagreements=disagreements,
        knowledge_gaps=tuple(d.id for d in dimensions if d.dont_know_share > KNOWLEDGE_GAP_SHARE),
        unanswered=tuple(qid for qid, s in by_question.items() if not s.answered),
        respondents=len(answer_sets),
    )


def score_answers(model: MaturityModel, answers: Answers) -> Result:
    return score(model, [answers])

"""The team summary: what most people see of the product, built once from storage and scoring and worded the
same on every platform. Slack, Teams and the terminal only lay it out (blocks, a card, a console table).

Individual answers never appear: levels are the team's (lower medians), participation is a count, and where
members disagree is only named for questions that enough members answered (``min_respondents``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.app.replies import Style, known_team_name
from bot.app.results import round_result
from bot.text import NEXT_STEPS_SHOWN
from checkins.plan import LABELS, SETTLED, plan_for
from checkins.states import PlanStatus
from dialogs.ports import ModelVersions, Participant
from scoring.model import Investment, Pitfall
from scoring.score import MIN_RESPONDENTS_TO_NAME, Disagreement, NotApplicable, Result
from storage.database import Database
from storage.queries import find_team
from storage.summaries import PreviousRound, SummaryFacts, summary_facts

DISAGREEMENTS_SHOWN = 5  # a long list would bury the rest; the export has them all


@dataclass(frozen=True)
class Trend:
    """A level this round beside the previous round's (None: no previous round, or a dimension new since; a
    level of None: not assessed)."""

    name: str  # the dimension's name; for the overall level, the level's own name ("Automated training")
    level: int | None
    previous: int | None

    @property
    def words(self) -> str:
        if self.previous is None or self.level is None:
            return ""
        if self.level > self.previous:
            return f"up from {self.previous}"
        if self.level < self.previous:
            return f"down from {self.previous}"
        return "same"

    @property
    def change(self) -> str:
        """The words with a mark that reads without colour: "▲ up from 1", "▼ down from 3", "= same", or ""."""
        if not self.words:
            return ""
        mark = "=" if self.words == "same" else "▲" if (self.level or 0) > (self.previous or 0) else "▼"
        return f"{mark} {self.words}"


@dataclass(frozen=True)
class TeamSummary:
    team: str  # external id: the channel
    team_name: str
    round_number: int
    round_open: bool
    model_version: str  # the rubric version the round was taken on (scored with the current one if not stored)
    previous_round: int | None
    overall: Trend
    level_meaning: str  # one sentence on what the overall level means
    profile: str | None  # what the team runs, as the profile option's label
    profile_votes: tuple[tuple[str, int], ...]  # (label, members), only when members chose differently
    level_cap_note: str | None  # why the profile tops out below 4, when it does
    rubric_change: tuple[str, str, tuple[str, ...]] | None  # (previous version, this one, its changelog)
    dimensions: tuple[Trend, ...]
    finished: int
    members: int
    in_progress: int
    blockers: tuple[str, ...]  # names of the dimensions holding the next level back
    disagreements: tuple[Disagreement, ...]  # only those answered by at least ``min_respondents``, widest first
    hidden_disagreements: int  # disagreements on questions too few answered to name
    min_respondents: int
    not_applicable: tuple[NotApplicable, ...]  # questions the team answered "not applicable", with the reasons
    knowledge_gaps: int  # questions nobody who answered knew
    unconfirmed: int  # of those, how many the overall level counts on
    notes: int  # answers carrying a note
    links: int  # answers carrying an evidence link
    plan: Counter[PlanStatus]  # status -> how many of the plan's steps
    next_steps: tuple[tuple[Investment, PlanStatus], ...]  # the first unsettled steps, with their status
    pitfall: Pitfall | None
    unanswered: int
    result: Result  # the scored round, for whoever stores or prints it whole

    @property
    def next_level(self) -> int:
        return (self.overall.level or 0) + 1

    @property
    def known_name(self) -> str | None:
        """The team's name, or None when only its channel id or a placeholder is known (a chart then says "your
        team": a picture cannot carry Slack's channel mention)."""
        return known_team_name(self.team, self.team_name)

    @property
    def title(self) -> str:
        return f"Team summary, round {self.round_number}: level {self.overall.level}, {self.overall.name}"


def build_summary(models: ModelVersions, facts: SummaryFacts, *, min_respondents: int) -> TeamSummary | None:
    """None when nobody has finished the round: there is nothing to sum up yet. The round is scored on the model
    version it was opened on."""
    if not facts.answer_sets:
        return None
    model = models.get(facts.model_version)
    result = round_result(models, facts.model_version, facts.answer_sets)
    was_overall, was = _previous_levels(models, facts.previous)
    names = {d.id: d.name for d in result.dimensions}
    entries = plan_for(result, facts.plan)
    enough = [d for d in result.disagreements if d.respondents >= min_respondents]
    shown = tuple(sorted(enough, key=lambda d: -d.spread))  # the widest first; the model's order among equals
    labels = {o.id: o.label for o in model.profile_options}
    votes = tuple((labels[p], n) for p, n in result.profile_votes) if result.profile_disagreement else ()
    changed = facts.previous is not None and facts.previous.model_version != facts.model_version
    return TeamSummary(
        team=facts.team,
        team_name=facts.team_name,
        round_number=facts.round_number,
        round_open=facts.round_open,
        model_version=facts.model_version,
        previous_round=facts.previous.number if facts.previous else None,
        overall=Trend(result.overall_name, result.overall, was_overall),
        level_meaning=result.overall_summary,
        profile=result.profile_label,
        profile_votes=votes if sum(n for _, n in votes) >= min_respondents else (),
        level_cap_note=(
            result.level_cap_note if result.level_cap is not None and result.overall >= result.level_cap else None
        ),
        rubric_change=(
            (facts.previous.model_version, facts.model_version, tuple(model.changes_in(facts.model_version)))
            if changed and facts.previous
            else None
        ),
        dimensions=tuple(Trend(d.name, d.level, was.get(d.id)) for d in result.dimensions),
        finished=len(facts.answer_sets),
        members=max(facts.members, len(facts.answer_sets)),
        in_progress=facts.in_progress if facts.round_open else 0,  # a closed round takes no more answers
        blockers=tuple(names[d] for d in result.blockers),
        disagreements=shown,
        hidden_disagreements=len(result.disagreements) - len(shown),
        min_respondents=min_respondents,
        not_applicable=result.not_applicable,
        knowledge_gaps=len(result.knowledge_gaps),
        unconfirmed=len(result.unconfirmed),
        notes=facts.notes,
        links=facts.links,
        plan=Counter(e.status for e in entries),
        next_steps=tuple((e.investment, e.status) for e in entries if e.status not in SETTLED)[:NEXT_STEPS_SHOWN],
        pitfall=result.pitfalls[0] if result.pitfalls else None,
        unanswered=len(result.unanswered),
        result=result,
    )


def _previous_levels(models: ModelVersions, previous: PreviousRound | None) -> tuple[int | None, dict[str, int]]:
    """The previous round's overall level and each dimension's (by id; those not assessed left out), on its own
    model version; (None, {}) without a previous round. Dimensions are compared by id across versions."""
    if previous is None:
        return None, {}
    if previous.stored is not None:
        dimensions = previous.stored.get("dimensions", {})
        levels = {
            d: int(v["level"]) for d, v in dimensions.items() if isinstance(v, dict) and v.get("level") is not None
        }
        return int(previous.stored.get("overall", 0)), levels
    result = round_result(models, previous.model_version, previous.answer_sets)
    return result.overall, {d.id: d.level for d in result.dimensions if d.level is not None}


@dataclass(frozen=True)
class NothingFinished:
    """The team's latest round, which nobody has finished yet."""

    round_number: int
    in_progress: int


def team_report(
    db: Database, models: ModelVersions, who: Participant, *, min_respondents: int = MIN_RESPONDENTS_TO_NAME
) -> TeamSummary | NothingFinished | None:
    """The summary of the asker's team (its latest round anyone finished), or where its latest round stands when
    nobody has; None for a team the bot does not know. Reads only: asking for a summary changes nothing."""
    with db.reading() as session:
        team = find_team(session, who.platform, who.workspace, who.team)
        facts = summary_facts(session, team.id) if team else None
    if facts is None:
        return None
    built = build_summary(models, facts, min_respondents=min_respondents)
    return built or NothingFinished(facts.round_number, facts.in_progress)


def read_summary(
    db: Database, models: ModelVersions, who: Participant, *, min_respondents: int = MIN_RESPONDENTS_TO_NAME
) -> TeamSummary | None:
    """The summary the chat platforms post: None until somebody has finished."""
    found = team_report(db, models, who, min_respondents=min_respondents)
    return found if isinstance(found, TeamSummary) else None


# --- the words, the same everywhere -------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...]


def lead(summary: TeamSummary) -> str:
    """What the level means, the trend, and who took part: the first lines of every summary."""
    o = summary.overall
    if summary.previous_round is None:
        trend = "This is the team's first round, so there is no trend yet."
    elif o.words == "same":
        trend = f"The same level as in round {summary.previous_round}."
    else:
        trend = f"{o.words.capitalize()} in round {summary.previous_round}."
    taking_part = f"{summary.finished} of {summary.members} member{'s' if summary.members != 1 else ''} finished"
    if not summary.round_open:
        taking_part += " before the round closed."
    elif summary.in_progress:
        taking_part += f", {summary.in_progress} still answering."
    else:
        taking_part += "."
    if summary.finished == 1:
        so_far = " so far" if summary.round_open else ""
        taking_part += f" With one member{so_far}, these levels are one person's view of the team."
    system = f" Assessed as: {summary.profile}." if summary.profile else ""
    return f"{summary.level_meaning}{system} {trend} {taking_part}"


def chart_description(summary: TeamSummary) -> str:
    """The chart in words, for screen readers (Slack's alt text, the card's altText)."""
    beside = f" beside round {summary.previous_round}'s" if summary.previous_round else ""
    levels = "; ".join(
        f"{t.name} {'not assessed' if t.level is None else t.level}" + (f", {t.words}" if t.words else "")
        for t in summary.dimensions
    )
    return f"Chart of each dimension's level{beside}: {levels}"


def _lower_first(label: str) -> str:
    """A label read inside a sentence: "Models served online (an API ...)" -> "models served online (an API ...)"."""
    return label[:1].lower() + label[1:]


def sections(summary: TeamSummary, style: Style) -> list[Section]:
    """Everything after the levels, as headed lists each platform lays out in its own way."""
    b, e = style.bold, style.escape
    found: list[Section] = []
    if summary.rubric_change is not None:
        before, now, changes = summary.rubric_change
        changed = (
            f"Round {summary.previous_round} used rubric {e(before)}, this round {e(now)}: levels are compared "
            "dimension by dimension, and a dimension new in this version has no trend.",
            *(e(change) for change in changes),
        )
        found.append(Section("The rubric changed", changed))
    if summary.profile_votes:
        votes = ", ".join(f"{n} {e(_lower_first(label))}" for label, n in summary.profile_votes)
        found.append(
            Section(
                "Members see the system differently",
                (f"{votes}. Scored as {e(_lower_first(summary.profile or ''))}, what most chose.",),
            )
        )
    if summary.level_cap_note:
        found.append(Section("What production would add", (e(summary.level_cap_note),)))
    if summary.blockers:
        found.append(Section(f"Holding back level {summary.next_level}", (e(", ".join(summary.blockers)),)))
    if summary.disagreements or summary.hidden_disagreements:
        lines = [
            f"{e(d.question)}: answers from level {d.low} to {d.high}, {d.spread} levels apart"
            for d in summary.disagreements[:DISAGREEMENTS_SHOWN]
        ]
        if len(summary.disagreements) > DISAGREEMENTS_SHOWN:
            lines.append(f"and {len(summary.disagreements) - DISAGREEMENTS_SHOWN} more")
        if summary.hidden_disagreements:
            lines.append(
                f"{summary.hidden_disagreements} question(s) with answers two or more levels apart that fewer than "
                f"{summary.min_respondents} members answered: not named, so nobody's answer can be told apart."
            )
        found.append(Section("Where members see it differently", tuple(lines)))
    if summary.not_applicable:
        lines = [
            f"{e(n.question)}: "
            + ", ".join(f"{e(label)}" + (f" ({count})" if count > 1 else "") for _, label, count in n.reasons)
            for n in summary.not_applicable
        ]
        found.append(Section(f"Not applicable ({len(lines)}), left out of the levels", tuple(lines)))
    if summary.plan:
        total, plan = summary.plan.total(), summary.plan
        counts = [f"{plan[PlanStatus.DONE]} of {total} steps done"] + [
            f"{plan[status]} {LABELS[status]}"
            for status in (PlanStatus.IN_PROGRESS, PlanStatus.SNOOZED, PlanStatus.NOT_FOR_US, PlanStatus.OPEN)
            if plan[status]
        ]
        found.append(Section(f"Plan toward level {summary.next_level}", (", ".join(counts) + ".",)))
    if summary.next_steps:
        steps = tuple(
            f"{b(e(investment.title))}"
            + (f" ({LABELS[status]})" if status != PlanStatus.OPEN else "")
            + f": {e(investment.why)}"
            for investment, status in summary.next_steps
        )
        found.append(Section("Next steps", steps))
    if summary.pitfall is not None:
        found.append(Section(f"Watch out: {summary.pitfall.title.lower()}", (e(summary.pitfall.warning),)))
    footer = []
    if summary.knowledge_gaps:
        counted_on = (
            f"; level {summary.overall.level} holds only if the {summary.unconfirmed} it counts on are as good"
            if summary.unconfirmed
            else ""
        )
        footer.append(
            f'{summary.knowledge_gaps} question(s) nobody could answer ("don\'t know"), left out{counted_on}.'
        )
    if summary.unanswered:
        footer.append(f"{summary.unanswered} question(s) nobody answered, counted as level 0.")
    if summary.notes or summary.links:
        footer.append(f"{summary.notes} answer(s) with a note, {summary.links} with an evidence link.")
    if footer:
        found.append(Section("", tuple(footer)))
    return found

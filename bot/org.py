"""The organisation view, for workspace admins: how many teams sit at each level, each dimension's spread across
teams, the most common blocker, and the teams overdue for a re-assessment. The same facts in every platform's
words; teams only, never a person."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.replies import Style
from scoring.model import MAX_LEVEL, MaturityModel
from scoring.score import score
from storage.database import Database
from storage.org import workspace_teams


@dataclass
class OrgView:
    teams: int = 0
    assessed: int = 0
    at_level: list[int] = field(default_factory=lambda: [0] * (MAX_LEVEL + 1))
    dimensions: dict[str, list[int]] = field(default_factory=dict)  # dimension name -> teams at each level
    blockers: Counter[str] = field(default_factory=Counter)  # dimension name -> teams it holds back
    overdue: list[tuple[str, str | None, int]] = field(default_factory=list)  # (team, name, weeks since)


def org_view(db: Database, model: MaturityModel, *, platform: str, workspace: str, now: datetime) -> OrgView:
    """Blocking (storage): call it off the event loop."""
    view = OrgView(dimensions={d.name: [0] * (MAX_LEVEL + 1) for d in model.dimensions})
    for facts in workspace_teams(db, platform=platform, workspace=workspace):
        view.teams += 1
        if facts.answer_sets:
            result = score(model, facts.answer_sets)
            view.assessed += 1
            view.at_level[result.overall] += 1
            for dimension in result.dimensions:
                view.dimensions[dimension.name][dimension.level] += 1
            view.blockers.update(model.dimension_by_id[b].name for b in result.blockers)
        last, weeks = facts.last_finished, facts.reassess_weeks
        if last is not None and weeks and last + timedelta(weeks=weeks) < now:
            view.overdue.append((facts.team, facts.name, (now - last).days // 7))
    return view


def org_text(view: OrgView, style: Style) -> str:
    if not view.assessed:
        return f"No team in this workspace has finished the assessment yet ({view.teams} team(s) started)."
    lines = [
        style.bold(f"Organisation view: {view.assessed} team(s) assessed of {view.teams}"),
        " · ".join(f"level {level}: {n}" for level, n in enumerate(view.at_level)),
        "Each dimension, teams at level 0 / 1 / 2 / 3 / 4:",
        *(f"• {name}: {' / '.join(str(n) for n in counts)}" for name, counts in view.dimensions.items()),
    ]
    if view.blockers:
        (name, held), *_ = view.blockers.most_common(1)
        lines.append(f"Most common blocker: {style.bold(style.escape(name))}, holding back {held} team(s).")
    if view.overdue:
        late = ", ".join(
            f"{style.channel(team, name)} ({weeks} weeks)"
            for team, name, weeks in sorted(view.overdue, key=lambda o: -o[2])
        )
        lines.append(f"Overdue for a re-assessment: {late}.")
    else:
        lines.append("No team is overdue for a re-assessment.")
    return "\n".join(lines)

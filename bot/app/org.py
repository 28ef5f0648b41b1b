"""The organisation view, for workspace admins: how many teams sit at each level, each dimension's spread across
teams, the most common blocker, and the teams overdue for a re-assessment. The same facts in every platform's
words; teams only, never a person."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.app.replies import Style
from bot.app.results import current_results
from checkins.cadence import Cadence
from dialogs.ports import ModelVersions
from scoring.model import MAX_LEVEL
from storage.database import Database
from storage.org import workspace_teams

DEFAULT_WEEKS = Cadence().reassess_weeks  # a team without check-ins is expected to re-assess as often as the default


@dataclass
class OrgView:
    teams: int = 0
    assessed: int = 0
    at_level: list[int] = field(default_factory=lambda: [0] * (MAX_LEVEL + 1))
    # dimension name -> teams at each level, then teams where it was not assessed (don't know, not applicable)
    dimensions: dict[str, list[int]] = field(default_factory=dict)
    blockers: Counter[str] = field(default_factory=Counter)  # dimension name -> teams it holds back
    overdue: list[tuple[str, str | None, int]] = field(default_factory=list)  # (team, name, weeks since)


def org_view(db: Database, models: ModelVersions, *, platform: str, workspace: str, now: datetime) -> OrgView:
    """Blocking (storage): call it off the event loop. Each team is scored on its round's own model version;
    dimensions are counted by name, the current model's first."""
    view = OrgView(dimensions={d.name: [0] * (MAX_LEVEL + 2) for d in models.current.dimensions})
    with db.reading() as session:
        teams = workspace_teams(session, platform=platform, workspace=workspace)
        results = current_results(session, models, [t.team_id for t in teams])
    for facts in teams:
        view.teams += 1
        current = results.get(facts.team_id)
        if current is not None:
            result = current.result
            view.assessed += 1
            view.at_level[result.overall] += 1
            for dimension in result.dimensions:
                counts = view.dimensions.setdefault(dimension.name, [0] * (MAX_LEVEL + 2))
                counts[MAX_LEVEL + 1 if dimension.level is None else dimension.level] += 1
            view.blockers.update(result.dimension(b).name for b in result.blockers)
        last = facts.last_finished
        weeks = DEFAULT_WEEKS if facts.reassess_weeks is None else facts.reassess_weeks
        if last is not None and weeks and last + timedelta(weeks=weeks) < now:
            view.overdue.append((facts.team, facts.name, (now - last).days // 7))
    return view


def org_text(view: OrgView, style: Style) -> str:
    if not view.assessed:
        return f"No team in this workspace has finished the assessment yet ({view.teams} team(s) started)."
    lines = [
        style.bold(f"Organisation view: {view.assessed} team(s) assessed of {view.teams}"),
        " · ".join(f"level {level}: {n}" for level, n in enumerate(view.at_level)),
        "Each dimension, teams at level 0 / 1 / 2 / 3 / 4 (and not assessed):",
        *(
            f"• {style.escape(name)}: {' / '.join(str(n) for n in counts[: MAX_LEVEL + 1])}"
            + (f" ({counts[MAX_LEVEL + 1]} not assessed)" if counts[MAX_LEVEL + 1] else "")
            for name, counts in view.dimensions.items()
            if any(counts)
        ),
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

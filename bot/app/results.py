"""A team's current result: one definition for status, App Home, the plan, nudges and the organisation view.

It is the team's latest round that anyone finished, the finished members' answers in it, scored on the model
version the round was opened on. A round just opened, with nobody finished yet, does not hide the last result.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dialogs.ports import ModelVersions
from scoring.score import Result, score
from storage.plan import latest_answer_sets_for


@dataclass(frozen=True)
class TeamResult:
    round_number: int  # the round the result is from (not always the open one)
    model_version: str
    finished: int  # members who finished that round
    result: Result


def round_result(models: ModelVersions, model_version: str, answer_sets: list[dict[str, str]]) -> Result:
    """A round's team result: its finished members' answers scored on the version the round was opened on (the
    current model standing in when that version cannot be had). Status, the summary and a round's close all
    score a round through here."""
    return score(models.get(model_version), answer_sets)


def current_results(session: Session, models: ModelVersions, team_ids: Collection[int]) -> dict[int, TeamResult]:
    """Each team's current result, by team id (teams nobody has finished a round of are left out); two queries."""
    found = latest_answer_sets_for(session, team_ids) if team_ids else {}
    return {
        team_id: TeamResult(
            latest.round_number,
            latest.model_version,
            len(latest.answer_sets),
            round_result(models, latest.model_version, latest.answer_sets),
        )
        for team_id, latest in found.items()
        if latest.answer_sets
    }


def current_result(session: Session, models: ModelVersions, team_id: int) -> TeamResult | None:
    return current_results(session, models, [team_id]).get(team_id)

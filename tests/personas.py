"""Answer sets for the article's FAQ teams (all serving models online), used across the tests.

``ASKED`` is the questions such a team is asked, in the order the bot asks them (the profile question first):
tests that click through a whole assessment follow it.
"""

from __future__ import annotations

from scoring.model import default_model
from tests.teams import build

MODEL = default_model()
PROFILE = "online"
ASKED = MODEL.questions_for(PROFILE)


def _persona(level: int, **answers: str) -> dict[str, str]:
    return build(MODEL, PROFILE, level, answers)


PERSONAS: dict[str, tuple[int, dict[str, str]]] = {  # name -> (expected overall level, {question id: option id})
    # "If you cannot reliably reproduce a model from three months ago, you are at Level 0."
    "faq_level_0": (0, _persona(0, model_documentation="readme_goal", automated_tests="app_code")),
    # "Application code is well-managed but model training is manual: Level 1."
    "faq_level_1": (
        1,
        _persona(
            1,
            automated_tests="app_code",
            environment_definition="pinned_lockfile",
            model_ownership="reviewed",
            fairness_checks="na_no_decisions_about_people",
        ),
    ),
    # "Training is automated but deployment is not: Level 2." Releases are a script someone runs; uptime only.
    "faq_level_2": (
        2,
        _persona(
            2,
            release_path="scripted_release",
            deploy_lead_time="days",
            production_monitoring="system_health",
            outcome_feedback="compared_by_hand",
            incident_response="fixed_in_working_hours",
            eu_ai_act="scope_checked",
        ),
    ),
    # "Both are automated with monitoring: Level 3." Governance and operations at the level-3 gate's minimum (each
    # deployment traceable to its data, as Microsoft's level 3 asks).
    "faq_level_3": (
        3,
        _persona(
            3,
            model_documentation="design_doc",
            eu_ai_act="risk_classified",
            incident_response="owner_and_runbook",
            cost_tracking="per_model_reviewed",
        ),
    ),
    # "Full governance, compliance automation and self-correcting systems: Level 4."
    "faq_level_4": (4, _persona(4)),
    # Monitoring at 3, but training manual and results untracked: overall 1, monitoring reported above it.
    "monitoring_but_manual_training": (
        1,
        _persona(
            1,
            production_monitoring="drift_and_quality_alerts",
            outcome_feedback="quality_as_labels_arrive",
            model_ownership="reviewed",
            automated_tests="app_code",
            environment_definition="pinned_lockfile",
        ),
    ),
}

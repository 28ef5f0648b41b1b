"""Realistic teams, each with the level an MLOps expert would give it and why.

The same table is in docs/rubric.md ("Realistic teams"); ``tests/test_rubric_teams.py`` checks that both agree
and that the scorer gives every team its expected level. Answer sets are built from a base level with the answers
that differ from it spelled out, so each team reads as "mostly level N, except ...".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scoring.model import MaturityModel


@dataclass(frozen=True)
class Team:
    name: str  # as the docs table names it
    profile: str
    expected: int
    why: str
    base: int
    answers: dict[str, str] = field(default_factory=dict)  # question id -> option id, where not ``base``
    not_expected: tuple[str, ...] = ()  # investments that must not be among its next steps
    expected_step: str | None = None  # the investment that must come first

    def answer_set(self, model: MaturityModel) -> dict[str, str]:
        return build(model, self.profile, self.base, self.answers)


def build(model: MaturityModel, profile: str, level: int, answers: dict[str, str] | None = None) -> dict[str, str]:
    """Every question for ``profile`` answered at ``level``, then ``answers`` on top."""
    built = {"system_type": profile}
    for question in model.questions_for(profile)[1:]:
        built[question.id] = next(o.id for o in question.options if o.level == level)
    return built | (answers or {})


TEAMS: tuple[Team, ...] = (
    Team(
        "Notebook-era startup",
        "online",
        0,
        "Models are trained in notebooks on laptops and emailed to an engineer; nothing can be rebuilt. The article's "
        "simplest test: a model from three months ago cannot be reproduced, so level 0.",
        base=0,
        answers={"model_documentation": "readme_goal", "automated_tests": "some_tests"},
    ),
    Team(
        "Startup retraining by cron",
        "online",
        1,
        "App code in Git with CI/CD, but training is a notebook on a cron timer with no tracking or registry. A timer "
        "is not an orchestrated pipeline, and data versions are not recorded: DevOps foundations, level 1.",
        base=1,
        answers={
            "automated_tests": "app_code",
            "model_ownership": "reviewed",
            "environment_definition": "pinned_lockfile",
            "fairness_checks": "na_no_decisions_about_people",
            "eu_ai_act": "na_minimal_risk",
        },
    ),
    Team(
        "Automated training, manual releases",
        "online",
        2,
        "An orchestrated pipeline retrains on a schedule with tracked runs, a registry and versioned data, but "
        "releases are a script someone runs and only uptime is watched: the article's level 2.",
        base=2,
        answers={
            "production_monitoring": "system_health",
            "outcome_feedback": "compared_by_hand",
            "incident_response": "fixed_in_working_hours",
            "audit_trail": "tracking_records",
            "eu_ai_act": "scope_checked",
            "fairness_checks": "occasional",
        },
    ),
    Team(
        "Platform team with many models",
        "online",
        3,
        "CI/CD releases through staging behind canaries, drift and quality alerts page an on-call rotation, lineage "
        "and approvals are linked. Cost is only looked at now and then, which holds back level 4, not level 3.",
        base=3,
        answers={"cost_tracking": "looked_at_sometimes"},
        expected_step="cost_per_model",
    ),
    Team(
        "Regulated bank (credit decisions)",
        "online",
        4,
        "Everything at the top, and every high-risk promotion waits for a recorded human approval under a "
        "risk-tiered policy the pipeline enforces (SR 11-7, EU AI Act change management). A person in the loop is "
        "the level-4 rung, not a cap.",
        base=4,
    ),
    Team(
        "Level 4, outside the EU AI Act",
        "online",
        4,
        "A level-4 team whose system is not placed on the EU market answers the AI Act question not applicable; "
        "it is listed, left out of the score, and the team stays at 4.",
        base=4,
        answers={"eu_ai_act": "na_outside_law"},
    ),
    Team(
        "Level 4, no decisions about people",
        "online",
        4,
        "A level-4 team whose model routes warehouse robots makes no decisions about people, so fairness checks "
        "are not applicable; it stays at 4, and no fairness advice appears.",
        base=4,
        answers={"fairness_checks": "na_no_decisions_about_people", "personal_data": "na_no_personal_data"},
        not_expected=("fairness_in_production", "first_fairness_review"),
    ),
    Team(
        'Level 3 with one "don\'t know"',
        "online",
        3,
        'Every answer at level 3, but the person answering does not know how rollbacks work. "Don\'t know" is left '
        "out, so the other release answers decide the dimension: still 3, with a knowledge gap to close.",
        base=3,
        answers={"rollout_online": "dont_know"},
    ),
    Team(
        "LLM application with evaluation gates",
        "llm",
        3,
        "A support assistant on a hosted model: prompts released through CI with a golden-set gate, canaries, "
        "infrastructure as code, traces with feedback, tested guardrails. Level 3, automated release; the first "
        'bank scored it 0 as "built by hand in notebooks".',
        base=3,
        answers={
            "token_cost": "logged_per_feature",
            "fairness_checks": "review_before_release",
            "eu_ai_act": "obligations_mapped",
        },
        not_expected=("training_pipeline", "model_registry", "scheduled_data_pipeline"),
    ),
    Team(
        "Batch scoring team (monthly churn scores)",
        "batch",
        3,
        "Monthly scores released through ML CI/CD within a day of passing their checks; a new model scores in "
        "parallel with the current one before it takes over, and late labels are tracked with proxies. A monthly "
        "run is not a slow lead time, and no canary is expected of a batch job: level 3.",
        base=3,
        answers={"incident_response": "owner_and_runbook", "service_objectives": "written_objectives"},
        not_expected=("canary_releases", "automatic_rollback"),
    ),
    Team(
        "Research lab (nothing in production)",
        "research",
        2,
        "Every experiment tracked and rebuildable with one command, environments as code, reviewed work. With "
        "nothing in production, 2 (reproducible research) is the highest honest level; the result says what "
        "production would add.",
        base=3,
        answers={"rebuild_old_model": "one_command_tested", "experiment_results": "champion_challenger"},
    ),
    Team(
        "Solo ML engineer, reviewed",
        "online",
        3,
        "One engineer owns the model end to end, with a reviewer from the platform team, written ownership and no "
        "rewrite on the way to production. Practices, not headcount: level 3.",
        base=3,
        answers={"cost_tracking": "per_model_reviewed"},
    ),
    Team(
        "Features recoded by hand",
        "online",
        1,
        "Everything at level 2 or 3 except features rewritten by hand for serving. The article's level 2 needs "
        "consistent feature engineering, so data holds the team at 1, and the first step is to share the feature "
        "code, not to build a data pipeline it already has.",
        base=3,
        answers={"feature_consistency": "recoded_by_hand", "cost_tracking": "looked_at_sometimes"},
        expected_step="share_feature_code",
        not_expected=("scheduled_data_pipeline",),
    ),
    Team(
        "Level 3 practices, no governance",
        "online",
        1,
        "Automated training and release, but no audit trail, documentation, fairness review or AI Act check. "
        "Level 2 already needs governance at 1, so the team is at 1 until the basics are written down.",
        base=3,
        answers={
            "audit_trail": "not_recorded",
            "model_documentation": "none",
            "fairness_checks": "not_checked",
            "eu_ai_act": "scope_unchecked",
        },
    ),
    Team(
        "Nightly ungated overwrite",
        "online",
        1,
        "The pipeline retrains nightly and replaces the live model within the hour with no check against it. Fast "
        "but unguarded: training stops at 1 and the result warns about fast releases without a gate.",
        base=2,
        answers={
            "model_validation": "manual_eval_script",
            "deploy_lead_time": "on_demand",
            "rollout_online": "manual_redeploy",
        },
    ),
)

"""Scoring: the article's FAQ teams, the rules (profiles, "not applicable", "don't know", gates, team answers),
the advice, the bank against the issue's brief, model files, and old banks keeping their scoring."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scoring.model import (
    DEFAULT_MODEL_FILE,
    DONT_KNOW,
    MAX_LEVEL,
    MaturityModel,
    ModelFileError,
    default_model,
    load_model,
    parse_model,
)
from scoring.score import Assessed, Status, score, score_answers, unknown_answers
from tests.legacy_personas import PERSONAS_2026_12
from tests.mini_model import MINI_YAML, answers, mini_model
from tests.personas import PERSONAS
from tests.teams import build

FROZEN_2026_12 = Path(__file__).resolve().parents[1] / "storage/migrations/versions/0008_model_2026_12.yaml"


@pytest.fixture(scope="module")
def model() -> MaturityModel:
    return default_model()


@pytest.fixture(scope="module")
def mini() -> MaturityModel:
    return mini_model()


# --- the article's FAQ teams ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in PERSONAS if n.startswith("faq_level_")])
def test_the_faq_teams_land_on_their_level(model: MaturityModel, name: str) -> None:
    expected, given = PERSONAS[name]
    assert not unknown_answers(model, given)
    assert set(given) == {q.id for q in model.questions_for("online")}, "a persona answers every question it is asked"
    assert score_answers(model, given).overall == expected


def test_strong_monitoring_does_not_lift_a_team_with_manual_untracked_training(model: MaturityModel) -> None:
    expected, given = PERSONAS["monitoring_but_manual_training"]
    result = score_answers(model, given)
    assert result.overall == expected == 1
    assert result.dimension("monitoring").level == 3
    assert "monitoring" in result.strengths
    assert {"training", "tracking"} <= set(result.blockers)


# --- the rules, on a small model ---------------------------------------------------------------------------


def test_a_dimension_is_its_weakest_counted_answer_with_progress_inside_the_level(mini: MaturityModel) -> None:
    result = score_answers(mini, answers(a1=3, a2=1, b1=3, b2=3, c1=3))
    alpha = result.dimension("alpha")
    assert alpha.level == 1 and alpha.progress == pytest.approx(1 / 2)
    assert alpha.explanation.startswith("Alpha is level 1 because the answer to 'Question a2?' is 'a2 at level 1'")


def test_not_applicable_is_left_out_and_an_all_not_applicable_dimension_blocks_nothing(mini: MaturityModel) -> None:
    with_na = score_answers(mini, answers(a1=4, a2="na_other", b1=4, b2=4, c1="na_no_people"))
    assert with_na.dimension("alpha").level == 4, "the N/A answer is not the weakest answer"
    gamma = with_na.dimension("gamma")
    assert gamma.level is None and gamma.assessed is Assessed.NOT_APPLICABLE
    assert with_na.overall == 4, "a dimension with nothing applicable blocks no gate"
    assert [(n.question_id, n.reasons) for n in with_na.not_applicable] == [
        ("a2", (("other", "another reason", 1),)),
        ("c1", (("no_people", "no people involved", 1),)),
    ]
    assert with_na.to_dict()["dimensions"]["gamma"]["level"] is None  # type: ignore[index]


def test_dont_know_is_left_out_and_mostly_dont_know_is_not_assessed_and_holds_the_gates(mini: MaturityModel) -> None:
    one = score_answers(mini, answers(a1=3, a2=DONT_KNOW, b1=3, b2=3, c1=3))
    assert one.dimension("alpha").level == 3 and one.overall == 3, "one don't know does not veto the result"
    assert one.dont_know == ("a2",) and one.knowledge_gaps[0].who_knows == "the alpha lead"
    mostly = score_answers(mini, answers(a1=DONT_KNOW, a2=DONT_KNOW, b1=3, b2=3, c1=3))
    alpha = mostly.dimension("alpha")
    assert alpha.level is None and alpha.assessed is Assessed.UNKNOWN
    assert "Ask the alpha lead" in alpha.explanation
    assert mostly.overall == 0 and mostly.blockers == ("alpha",), "nobody can confirm level 1 without alpha"
    assert mostly.knowledge_silos == ("alpha",)


def test_a_question_nobody_answered_counts_as_level_zero_and_is_listed(mini: MaturityModel) -> None:
    result = score_answers(mini, answers(a1=4, b1=4, b2=4, c1=4))
    assert result.unanswered == ("a2",)
    assert result.dimension("alpha").level == 0
    assert "'Question a2?' was not answered" in result.dimension("alpha").explanation


def test_gates_build_on_each_other_and_level_four_needs_every_assessed_dimension(mini: MaturityModel) -> None:
    top = {"a1": 4, "a2": 4, "b1": 4, "b2": 4, "c1": 4}
    assert score_answers(mini, answers(**top)).overall == 4
    assert score_answers(mini, answers(**top | {"c1": 0})).overall == 1, "gamma >= 1 is part of level 2's gate"
    assert score_answers(mini, answers(**top | {"c1": 1})).overall == 2
    assert score_answers(mini, answers(**top | {"c1": 3})).overall == 3
    assert score_answers(mini, answers(**top | {"a1": 0})).overall == 0


def test_nothing_assessed_is_level_zero_not_a_vacuous_four(mini: MaturityModel) -> None:
    result = score_answers(mini, answers(a1=DONT_KNOW, a2=DONT_KNOW, b1=DONT_KNOW, b2=DONT_KNOW, c1=DONT_KNOW))
    assert result.overall == 0


def test_a_profile_decides_the_questions_and_caps_the_level(mini: MaturityModel) -> None:
    lab = score_answers(mini, answers("lab", a1=4, a2=4, c1=4, b1=0, b2=0))  # beta is not asked of a lab
    assert [d.id for d in lab.dimensions] == ["alpha", "gamma"]
    assert lab.overall == 2 and lab.level_cap == 2 and lab.level_cap_note == "Production would add beta."
    assert lab.blockers == (), "at its cap a lab is held back by what it runs, not by a dimension"
    assert [s.id for s in lab.next_steps] == ["keep_a1", "keep_a2", "keep_c1"]


def test_the_team_profile_is_the_majority_and_ties_go_to_the_first_listed(mini: MaturityModel) -> None:
    svc, lab = answers("svc", a1=2, a2=2, b1=2, b2=2, c1=2), answers("lab", a1=2, a2=2, c1=2)
    assert score(mini, [svc, lab, lab]).profile == "lab"
    tie = score(mini, [lab, svc])
    assert tie.profile == "svc" and tie.profile_votes == (("svc", 1), ("lab", 1)) and tie.profile_disagreement
    assert score(mini, [svc, lab]) == tie, "member order does not matter"


def test_team_answer_is_the_lower_median_of_those_who_know(mini: MaturityModel) -> None:
    base = {"a1": 2, "b1": 2, "b2": 2, "c1": 2}
    members = [answers(**base, a2=0), answers(**base, a2=3), answers(**base, a2=DONT_KNOW)]
    scored = score(mini, members).dimensions[0].questions[1]
    assert (scored.question_id, scored.level, scored.dont_know, scored.respondents) == ("a2", 0, 1, 3)
    members = [answers(**base, a2=level) for level in (0, 2, 4)]
    assert score(mini, members).dimensions[0].questions[1].level == 2


def test_not_applicable_needs_a_majority_of_those_who_answered(mini: MaturityModel) -> None:
    base = {"a1": 2, "a2": 2, "b1": 2, "b2": 2}
    tie = score(mini, [answers(**base, c1="na_no_people"), answers(**base, c1=1)])
    c1 = tie.dimension("gamma").questions[0]
    assert c1.status is Status.SCORED and c1.level == 1, "a tie is scored: nobody answers their way up"
    assert [d.question_id for d in tie.disagreements] == ["c1"], "N/A beside a level is worth showing"
    most = score(mini, [answers(**base, c1="na_no_people"), answers(**base, c1="na_other"), answers(**base, c1=1)])
    assert most.dimension("gamma").assessed is Assessed.NOT_APPLICABLE
    assert most.not_applicable[0].reasons == (("no_people", "no people involved", 1), ("other", "another reason", 1))


def test_a_spread_of_two_levels_is_a_disagreement_and_dont_know_is_not(mini: MaturityModel) -> None:
    base = {"a2": 2, "b1": 2, "b2": 2, "c1": 2}
    wide = score(mini, [answers(**base, a1=1), answers(**base, a1=3)])
    assert [(d.question_id, d.spread, d.respondents) for d in wide.disagreements] == [("a1", 2, 2)]
    assert score(mini, [answers(**base, a1=1), answers(**base, a1=2)]).disagreements == ()
    assert score(mini, [answers(**base, a1=4), answers(**base, a1=DONT_KNOW)]).disagreements == ()


def test_pitfalls_can_name_questions_and_dimensions(mini: MaturityModel) -> None:
    shown = score_answers(mini, answers(a1=3, a2=3, b1=3, b2=3, c1=1))
    assert [p.id for p in shown.pitfalls] == ["fast_alpha"]
    not_applicable = score_answers(mini, answers(a1=3, a2=3, b1=3, b2=3, c1="na_other"))
    assert not_applicable.pitfalls == (), "a question without a level never matches"


# --- the advice --------------------------------------------------------------------------------------------


def test_next_steps_come_from_the_weak_answers_not_the_dimension(model: MaturityModel) -> None:
    given = build(model, "online", 3, {"feature_consistency": "recoded_by_hand"})
    result = score_answers(model, given)
    assert result.blockers == ("data",)
    assert [s.id for s in result.next_steps] == ["share_feature_code"]
    assert result.next_steps[0].questions == ("feature_consistency",) and result.next_steps[0].lifts == ("data",)


def test_next_steps_that_clear_a_dimension_come_first(mini: MaturityModel) -> None:
    result = score_answers(mini, answers(a1=1, a2=1, b1=1, b2=2, c1=2))
    # Level 2 needs alpha 2 and beta 2: moving b1 up clears beta on its own; alpha needs both a1 and a2 moved.
    assert result.overall == 1 and set(result.blockers) == {"alpha", "beta"}
    assert [s.id for s in result.next_steps] == ["b1_up_1", "a1_up_1", "a2_up_1"]


def test_a_practice_the_team_already_reports_is_never_suggested(model: MaturityModel) -> None:
    # Release through CI/CD with staging, yet weeks from approval to production: "script the release" (the
    # lead-time rung's first investment) is already in place, so the lead-time advice moves to the waits.
    given = build(model, "online", 3, {"deploy_lead_time": "weeks", "cost_tracking": "per_model_reviewed"})
    steps = [s.id for s in score_answers(model, given).next_steps]
    assert "scripted_release" not in steps and "remove_release_waits" in steps


def test_next_steps_fit_the_profile(model: MaturityModel) -> None:
    batch = score_answers(model, build(model, "batch", 2))
    ids = {s.id for s in batch.next_steps}
    assert "parallel_scoring" in ids and not ids & {"canary_releases", "automatic_rollback"}
    llm = score_answers(model, build(model, "llm", 2))
    ids = {s.id for s in llm.next_steps}
    assert {"evaluation_gate_in_ci", "guardrails_tested"} <= ids
    assert not ids & {"training_pipeline", "pipeline_ci_cd", "model_registry"}
    for result, profile in ((batch, "batch"), (llm, "llm")):
        assert all(s.investment.fits(profile) for s in result.next_steps)


def test_level_four_gets_sustaining_advice_fit_to_its_answers(model: MaturityModel) -> None:
    top = score_answers(model, build(model, "online", 4))
    assert top.blockers == () and top.next_steps and all(s.investment.sustains for s in top.next_steps)
    without_fairness = score_answers(
        model, build(model, "online", 4, {"fairness_checks": "na_no_decisions_about_people"})
    )
    assert "fairness_checks" not in {q for s in without_fairness.next_steps for q in s.questions}


def test_every_level_is_reachable_in_every_dimension_for_every_profile(model: MaturityModel) -> None:
    for profile in (o.id for o in model.profile_options):
        for dimension in model.dimensions_for(profile):
            asked = [q for q in model.questions_for(profile) if q.dimension == dimension.id]
            for level in range(MAX_LEVEL + 1):
                at = {q.id: next(o.id for o in q.options if o.level == level) for q in asked}
                given = build(model, profile, 4, at)
                assert score_answers(model, given).dimension(dimension.id).level == level, (profile, dimension.id)


def test_unknown_ids_an_option_of_another_question_and_a_missing_profile_are_reported(model: MaturityModel) -> None:
    problems = unknown_answers(model, {"nope": "x", "data_quality": "recoded_by_hand"})
    assert any("unknown question id 'nope'" in p for p in problems)
    assert any("'recoded_by_hand'" in p and "data_quality" in p for p in problems)
    assert any("profile question 'system_type' needs an answer" in p for p in problems)
    assert not unknown_answers(model, build(model, "batch", 2) | {"rollout_online": "overwritten"})


def test_answers_to_questions_that_do_not_apply_are_ignored(model: MaturityModel) -> None:
    given = build(model, "batch", 3)
    assert score_answers(model, given | {"rollout_online": "overwritten", "guardrails": "provider_defaults"}) == (
        score_answers(model, given)
    )


# --- the bank against the brief -----------------------------------------------------------------------------


def test_the_bank_meets_the_brief(model: MaturityModel) -> None:
    assert len(model.dimensions) >= 10
    profiles = {o.id for o in model.profile_options}
    assert profiles == {"online", "batch", "llm", "research"} and model.questions[0].profile
    assert len(model.questions_for("online")) <= 26
    llm_only = [q for q in model.questions if q.applies_to == ["llm"]]
    assert len([q for q in llm_only if q.dimension == "llm"]) >= 4
    for dimension in ("cost", "security", "operations", "llm"):
        assert any(q.dimension == dimension for q in model.questions), dimension
    for question in ("data_quality", "outcome_feedback", "service_objectives", "incident_response", "supply_chain"):
        assert question in model.question_by_id  # data quality, late labels, SLOs, on-call, supply chain
    for quick in (
        "rebuild_old_model",
        "experiment_results",
        "deploy_lead_time",
        "production_monitoring",
        "audit_trail",
    ):
        assert quick in model.question_by_id  # the article's five quick self-assessment questions
    for needs_na in ("eu_ai_act", "fairness_checks", "personal_data", "rollout_online"):
        assert any(o.not_applicable for o in model.choices(model.question_by_id[needs_na])), needs_na
    assert len(model.pitfalls) >= 5


def test_gates_are_at_least_as_strict_as_the_issue_asks(model: MaturityModel) -> None:
    gates = model.gate_by_level
    assert gates[2].needs["governance"] >= 1 and gates[2].needs["monitoring"] >= 1
    assert gates[3].needs["data"] >= 3 and gates[3].needs["training"] >= 3 and gates[3].needs["governance"] >= 2
    assert gates[4].every_dimension


def test_every_option_below_the_top_names_what_moves_it_up_for_every_profile(model: MaturityModel) -> None:
    for question in model.questions[1:]:
        for profile in question.applies_to or [o.id for o in model.profile_options]:
            for option in question.options:
                fitting = [i for i in option.next if model.investment_by_id[i].fits(profile)]
                assert fitting, (question.id, option.id, profile)
                assert all(model.investment_by_id[i].sustains == (option.level == MAX_LEVEL) for i in fitting)


# --- model files --------------------------------------------------------------------------------------------


def _broken(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(DEFAULT_MODEL_FILE.read_text())
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_a_broken_model_file_names_the_file_the_field_and_the_problem(tmp_path: Path) -> None:
    def bad_level(raw: dict) -> None:
        raw["questions"][1]["options"][0]["level"] = 7

    path = _broken(tmp_path, bad_level)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    second = yaml.safe_load(DEFAULT_MODEL_FILE.read_text())["questions"][1]
    assert str(path) in message and "\n" not in message
    assert f"questions[{second['id']}].options[{second['options'][0]['id']}].level" in message
    assert "less than or equal to 4" in message


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda raw: raw["questions"][1]["options"].pop(), r"no option for level\(s\) \[4\]"),
        (lambda raw: raw["questions"][1].update(dimension="astrology"), r"unknown dimension 'astrology'"),
        (lambda raw: raw["questions"][1].update(applies_to=["mainframe"]), r"unknown profile\(s\) \['mainframe'\]"),
        (lambda raw: raw["questions"][1]["options"][0].update(next=[]), "name the investment that moves"),
        (lambda raw: raw["questions"][1]["options"][4].update(next=["scheduled_data_pipeline"]), "sustains: true"),
        (lambda raw: raw["questions"].append(raw["questions"].pop(0)), "the profile question must come first"),
        (lambda raw: raw["questions"][2].update(not_applicable=["because"]), r"unknown reason\(s\) \['because'\]"),
    ],
)
def test_a_model_file_that_breaks_a_rule_is_refused(tmp_path: Path, mutate, problem: str) -> None:
    with pytest.raises(ModelFileError, match=problem):
        load_model(_broken(tmp_path, mutate))


def test_a_model_file_that_is_not_yaml_or_missing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("levels: [unclosed")
    with pytest.raises(ModelFileError, match="not valid YAML") as info:
        load_model(bad)
    assert "\n" not in str(info.value)
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(tmp_path / "missing.yaml")


def test_the_changelog_says_what_a_version_changed(mini: MaturityModel) -> None:
    assert mini.changes_in("mini-1") == ["The first mini version."] and mini.changes_in("mini-0") == []
    assert parse_model(MINI_YAML.replace('"mini-1"', '"mini-2"', 1), "x").changes_in("mini-2") == []


# --- old banks keep their scoring ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PERSONAS_2026_12))
def test_the_2026_12_bank_keeps_its_scoring(name: str) -> None:
    """Rounds taken on 2026.12 are scored with 2026.12 as it was: the same levels as before profiles existed."""
    old = load_model(FROZEN_2026_12)
    expected, given = PERSONAS_2026_12[name]
    assert old.version == "2026.12" and old.profile_question is None
    assert score_answers(old, given).overall == expected


def test_the_2026_12_bank_still_scores_dont_know_as_level_zero() -> None:
    old = load_model(FROZEN_2026_12)
    _, given = PERSONAS_2026_12["faq_level_4"]
    result = score_answers(old, given | {"rollout_and_rollback": DONT_KNOW})
    assert result.dimension("deployment").level == 0 and result.overall == 0


def test_a_not_assessed_dimension_counts_only_its_dont_know_answers(mini: MaturityModel) -> None:
    result = score_answers(mini, answers(a1=DONT_KNOW, a2="na_other", b1=3, b2=3, c1=3))
    alpha = result.dimension("alpha")
    assert alpha.assessed is Assessed.UNKNOWN
    assert '1 of 2 questions were answered "don\'t know"' in alpha.explanation


def test_answers_left_behind_by_a_change_of_profile_do_not_count(model: MaturityModel) -> None:
    switched = build(model, "online", 4) | {"system_type": "batch", "rollout_online": "overwritten"}
    switched |= {"rollout_batch": "automatic_fallback"}
    online = build(model, "online", 4)
    team = score(model, [switched, online])
    assert team.profile == "online", "a tie goes to the profile listed first"
    rollout = team.dimension("deployment").questions[2]
    assert (rollout.question_id, rollout.respondents, rollout.level) == ("rollout_online", 1, 4)
    assert team.overall == 4 and team.disagreements == ()


# --- what the expert review found, each kept fixed --------------------------------------------------------------


def test_one_weak_rollout_answer_does_not_sink_an_automated_team_to_level_zero(model: MaturityModel) -> None:
    result = score_answers(model, build(model, "online", 3, {"rollout_online": "overwritten"}))
    assert result.overall == 2 and result.blockers == ("deployment",)
    assert result.next_steps[0].id == "keep_previous_version"


def test_a_level_that_counts_on_an_answer_nobody_knew_says_so(model: MaturityModel) -> None:
    result = score_answers(model, build(model, "online", 3, {"rollout_online": DONT_KNOW}))
    assert result.overall == 3 and result.unconfirmed == ("rollout_online",)
    assert score_answers(model, build(model, "online", 3)).unconfirmed == ()


def test_the_level_description_never_contradicts_the_answers(model: MaturityModel) -> None:
    held = score_answers(model, build(model, "online", 3, {"eu_ai_act": "scope_unchecked"}))
    assert held.overall == 1 and "handled by hand" not in held.overall_summary
    assert held.overall_summary.startswith("The gates confirm level 1: Governance & compliance holds the team here")
    plain = score_answers(model, build(model, "online", 1))
    assert plain.overall_summary == model.level(1).summary


@pytest.mark.parametrize(
    ("profile", "base", "answer", "first_step"),
    [
        ("batch", 2, {"model_versions": "bucket_naming"}, "model_registry"),
        ("online", 3, {"release_path": "scripted_release"}, "ml_ci_cd"),
        ("online", 3, {"rebuild_old_model": "cannot_rebuild"}, "record_run_inputs"),
        ("online", 3, {"audit_trail": "git_history_only"}, "link_deployments_to_data"),
        ("llm", 3, {"release_path": "scripted_release"}, "llm_ci_cd"),
    ],
)
def test_the_answer_that_blocks_always_gets_a_step(
    model: MaturityModel, profile: str, base: int, answer: dict[str, str], first_step: str
) -> None:
    """Another answer showing the practice moves the advice a rung up instead of leaving the gap without any."""
    result = score_answers(model, build(model, profile, base, answer))
    assert result.blockers and result.next_steps[0].id == first_step
    assert next(iter(answer)) in result.next_steps[0].questions


def test_a_research_lab_that_tracks_everything_is_not_told_it_trains_by_hand(model: MaturityModel) -> None:
    lab = score_answers(model, build(model, "research", 3, {"training_pipeline": "orchestrated_pipeline"}))
    assert lab.overall == 2 and lab.blockers == () and lab.overall_name == "Reproducible research"


def test_an_empty_applies_to_and_keywords_that_clash_with_a_reason_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="applies_to"):
        load_model(_broken(tmp_path, lambda raw: raw["questions"][1].update(applies_to=[])))

    def clash(raw: dict) -> None:
        fairness = next(q for q in raw["questions"] if q["id"] == "fairness_checks")
        fairness["options"][0]["keywords"].append("other")

    with pytest.raises(ModelFileError, match=r"keywords \['other'\] would pick more than one answer"):
        load_model(_broken(tmp_path, clash))


def test_an_old_format_file_with_options_out_of_order_still_loads(tmp_path: Path) -> None:
    raw = yaml.safe_load(FROZEN_2026_12.read_text())
    raw["questions"][0]["options"].reverse()
    raw["questions"][0]["options"][0]["keywords"].append("not sure")  # once allowed beside "don't know"
    path = tmp_path / "adapted.yaml"
    path.write_text(yaml.safe_dump(raw))
    old = load_model(path)
    assert [o.level for o in old.questions[0].options] == [0, 1, 2, 3, 4]
    _, given = PERSONAS_2026_12["faq_level_2"]
    assert score_answers(old, given).overall == 2


def test_dont_know_on_a_question_a_low_gate_names_leaves_it_to_the_dimension(model: MaturityModel) -> None:
    known = score_answers(model, build(model, "online", 3, {"release_path": DONT_KNOW}))
    assert known.overall == 3 and "release_path" in known.unconfirmed
    assert known.to_dict()["unconfirmed"] == list(known.unconfirmed)
    unknown = {q.id: DONT_KNOW for q in model.questions_for("online")[1:] if q.dimension == "deployment"}
    nobody = score_answers(model, build(model, "online", 3, unknown))
    assert nobody.overall == 0 and nobody.blockers == ("deployment",), "a dimension nobody knows still blocks"


def test_a_dimension_that_holds_the_team_back_is_never_called_a_strength(model: MaturityModel) -> None:
    result = score_answers(model, build(model, "online", 3, {"model_ownership": "one_person_unreviewed"}))
    assert result.overall == 0 and "team" in result.blockers and "team" not in result.strengths
    assert "Team practices already reach" not in result.overall_summary


def test_pitfalls_speak_of_the_practice_that_is_missing(model: MaturityModel) -> None:
    labels_late = score_answers(model, build(model, "online", 3, {"outcome_feedback": "compared_by_hand"}))
    assert "skipping_monitoring" not in {p.id for p in labels_late.pitfalls}, "drift alerts are in place"
    unwatched = score_answers(model, build(model, "online", 2, {"production_monitoring": "system_health"}))
    assert "skipping_monitoring" in {p.id for p in unwatched.pitfalls}


def test_a_managed_content_filter_does_not_hold_an_llm_team_below_level_two(model: MaturityModel) -> None:
    filtered = score_answers(model, build(model, "llm", 2, {"guardrails": "provider_defaults"}))
    assert filtered.overall == 2
    unversioned = score_answers(model, build(model, "llm", 2, {"prompt_versioning": "in_git_unreviewed"}))
    assert unversioned.overall == 1 and unversioned.next_steps[0].id == "reviewed_prompt_releases"


def test_level_three_needs_each_deployment_traceable_to_its_data(model: MaturityModel) -> None:
    untraced = score_answers(model, build(model, "online", 3, {"audit_trail": "tracking_records"}))
    assert untraced.overall == 2 and untraced.next_steps[0].id == "link_deployments_to_data"

"""Scoring: the article's FAQ teams, the weakest-link and gate rules, team aggregation and the advice."""

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
)
from scoring.score import score, score_answers, unknown_answers
from tests.personas import PERSONAS


@pytest.fixture(scope="module")
def model() -> MaturityModel:
    return default_model()


def at_level(model: MaturityModel, level: int, **overrides: int) -> dict[str, str]:
    """Every question answered with the option of ``level``, except the dimensions given other levels."""
    answers = {}
    for q in model.questions:
        want = overrides.get(q.dimension, level)
        answers[q.id] = next(o.id for o in q.options if o.level == want)
    return answers


@pytest.mark.parametrize("name", [n for n in PERSONAS if n.startswith("faq_level_")])
def test_the_faq_teams_land_on_their_level(model: MaturityModel, name: str) -> None:
    expected, answers = PERSONAS[name]
    assert not unknown_answers(model, answers)
    assert set(answers) == set(model.question_by_id), "a persona answers every question"
    assert score_answers(model, answers).overall == expected


def test_strong_monitoring_does_not_lift_a_team_with_manual_untracked_training(model: MaturityModel) -> None:
    expected, answers = PERSONAS["monitoring_but_manual_training"]
    result = score_answers(model, answers)
    assert result.overall == expected == 1
    assert result.dimension("monitoring").level >= 3
    assert "monitoring" in result.strengths
    assert {"training", "tracking"} & set(result.blockers)


def test_a_dimension_is_its_weakest_question_with_progress_inside_the_level(model: MaturityModel) -> None:
    answers = at_level(model, 3)
    deployment = model.questions_by_dimension["deployment"]
    answers[deployment[0].id] = next(o.id for o in deployment[0].options if o.level == 1)
    dim = score_answers(model, answers).dimension("deployment")
    assert dim.level == 1
    assert dim.progress == pytest.approx((len(deployment) - 1) / len(deployment))
    assert dim.explanation.startswith("Deployment is level 1 because")
    assert deployment[0].text in dim.explanation


def test_overall_needs_every_lower_gate(model: MaturityModel) -> None:
    assert score_answers(model, at_level(model, 4)).overall == 4
    assert score_answers(model, at_level(model, 4, reproducibility=0)).overall == 0
    assert score_answers(model, at_level(model, 4, monitoring=2)).overall == 2
    for gate in model.gates:
        for dim in gate.dimensions:
            assert score_answers(model, at_level(model, 4, **{dim: gate.level - 1})).overall == gate.level - 1


def test_dont_know_counts_as_zero_and_is_flagged(model: MaturityModel) -> None:
    answers = at_level(model, 4)
    for q in model.questions_by_dimension["governance"]:
        answers[q.id] = DONT_KNOW
    result = score_answers(model, answers)
    assert result.dimension("governance").level == 0
    assert result.dimension("governance").dont_know_share == 1.0
    assert result.knowledge_gaps == ("governance",)
    assert "don't know" in result.dimension("governance").explanation


def test_unanswered_questions_count_as_zero_and_are_listed(model: MaturityModel) -> None:
    answers = at_level(model, 4)
    gone = model.questions_by_dimension["team"][0].id
    del answers[gone]
    result = score_answers(model, answers)
    assert result.unanswered == (gone,)
    assert result.dimension("team").level == 0
    assert "was not answered" in result.dimension("team").explanation


def test_team_answer_is_the_lower_median_and_wide_spreads_are_disagreements(model: MaturityModel) -> None:
    q = model.questions[0]
    members = [at_level(model, lv) for lv in (0, 3)]  # even count: the lower of the two middle values
    result = score(model, members)
    assert result.dimensions[0].questions[0].level == 0
    members = [at_level(model, lv) for lv in (0, 2, 4)]
    result = score(model, members)
    assert all(d.level == 2 for d in result.dimensions)
    assert {d.question_id for d in result.disagreements} == set(model.question_by_id)
    assert result.disagreements[0].spread == 4 and result.respondents == 3
    close = score(model, [at_level(model, 2), at_level(model, 3)])
    assert close.disagreements == ()
    assert q.text in {d.question for d in result.disagreements}


def test_a_spread_of_exactly_two_is_a_disagreement_and_one_is_not(model: MaturityModel) -> None:
    q = model.questions[0]
    pick = {lv: next(o.id for o in q.options if o.level == lv) for lv in range(5)}
    base = at_level(model, 2)
    wide = score(model, [base | {q.id: pick[1]}, base | {q.id: pick[3]}])
    assert [(d.question_id, d.spread) for d in wide.disagreements] == [(q.id, 2)]
    narrow = score(model, [base | {q.id: pick[1]}, base | {q.id: pick[2]}])
    assert narrow.disagreements == ()


def test_dont_know_is_a_knowledge_gap_not_a_disagreement(model: MaturityModel) -> None:
    q = model.questions[0]
    top = next(o.id for o in q.options if o.level == 4)
    result = score(model, [at_level(model, 4) | {q.id: DONT_KNOW}, at_level(model, 4) | {q.id: top}])
    assert result.disagreements == ()


def test_knowledge_gap_needs_more_than_thirty_percent(model: MaturityModel) -> None:
    governance = model.questions_by_dimension["governance"]
    assert len(governance) == 4  # 2 members x 4 questions = 8 answers: 2 "don't know" is 25%, 3 is 37.5%
    a, b = at_level(model, 2), at_level(model, 2)
    a[governance[0].id] = a[governance[1].id] = DONT_KNOW
    assert "governance" not in score(model, [a, b]).knowledge_gaps
    b[governance[2].id] = DONT_KNOW
    assert score(model, [a, b]).knowledge_gaps == ("governance",)


def test_team_dont_know_share_per_dimension(model: MaturityModel) -> None:
    a, b = at_level(model, 2), at_level(model, 2)
    monitoring = model.questions_by_dimension["monitoring"]
    a[monitoring[0].id] = DONT_KNOW
    result = score(model, [a, b])
    assert result.dimension("monitoring").dont_know_share == pytest.approx(1 / (2 * len(monitoring)))
    assert result.dimension("data").dont_know_share == 0


def test_next_steps_lift_the_blockers_first(model: MaturityModel) -> None:
    _, answers = PERSONAS["faq_level_1"]
    result = score_answers(model, answers)
    levels = {d.id: d.level for d in result.dimensions}
    assert result.blockers and all(levels[b] < 2 for b in result.blockers)
    first = result.next_steps[0]
    assert result.blockers[0] in first.lifts and first.transition == levels[result.blockers[0]]
    offered = [i.id for i in result.next_steps]
    assert {i.id for i in model.investments_for(1)} <= set(offered), "the whole next transition is offered"
    assert len(set(offered)) == len(offered)


def test_a_blocker_two_levels_behind_gets_its_own_first_step(model: MaturityModel) -> None:
    result = score_answers(model, at_level(model, 3, data=0))
    assert result.overall == 1 and result.blockers[0] == "data"
    assert result.next_steps[0].transition == 0 and "data" in result.next_steps[0].lifts


def test_level_four_gets_advice_on_sustaining_it(model: MaturityModel) -> None:
    result = score_answers(model, at_level(model, 4))
    assert result.blockers == ()
    assert result.next_steps and {i.transition for i in result.next_steps} == {MAX_LEVEL}


def test_pitfalls_follow_the_answers(model: MaturityModel) -> None:
    skipping = score_answers(model, at_level(model, 2, monitoring=0))
    assert "skipping_monitoring" in {p.id for p in skipping.pitfalls}
    assert score_answers(model, at_level(model, 4)).pitfalls == ()


def test_unknown_ids_are_reported(model: MaturityModel) -> None:
    q = model.questions[0]
    problems = unknown_answers(model, {"nope": "x", q.id: "bogus"})
    assert any("unknown question id 'nope'" in p for p in problems)
    assert any("'bogus'" in p and q.id in p for p in problems)


def test_the_bank_meets_the_brief(model: MaturityModel) -> None:
    assert len(model.dimensions) >= 8 and len(model.questions) >= 18
    for dim in model.dimensions:
        questions = model.questions_by_dimension[dim.id]
        assert len(questions) >= 2
        for level in range(MAX_LEVEL + 1):  # every level reachable in every dimension
            answers = at_level(model, 4, **{dim.id: level})
            assert score_answers(model, answers).dimension(dim.id).level == level
    for transition in range(MAX_LEVEL):
        lifted = {d for i in model.investments_for(transition) for d in i.lifts}
        assert lifted, f"no investment for {transition}->{transition + 1}"
    assert len(model.pitfalls) >= 5


def _broken(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(DEFAULT_MODEL_FILE.read_text())
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_a_broken_model_file_names_the_file_the_field_and_the_problem(tmp_path: Path) -> None:
    def bad_level(raw: dict) -> None:
        raw["questions"][0]["options"][0]["level"] = 7

    path = _broken(tmp_path, bad_level)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    first = yaml.safe_load(DEFAULT_MODEL_FILE.read_text())["questions"][0]
    assert str(path) in message
    assert f"questions[{first['id']}].options[{first['options'][0]['id']}].level" in message
    assert "less than or equal to 4" in message


def test_a_model_file_missing_a_level_or_dimension_is_refused(tmp_path: Path) -> None:
    def drop_top_option(raw: dict) -> None:
        raw["questions"][0]["options"].pop()

    with pytest.raises(ModelFileError, match=r"no option for level\(s\) \[4\]"):
        load_model(_broken(tmp_path, drop_top_option))

    def unknown_dimension(raw: dict) -> None:
        raw["questions"][0]["dimension"] = "astrology"

    with pytest.raises(ModelFileError, match=r"questions\[\w+\]\.dimension: unknown dimension 'astrology'"):
        load_model(_broken(tmp_path, unknown_dimension))


def test_a_model_file_that_is_not_yaml_or_missing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("levels: [unclosed")
    with pytest.raises(ModelFileError, match="not valid YAML"):
        load_model(bad)
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(tmp_path / "missing.yaml")

"""``maturity-bot`` end to end, as a user runs it: a real subprocess, piped stdin, a real database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scoring.model import DEFAULT_MODEL_FILE, default_model
from scoring.score import score, score_answers
from tests.personas import ASKED, PERSONAS, PROFILE

EXE = Path(sys.executable).with_name("maturity-bot")
MODEL = default_model()


def run(*args: str, url: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MATURITY_BOT_") and k != "DATABASE_URL"}
    environment |= {"MATURITY_BOT_DATABASE_URL": url, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [str(EXE), *args], input=stdin, capture_output=True, text=True, env=environment, timeout=120, check=False
    )


def typed(answers: dict[str, str]) -> str:
    """The persona's answers as a person would type them: option numbers, one per line, in the order the bot asks
    them (the profile question first, then the questions for that profile)."""
    lines = []
    for q in MODEL.questions_for(MODEL.profile_of(answers)):
        lines.append(str([o.id for o in MODEL.choices(q)].index(answers[q.id]) + 1))
    return "\n".join(lines) + "\n"


def test_a_whole_assessment_from_piped_stdin(database_url: str) -> None:
    expected, answers = PERSONAS["faq_level_2"]
    done = run("chat", "--team", "recsys", "--user", "ana", url=database_url, stdin=typed(answers))
    assert done.returncode == 0, done.stderr
    assert "question 1 of up to 26, about your system" in done.stdout
    assert f"question {len(ASKED)} of {len(ASKED)}" in done.stdout
    assert f"Level {expected}, {MODEL.level(expected).name_for(PROFILE)}" in done.stdout
    assert "maturity-bot report --team" in done.stdout
    report = run("report", "--team", "recsys", "--json", url=database_url)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["overall"] == expected


def test_end_of_input_saves_and_the_next_run_resumes(database_url: str) -> None:
    _, answers = PERSONAS["faq_level_3"]
    lines = typed(answers).splitlines()
    first = run("chat", "--team", "ml", "--user", "bo", url=database_url, stdin="\n".join(lines[:7]) + "\n")
    assert first.returncode == 0, first.stderr
    assert "Paused with 7 answer(s) saved" in first.stdout
    assert "Resume with: maturity-bot chat --team ml --user bo" in first.stdout
    second = run("chat", "--team", "ml", "--user", "bo", url=database_url, stdin="\n".join(lines[7:]) + "\n")
    assert second.returncode == 0, second.stderr
    assert "Welcome back: 7 answer(s) saved" in second.stdout
    assert "question 8 of" in second.stdout and "question 1 of" not in second.stdout
    assert f"Level 3, {MODEL.level(3).name_for(PROFILE)}" in second.stdout


def test_two_members_make_a_team_report_with_disagreements(database_url: str) -> None:
    _, low = PERSONAS["faq_level_1"]
    _, high = PERSONAS["faq_level_4"]
    for user, answers in (("ana", low), ("bo", high)):
        done = run("chat", "--team", "search", "--user", user, url=database_url, stdin=typed(answers))
        assert done.returncode == 0, done.stderr
    started = run("chat", "--team", "search", "--user", "cy", url=database_url, stdin="1\n")
    assert started.returncode == 0
    report = run("report", "--team", "search", url=database_url)
    assert report.returncode == 0, report.stderr
    printed = " ".join(report.stdout.split())  # as read, whatever the terminal's width wrapped
    assert "2 of 3 members finished, 1 still answering" in printed
    assert re.search(r"\b(ana|bo|cy)\b", printed) is None  # the same summary as in a channel: no names
    disagreements = score(MODEL, [low, high]).disagreements
    assert "that fewer than 3 members answered" in printed  # two people: counted, not named
    assert disagreements[0].question not in printed
    named = run("report", "--team", "search", url=database_url, env={"MATURITY_BOT_DISAGREEMENT_MIN_RESPONDENTS": "2"})
    printed = " ".join(named.stdout.split())
    assert "Where members see it differently" in printed and disagreements[0].question in printed
    as_json = json.loads(run("report", "--team", "search", "--json", url=database_url).stdout)
    assert as_json.items() >= json.loads(json.dumps(score(MODEL, [low, high]).to_dict())).items()
    assert (as_json["team"], as_json["round"], as_json["finished"], as_json["members"], as_json["in_progress"]) == (
        "search",
        1,
        2,
        3,
        1,
    )
    assert as_json["respondents"] == 2 and as_json["disagreements"]


def test_stop_leaves_the_chat_and_odd_names_are_printed_as_typed(database_url: str) -> None:
    team, user = "ops [eu]", "[/x] Ana"
    done = run("chat", "--team", team, "--user", user, url=database_url, stdin="1\nquit\n2\n")
    assert done.returncode == 0, done.stderr
    assert "Paused with 1 answer(s) saved" in done.stdout
    assert "question 3 of" not in done.stdout, "input after quit must not be read"
    assert "Resume with: maturity-bot chat --team 'ops [eu]' --user '[/x] Ana'" in done.stdout
    _, answers = PERSONAS["faq_level_2"]
    lines = typed(answers).splitlines()[1:]
    finished = run("chat", "--team", team, "--user", user, url=database_url, stdin="\n".join(lines) + "\n")
    assert finished.returncode == 0, finished.stderr
    report = run("report", "--team", team, url=database_url)
    assert report.returncode == 0, report.stderr
    assert "ops [eu]: Team summary, round 1: level " in report.stdout


def test_names_too_long_for_the_database_are_refused_in_one_line(database_url: str) -> None:
    done = run("chat", "--team", "t", "--user", "u" * 300, url=database_url, stdin="1\n")
    assert done.returncode == 2
    assert "longer than 255 characters" in done.stderr and "Traceback" not in done.stderr


def test_typed_words_and_nonsense(database_url: str) -> None:
    first = MODEL.questions[0]  # the profile question
    words = first.options[2].keywords[0]  # "llm": an LLM application
    done = run(
        "chat", "--team", "t", "--user", "u", url=database_url, stdin=f"definitely not an option\n{words}\nwhy\n"
    )
    assert done.returncode == 0
    assert "couldn't match 'definitely not an option'" in done.stdout
    assert done.stdout.count(first.text) == 1, "a question repeated after a hint is shown as a short reminder"
    asked = MODEL.questions_for(first.options[2].id)
    assert f"question 2 of {len(asked)}" in done.stdout
    assert f"Why we ask: {asked[1].why}"[:60] in done.stdout.replace("\n", " ")


def test_report_for_an_unknown_team(database_url: str) -> None:
    done = run("report", "--team", "nobody", url=database_url)
    assert done.returncode == 4
    assert "no team named 'nobody'" in done.stderr


def test_questions_as_json_and_markdown(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/unused.db"
    data = json.loads(run("questions", "--format", "json", url=url).stdout)
    assert [q["id"] for q in data["questions"]] == [q.id for q in MODEL.questions]
    for q in data["questions"]:
        if q.get("profile"):
            continue
        assert {o["level"] for o in q["options"]} - {None} == {0, 1, 2, 3, 4}
        assert q["options"][-1]["id"] == "dont_know"
    markdown = run("questions", "--format", "markdown", url=url).stdout
    assert markdown.startswith(f"# {MODEL.name}")
    assert all(f"`{q.id}`" in markdown for q in MODEL.questions)
    assert not (tmp_path / "unused.db").exists(), "questions must not touch the database"


def test_questions_json_is_the_interface_outside_tools_rely_on(tmp_path: Path) -> None:
    """Issue 13, section 7: the shape of ``questions --format json``, field by field."""
    done = run("questions", "--format", "json", url=f"sqlite:///{tmp_path}/unused.db")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["dimensions"] == [{"id": d.id, "name": d.name, "description": d.description} for d in MODEL.dimensions]
    profiles = [o.id for o in MODEL.profile_options]
    assert [q["id"] for q in data["questions"]] == [q.id for q in MODEL.questions]
    for q, question in zip(data["questions"], MODEL.questions, strict=True):
        assert (q["id"], q["dimension"], q["text"], q["why"]) == (
            question.id,
            question.dimension,
            question.text,
            question.why,
        )
        assert q.get("profile", False) is question.profile, q["id"]  # true only on the profile question
        asked_by = [p for p in profiles if question in MODEL.questions_for(p)]
        if asked_by == profiles:
            assert "applies_to" not in q, q["id"]  # asked of every team: absent, not a list of every profile
        else:
            assert q["applies_to"] == asked_by, q["id"]
        assert [o["id"] for o in q["options"]] == [o.id for o in MODEL.choices(question)]
        for o in q["options"]:
            assert {"id", "label", "level"} <= set(o), (q["id"], o)
            if question.profile:
                assert o["level"] is None and "not_applicable" not in o and "dont_know" not in o
            elif o["level"] is None:  # not a level: says what it is instead
                assert o.get("not_applicable") is True or o.get("dont_know") is True, (q["id"], o)
                assert not (o.get("not_applicable") and o.get("dont_know"))
                if o.get("not_applicable"):
                    assert o["reason"] in MODEL.reason_by_id and o["id"] == f"na_{o['reason']}"
            else:
                assert o["level"] in range(5) and "not_applicable" not in o and "dont_know" not in o
    [profile] = [q for q in data["questions"] if q.get("profile")]
    assert profile is data["questions"][0] and profile["dimension"] is None
    assert [o["id"] for o in profile["options"]] == profiles
    eu = next(q for q in data["questions"] if q["id"] == "eu_ai_act")
    assert {o["reason"] for o in eu["options"] if o.get("not_applicable")} >= {"outside_law", "minimal_risk"}
    last = eu["options"][-1]
    assert (last["id"], last["level"], last.get("dont_know"), "not_applicable" in last) == (
        "dont_know",
        None,
        True,
        False,
    )
    # A question every team is asked (no applies_to) and one only LLM applications are asked.
    everyone = next(q for q in data["questions"] if q["id"] == "data_quality")
    assert "applies_to" not in everyone
    assert next(q for q in data["questions"] if q["id"] == "guardrails")["applies_to"] == ["llm"]


def with_version(text: str, version: str) -> str:
    """The model file's text with another version string (the top-level one; the changelog's stay)."""
    changed, found = re.subn(rf'^version: "{re.escape(MODEL.version)}"$', f'version: "{version}"', text, flags=re.M)
    assert found == 1
    return changed


def test_questions_as_yaml_is_the_model_file_and_a_copy_of_it_runs_the_chat(tmp_path: Path, database_url: str) -> None:
    bundled = DEFAULT_MODEL_FILE.read_bytes()
    done = subprocess.run(
        [str(EXE), "questions", "--format", "yaml"],
        capture_output=True,
        check=False,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("MATURITY_BOT_")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == bundled  # byte for byte: comments, order and quoting as shipped
    # An organisation saves it, gives it its own version, and points MATURITY_BOT_MODEL at it.
    copy = tmp_path / "our-model.yaml"
    copy.write_text(with_version(done.stdout.decode("utf-8"), "2026.12.2-acme"), encoding="utf-8")
    env = {"MATURITY_BOT_MODEL": str(copy)}
    assert run("questions", "--format", "yaml", url=database_url, env=env).stdout == copy.read_text(encoding="utf-8")
    expected, answers = PERSONAS["faq_level_2"]
    chatted = run("chat", "--team", "acme", "--user", "ana", url=database_url, stdin=typed(answers), env=env)
    assert chatted.returncode == 0, chatted.stderr
    assert "MLOps maturity model (2026.12.2-acme)" in chatted.stdout
    assert f"Level {expected}, {MODEL.level(expected).name_for(PROFILE)}" in chatted.stdout
    report = json.loads(run("report", "--team", "acme", "--json", url=database_url, env=env).stdout)
    assert (report["model_version"], report["overall"]) == ("2026.12.2-acme", expected)
    # The older variable name still works.
    old_name = run("questions", "--format", "yaml", url=database_url, env={"MATURITY_BOT_MODEL_FILE": str(copy)})
    assert old_name.stdout == copy.read_text(encoding="utf-8")


BROKEN_FIELD = "questions[data_pipeline].options[prediction_lineage].level"


def broken_model(tmp_path: Path) -> Path:
    """A copy of the bundled model with a level-7 option."""
    text = DEFAULT_MODEL_FILE.read_text(encoding="utf-8")
    top = "        level: 4\n        keywords: [queryable lineage"
    assert text.count(top) == 1
    file = tmp_path / "broken-model.yaml"
    file.write_text(text.replace(top, top.replace("level: 4", "level: 7")), encoding="utf-8")
    return file


@pytest.mark.parametrize(
    "command",
    [["chat", "--team", "t", "--user", "u"], ["questions", "--format", "json"], ["score", "--answers", "-"], ["serve"]],
    ids=["chat", "questions", "score", "serve"],
)
def test_a_broken_model_file_is_one_line_naming_the_file_and_the_field(tmp_path: Path, command: list[str]) -> None:
    file = broken_model(tmp_path)
    answers = json.dumps(PERSONAS["faq_level_2"][1])
    env = {"MATURITY_BOT_MODEL": str(file), "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s"}
    done = run(*command, url=f"sqlite:///{tmp_path}/t.db", stdin=answers, env=env)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {file}: {BROKEN_FIELD}: ")
    assert "less than or equal to 4" in done.stderr  # the problem
    assert "MLOps maturity assessment" not in done.stdout  # nothing starts


def test_a_changed_model_file_keeping_a_stored_version_is_refused(tmp_path: Path, database_url: str) -> None:
    copy = tmp_path / "our-model.yaml"
    text = with_version(DEFAULT_MODEL_FILE.read_text(encoding="utf-8"), "acme-1")
    copy.write_text(text, encoding="utf-8")
    env = {"MATURITY_BOT_MODEL": str(copy), "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s"}
    first = run("chat", "--team", "t", "--user", "u", url=database_url, stdin="1\n", env=env)
    assert first.returncode == 0, first.stderr  # acme-1 is stored now
    copy.write_text(text.replace("name: MLOps maturity model", "name: Acme MLOps maturity model", 1), encoding="utf-8")
    for command in (["chat", "--team", "t", "--user", "u"], ["report", "--team", "t"], ["serve", "--port", "1"]):
        refused = run(*command, url=database_url, stdin="2\n", env=env)
        assert refused.returncode == 2, (command, refused.stdout, refused.stderr)
        assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
        assert str(copy) in refused.stderr and "'acme-1' is already stored with different content" in refused.stderr
    # The 2026.12 bank is stored by the migration: reusing its version string is refused on a new database too.
    copy.write_text(with_version(DEFAULT_MODEL_FILE.read_text(encoding="utf-8"), "2026.12"), encoding="utf-8")
    reused = run("chat", "--team", "t2", "--user", "u", url=database_url, stdin="1\n", env=env)
    assert reused.returncode == 2 and "'2026.12' is already stored with different content" in reused.stderr
    # Put back as it was stored, the file is accepted again and the chat resumes.
    copy.write_text(text, encoding="utf-8")
    again = run("chat", "--team", "t", "--user", "u", url=database_url, stdin="", env=env)
    assert again.returncode == 0 and "Welcome back: 1 answer(s) saved" in again.stdout


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_score_prints_the_result_as_json(tmp_path: Path, name: str) -> None:
    expected, answers = PERSONAS[name]
    file = tmp_path / "answers.json"
    file.write_text(json.dumps(answers))
    done = run("score", "--answers", str(file), url=f"sqlite:///{tmp_path}/unused.db")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["overall"] == expected
    assert result == json.loads(json.dumps(score_answers(MODEL, answers).to_dict()))
    assert not (tmp_path / "unused.db").exists(), "score must not touch the database"


def test_score_refuses_bad_files_with_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/unused.db"
    bad = tmp_path / "bad.json"
    for content, expected in (
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"nope": "x"}), "unknown question id 'nope'"),
    ):
        bad.write_text(content)
        done = run("score", "--answers", str(bad), url=url)
        assert done.returncode == 2
        assert expected in done.stderr and "Traceback" not in done.stderr
    piped = run("score", "--answers", "-", url=url, stdin=json.dumps(PERSONAS["faq_level_0"][1]))
    assert json.loads(piped.stdout)["overall"] == 0


# faq_level_2, except that its models make no decisions about people and nobody knows what they cost.
WITH_NA_AND_DONT_KNOW = PERSONAS["faq_level_2"][1] | {
    "fairness_checks": "na_no_decisions_about_people",
    "cost_tracking": "dont_know",
}
INTERFACE_FIELDS = ("overall", "dimensions", "next_steps", "not_applicable", "dont_know")


def assert_the_interface(result: dict[str, object]) -> None:
    """Issue 13, section 7: what ``score`` and ``report --json`` print for WITH_NA_AND_DONT_KNOW."""
    assert result["overall"] == 2
    dimensions = result["dimensions"]
    assert isinstance(dimensions, dict)
    assert list(dimensions) == [d.id for d in MODEL.dimensions_for(PROFILE)]
    assert dimensions["cost"]["level"] is None  # its only question was "don't know": not assessed
    assert dimensions["governance"]["level"] == 1 and dimensions["data"]["level"] == 2
    steps = result["next_steps"]
    assert isinstance(steps, list) and steps
    for step in steps:
        assert {"id", "title", "why", "lifts"} <= set(step)
        investment = MODEL.investment_by_id[step["id"]]
        assert (step["title"], step["why"]) == (investment.title, investment.why)
        assert step["lifts"] and set(step["lifts"]) <= set(dimensions)
    assert result["not_applicable"] == ["fairness_checks"]
    assert result["dont_know"] == ["cost_tracking"]


def test_score_prints_the_fields_outside_tools_rely_on(tmp_path: Path) -> None:
    file = tmp_path / "answers.json"
    file.write_text(json.dumps(WITH_NA_AND_DONT_KNOW))
    done = run("score", "--answers", str(file), url=f"sqlite:///{tmp_path}/unused.db")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert_the_interface(result)
    # Answers to questions an online team is not asked (LLM-only, batch-only) are ignored.
    not_asked = {q.id for q in MODEL.questions} - {q.id for q in ASKED}
    assert {"guardrails", "token_cost", "rollout_batch"} <= not_asked
    extra = {qid: MODEL.question_by_id[qid].options[-1].id for qid in sorted(not_asked)}
    file.write_text(json.dumps(WITH_NA_AND_DONT_KNOW | extra))
    ignored = run("score", "--answers", str(file), url=f"sqlite:///{tmp_path}/unused.db")
    assert ignored.returncode == 0, ignored.stderr
    assert json.loads(ignored.stdout) == result


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"no_such_question": "yes"}, "unknown question id 'no_such_question'"),
        ({"data_pipeline": "no_tests"}, "unknown option 'no_tests' for question 'data_pipeline'"),  # automated_tests'
        ({"system_type": None}, "the profile question 'system_type' needs an answer"),
    ],
    ids=["unknown-question", "option-of-another-question", "no-profile"],
)
def test_score_refuses_answers_that_do_not_fit_the_model(
    tmp_path: Path, change: dict[str, str | None], expected: str
) -> None:
    answers = {k: v for k, v in (PERSONAS["faq_level_2"][1] | change).items() if v is not None}
    file = tmp_path / "answers.json"
    file.write_text(json.dumps(answers))
    done = run("score", "--answers", str(file), url=f"sqlite:///{tmp_path}/unused.db")
    assert done.returncode == 2, done.stdout
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {file}: ") and done.stderr.count("\n") == 1
    assert expected in done.stderr


def test_report_json_gives_a_team_the_same_fields(database_url: str) -> None:
    for user in ("ana", "bo"):
        done = run("chat", "--team", "fraud", "--user", user, url=database_url, stdin=typed(WITH_NA_AND_DONT_KNOW))
        assert done.returncode == 0, done.stderr
    report = run("report", "--team", "fraud", "--json", url=database_url)
    assert report.returncode == 0, report.stderr
    result = json.loads(report.stdout)
    assert_the_interface(result)
    team = json.loads(json.dumps(score(MODEL, [WITH_NA_AND_DONT_KNOW] * 2).to_dict()))
    assert {k: result[k] for k in INTERFACE_FIELDS} == {k: team[k] for k in INTERFACE_FIELDS}


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    done = run("chat", url="postgresql://postgres:s3cret@127.0.0.1:1/test", stdin="1\n")
    assert done.returncode == 3
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert "127.0.0.1:1" in done.stderr and "s3cret" not in done.stderr and "Traceback" not in done.stderr


def test_version_and_help_on_every_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/unused.db"
    version = run("--version", url=url)
    assert version.returncode == 0 and version.stdout.startswith("maturity-bot ")
    for command in (["chat"], ["report"], ["questions"], ["score"], ["db"], ["db", "upgrade"]):
        done = run(*command, "--help", url=url)
        assert done.returncode == 0 and "Usage" in done.stdout, command


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    done = run("db", "upgrade", url=url)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "fresh.db").exists()


def test_chat_does_not_load_any_chat_platform_sdk(tmp_path: Path) -> None:
    """Start-up stays fast: the terminal chat must not import Slack or Bot Framework packages."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot.cli", "chat", "--team", "t", "--user", "u"],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=dict(os.environ, MATURITY_BOT_DATABASE_URL=f"sqlite:///{tmp_path}/t.db"),
    )
    assert done.returncode == 0
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "storage.conversations" in imported  # the measurement itself works
    assert not {m for m in imported if m.split(".")[0] in {"slack_bolt", "slack_sdk", "botbuilder", "aiohttp"}}


def test_new_round_moves_a_terminal_team_to_the_current_rubric(database_url: str, tmp_path: Path) -> None:
    expected, answers = PERSONAS["faq_level_2"]
    assert run("chat", "--team", "recsys", "--user", "ana", url=database_url, stdin=typed(answers)).returncode == 0
    done = run("new-round", "--team", "recsys", url=database_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"Closed round 1 (rubric {MODEL.version}). Round 2 of recsys is open on rubric {MODEL.version}."
    )
    report = json.loads(run("report", "--team", "recsys", "--json", url=database_url).stdout)
    assert report["round"] == 1 and report["overall"] == expected, "round 2 has no finished answers yet"
    again = run("chat", "--team", "recsys", "--user", "ana", url=database_url, stdin="1\n")
    assert "question 1 of up to 26" in again.stdout
    missing = run("new-round", "--team", "nobody", url=database_url)
    assert missing.returncode == 4 and "no team named 'nobody'" in missing.stderr

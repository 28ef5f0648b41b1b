"""``maturity-bot`` end to end, as a user runs it: a real subprocess, piped stdin, a real database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scoring.model import default_model
from scoring.score import score, score_answers
from tests.personas import PERSONAS

EXE = Path(sys.executable).with_name("maturity-bot")
MODEL = default_model()


def run(*args: str, url: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MATURITY_BOT_") and k != "DATABASE_URL"}
    environment |= {"MATURITY_BOT_DATABASE_URL": url, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [str(EXE), *args], input=stdin, capture_output=True, text=True, env=environment, timeout=120, check=False
    )


def typed(answers: dict[str, str]) -> str:
    """The persona's answers as a person would type them: option numbers, one per line, in bank order."""
    lines = []
    for q in MODEL.questions:
        lines.append(str([o.id for o in q.choices].index(answers[q.id]) + 1))
    return "\n".join(lines) + "\n"


def test_a_whole_assessment_from_piped_stdin(database_url: str) -> None:
    expected, answers = PERSONAS["faq_level_2"]
    done = run("chat", "--team", "recsys", "--user", "ana", url=database_url, stdin=typed(answers))
    assert done.returncode == 0, done.stderr
    assert f"question {len(MODEL.questions)} of {len(MODEL.questions)}" in done.stdout
    assert f"Level {expected}, {MODEL.level(expected).name}" in done.stdout
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
    assert "Level 3, Automated deployment" in second.stdout


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
    first = MODEL.questions[0]
    words = first.options[2].keywords[0]
    done = run(
        "chat", "--team", "t", "--user", "u", url=database_url, stdin=f"definitely not an option\n{words}\nwhy\n"
    )
    assert done.returncode == 0
    assert "couldn't match 'definitely not an option'" in done.stdout
    assert done.stdout.count(first.text) == 1, "a question repeated after a hint is shown as a short reminder"
    assert "question 2 of" in done.stdout
    assert f"Why we ask: {MODEL.questions[1].why}"[:60] in done.stdout.replace("\n", " ")


def test_report_for_an_unknown_team(database_url: str) -> None:
    done = run("report", "--team", "nobody", url=database_url)
    assert done.returncode == 4
    assert "no team named 'nobody'" in done.stderr


def test_questions_as_json_and_markdown(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/unused.db"
    data = json.loads(run("questions", "--format", "json", url=url).stdout)
    assert [q["id"] for q in data["questions"]] == [q.id for q in MODEL.questions]
    for q in data["questions"]:
        assert {o["level"] for o in q["options"]} == {0, 1, 2, 3, 4}
        assert q["options"][-1]["id"] == "dont_know"
    markdown = run("questions", "--format", "markdown", url=url).stdout
    assert markdown.startswith(f"# {MODEL.name}")
    assert all(f"`{q.id}`" in markdown for q in MODEL.questions)


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

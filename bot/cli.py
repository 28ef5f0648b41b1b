"""The ``maturity-bot`` command line: the composition root for the terminal.

Each command wires settings, the model, the database and an adapter together. Heavy or platform imports stay
inside the commands that need them, so ``maturity-bot chat`` starts fast and never loads a chat SDK.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from bot.settings import ConfigurationError, Settings
from scoring.model import MaturityModel, ModelFileError, read_model_file

if TYPE_CHECKING:
    from collections.abc import Callable

    from scoring.catalog import ModelCatalog
    from storage.database import Database

app = typer.Typer(
    name="maturity-bot",
    help="MLOps maturity self-assessment: take it in the terminal, score answers, see your team's report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

TERMINAL_WORKSPACE = "local"
PLATFORM = "terminal"
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class ExitCode:
    USAGE = 2  # bad input: a file, an answer set, an option
    UNAVAILABLE = 3  # the database could not be reached or is not migrated
    NOT_FOUND = 4


def fail(message: str, code: int) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _version_callback(value: bool) -> None:
    if value:
        from bot.version import installed_version

        out.print(f"maturity-bot {installed_version() or 'unknown'}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """MLOps maturity self-assessment."""


def _model_file(settings: Settings) -> tuple[str, MaturityModel]:
    """The model file's text and model, read once per command; a broken file is one line naming the file, the
    field and the problem."""
    if settings.model_file not in _read:
        try:
            _read[settings.model_file] = read_model_file(settings.model_file)
        except ModelFileError as exc:
            fail(str(exc), ExitCode.USAGE)
    return _read[settings.model_file]


_read: dict[Path | None, tuple[str, MaturityModel]] = {}


def _model(settings: Settings) -> MaturityModel:
    return _model_file(settings)[1]


def _models(settings: Settings, db: Database) -> ModelCatalog:
    """The current model, stored in the database, with every version older rounds were opened on."""
    from storage.model_versions import ModelVersionConflict, model_catalog

    text, model = _model_file(settings)
    try:
        return model_catalog(db, text, model, source=str(settings.model_file or "the bundled model"), preload=False)
    except ModelVersionConflict as exc:
        fail(str(exc), ExitCode.USAGE)


def _open_db(settings: Settings) -> Database:
    """An operator's command waits behind a server's writes on SQLite rather than failing after a second."""
    from storage.database import SQLITE_PATIENT_LOCK_WAIT_MS, open_database

    return open_database(settings.resolved_database_url(), lock_wait_ms=SQLITE_PATIENT_LOCK_WAIT_MS)


TeamOption = Annotated[
    str | None, typer.Option("--team", "-t", help="Team name (default: MATURITY_BOT_TEAM or my-team).")
]
UserOption = Annotated[str | None, typer.Option("--user", "-u", help="Who is answering (default: your login name).")]


@app.command()
def chat(team: TeamOption = None, user: UserOption = None) -> None:
    """Take (or resume) the assessment in the terminal. Reads one answer per line, so it can be piped."""
    from bot.app.runtime import Runtime
    from bot.terminal import chat as run_chat
    from dialogs.ports import Participant
    from storage.conversations import SqlConversationStore
    from storage.database import DatabaseUnavailable

    settings = Settings()
    team, user = team or settings.team, user or settings.user
    try:
        who = Participant(PLATFORM, TERMINAL_WORKSPACE, team, user, team_name=team, user_name=user)
    except ValueError as exc:
        fail(str(exc), ExitCode.USAGE)
    _model_file(settings)  # a broken model file says so before anything else
    db = _open_db(settings)
    models = _models(settings, db)
    out.print(f"[bold]MLOps maturity assessment[/bold] for team [bold]{escape(team)}[/bold] as {escape(user)}")
    store = SqlConversationStore(db)
    bot = Runtime(store, db, models, min_respondents=settings.disagreement_min_respondents)
    try:
        run_chat(store, models, who, stdin=sys.stdin, console=out, bot=bot)
    except DatabaseUnavailable as exc:
        fail(f"{exc}. Every answer before this one is saved; run the same command to resume.", ExitCode.UNAVAILABLE)


@app.command()
def report(
    team: TeamOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scored result as JSON.")] = False,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also draw the levels (beside the previous round's) to this PNG.")
    ] = None,
) -> None:
    """The team summary: levels and their trend, participation, where members disagree, the plan and next steps
    (the same summary the chat platforms post)."""
    from bot.app.summary import NothingFinished, team_report
    from bot.terminal import render_summary
    from dialogs.ports import Participant

    settings = Settings()
    _model_file(settings)
    db = _open_db(settings)
    models = _models(settings, db)
    team = team or settings.team
    asker = Participant(PLATFORM, TERMINAL_WORKSPACE, team, settings.user)
    summary = team_report(db, models, asker, min_respondents=settings.disagreement_min_respondents)
    if summary is None:
        fail(f"no team named {team!r} yet; start with: maturity-bot chat --team {team!r}", ExitCode.NOT_FOUND)
    if isinstance(summary, NothingFinished):
        out.print(
            f"No finished assessments yet for team {team} in round {summary.round_number} "
            f"({summary.in_progress} in progress).",
            markup=False,
        )
        return
    result = summary.result
    if chart is not None:
        from bot.chart import summary_chart

        try:
            chart.write_bytes(summary_chart(summary))
        except OSError as exc:
            fail(f"--chart: cannot write {chart}: {exc.strerror}", ExitCode.USAGE)
    if as_json:
        context = {
            "team": team,
            "round": summary.round_number,
            "finished": summary.finished,
            "members": summary.members,
        }
        context |= {"in_progress": summary.in_progress, "previous_round": summary.previous_round}
        sys.stdout.write(json.dumps(context | result.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    render_summary(out, summary)
    if not models.has(summary.model_version):
        out.print(
            f"[dim]This round was taken on model {escape(summary.model_version)}, which is not stored; scored with "
            f"{escape(models.current.version)}.[/dim]"
        )


@app.command("new-round")
def new_round(
    team: TeamOption = None,
    platform: Annotated[str, typer.Option("--platform", help="slack, teams or terminal.")] = PLATFORM,
    workspace: Annotated[
        str, typer.Option("--workspace", help="The Slack workspace or Teams tenant id (terminal: local).")
    ] = TERMINAL_WORKSPACE,
) -> None:
    """Close the team's open round (its result is kept) and open the next on the current rubric. Rounds keep the
    rubric version they were opened on; this is how a team without scheduled re-assessments moves to a new one."""
    from bot.app.schedules import start_new_round
    from storage.models import utcnow

    settings = Settings()
    _model_file(settings)
    db = _open_db(settings)
    team = team or settings.team
    done = start_new_round(db, _models(settings, db), platform=platform, workspace=workspace, team=team, now=utcnow())
    if done is None:
        fail(f"no team named {team!r} on {platform}", ExitCode.NOT_FOUND)
    closed = f"Closed round {done.closed} (rubric {done.closed_version}). " if done.closed else ""
    out.print(f"{closed}Round {done.opened} of {team} is open on rubric {done.version}.", markup=False)


@app.command()
def org(
    platform: Annotated[str, typer.Option("--platform", help="slack, teams or terminal.")] = PLATFORM,
    workspace: Annotated[
        str, typer.Option("--workspace", help="The Slack workspace or Teams tenant id (terminal: local).")
    ] = TERMINAL_WORKSPACE,
) -> None:
    """The organisation view: teams at each level, each dimension across teams, the most common blocker, and
    the teams overdue for a re-assessment."""
    from datetime import UTC, datetime

    from bot.app.org import org_text, org_view
    from bot.terminal import TERMINAL

    settings = Settings()
    _model_file(settings)
    db = _open_db(settings)
    view = org_view(db, _models(settings, db), platform=platform, workspace=workspace, now=datetime.now(tz=UTC))
    out.print(org_text(view, TERMINAL))


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv or json.")] = ExportFormat.JSON,
    team: Annotated[str | None, typer.Option("--team", help="Only this team (its id or its name).")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only records from this date on (YYYY-MM-DD, UTC).")
    ] = None,
) -> None:
    """The audit trail: every answer (time, member, team, round, question, option, level, source, model version),
    every round's results, the plan's history and the erasures. JSON holds them in four lists; CSV is one table
    with a "record" column saying which each row is."""
    import csv
    from datetime import UTC, datetime

    from bot.app.audit import ANSWER_FIELDS, ERASURE_FIELDS, PLAN_FIELDS, RESULT_FIELDS
    from bot.app.audit import export as audit_export

    try:
        start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    except ValueError:
        fail(f"--since: {since!r} is not a date like 2026-11-01", ExitCode.USAGE)
    settings = Settings()
    db = _open_db(settings)
    trail = audit_export(db, team=team, since=start)
    if format is ExportFormat.JSON:
        sys.stdout.write(json.dumps(vars(trail), indent=2, ensure_ascii=False) + "\n")
        return
    kinds = (
        ("answer", ANSWER_FIELDS, trail.answers),
        ("result", RESULT_FIELDS, trail.results),
        ("plan", PLAN_FIELDS, trail.plan),
        ("erasure", ERASURE_FIELDS, trail.erasures),
    )
    columns = ["record", *dict.fromkeys(f for _, fields, _ in kinds for f in fields)]
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record, _, rows in kinds:
        for row in rows:
            writer.writerow({"record": record, **{key: _cell(value) for key, value in row.items()}})


def _cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text people typed (a note, a name) that starts like a formula is
    quoted as text (OWASP's advice against CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@app.command()
def forget(
    user: Annotated[
        str,
        typer.Option("--user", help="The person's platform id (a Slack or Teams user id, or the terminal user name)."),
    ],
    platform: Annotated[
        str | None, typer.Option("--platform", help="Only on this platform (slack, teams, terminal).")
    ] = None,
    workspace: Annotated[str | None, typer.Option("--workspace", help="Only in this workspace or tenant.")] = None,
) -> None:
    """Delete one person's answers (a GDPR erasure request) and record that it happened. Team results computed
    before stay as they were."""
    from bot.app.audit import forget as erase

    settings = Settings()
    db = _open_db(settings)
    erased = erase(db, user, platform=platform, workspace=workspace)
    if erased.workspaces == 0:
        fail(f"no person with id {user!r}" + (f" on {platform}" if platform else ""), ExitCode.NOT_FOUND)
    out.print(
        f"Forgot {user}: {erased.answers} answer(s) and {erased.responses} response(s) deleted in "
        f"{erased.workspaces} workspace(s); the erasure is recorded (see `maturity-bot export`).",
        markup=False,
    )


class QuestionFormat(StrEnum):
    JSON = "json"
    MARKDOWN = "markdown"
    YAML = "yaml"


@app.command()
def questions(
    format: Annotated[QuestionFormat, typer.Option("--format", "-f", help="Output format.")] = QuestionFormat.MARKDOWN,
) -> None:
    """Print the maturity model: levels, dimensions, every question with its options and their levels. YAML is
    the model file itself: adapt a copy, give it a new version, and point MATURITY_BOT_MODEL at it."""
    from bot.model_export import model_as_json, model_as_markdown

    text, model = _model_file(Settings())
    if format is QuestionFormat.YAML:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    elif format is QuestionFormat.JSON:
        sys.stdout.write(json.dumps(model_as_json(model), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(model_as_markdown(model))


@app.command("score")
def score_file(
    answers: Annotated[
        Path,
        typer.Option(
            "--answers", "-a", help="JSON file {question id: option id}, the profile answer included; - for stdin."
        ),
    ],
) -> None:
    """Score a set of answers without storing anything; prints the result as JSON. Answers to questions that do
    not apply to the chosen profile are ignored."""
    from scoring.score import score_answers, unknown_answers

    model = _model(Settings())
    try:
        text = sys.stdin.read() if str(answers) == "-" else answers.read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as exc:
        fail(f"{answers}: cannot read: {exc.strerror}", ExitCode.USAGE)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fail(f"{answers}: not valid JSON: {exc}", ExitCode.USAGE)
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        fail(f"{answers}: expected a JSON object of question id -> option id strings", ExitCode.USAGE)
    problems = unknown_answers(model, data)
    if problems:
        fail(f"{answers}: " + "; ".join(problems), ExitCode.USAGE)
    sys.stdout.write(json.dumps(score_answers(model, data).to_dict(), indent=2, ensure_ascii=False) + "\n")


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: MATURITY_BOT_HOST or 0.0.0.0).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: MATURITY_BOT_PORT or 3000).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Server processes sharing the port (default: MATURITY_BOT_WORKERS or 1)."),
    ] = None,
    scheduler: Annotated[
        bool | None,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Run the check-in scheduler in this process (default: MATURITY_BOT_SCHEDULER or on).",
        ),
    ] = None,
) -> None:
    """Run the server: Slack (/slack/events), Teams (/api/messages), /healthz, /metrics and the check-ins."""
    from bot.server.compose import serve as run_server
    from storage.database import DatabaseUnavailable, SchemaOutOfDate
    from storage.model_versions import ModelVersionConflict

    settings = Settings()
    if scheduler is not None:
        settings = settings.model_copy(update={"scheduler": scheduler})
    try:
        run_server(
            settings, host=host or settings.host, port=port or settings.port, workers=workers or settings.workers
        )
    except (ConfigurationError, ModelFileError, ModelVersionConflict) as exc:
        fail(str(exc), ExitCode.USAGE)
    except (DatabaseUnavailable, SchemaOutOfDate) as exc:
        fail(str(exc), ExitCode.UNAVAILABLE)


@app.command("slack-manifest")
def slack_manifest(
    url: Annotated[str, typer.Option("--url", help="Public base URL of the server, e.g. https://bot.example.com.")],
    socket_mode: Annotated[
        bool,
        typer.Option(
            "--socket-mode", help="Socket Mode manifest, without request URLs (serve with SLACK_APP_TOKEN set)."
        ),
    ] = False,
) -> None:
    """Print the Slack app manifest (YAML) with its request URLs set to URL/slack/events."""
    from bot.slack.manifest import render_manifest

    try:
        text = render_manifest(url, socket_mode=socket_mode)
    except ValueError as exc:
        fail(f"--url: {exc}", ExitCode.USAGE)
    sys.stdout.write(text)


@app.command("teams-package")
def teams_package(
    app_id: Annotated[str, typer.Option("--app-id", help="Microsoft App ID (a GUID) of the Azure Bot registration.")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Where to write the zip, e.g. maturity-teams.zip.")],
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it already exists.")] = False,
    website: Annotated[
        str | None,
        typer.Option("--website", help="Developer website shown in Teams (default: the project repository)."),
    ] = None,
    privacy_url: Annotated[
        str | None,
        typer.Option(
            "--privacy-url", help="Privacy statement shown in Teams (default: the project's, in docs/teams.md)."
        ),
    ] = None,
    terms_url: Annotated[
        str | None, typer.Option("--terms-url", help="Terms of use shown in Teams (default: the project license).")
    ] = None,
) -> None:
    """Write the Microsoft Teams app package (manifest.json and icons in a zip) to upload in Teams."""
    from bot.teams import package

    def checked(option: str, value: str, check: Callable[[str], str]) -> str:
        try:
            return check(value)
        except package.PackageError as exc:
            fail(f"{option}: {exc}", ExitCode.USAGE)

    bot_id = checked("--app-id", app_id, package.parse_app_id)
    website = checked("--website", package.DEFAULT_WEBSITE if website is None else website, package.https_url)
    privacy = checked(
        "--privacy-url", package.DEFAULT_PRIVACY_URL if privacy_url is None else privacy_url, package.https_url
    )
    terms = checked("--terms-url", package.DEFAULT_TERMS_URL if terms_url is None else terms_url, package.https_url)
    try:
        written = package.write_package(
            bot_id, out_file, force=force, website=website, privacy_url=privacy, terms_url=terms
        )
    except package.PackageError as exc:
        fail(f"--out: {exc}", ExitCode.USAGE)
    out.print(
        f"Wrote the Teams app package to {written}. Upload it in Teams: Apps > Manage your apps > Upload an app.",
        markup=False,
        soft_wrap=True,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the latest version (Alembic)."""
    from storage.database import upgrade

    settings = Settings()
    url = settings.resolved_database_url()
    upgrade(url)
    out.print("Database schema is up to date.", markup=False)


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as exc:  # a setting from the environment that cannot be read: one line, no traceback
        problem = exc.errors()[0]
        name = str(problem["loc"][0]) if problem["loc"] else "a setting"
        if name in Settings.model_fields:  # a field's own name: its variable has the prefix
            name = f"MATURITY_BOT_{name.upper()}"
        err.print(f"error: {name}: {problem['msg']}", markup=False, soft_wrap=True)
        raise SystemExit(ExitCode.USAGE) from None
    except Exception as exc:  # a database that is down or refuses an operation: one line, like every other error
        from sqlalchemy.exc import SQLAlchemyError

        from dialogs.ports import ConcurrentTurn
        from storage.database import DatabaseUnavailable, SchemaOutOfDate
        from storage.errors import short_reason

        if isinstance(exc, DatabaseUnavailable | SchemaOutOfDate):
            err.print(f"error: {exc}", markup=False, soft_wrap=True)
        elif isinstance(exc, SQLAlchemyError | ConcurrentTurn):
            err.print(f"error: the database refused the operation: {short_reason(exc)}", markup=False, soft_wrap=True)
        else:
            raise
        raise SystemExit(ExitCode.UNAVAILABLE) from None


if __name__ == "__main__":
    main()

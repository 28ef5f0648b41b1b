"""Run a team command as a person would on each platform, and get back what they read: one test states a command's
behaviour once and runs it for Slack, Teams and the terminal (the errbot way).

- Slack: a signed ``/maturity <text>`` over HTTP to the real server; the reply is the ephemeral acknowledgement,
  plus whatever the bot then posts in the channel (the team summary).
- Teams: an @mention in the channel, through the real activity handler; the reply is what the bot sends back.
- Terminal: the line typed in ``maturity-bot chat``; the reply is what it prints.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from rich.console import Console

from bot.app.runtime import Runtime
from bot.app.turns import take_turn
from bot.terminal import team_command
from dialogs.messages import Command, Input
from dialogs.ports import Participant
from scoring.model import read_model_file
from storage.conversations import SqlConversationStore
from storage.database import Database
from storage.model_versions import model_catalog
from tests import teams_activities as teams
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi
from tests.slack_posts import wait_until
from tests.slack_requests import slash_command
from tests.test_slack_server import CHANNEL, SECRET, USER, WORKSPACE, start_server
from tests.test_teams_transcripts import SERVICE, Chat, texts

PLATFORMS = ("slack", "teams", "terminal")
TEAMS_USER = "00000000-0000-0000-0000-0000000000a1"  # the aad object id teams_activities' messages carry


@dataclass
class Platform:
    name: str
    who: Participant  # the person the commands come from, in that platform's ids
    send: Callable[[str], str]  # a command's words -> what the person reads


def participant(platform: str) -> Participant:
    if platform == "slack":
        return Participant("slack", WORKSPACE, CHANNEL, USER)
    if platform == "teams":
        return Participant("teams", teams.TENANT_ID, teams.CHANNEL_ID, TEAMS_USER)
    return Participant("terminal", "local", "recsys", "ana")


def finish(db: Database, who: Participant, answers: dict[str, str]) -> None:
    """``who`` takes the whole assessment with ``answers`` (the team then has a result, a plan, check-ins)."""
    text, model = read_model_file()
    models = model_catalog(db, text, model, source="the bundled model")
    store = SqlConversationStore(db)
    take_turn(store, models, who, Input(Command.START), source=who.platform)
    for question in model.questions_for(model.profile_of(answers)):
        take_turn(store, models, who, Input(Command.ANSWER, answers[question.id], question_id=question.id), source="t")


@contextmanager
def platform(name: str, db: Database, database_url: str) -> Iterator[Platform]:
    with ExitStack() as stack:
        if name == "slack":
            slack_api = stack.enter_context(FakeSlackApi(team_id=WORKSPACE))
            server = start_server(database_url, slack_api)
            stack.callback(server.stop)

            def slack(words: str) -> str:
                before = len(slack_api.calls_to("chat.postMessage"))
                body, headers = slash_command(
                    SECRET,
                    team_id=WORKSPACE,
                    channel_id=CHANNEL,
                    user_id=USER,
                    text=words,
                    response_url=slack_api.response_url(),
                )
                opened = len(slack_api.calls_to("views.open"))
                responded = len(slack_api.calls_to(RESPONSE_URL))
                status, reply = server.post_json("/slack/events", body, headers)
                assert status == 200
                if reply is None:  # an empty acknowledgement: a form opens, or the answer follows (after users.info)
                    wait_until(
                        lambda: (
                            len(slack_api.calls_to("views.open")) > opened
                            or len(slack_api.calls_to(RESPONSE_URL)) > responded
                        ),
                        slack_api=slack_api,
                    )
                    if len(slack_api.calls_to("views.open")) > opened:
                        return json.dumps(slack_api.calls_to("views.open")[opened].args["view"])
                    return str(slack_api.calls_to(RESPONSE_URL)[responded].args["text"])
                assert reply["response_type"] == "ephemeral"
                if reply["text"].startswith("Posting the team summary"):
                    wait_until(lambda: len(slack_api.calls_to("chat.postMessage")) > before, slack_api=slack_api)
                    posted = slack_api.calls_to("chat.postMessage")[before].args
                    return reply["text"] + "\n" + posted["text"] + "\n" + json.dumps(posted.get("blocks", []))
                return str(reply["text"])

            yield Platform(name, participant(name), slack)
        elif name == "teams":
            chat = Chat(db)

            def teams_send(words: str) -> str:
                replies = chat.send(teams.channel_mention(words, service_url=SERVICE))
                return "\n".join(
                    texts(replies) + [json.dumps(r.attachments[0].content) for r in replies if r.attachments]
                )

            yield Platform(name, participant(name), teams_send)
        else:
            text, model = read_model_file()
            bot = Runtime(SqlConversationStore(db), db, model_catalog(db, text, model, source="the bundled model"))

            def terminal(words: str) -> str:
                printed = io.StringIO()
                asyncio.run(team_command(bot, participant(name), words, Console(file=printed, width=400)))
                return " ".join(printed.getvalue().split())  # tables wrap; the words are what is read

            yield Platform(name, participant(name), terminal)

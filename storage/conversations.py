"""The conversation store: one locked transaction per turn, answers appended one row each.

A turn locks the member's response row for its whole duration (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` locks the database), and its save also checks the row's version counter, so a lost race
becomes ConcurrentTurn instead of a silently lost answer. Get-or-create uses INSERT ... ON CONFLICT DO NOTHING
followed by a SELECT, so two processes meeting a new team at once both end up with the same row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Table, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from checkins.states import RoundStatus
from dialogs.ports import ConcurrentTurn, Participant
from dialogs.state import ConversationState, Note, Phase
from storage.database import Database
from storage.errors import is_retryable
from storage.models import Answer, Base, Member, Response, Round, Team, Workspace, utcnow
from storage.queries import insert_for, latest_answers, open_round, upsert_result

# The statements every turn runs, built once on the tables (plain Core: no ORM bookkeeping per turn, and a built
# statement keeps its compiled form and cache key between runs).
_responses, _rounds, _teams, _workspaces, _members, _answers = (
    cast(Table, model.__table__) for model in (Response, Round, Team, Workspace, Member, Answer)
)
_EXISTING_RESPONSE = (
    select(
        _responses,
        _rounds.c.number.label("round_number"),
        _rounds.c.team_id.label("team_id"),
        _workspaces.c.name.label("workspace_name"),
        _teams.c.name.label("team_name"),
        _members.c.display_name.label("user_name"),
    )
    .join(_rounds, _rounds.c.id == _responses.c.round_id)
    .join(_teams, _teams.c.id == _rounds.c.team_id)
    .join(_workspaces, _workspaces.c.id == _teams.c.workspace_id)
    .join(_members, _members.c.id == _responses.c.member_id)
    .add_columns(_rounds.c.model_version.label("round_model_version"))
    .where(
        _workspaces.c.platform == bindparam("platform"),
        _workspaces.c.external_id == bindparam("workspace"),
        _teams.c.external_id == bindparam("team"),
        _members.c.workspace_id == _workspaces.c.id,
        _members.c.external_id == bindparam("user"),
        _rounds.c.status == RoundStatus.OPEN,
    )
    .with_for_update(of=_responses)
)
_LOCKED_RESPONSE = (
    select(_responses)
    .where(_responses.c.round_id == bindparam("round"), _responses.c.member_id == bindparam("member"))
    .with_for_update()
)
_SAVE_RESPONSE = (
    update(_responses)
    .where(_responses.c.id == bindparam("response"), _responses.c.version == bindparam("loaded_version"))
    .values(
        status=bindparam("new_status"),
        attempt=bindparam("new_attempt"),
        position=bindparam("new_position"),
        navigation=bindparam("new_navigation"),
        version=_responses.c.version + 1,
        updated_at=bindparam("now"),
        finished_at=bindparam("new_finished_at"),
    )
)
_ADD_ANSWERS = insert(_answers)
_ROUND_VERSION = select(_rounds.c.model_version).where(_rounds.c.id == bindparam("round")).with_for_update()
_ROUND_HAS_ANSWERS = (
    select(_answers.c.id)
    .join(_responses, _responses.c.id == _answers.c.response_id)
    .where(_responses.c.round_id == bindparam("round"))
    .limit(1)
)
_MOVE_ROUND = update(_rounds).where(_rounds.c.id == bindparam("round")).values(model_version=bindparam("version"))


class SqlConversationStore:
    """``dialogs.ports.ConversationStore`` on SQLite or PostgreSQL; safe to share between threads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def turn(self, who: Participant, model_version: str) -> Iterator[SqlTurn]:
        try:
            with self.db.transaction() as session:
                yield _open_turn(session, who, model_version)
        except DBAPIError as exc:
            if is_retryable(exc):  # PostgreSQL deadlock or serialization failure: nothing was written
                raise ConcurrentTurn(str(exc.orig).splitlines()[0]) from exc
            raise


Stored = dict[str, tuple[str, str | None, str | None]]  # question id -> (option id, note, link)


class SqlTurn:
    """The loaded state of one response, and the means to save a new one in the same transaction."""

    def __init__(
        self,
        session: Session,
        response: Row[Any],
        *,
        team_id: int,
        round_id: int,
        round_number: int,
        model_version: str,
        answers: Stored,
    ) -> None:
        self.team_id = team_id
        self.round_number = round_number
        self.round_id = round_id
        self.response_id = response.id
        self.model_version = model_version  # the version the round was opened on: the turn runs on it
        self.state = ConversationState.model_validate(
            {
                **response.navigation,
                "phase": response.status,
                "attempt": response.attempt,
                "answers": {question: option for question, (option, _, _) in answers.items()},
                "notes": {q: Note(text=note, link=link) for q, (_, note, link) in answers.items() if note},
            }
        )
        self.session = session  # the turn's transaction, for work that must commit or roll back with it
        self._version = response.version
        self._attempt = response.attempt
        self._answers = dict(answers)
        self._finished_at = response.finished_at

    def round_answered(self) -> bool:
        """Lock the round and say whether anyone has answered in it; its version is read again under the lock, so
        two turns never disagree about it."""
        self.model_version = self.session.execute(_ROUND_VERSION, {"round": self.round_id}).scalar_one()
        return self.session.execute(_ROUND_HAS_ANSWERS, {"round": self.round_id}).first() is not None

    def move_round(self, version: str) -> None:
        self.session.execute(_MOVE_ROUND, {"round": self.round_id, "version": version})
        self.model_version = version

    def save(
        self,
        state: ConversationState,
        *,
        source: str,
        result: dict[str, Any] | None = None,
        levels: Mapping[str, int | None] | None = None,
    ) -> None:
        """Write ``state``; ``levels`` gives the level of each answer in ``state.answers`` that is new or changed
        (None for an answer that is not a level). A changed note is a new answer row with the same option.

        Raises ConcurrentTurn if the response changed since it was loaded (nothing is written then).
        """
        session, now = self.session, utcnow()
        known = self._answers
        if state.attempt != self._attempt:  # a restart: compare with what that attempt holds (nothing, normally)
            known = latest_answers(session, self.response_id, state.attempt)
        given: Stored = {}
        for question, option in state.answers.items():
            note = state.notes.get(question)
            given[question] = (option, note.text if note else None, note.link if note else None)
        changed = {question: row for question, row in given.items() if known.get(question) != row}
        levels = levels or {}
        missing = sorted(changed.keys() - levels.keys())
        if missing:
            raise ValueError(f"no level given for the answer to {', '.join(missing)}")
        if result is not None and not isinstance(result.get("overall"), int):
            raise ValueError('a result needs an integer "overall" level')

        # Finished once in this attempt stays finished for the team's report, even while changing an answer.
        earlier = self._finished_at if state.attempt == self._attempt else None
        finished_at: datetime | None = earlier or (now if state.phase is Phase.FINISHED else None)
        moved = session.execute(
            _SAVE_RESPONSE,
            {
                "response": self.response_id,
                "loaded_version": self._version,
                "new_status": state.phase.value,
                "new_attempt": state.attempt,
                "new_position": state.pending[0] if state.pending else None,
                "new_navigation": state.navigation(),
                "now": now,
                "new_finished_at": finished_at,
            },
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentTurn(f"response {self.response_id} changed since version {self._version}")
        if changed:
            session.execute(
                _ADD_ANSWERS,
                [
                    {
                        "response_id": self.response_id,
                        "attempt": state.attempt,
                        "question_id": question,
                        "option_id": option,
                        "level": levels[question],
                        "model_version": self.model_version,
                        "source": source,
                        "note": note,
                        "link": link,
                        "answered_at": now,
                    }
                    for question, (option, note, link) in changed.items()
                ],
            )
        if result is not None:
            upsert_result(
                session,
                round_id=self.round_id,
                response_id=self.response_id,
                overall=result["overall"],
                model_version=self.model_version,
                payload=result,
            )
        self.state = state.model_copy(deep=True)
        self._version += 1
        self._attempt = state.attempt
        self._answers = given
        self._finished_at = finished_at


def _open_turn(session: Session, who: Participant, model_version: str) -> SqlTurn:
    found = _existing_response(session, who)
    if found is not None:  # the usual turn: one locked read instead of six
        return SqlTurn(
            session,
            found,
            team_id=found.team_id,
            round_id=found.round_id,
            round_number=found.round_number,
            model_version=found.round_model_version,
            answers=latest_answers(session, found.id, found.attempt),
        )
    workspace_id = _get_or_create(
        session, Workspace, {"platform": who.platform, "external_id": who.workspace}, name=who.workspace_name
    )
    team_id = _get_or_create(session, Team, {"workspace_id": workspace_id, "external_id": who.team}, name=who.team_name)
    member_id = _get_or_create(
        session, Member, {"workspace_id": workspace_id, "external_id": who.user}, display_name=who.user_name
    )
    round_ = open_round(session, team_id, model_version)
    response = _locked_response(session, round_.id, member_id)
    return SqlTurn(
        session,
        response,
        team_id=team_id,
        round_id=round_.id,
        round_number=round_.number,
        model_version=round_.model_version,
        answers=latest_answers(session, response.id, response.attempt),
    )


def _existing_response(session: Session, who: Participant) -> Row[Any] | None:
    """The member's response in the team's open round, locked, when everything already exists and the names
    given match the stored ones; None sends the turn down the creating path."""
    row = session.execute(
        _EXISTING_RESPONSE,
        {"platform": who.platform, "workspace": who.workspace, "team": who.team, "user": who.user},
    ).first()
    if row is None:
        return None
    given = (who.workspace_name, who.team_name, who.user_name)
    if any(
        new is not None and new != old
        for new, old in zip(given, (row.workspace_name, row.team_name, row.user_name), strict=True)
    ):
        return None  # a rename: the creating path brings the names up to date
    return row


def _get_or_create(session: Session, model: type[Base], key: dict[str, Any], **names: str | None) -> int:
    """The id of the row with ``key``, inserting it if missing; names given are brought up to date."""
    table = cast(Table, model.__table__)
    wanted = {column: value for column, value in names.items() if value is not None}
    where: list[ColumnElement[bool]] = [table.c[column] == value for column, value in key.items()]
    query = select(table.c.id, *(table.c[column] for column in wanted)).where(*where)
    row = session.execute(query).first()
    if row is None:
        session.execute(
            insert_for(session, model).values(**key, **wanted).on_conflict_do_nothing(index_elements=list(key))
        )
        row = session.execute(query).one()  # ours, or the one a concurrent transaction committed first
    stale = {column: value for column, value in wanted.items() if row._mapping[column] != value}
    if stale:
        session.execute(update(table).where(table.c.id == row.id).values(**stale))
    return row.id


def _locked_response(session: Session, round_id: int, member_id: int) -> Row[Any]:
    key = {"round": round_id, "member": member_id}
    response = session.execute(_LOCKED_RESPONSE, key).first()
    if response is None:
        now = utcnow()
        session.execute(
            insert_for(session, Response)
            .values(
                round_id=round_id,
                member_id=member_id,
                status=Phase.NEW.value,
                attempt=1,
                navigation=ConversationState().navigation(),
                version=0,
                started_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["round_id", "member_id"])
        )
        response = session.execute(_LOCKED_RESPONSE, key).one()
    return response

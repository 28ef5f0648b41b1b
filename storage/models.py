"""The tables. Every answer ever given is a row of its own; the response row only holds where the member is.

Names of constraints follow one convention so that Alembic migrations name them the same on every database.
Datetimes are timezone-aware UTC in Python, whatever the database does with them (SQLite stores them naive).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from checkins.states import DeliveryKind, DeliveryStatus, PauseReason, PlanStatus, RoundStatus, ScheduleKind
from dialogs.state import Phase
from storage.slack_tables import define_slack_tables

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(255)  # platform ids: Teams' user and channel ids run past 100 characters
NAME = String(255)
KEY = String(100)  # question, option and model version ids from the maturity model file
NOTE_LENGTH = 500  # dialogs.engine.NOTE_LIMIT

SCOPE_MEMBER, SCOPE_TEAM = "member", "team"


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    """A column that holds one of an enumeration's values (a new value needs a migration)."""
    return CheckConstraint(f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")", name=column)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC and always gives back an aware UTC datetime, on SQLite too; refuses naive input."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use storage.models.utcnow() or an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Workspace(Base):
    """A Slack workspace, a Teams tenant, or ``local`` for the terminal."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(ID)
    name: Mapped[str | None] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Team(Base):
    """A channel, or a team name in the terminal; ids are only unique inside their workspace."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(ID)
    name: Mapped[str | None] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Member(Base):
    """A person; belongs to the workspace, not to a team, since one person can answer for several teams."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(ID)
    display_name: Mapped[str | None] = mapped_column(NAME)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Round(Base):
    """One assessment of one team on one model version; at most one is open per team at a time."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        _one_of("status", RoundStatus),
        Index(
            "ux_rounds_open_team",
            "team_id",
            unique=True,
            sqlite_where=text(f"status = '{RoundStatus.OPEN}'"),
            postgresql_where=text(f"status = '{RoundStatus.OPEN}'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(KEY)
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Response(Base):
    """Where one member is in one round. ``version`` goes up by one on every save (optimistic lock)."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        _one_of("status", Phase),
        Index("ix_responses_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=Phase.NEW)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[str | None] = mapped_column(KEY)
    navigation: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Answer(Base):
    """Append-only: the latest row (highest id) per (response, attempt, question) is the answer that counts."""

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_response_id_attempt_question_id", "response_id", "attempt", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(KEY)
    option_id: Mapped[str] = mapped_column(KEY)
    # The option's level in ``model_version``, kept for history; None for a profile, "not applicable" or "don't
    # know" answer, which are not levels.
    level: Mapped[int | None] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(KEY)  # the model the question was asked from
    source: Mapped[str] = mapped_column(String(32))  # terminal, slack, teams...
    note: Mapped[str | None] = mapped_column(String(NOTE_LENGTH))  # a short note kept with the answer
    link: Mapped[str | None] = mapped_column(String(NOTE_LENGTH))  # its evidence link (http or https only)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Result(Base):
    """A scored result: one per member response (replaced when they finish again) and one per round for the team."""

    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("response_id"),
        CheckConstraint(f"scope IN ('{SCOPE_MEMBER}', '{SCOPE_TEAM}')", name="scope"),
        CheckConstraint(f"(scope = '{SCOPE_MEMBER}') = (response_id IS NOT NULL)", name="scope_response"),
        Index(
            "ux_results_team_round",
            "round_id",
            unique=True,
            sqlite_where=text(f"scope = '{SCOPE_TEAM}'"),
            postgresql_where=text(f"scope = '{SCOPE_TEAM}'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(16))
    overall: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(KEY)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ModelVersion(Base):
    """The full text of a maturity model version in use, stored once: rounds keep scoring on the version they
    were opened on, and the same version string can never mean two different contents."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(KEY)
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SeenEvent(Base):
    """Platform events already handled, by the platform's own event id: a retried delivery is recognised and
    dropped. Rows older than a day are pruned; platforms stop retrying long before that."""

    __tablename__ = "seen_events"
    __table_args__ = (Index("ix_seen_events_received_at", "received_at"),)

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(ID, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ConversationRef(Base):
    """Where the bot may speak unprompted on a platform that needs an address for it (Teams): the service URL,
    conversation and tenant of a channel, group chat or personal chat the bot was added to or has spoken in.
    ``reference`` keeps the platform's whole reference (JSON) for replaying it; the columns are for finding it."""

    __tablename__ = "conversation_refs"
    __table_args__ = (
        UniqueConstraint("platform", "conversation_id"),
        Index("ix_conversation_refs_team", "platform", "workspace_id", "team_id"),
        Index("ix_conversation_refs_user", "platform", "workspace_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(ID)  # the tenant, as the platform names it (not workspaces.id)
    conversation_id: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(16))  # personal, channel or groupChat
    team_id: Mapped[str | None] = mapped_column(ID)  # the channel or group chat that is the team
    user_id: Mapped[str | None] = mapped_column(ID)  # the person, for a personal chat
    service_url: Mapped[str] = mapped_column(String(512))
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CheckinSettings(Base):
    """A team's check-in cadence, in its own time zone; made with defaults when the team first finishes an
    assessment. ``owner_id`` is the member who set the team up: with workspace admins, the only one who may
    change it."""

    __tablename__ = "checkin_settings"
    __table_args__ = (_one_of("paused_reason", PauseReason),)

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    timezone: Mapped[str] = mapped_column(String(64))
    working_days: Mapped[str] = mapped_column(String(16))  # "0,1,2,3,4": Monday = 0
    nudge_weekday: Mapped[int] = mapped_column(Integer)
    nudge_time: Mapped[str] = mapped_column(String(5))  # "10:00", local
    reassess_weeks: Mapped[int] = mapped_column(Integer)  # 0: no re-assessment rounds
    round_days: Mapped[int] = mapped_column(Integer)
    reminder_days: Mapped[str] = mapped_column(String(16))  # "2,5"
    summary_weeks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 0: only as rounds close
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(String(16))  # None: a person paused them (checkins.states)
    unreachable_since: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the channel refused the bot
    announced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(ID)


class Schedule(Base):
    """One kind of check-in of one team, with its next fire time. A tick in any server process claims due rows,
    writes their deliveries and moves ``next_fire_at`` on, in one transaction."""

    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("team_id", "kind"),
        _one_of("kind", ScheduleKind),
        Index("ix_schedules_next_fire_at", "next_fire_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    next_fire_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # None: nothing to fire
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))  # kind "round"
    step: Mapped[int] = mapped_column(Integer, default=0)  # kind "round": reminders already due
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Delivery(Base):
    """One message a schedule's fire owes one recipient ('' is the team's channel). The unique key makes each
    fire's messages exist once whichever process fired it; ``status`` and the lease make each one sent once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("schedule_id", "fire_at", "recipient"),
        _one_of("kind", DeliveryKind),
        _one_of("status", DeliveryStatus),
        Index("ix_deliveries_status_not_before", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    fire_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recipient: Mapped[str] = mapped_column(ID, default="")  # a member's platform id, or '' for the team
    kind: Mapped[str] = mapped_column(String(16))  # checkins.states.DeliveryKind
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)  # the next attempt, after a failure's backoff
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)  # while "sending"
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PlanItem(Base):
    """Where a team stands on one key investment of the model; ``PlanEvent`` keeps every change."""

    __tablename__ = "plan_items"
    __table_args__ = (_one_of("status", PlanStatus),)

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    investment_id: Mapped[str] = mapped_column(KEY, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=PlanStatus.OPEN)
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(ID)


class PlanEvent(Base):
    __tablename__ = "plan_events"
    __table_args__ = (Index("ix_plan_events_team_id", "team_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    investment_id: Mapped[str] = mapped_column(KEY)
    status: Mapped[str] = mapped_column(String(16))
    by_user: Mapped[str | None] = mapped_column(ID)
    source: Mapped[str] = mapped_column(String(16))  # slack, teams, terminal, scheduler
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Erasure(Base):
    """A person's answers deleted on request (a GDPR erasure): who, where, how much, when. Team results computed
    before stay as they were; this row is what an audit sees instead of the answers."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(ID)  # external ids, as the request named the person
    user_id: Mapped[str] = mapped_column(ID)
    answers_removed: Mapped[int] = mapped_column(Integer)
    responses_removed: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# slack_sdk's installation and OAuth state stores (Slack's multi-workspace install); Core tables, no classes.
SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES = define_slack_tables(Base.metadata)

"""The states a round, a schedule, a delivery and a plan item can be in: one enumeration each, shared by the rules,
storage (as check constraints) and the adapters' renderers, so a misspelt status fails where it is written.

A new value needs a migration: the tables' check constraints list these values.
"""

from __future__ import annotations

from enum import StrEnum


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ScheduleKind(StrEnum):
    """What a team's schedule fires: the weekly nudge, a re-assessment round's opening, the open round's reminders
    and close, and the periodic team summary."""

    NUDGE = "nudge"
    REASSESS = "reassess"
    ROUND = "round"
    SUMMARY = "summary"


class DeliveryKind(StrEnum):
    """What a delivery says."""

    ANNOUNCE = "announce"  # the team's check-ins were set up
    NUDGE = "nudge"
    INVITE = "invite"  # a re-assessment round opened
    REASSESS = "reassess"  # a round's opening, too late to open it: only ever recorded as skipped
    REMINDER = "reminder"
    SUMMARY = "summary"
    UNREACHABLE = "unreachable"  # to the team's owner: the bot cannot post in the team's channel


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # owed; sent once its not-before time has come
    SENDING = "sending"  # claimed by a sender under a lease
    SENT = "sent"
    FAILED = "failed"  # given up: a permanent error, or out of attempts
    SKIPPED = "skipped"  # fired too late to be worth sending; kept as a record
    WAITING = "waiting"  # the channel does not let the bot in: parked until it can reach it again


class PauseReason(StrEnum):
    """Why a team's check-ins are paused when a person did not pause them."""

    UNINSTALLED = "uninstalled"  # the app was removed from the workspace, or its tokens revoked


class PlanStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_FOR_US = "not_for_us"
    SNOOZED = "snoozed"

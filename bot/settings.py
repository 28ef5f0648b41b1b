"""Configuration from the environment (prefix ``MATURITY_BOT_``) or a ``.env`` file in the working directory."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from scoring.score import MIN_RESPONDENTS_TO_NAME


class ConfigurationError(ValueError):
    """Settings that cannot work together; the message is one line for the operator."""


MAKE_A_KEY = 'make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATURITY_BOT_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MATURITY_BOT_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL; empty means the SQLite file in the user's data directory.",
    )
    model_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("MATURITY_BOT_MODEL", "MATURITY_BOT_MODEL_FILE"),
        description="A maturity model YAML file to use instead of the bundled one (maturity-bot questions "
        "--format yaml prints the bundled one to start from).",
    )
    team: str = Field(default="my-team", description="Team used by the terminal commands when --team is not given.")
    user: str = Field(
        default_factory=getpass.getuser, description="Who answers in the terminal when --user is not given."
    )

    # The server (``maturity-bot serve``); Slack settings keep Slack's usual environment names.
    host: str = Field(default="0.0.0.0", description="Address the server listens on.")
    port: int = Field(default=3000, description="Port the server listens on.")
    workers: int = Field(
        default=1, ge=1, description="Server processes sharing the port; more than one is for PostgreSQL."
    )
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    # Many workspaces through Slack's OAuth install flow: client id and secret (plus the signing secret).
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_CLIENT_SECRET")
    encryption_key: SecretStr | None = Field(
        default=None,
        validation_alias="MATURITY_BOT_ENCRYPTION_KEY",
        description="A Fernet key; the installations' tokens are encrypted with it (OAuth mode).",
    )
    # Microsoft Teams (Bot Framework); the settings keep the Bot Framework's usual environment names.
    teams: bool | Literal["auto"] = Field(
        default="auto",
        description="Serve Teams at /api/messages: auto (when MicrosoftAppId is set, or for local development when "
        "Slack is not configured either), true or false.",
    )
    microsoft_app_id: str | None = Field(default=None, validation_alias="MicrosoftAppId")
    microsoft_app_password: SecretStr | None = Field(default=None, validation_alias="MicrosoftAppPassword")
    microsoft_app_type: str = Field(default="MultiTenant", validation_alias="MicrosoftAppType")
    microsoft_app_tenant_id: str | None = Field(default=None, validation_alias="MicrosoftAppTenantId")
    # Scheduled check-ins.
    scheduler: bool = Field(default=True, description="Run the check-in scheduler in this server process.")
    tick_seconds: float = Field(default=30.0, gt=0, description="How often the scheduler looks for due check-ins.")
    checkin_grace_hours: float = Field(
        default=6.0, ge=0, description="A check-in later than this (after downtime) is recorded as skipped, not sent."
    )
    checkin_batch: int = Field(
        default=200, ge=1, description="Schedules (and deliveries) one tick claims per transaction."
    )
    admins: str = Field(
        default="", description="Comma-separated platform user ids who may change any team's check-ins."
    )
    # Team summaries.
    disagreement_min_respondents: int = Field(
        default=MIN_RESPONDENTS_TO_NAME,
        ge=2,
        description="A team post names a question members disagree on only when at least this many answered it.",
    )
    log_format: str = Field(default="auto", description="json, text, or auto (JSON when not on a terminal).")

    @property
    def slack_oauth(self) -> bool:
        """Many workspaces through OAuth: client id, client secret and signing secret, and no single bot token."""
        return bool(
            self.slack_client_id and self.slack_client_secret and self.slack_signing_secret and not self.slack_bot_token
        )

    def check(self) -> None:
        """ConfigurationError, in one line, for settings that cannot work together."""
        self._check_teams()
        if not self.slack_oauth:
            return
        if not self.encryption_key:
            raise ConfigurationError(
                "Slack OAuth (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET) needs MATURITY_BOT_ENCRYPTION_KEY to encrypt the "
                f"installations' tokens; {MAKE_A_KEY}"
            )
        from cryptography.fernet import Fernet

        try:
            Fernet(self.encryption_key.get_secret_value())
        except ValueError:
            raise ConfigurationError(
                f"MATURITY_BOT_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64-encoded bytes); {MAKE_A_KEY}"
            ) from None

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.admins.split(",") if part.strip())

    @property
    def teams_enabled(self) -> bool:
        if self.teams != "auto":
            return self.teams
        return bool(self.microsoft_app_id) or not (self.slack_bot_token or self.slack_oauth)

    def _check_teams(self) -> None:
        if not self.microsoft_app_id:
            return
        kinds = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
        if self.microsoft_app_type not in kinds:
            raise ConfigurationError(f"MicrosoftAppType must be one of {', '.join(kinds)}")
        if self.microsoft_app_type != "UserAssignedMSI" and not self.microsoft_app_password:
            raise ConfigurationError("MicrosoftAppId is set but MicrosoftAppPassword is not (the bot's client secret)")
        if self.microsoft_app_type != "MultiTenant" and not self.microsoft_app_tenant_id:
            raise ConfigurationError(f"MicrosoftAppType {self.microsoft_app_type} needs MicrosoftAppTenantId")

    def resolved_database_url(self) -> str:
        from storage.database import default_sqlite_url

        return self.database_url or default_sqlite_url()

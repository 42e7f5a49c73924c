"""Settings from DMDESK_* environment variables, built once and passed down."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_FILE = "dmdesk.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DMDESK_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; unset = SQLite file dmdesk.db in the working directory. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs sessions and encrypts channel secrets; unset = generated once into "
        "dmdesk.secret next to the database",
    )
    host: str = Field(default="127.0.0.1", description="Interface `dmdesk serve` binds")
    port: int = Field(default=8000, description="Port `dmdesk serve` listens on")
    public_url: str | None = Field(default=None, description="Base URL people reach dmdesk at")
    max_body_bytes: int = Field(default=1024 * 1024, description="Largest webhook body accepted")
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="FULL", description="FULL survives power loss; NORMAL survives a process crash"
    )
    redis_url: str | None = Field(
        default=None, description="Redis for live-update fan-out across several instances"
    )
    run_workers: bool = Field(
        default=True, description="Run the ingestion pipeline and the outbox in this process"
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_json: bool = Field(default=True, description="Structured JSON log lines")
    otel: bool = Field(
        default=False,
        description="Let FastAPI emit OpenTelemetry spans, metrics and logs to the providers an "
        "OpenTelemetry SDK configures (off: no per-request provider checks)",
    )
    session_days: int = Field(default=14, description="How long a browser login lasts")
    triage_recheck_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How often an instance re-checks which retrained triage model is active",
    )
    cookie_secure: bool = Field(default=False, description="Set Secure on cookies (behind HTTPS)")
    demo_traffic_per_min: float = Field(
        default=6.0, description="Simulated DMs a minute that `dmdesk demo-traffic` posts"
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mail escalations")
    smtp_port: int = Field(default=25, description="SMTP port (STARTTLS when a user is set)")
    smtp_user: str | None = Field(default=None, description="SMTP login, if the server needs one")
    smtp_password: str | None = Field(default=None, description="SMTP password")
    smtp_from: str | None = Field(
        default=None, description="From address of escalation e-mails; its domain gets replies"
    )

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{DEFAULT_SQLITE_FILE}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def effective_secret_key(self) -> str:
        """The configured key, or one generated once and kept in a file with mode 600."""
        if self.secret_key:
            return self.secret_key
        path = Path("dmdesk.secret")
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

"""Ownership tables: team settings, routing rules, SLA policies and state, escalations,
notifications, after-hours replies and the round-robin cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dmdesk.models.base import Base, BigId, JsonType, UTCDateTime


class TeamSettings(Base):
    __tablename__ = "team_settings"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    strategy: Mapped[str] = mapped_column(String(20), default="round_robin")
    allow_away: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=True)
    after_hours_reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    reassign_after_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sla_policy_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoutingRuleRow(Base):
    __tablename__ = "routing_rules"
    __table_args__ = (Index("ix_routing_rules_order", "workspace_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlaPolicyRow(Base):
    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConversationSla(Base):
    """The latest SLA computation for an open conversation: list chips and views."""

    __tablename__ = "conversation_sla"
    __table_args__ = (
        Index("ix_conversation_sla_due", "workspace_id", "state", "due_at"),
        # Migration 0402: the SLA job's pick of clocks that crossed a time or went stale.
        Index("ix_conversation_sla_state_due", "state", "due_at"),
        Index("ix_conversation_sla_state_warning", "state", "warning_at"),
        Index("ix_conversation_sla_checked", "checked_until"),
    )

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    policy_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    state: Mapped[str] = mapped_column(String(20))
    target: Mapped[str | None] = mapped_column(String(20), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paused_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    clocks: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    checked_until: Mapped[datetime] = mapped_column(UTCDateTime)


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    log: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    created_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AfterHoursReply(Base):
    __tablename__ = "after_hours_replies"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    period_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssignmentCursor(Base):
    """When each agent last got a conversation automatically (round robin's memory)."""

    __tablename__ = "assignment_cursors"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)

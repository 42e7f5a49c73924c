"""Conversations (one DM thread per contact and channel) and their tags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dmdesk.models.base import Base, BigId, JsonType, UTCDateTime


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel_id", "contact_id"),
        # The inbox: priority, then waiting first, then oldest wait (keyset pagination).
        Index("ix_conversations_queue", "workspace_id", "status", "queue_rank", "sort_at", "id"),
        Index("ix_conversations_assignee", "workspace_id", "assignee_id", "status"),
        Index("ix_conversations_team", "workspace_id", "team_id", "status"),
        # Migration 0402: Mine/Unassigned in queue order, the rail's capped counts (read
        # from the index alone), the spam view, and the SLA job's "changed since" pick.
        Index(
            "ix_conversations_assignee_queue",
            "workspace_id",
            "assignee_id",
            "status",
            "queue_rank",
            "sort_at",
            "id",
        ),
        Index("ix_conversations_counts", "workspace_id", "status", "assignee_id", "category"),
        Index("ix_conversations_category", "workspace_id", "category", "status"),
        Index("ix_conversations_updated", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    category: Mapped[str | None] = mapped_column(String(20), nullable=True)
    category_confidence: Mapped[float | None] = mapped_column(nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    triage: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True)
    # priority rank * 2 + (0 while the contact waits for an answer, else 1)
    queue_rank: Mapped[int] = mapped_column(Integer, default=4)
    # waiting_since while waiting, else the last message time
    sort_at: Mapped[datetime] = mapped_column(UTCDateTime)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_human_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_message_preview: Mapped[str] = mapped_column(String(200), default="")
    last_message_author: Mapped[str] = mapped_column(String(20), default="contact")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    referral: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConversationTag(Base):
    __tablename__ = "conversation_tags"
    __table_args__ = (Index("ix_conversation_tags_tag", "workspace_id", "tag"),)

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))

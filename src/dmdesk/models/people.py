"""People across channels and what hangs off them: merges, attributes, notes, orders,
conversions, tracked links, outbound webhooks, retention and the personal-data audit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dmdesk.models.base import Base, BigId, JsonType, UTCDateTime

Money = Numeric(14, 2)


class Person(Base):
    """The human behind one or more contacts (channel identities)."""

    __tablename__ = "people"
    __table_args__ = (Index("ix_people_stage", "workspace_id", "stage"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    phone_e164: Mapped[str | None] = mapped_column(String(40), nullable=True)
    stage: Mapped[str] = mapped_column(String(20), default="new")
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    qualification: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PersonMerge(Base):
    """One merge: which contacts moved from `source` into `target`, undoable."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    contact_ids: Mapped[list[int]] = mapped_column(JsonType, default=list)
    # The target's fields before the merge, restored on unmerge.
    target_before: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    reason: Mapped[str] = mapped_column(String(40), default="manual")
    merged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    unmerged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    unmerged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AttributeDefinition(Base):
    """A typed custom attribute; `group` is "custom" or "qualification"."""

    __tablename__ = "attribute_definitions"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(10))
    choices: Mapped[list[str]] = mapped_column(JsonType, default=list)
    group: Mapped[str] = mapped_column(String(20), default="custom")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactNote(Base):
    __tablename__ = "contact_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=True, index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    value: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrackedLink(Base):
    """A short link issued in one conversation; `token` is random, the URL carries an HMAC."""

    __tablename__ = "tracked_links"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(32), unique=True)
    target_url: Mapped[str] = mapped_column(String(2000))
    utm: Mapped[dict[str, str]] = mapped_column(JsonType, default=dict)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkClick(Base):
    __tablename__ = "link_clicks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("tracked_links.id", ondelete="CASCADE"), index=True
    )
    click_key: Mapped[str] = mapped_column(String(32), unique=True)
    clicked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Conversion(Base):
    """An outcome credited to a DM; kept (anonymously) when the person is erased."""

    __tablename__ = "conversions"
    __table_args__ = (Index("ix_conversions_time", "workspace_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    type: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True, index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"), nullable=True)
    category: Mapped[str | None] = mapped_column(String(20), nullable=True)
    content: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    click_id: Mapped[int | None] = mapped_column(
        ForeignKey("link_clicks.id", ondelete="SET NULL"), nullable=True
    )
    source: Mapped[str] = mapped_column(String(10))
    external_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list[str]] = mapped_column(JsonType, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Events up to this id have been fanned out to deliveries (see actions/webhooks_out.py).
    last_event_id: Mapped[int] = mapped_column(BigId, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboundDelivery(Base):
    """One event for one subscription: the signed body, attempts, the last answer."""

    __tablename__ = "webhook_out_deliveries"
    __table_args__ = (
        Index("ix_webhook_out_due", "status", "next_attempt_at"),
        UniqueConstraint("subscription_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    event_id: Mapped[int] = mapped_column(BigId)
    event_type: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int | None] = mapped_column(nullable=True, index=True)
    person_id: Mapped[int | None] = mapped_column(nullable=True, index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RetentionPolicy(Base):
    __tablename__ = "retention_policies"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    message_days: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(10), default="anonymise")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the policy was last applied for real (the scheduled job runs it once a day).
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PrivacySettings(Base):
    """Per-workspace privacy switches. `index_personal_data` lets the search index hold
    e-mails, phone and card numbers; off (the default) they are masked before indexing."""

    __tablename__ = "privacy_settings"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    index_personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PiiGrant(Base):
    """The "view personal data" permission given to one agent."""

    __tablename__ = "pii_grants"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PrivacyAudit(Base):
    """Who viewed, revealed, exported or erased personal data; ids only, never the data."""

    __tablename__ = "privacy_audit"
    __table_args__ = (Index("ix_privacy_audit_ws", "workspace_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int | None] = mapped_column(nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

"""Webhook deliveries (raw bodies) and the inbound events queued for the pipeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dmdesk.models.base import Base, BigId, JsonType, UTCDateTime


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class InboundQueueItem(Base):
    """One normalised event; unique on (channel, dedupe key) so a retry is stored once.

    status: pending -> done | failed (retried) | dead (unsupported kinds, shown to admins).
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("channel_id", "dedupe_key"),
        Index("ix_inbound_events_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="SET NULL"), nullable=True
    )
    dedupe_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

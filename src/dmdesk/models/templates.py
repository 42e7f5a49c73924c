"""WhatsApp message templates approved for a channel (the only sends allowed after 24 h)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dmdesk.models.base import Base, BigId, UTCDateTime


class ChannelTemplate(Base):
    """One approved template name in one language, as registered in WhatsApp Manager."""

    __tablename__ = "channel_templates"
    __table_args__ = (UniqueConstraint("channel_id", "name", "language"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

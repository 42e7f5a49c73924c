"""Report rollups: additive metric cells per local day and dimension slice, hourly volume,
each conversation's last contribution (so a refold can subtract it) and the fold cursor."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from dmdesk.models.base import Base, BigId, JsonType


class MetricCell(Base):
    """One metric in one local day of one slice; 0 / "*" in a dimension means "all".

    The key puts `day` last so a filtered period is one contiguous index range."""

    __tablename__ = "metric_cells"

    workspace_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    team_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    agent_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    metric: Mapped[str] = mapped_column(String(48), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    # Exact histogram of values (milliseconds or scores): little-endian int64 values then
    # their counts, values ascending. None for metrics that only count.
    hist: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class MetricHourly(Base):
    """Counts per local day and hour; slices with at most one dimension set."""

    __tablename__ = "metric_hourly"

    workspace_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    team_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    agent_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    metric: Mapped[str] = mapped_column(String(48), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


class MetricConversationState(Base):
    """What a conversation last added to the rollups, replaced whole on each refold."""

    __tablename__ = "metric_conversation_state"

    conversation_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(BigInteger)
    contributions: Mapped[list[Any]] = mapped_column(JsonType, default=list)


class MetricCursor(Base):
    """The last event id folded into the rollups."""

    __tablename__ = "metric_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)

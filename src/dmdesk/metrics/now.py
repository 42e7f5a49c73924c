"""The dashboard's NOW strip: open conversations, the first-reply queue and its oldest wait,
SLA risk, agents online, today's inbound against the usual for this hour, active spikes."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dmdesk.metrics import definitions as d
from dmdesk.metrics.context import clock_of
from dmdesk.metrics.spikes import recent_spikes
from dmdesk.models import Conversation, User
from dmdesk.models.metrics import MetricHourly
from dmdesk.models.ownership import ConversationSla

OPEN = ("open", "pending", "snoozed")  # the statuses routing's SLA views list as open
USUAL_WEEKS = 6  # the same weekday over this many previous weeks, as spikes use
BREACH_WITHIN = timedelta(minutes=30)
ACTIVE_SPIKE = timedelta(hours=2)


def _open(workspace_id: int) -> Any:
    return (Conversation.workspace_id == workspace_id) & Conversation.status.in_(OPEN)


def _first_reply_queue(session: Session, workspace_id: int, now: datetime) -> dict[str, Any]:
    count, oldest = session.execute(
        select(func.count(), func.min(Conversation.first_inbound_at)).where(
            _open(workspace_id),
            Conversation.first_human_reply_at.is_(None),
            Conversation.first_inbound_at.is_not(None),
        )
    ).one()
    return {
        "count": int(count),
        "oldest_since": oldest.isoformat() if oldest else None,
        "oldest_wait_s": int((now - oldest).total_seconds()) if oldest else None,
    }


def _sla(session: Session, workspace_id: int, now: datetime) -> dict[str, int]:
    """Counts with the conditions of `routing.views.breaching_soon` / `breached` (which
    list at most 200 rows each; the strip needs exact counts)."""
    base = (
        select(func.count())
        .select_from(ConversationSla)
        .join(Conversation, Conversation.id == ConversationSla.conversation_id)
        .where(ConversationSla.workspace_id == workspace_id, Conversation.status.in_(OPEN))
    )
    soon = base.where(
        ConversationSla.state.in_(("ok", "warning")),
        ConversationSla.due_at.is_not(None),
        ConversationSla.due_at <= now + BREACH_WITHIN,
    )
    breached = base.where(ConversationSla.state == "breached")
    return {
        "breaching_soon": int(session.scalar(soon) or 0),
        "breached": int(session.scalar(breached) or 0),
        "within_s": int(BREACH_WITHIN.total_seconds()),
    }


def _agents_online(session: Session, workspace_id: int) -> int:
    query = select(func.count()).where(
        User.workspace_id == workspace_id, User.is_active.is_(True), User.presence == "online"
    )
    return int(session.scalar(query) or 0)


def _hourly_totals(
    session: Session, workspace_id: int, days: list[date], hour: int
) -> dict[date, tuple[int, int]]:
    """Per day: inbound up to and including `hour`, and in `hour` alone (all channels)."""
    rows = session.execute(
        select(MetricHourly.day, MetricHourly.hour, MetricHourly.n).where(
            MetricHourly.workspace_id == workspace_id,
            MetricHourly.channel_id == d.ALL_ID,
            MetricHourly.team_id == d.ALL_ID,
            MetricHourly.agent_id == d.ALL_ID,
            MetricHourly.category == d.ALL_CATEGORY,
            MetricHourly.metric == d.INBOUND,
            MetricHourly.day.in_(days),
            MetricHourly.hour <= hour,
        )
    )
    out = dict.fromkeys(days, (0, 0))
    for day, h, n in rows:
        upto, this = out[day]
        out[day] = (upto + int(n), this + (int(n) if h == hour else 0))
    return out


def _median(values: list[int]) -> float:
    return float(statistics.median(values))


def inbound_vs_usual(session: Session, workspace_id: int, now: datetime) -> dict[str, Any]:
    """Inbound today so far and in this local hour, against the median of the same weekday
    over the previous weeks (missing weeks count as 0, as in spike detection)."""
    today, hour = clock_of(session, workspace_id).local(now)
    earlier = [today - timedelta(weeks=w) for w in range(1, USUAL_WEEKS + 1)]
    totals = _hourly_totals(session, workspace_id, [today, *earlier], hour)
    return {
        "day": today.isoformat(),
        "hour": hour,
        "today": totals[today][0],
        "usual_today": _median([totals[day][0] for day in earlier]),
        "this_hour": totals[today][1],
        "usual_this_hour": _median([totals[day][1] for day in earlier]),
        "weeks": USUAL_WEEKS,
    }


def now_strip(session: Session, workspace_id: int, *, now: datetime) -> dict[str, Any]:
    """Everything the NOW strip shows, as one JSON-ready object (the rollups should have
    been refreshed first for the inbound figures to include the last minutes)."""
    open_count = session.scalar(select(func.count()).where(_open(workspace_id)))
    spikes = recent_spikes(session, workspace_id, since=now - ACTIVE_SPIKE)
    return {
        "at": now.isoformat(),
        "open_conversations": int(open_count or 0),
        "awaiting_first_reply": _first_reply_queue(session, workspace_id, now),
        "sla": _sla(session, workspace_id, now),
        "agents_online": _agents_online(session, workspace_id),
        "inbound": inbound_vs_usual(session, workspace_id, now),
        "spikes": [
            {
                "channel_id": s.get("channel_id"),
                "day": s.get("day"),
                "hour": s.get("hour"),
                "count": s.get("count"),
                "usual": s.get("usual"),
                "keywords": [k[0] if isinstance(k, list) else k for k in s.get("keywords", [])][:5],
                "referrals": [r[0] if isinstance(r, list) else r for r in s.get("referrals", [])][
                    :3
                ],
                "detected_at": s.get("detected_at"),
            }
            for s in spikes[:5]
        ],
    }

"""Which conversations the SLA job rechecks: only those whose clock crossed its warning or
due time, that changed, that have no SLA row yet, or whose last check is getting old.

Every other open conversation's clocks are unchanged since the last run (the clocks are a
function of its history, its policy and the time), so recomputing them would record
nothing. Each predicate is served by an index (migration 0402).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from dmdesk.models import Conversation
from dmdesk.models.ownership import ConversationSla

OPEN = ("open", "pending", "snoozed")
# A conversation changed during the previous run may carry an `updated_at` a little older
# than that run's clock; look back this much further so it is never missed.
CHANGE_MARGIN = timedelta(minutes=2)
# Policies, team schedules and holidays can change without touching a conversation; every
# clock is recomputed at least this often.
REFRESH_AFTER = timedelta(minutes=15)


def crossed(session: Session, now: datetime) -> set[int]:
    """Running clocks whose warning or due time has passed, paused outside hours, or not
    recomputed for a while; of open conversations."""
    s = ConversationSla
    query = (
        select(s.conversation_id)
        .join(Conversation, Conversation.id == s.conversation_id)
        .where(Conversation.status.in_(OPEN))
    )
    query = query.where(
        or_(
            and_(s.state == "ok", s.warning_at <= now),
            and_(s.state.in_(("ok", "warning")), s.due_at <= now),
            and_(s.state == "paused", s.paused_reason == "outside_hours"),
            s.checked_until <= now - REFRESH_AFTER,
        )
    )
    return set(session.scalars(query))


def changed(session: Session, now: datetime) -> set[int]:
    """Open conversations changed since the last run (all of them before the first run).

    A conversation created, answered, reopened or moved later than the last run has a newer
    `updated_at`, so every open conversation gets its SLA row on its first change."""
    last_run = session.scalar(select(func.max(ConversationSla.checked_until)))
    c = Conversation
    query = select(c.id).where(c.status.in_(OPEN))
    if last_run is not None:
        query = query.where(c.updated_at >= min(last_run, now) - CHANGE_MARGIN)
    return set(session.scalars(query))


def due_for_check(session: Session, *, now: datetime) -> list[int]:
    """The conversations one SLA run has to recompute, in id order."""
    return sorted(crossed(session, now) | changed(session, now))

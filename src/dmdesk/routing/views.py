"""Read side for ownership screens: SLA chips, the "breaching soon" and "breached" lists,
escalations of a conversation, and a team's hours right now."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions.assignment import team_schedule, team_settings
from dmdesk.actions.sla import clock_json, next_opening_text, sla_report
from dmdesk.models import Conversation, Team
from dmdesk.models.ownership import ConversationSla, Escalation

OPEN = ("open", "pending", "snoozed")


def sla_json(row: ConversationSla | None) -> dict[str, Any]:
    if row is None:
        return {
            "state": "none",
            "due_at": None,
            "target": None,
            "paused_reason": None,
            "clocks": [],
        }
    return {
        "state": row.state,
        "target": row.target,
        "due_at": row.due_at.isoformat() if row.due_at else None,
        "warning_at": row.warning_at.isoformat() if row.warning_at else None,
        "paused_reason": row.paused_reason,
        "clocks": row.clocks,
        "checked_at": row.checked_until.isoformat(),
    }


def _listed(session: Session, query: Any) -> list[dict[str, Any]]:
    rows = session.execute(
        query.join(Conversation, Conversation.id == ConversationSla.conversation_id)
        .where(Conversation.status.in_(OPEN))
        .order_by(ConversationSla.due_at, ConversationSla.conversation_id)
        .limit(200)
    ).all()
    return [
        {"conversation_id": sla.conversation_id, "assignee_id": assignee, **sla_json(sla)}
        for sla, assignee in rows
    ]


def breaching_soon(
    session: Session, *, workspace_id: int, now: datetime, within: timedelta
) -> list[dict[str, Any]]:
    """Open conversations whose running clock falls due within `within`."""
    query = select(ConversationSla, Conversation.assignee_id).where(
        ConversationSla.workspace_id == workspace_id,
        ConversationSla.state.in_(("ok", "warning")),
        ConversationSla.due_at.is_not(None),
        ConversationSla.due_at <= now + within,
    )
    return _listed(session, query)


def breached(session: Session, *, workspace_id: int) -> list[dict[str, Any]]:
    query = select(ConversationSla, Conversation.assignee_id).where(
        ConversationSla.workspace_id == workspace_id, ConversationSla.state == "breached"
    )
    return _listed(session, query)


def escalations_json(session: Session, conversation_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Escalation)
        .where(Escalation.conversation_id == conversation_id)
        .order_by(Escalation.id)
    )
    return [
        {
            "id": e.id,
            "kind": e.kind,
            "target": e.target,
            "state": e.state,
            "note": e.note,
            "attempts": e.attempts,
            "log": e.log,
            "created_at": e.created_at.isoformat(),
        }
        for e in rows
    ]


def hours_json(session: Session, team: Team, *, now: datetime) -> dict[str, Any]:
    settings = team_settings(session, team)
    schedule = team_schedule(settings)
    if schedule is None:
        return {"team_id": team.id, "has_schedule": False, "open": True}
    opening = schedule.next_opening(now)
    return {
        "team_id": team.id,
        "has_schedule": True,
        "open": schedule.is_open(now),
        "next_opening": opening.isoformat() if opening else None,
        "next_opening_text": next_opening_text(schedule, opening, now=now) if opening else None,
        "timezone": schedule.timezone,
    }


def live_sla_json(session: Session, conv: Conversation, *, now: datetime) -> dict[str, Any]:
    """The conversation's clocks computed now (read-only; the job records crossings)."""
    computed = sla_report(session, conv, now=now)
    if computed is None:
        return sla_json(None)
    ctx, report = computed
    clocks = [clock_json(c) for c in report.clocks]
    running = [c for c in clocks if c["state"] not in ("met",)]
    head = min(running, key=lambda c: (c["state"] != "breached", c["due_at"] or "~"), default=None)
    return {
        "policy_id": ctx.policy_id,
        "state": head["state"] if head else "met",
        "target": head["target"] if head else None,
        "due_at": head["due_at"] if head else None,
        "warning_at": head["warning_at"] if head else None,
        "paused_reason": head["paused_reason"] if head else None,
        "clocks": clocks,
    }

"""SLA policies, each conversation's SLA clocks from its history, warnings and breaches
recorded exactly once, and the after-hours auto-reply once per closed period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dmdesk.actions.assignment import team_schedule, team_settings
from dmdesk.actions.conversations import _event
from dmdesk.actions.messages import do_send_reply
from dmdesk.actions.notifications import do_notify
from dmdesk.db.events import record_event
from dmdesk.domain.business_hours import Schedule
from dmdesk.domain.enums import AuthorKind, Category, Priority
from dmdesk.domain.errors import Invalid, PolicyRefused
from dmdesk.domain.sla import (
    CrossingKind,
    HoursMode,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    SlaReport,
    TargetClock,
    compute_sla,
    crossings,
)
from dmdesk.models import Conversation, Event, Message, Team
from dmdesk.models.ownership import AfterHoursReply, ConversationSla, SlaPolicyRow

DEFAULT_AFTER_HOURS = (
    "Thanks for your message. Our team is away right now. We're back {next_opening}."
)
_STATUS_EVENTS = {
    "conversation.pending": SlaEventKind.PENDING,
    "conversation.snoozed": SlaEventKind.SNOOZED,
    "conversation.resolved": SlaEventKind.RESOLVED,
    "conversation.reopened": SlaEventKind.REOPENED,
    "conversation.opened": SlaEventKind.OPEN,
}


def parse_policy(row_id: int, name: str, definition: dict[str, Any]) -> SlaPolicy:
    try:
        return SlaPolicy.model_validate({**definition, "id": str(row_id), "name": name})
    except ValidationError as exc:
        raise Invalid(f"invalid SLA policy: {exc.errors()[0]['msg']}", field="definition") from exc


def do_save_sla_policy(
    session: Session,
    *,
    workspace_id: int,
    name: str,
    definition: dict[str, Any],
    at: datetime,
    actor_id: int | None = None,
    is_default: bool = False,
) -> SlaPolicyRow:
    """Create or replace the workspace's policy of this name; one default at most."""
    policy = parse_policy(0, name, definition)
    clean = policy.model_dump(mode="json", exclude={"id", "name"})
    row = session.scalar(
        select(SlaPolicyRow).where(
            SlaPolicyRow.workspace_id == workspace_id, SlaPolicyRow.name == name
        )
    )
    if row is None:
        row = SlaPolicyRow(workspace_id=workspace_id, name=name, created_at=at, definition=clean)
        session.add(row)
    row.definition = clean
    if is_default:
        session.execute(
            update(SlaPolicyRow)
            .where(SlaPolicyRow.workspace_id == workspace_id)
            .values(is_default=False)
        )
    row.is_default = is_default or bool(row.is_default)
    session.flush()
    record_event(
        session,
        workspace_id=workspace_id,
        type="sla.policy_saved",
        at=at,
        actor_id=actor_id,
        data={"policy_id": row.id, "name": name, "default": row.is_default},
    )
    return row


@dataclass(frozen=True)
class SlaContext:
    policy_id: int
    policy: SlaPolicy
    schedule: Schedule | None


def sla_context(session: Session, conv: Conversation) -> SlaContext | None:
    """The team's policy (or the workspace default) and the team's schedule."""
    team = session.get(Team, conv.team_id) if conv.team_id else None
    settings = team_settings(session, team) if team else None
    row = (
        session.get(SlaPolicyRow, settings.sla_policy_id)
        if settings and settings.sla_policy_id
        else None
    )
    if row is None or row.workspace_id != conv.workspace_id:
        row = session.scalar(
            select(SlaPolicyRow).where(
                SlaPolicyRow.workspace_id == conv.workspace_id, SlaPolicyRow.is_default.is_(True)
            )
        )
    if row is None:
        return None
    policy = parse_policy(row.id, row.name, row.definition)
    schedule = team_schedule(settings) if settings else None
    if policy.hours is HoursMode.BUSINESS and schedule is None:
        policy = policy.model_copy(update={"hours": HoursMode.CALENDAR})
    return SlaContext(row.id, policy, schedule)


def sla_events(session: Session, conv: Conversation, *, now: datetime) -> list[SlaEvent]:
    """Contact messages, human replies and status changes, in time order."""
    messages = session.execute(
        select(Message.direction, Message.author_kind, Message.sent_at).where(
            Message.conversation_id == conv.id
        )
    ).all()
    found = [
        SlaEvent(
            min(at, now), SlaEventKind.INBOUND if direction == "inbound" else SlaEventKind.REPLY
        )
        for direction, author, at in messages
        if direction == "inbound" or author == AuthorKind.AGENT.value
    ]
    statuses = session.execute(
        select(Event.type, Event.occurred_at).where(
            Event.conversation_id == conv.id, Event.type.in_(tuple(_STATUS_EVENTS))
        )
    ).all()
    found += [SlaEvent(min(at, now), _STATUS_EVENTS[kind]) for kind, at in statuses]
    order = {kind: i for i, kind in enumerate(SlaEventKind)}
    return sorted(found, key=lambda e: (e.at, order[e.kind]))


def sla_report(
    session: Session, conv: Conversation, *, now: datetime
) -> tuple[SlaContext, SlaReport] | None:
    ctx = sla_context(session, conv)
    if ctx is None:
        return None
    report = compute_sla(
        ctx.policy,
        sla_events(session, conv, now=now),
        now=now,
        schedule=ctx.schedule,
        priority=Priority(conv.priority),
        category=Category(conv.category) if conv.category else None,
    )
    return ctx, report


def clock_json(clock: TargetClock) -> dict[str, Any]:
    return {
        "target": clock.kind.value,
        "state": clock.state.value,
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "warning_at": clock.warning_at.isoformat() if clock.warning_at else None,
        "elapsed_seconds": clock.elapsed.total_seconds(),
        "target_seconds": clock.target.total_seconds(),
        "paused_reason": clock.paused[-1].reason.value
        if clock.paused
        and clock.paused[-1].end >= (clock.stopped_at or clock.paused[-1].end)
        and clock.state.value == "paused"
        else None,
    }


def _headline(report: SlaReport) -> TargetClock | None:
    """The clock the list shows: a breached running one first, else the soonest due."""
    running = [c for c in report.clocks if c.stopped_at is None]
    if not running:
        return None
    far = datetime.max.replace(tzinfo=running[0].started_at.tzinfo)
    return min(running, key=lambda c: (c.state.value != "breached", c.due_at or far))


def _state_row(session: Session, conv: Conversation) -> ConversationSla:
    row = session.get(ConversationSla, conv.id)
    if row is None:
        row = ConversationSla(
            conversation_id=conv.id,
            workspace_id=conv.workspace_id,
            state="ok",
            clocks=[],
            checked_until=conv.created_at - timedelta(microseconds=1),
        )
        session.add(row)
    return row


def do_check_sla(session: Session, *, conv: Conversation, now: datetime) -> list[str]:
    """Record the warnings and breaches since the last check (each exactly once), notify
    the assignee, and refresh the conversation's SLA chip; returns the event types."""
    computed = sla_report(session, conv, now=now)
    row = _state_row(session, conv)
    if computed is None:
        row.state, row.due_at, row.warning_at, row.clocks = "none", None, None, []
        row.checked_until = now
        return []
    ctx, report = computed
    recorded = []
    for crossing in crossings(report, after=row.checked_until, until=now):
        kind = "sla.breached" if crossing.kind is CrossingKind.BREACH else "sla.warning"
        data = {
            "target": crossing.target.value,
            "at": crossing.at.isoformat(),
            "policy_id": ctx.policy_id,
        }
        _event(session, conv, kind, at=now, actor_id=None, data=data)
        recorded.append(kind)
        if conv.assignee_id is not None:
            do_notify(
                session,
                user_id=conv.assignee_id,
                kind="sla",
                conv=conv,
                at=now,
                data={"event": kind, **data},
            )
    headline = _headline(report)
    row.policy_id = ctx.policy_id
    row.clocks = [clock_json(c) for c in report.clocks]
    row.state = headline.state.value if headline else "met"
    row.target = headline.kind.value if headline else None
    row.due_at = headline.due_at if headline else None
    row.warning_at = headline.warning_at if headline else None
    row.paused_reason = clock_json(headline)["paused_reason"] if headline else None
    row.checked_until = now
    return recorded


def next_opening_text(schedule: Schedule, opening: datetime, *, now: datetime) -> str:
    """ "Monday 09:00 (Europe/Madrid)", with the date when it is a week or more away."""
    local = opening.astimezone(ZoneInfo(schedule.timezone))
    day = f"{local:%A}" if opening - now < timedelta(days=6) else f"{local:%A %d %B}"
    return f"{day} {local:%H:%M} ({schedule.timezone})"


def do_after_hours_reply(session: Session, *, conv: Conversation, at: datetime) -> Message | None:
    """Outside the team's hours, tell the person when the team is back: once per
    conversation per closed period (a unique row claims the period first)."""
    team = session.get(Team, conv.team_id) if conv.team_id else None
    settings = team_settings(session, team) if team else None
    schedule = team_schedule(settings) if settings else None
    if settings is None or schedule is None or schedule.is_open(at):
        return None
    period = schedule.current_closed_period(at)
    if period is None or period.end is None:
        return None
    if not _claim_period(session, conv_id=conv.id, key=period.key, at=at):
        return None
    template = settings.after_hours_reply or DEFAULT_AFTER_HOURS
    text = template.replace("{next_opening}", next_opening_text(schedule, period.end, now=at))
    try:
        msg = do_send_reply(
            session, conv=conv, text=text, at=at, author_id=None, author_kind=AuthorKind.BOT
        )
    except PolicyRefused:
        return None
    session.execute(
        update(AfterHoursReply)
        .where(AfterHoursReply.conversation_id == conv.id, AfterHoursReply.period_key == period.key)
        .values(message_id=msg.id)
    )
    _event(
        session,
        conv,
        "business_hours.auto_replied",
        at=at,
        actor_id=None,
        data={"period": period.key, "message_id": msg.id},
    )
    return msg


def _claim_period(session: Session, *, conv_id: int, key: str, at: datetime) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: only one writer wins a closed period."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        module.insert(AfterHoursReply)
        .values(conversation_id=conv_id, period_key=key, sent_at=at)
        .on_conflict_do_nothing(index_elements=["conversation_id", "period_key"])
        .returning(AfterHoursReply.conversation_id)
    )
    return session.execute(stmt).scalar_one_or_none() is not None


def sla_row(session: Session, conversation_id: int) -> ConversationSla | None:
    return session.get(ConversationSla, conversation_id)


def policies_json(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(SlaPolicyRow)
        .where(SlaPolicyRow.workspace_id == workspace_id)
        .order_by(SlaPolicyRow.name)
    )
    return [{"id": r.id, "name": r.name, "is_default": r.is_default, **r.definition} for r in rows]

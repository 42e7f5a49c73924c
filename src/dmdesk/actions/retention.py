"""Retention: per-workspace policies that delete or anonymise message bodies (and the raw
payloads and queue entries holding the same text) after N days; metric events stay."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from dmdesk.actions.id_chunks import chunks as _chunks
from dmdesk.actions.search_index import purge_index_remnants
from dmdesk.db.events import record_event
from dmdesk.domain.errors import Invalid
from dmdesk.models import Channel, Conversation, InboundQueueItem, Message, WebhookDelivery
from dmdesk.models.people import RetentionPolicy


def _check_policy(days: int, mode: str) -> None:
    if days < 1:
        raise Invalid("keep messages for at least one day", field="message_days")
    if mode not in ("delete", "anonymise"):
        raise Invalid("mode is delete or anonymise", field="mode")


def do_set_retention(
    session: Session, *, workspace_id: int, days: int, mode: str, actor_id: int, at: datetime
) -> RetentionPolicy:
    _check_policy(days, mode)
    policy = session.get(RetentionPolicy, workspace_id) or RetentionPolicy(
        workspace_id=workspace_id
    )
    policy.message_days, policy.mode = days, mode
    policy.updated_by, policy.updated_at = actor_id, at
    session.add(policy)
    record_event(
        session,
        workspace_id=workspace_id,
        type="retention.policy_set",
        at=at,
        actor_kind="user",
        actor_id=actor_id,
        data={"days": days, "mode": mode},
    )
    return policy


@dataclass
class RetentionReport:
    workspace_id: int
    mode: str
    cutoff: datetime
    messages: int = 0
    inbound_events: int = 0
    raw_deliveries: int = 0
    dry_run: bool = True

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "cutoff": self.cutoff.isoformat()}


def _expired(
    session: Session, policy: RetentionPolicy, cutoff: datetime
) -> tuple[list[int], list[int], list[int]]:
    """Ids of the message bodies, queued events and raw payloads older than the cutoff."""
    messages = select(Message.id).where(
        Message.workspace_id == policy.workspace_id, Message.sent_at < cutoff
    )
    if policy.mode == "anonymise":
        messages = messages.where(Message.text.is_not(None))
    channels = select(Channel.id).where(Channel.workspace_id == policy.workspace_id)
    items = select(InboundQueueItem.id).where(
        InboundQueueItem.channel_id.in_(channels),
        InboundQueueItem.received_at < cutoff,
        InboundQueueItem.status.in_(("done", "dead")),
    )
    raw = select(WebhookDelivery.id).where(
        WebhookDelivery.channel_id.in_(channels), WebhookDelivery.received_at < cutoff
    )
    return (
        list(session.scalars(messages)),
        list(session.scalars(items)),
        list(session.scalars(raw)),
    )


def _remove(session: Session, policy: RetentionPolicy, ids: tuple[list[int], ...]) -> None:
    msg_ids, item_ids, raw_ids = ids
    for chunk in _chunks(msg_ids):
        if policy.mode == "delete":
            session.execute(delete(Message).where(Message.id.in_(chunk)))
        else:
            session.execute(
                update(Message)
                .where(Message.id.in_(chunk))
                .values(text=None, attachments=[], meta={}, reactions=[])
            )
    for chunk in _chunks(item_ids):
        session.execute(delete(InboundQueueItem).where(InboundQueueItem.id.in_(chunk)))
    for chunk in _chunks(raw_ids):
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(chunk)))


def _apply_retention(
    session: Session, policy: RetentionPolicy, *, now: datetime, dry_run: bool
) -> RetentionReport:
    cutoff = now - timedelta(days=policy.message_days)
    report = RetentionReport(policy.workspace_id, policy.mode, cutoff, dry_run=dry_run)
    ids = _expired(session, policy, cutoff)
    report.messages, report.inbound_events, report.raw_deliveries = map(len, ids)
    if dry_run:
        return report
    _remove(session, policy, ids)
    purge_index_remnants(session)
    policy.last_run_at = now
    session.execute(
        update(Conversation)
        .where(
            Conversation.workspace_id == policy.workspace_id, Conversation.last_message_at < cutoff
        )
        .values(last_message_preview="")
    )
    record_event(
        session,
        workspace_id=policy.workspace_id,
        type="retention.applied",
        at=now,
        data={k: v for k, v in report.to_json().items() if k != "workspace_id"},
    )
    return report


def preview_retention(
    session: Session, *, workspace_id: int, days: int, mode: str, now: datetime
) -> RetentionReport:
    """What a policy of `days` and `mode` would remove now, without saving or removing."""
    _check_policy(days, mode)
    draft = RetentionPolicy(workspace_id=workspace_id, message_days=days, mode=mode)
    return _apply_retention(session, draft, now=now, dry_run=True)


def do_run_retention(
    session: Session, *, now: datetime, dry_run: bool, workspace_id: int | None = None
) -> list[RetentionReport]:
    """The retention job: every workspace with a policy (or one), as a report or for real.
    Metric events are kept; message bodies and raw payloads older than the cutoff go."""
    query = select(RetentionPolicy).order_by(RetentionPolicy.workspace_id)
    if workspace_id is not None:
        query = query.where(RetentionPolicy.workspace_id == workspace_id)
    return [_apply_retention(session, p, now=now, dry_run=dry_run) for p in session.scalars(query)]


def do_run_due_retention(
    session: Session, *, now: datetime, every: timedelta = timedelta(days=1)
) -> int:
    """The scheduled job: apply each policy not applied in the last `every`; how many ran."""
    due = select(RetentionPolicy).where(
        RetentionPolicy.last_run_at.is_(None) | (RetentionPolicy.last_run_at <= now - every)
    )
    policies = list(session.scalars(due.order_by(RetentionPolicy.workspace_id)))
    for policy in policies:
        _apply_retention(session, policy, now=now, dry_run=False)
    return len(policies)

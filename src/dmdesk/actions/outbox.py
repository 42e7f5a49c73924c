"""Outbox results: a send succeeded, failed for good, or waits for a retry."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dmdesk.actions.conversations import _event
from dmdesk.domain.enums import DeliveryStatus
from dmdesk.domain.outbound import SendResult
from dmdesk.models import Conversation, Message, OutboxItem

MAX_SEND_ATTEMPTS = 6


def due_items(session: Session, *, now: datetime, limit: int) -> list[OutboxItem]:
    query = (
        select(OutboxItem)
        .where(OutboxItem.status == "queued", OutboxItem.next_attempt_at <= now)
        .order_by(OutboxItem.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def do_claim_outbox_item(session: Session, *, item_id: int, at: datetime) -> bool:
    """Mark an item 'sending' so no other worker sends it; False if someone else has it."""
    item = session.get(OutboxItem, item_id)
    if item is None or item.status != "queued":
        return False
    item.status = "sending"
    item.attempts += 1
    item.next_attempt_at = at
    return True


def _backoff(attempts: int, hint: float | None) -> timedelta:
    if hint is not None:
        return timedelta(seconds=hint)
    return timedelta(seconds=min(600, 2**attempts))


def do_record_send_result(
    session: Session, *, item_id: int, result: SendResult, at: datetime
) -> None:
    item = session.get_one(OutboxItem, item_id)
    msg = session.get_one(Message, item.message_id)
    conv = session.get_one(Conversation, msg.conversation_id)
    if result.ok:
        _adopt_echo(session, msg, result.platform_message_id)
        msg.platform_message_id = result.platform_message_id
        if DeliveryStatus(msg.delivery_status or "pending").advances(DeliveryStatus.SENT):
            msg.delivery_status = DeliveryStatus.SENT.value
        item.status = "sent"
        _event(
            session,
            conv,
            "message.status",
            at=at,
            actor_id=None,
            data={"message_id": msg.id, "status": "sent"},
        )
        return
    retryable = result.error_class in ("retry", "rate_limited")
    if retryable and item.attempts < MAX_SEND_ATTEMPTS:
        item.status = "queued"
        item.next_attempt_at = at + _backoff(item.attempts, result.retry_after_s)
        item.last_error = (result.error_message or result.error_code or "")[:1000]
        return
    item.status = "failed"
    item.last_error = (result.error_message or result.error_code or "failed")[:1000]
    msg.delivery_status = DeliveryStatus.FAILED.value
    msg.error_code = result.error_code
    msg.error_message = (result.error_message or result.error_class or "failed")[:1000]
    _event(
        session,
        conv,
        "message.status",
        at=at,
        actor_id=None,
        data={
            "message_id": msg.id,
            "status": "failed",
            "error_class": result.error_class,
            "error_code": result.error_code,
        },
    )


def _adopt_echo(session: Session, msg: Message, platform_id: str | None) -> None:
    """The platform's echo of this send may have arrived first: keep our row, drop the echo."""
    if not platform_id:
        return
    session.execute(
        delete(Message).where(
            Message.channel_id == msg.channel_id,
            Message.platform_message_id == platform_id,
            Message.id != msg.id,
        )
    )

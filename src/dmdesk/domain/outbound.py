"""Platform-neutral outbound messages and the result of a send attempt."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class QuickReply:
    title: str
    payload: str


@dataclass(frozen=True)
class OutboundMessage:
    """What the desk asks a connector to send to one contact on one channel."""

    recipient_id: str
    text: str | None = None
    idempotency_key: str = ""
    reply_to_message_id: str | None = None
    quick_replies: tuple[QuickReply, ...] = ()
    tag: str | None = None  # Meta's HUMAN_AGENT for replies after 24 h
    template_name: str | None = None  # WhatsApp templates outside the window
    template_language: str | None = None
    template_params: tuple[str, ...] = ()
    attachment_url: str | None = None
    attachment_kind: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def numbered_text(message: OutboundMessage) -> str | None:
    """Quick replies as a numbered list under the text, for platforms without buttons
    (X, plain webhooks); the person answers with the number or the title."""
    if not message.quick_replies:
        return message.text
    lines = [f"{i}. {q.title}" for i, q in enumerate(message.quick_replies, start=1)]
    return "\n\n".join(part for part in (message.text or "", "\n".join(lines)) if part)


ErrorClass = Literal["retry", "rate_limited", "window_closed", "unreachable", "auth", "permanent"]


@dataclass(frozen=True)
class SendResult:
    """`ok` with the platform's message id, or an error classified for the outbox."""

    ok: bool
    platform_message_id: str | None = None
    error_class: ErrorClass | None = None
    error_code: str | None = None
    error_message: str | None = None
    retry_after_s: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)

"""Platform-neutral inbound events: what every connector's `parse()` turns a webhook into.

Each event knows the platform account it arrived on (`account_id`: page / IG account /
phone-number id / bot id / X user id) and its idempotency key (`dedupe_key`), unique per
channel. Events serialise to plain JSON (`to_json` / `from_json`) so the receiver can store
them durably before the pipeline processes them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from dmdesk.domain.clock import ensure_utc
from dmdesk.domain.enums import DeliveryStatus

AttachmentKind = Literal[
    "image",
    "video",
    "audio",
    "voice",
    "file",
    "sticker",
    "location",
    "contact",
    "share",
    "story_mention",
    "reel",
    "fallback",
    "unsupported",
]


@dataclass(frozen=True)
class Attachment:
    """Metadata only: the media stays on the platform and is fetched on demand."""

    kind: str
    url: str | None = None
    mime_type: str | None = None
    name: str | None = None
    size: int | None = None
    platform_media_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Referral:
    """What started this DM: an ad, a short link (m.me / ig.me ref), a post, a story."""

    source: str
    ref: str | None = None
    ad_id: str | None = None
    post_id: str | None = None
    url: str | None = None
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ContactRef:
    """One identity on one channel. Platform ids are strings: they exceed 2^53."""

    external_id: str
    name: str | None = None
    handle: str | None = None
    phone: str | None = None
    language: str | None = None


@dataclass(frozen=True, kw_only=True)
class InboundEvent:
    kind: ClassVar[str] = "event"
    account_id: str
    occurred_at: datetime

    @property
    def dedupe_key(self) -> str:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["kind"] = self.kind
        return _encode(data)  # type: ignore[no-any-return]  # _encode keeps the dict shape


@dataclass(frozen=True, kw_only=True)
class InboundMessage(InboundEvent):
    """A message in a thread. `is_echo` marks one the business sent (from dmdesk or the
    platform's own app); `echo_app_id` tells which app sent it when the platform says."""

    kind: ClassVar[str] = "message"
    contact: ContactRef
    message_id: str
    text: str | None = None
    attachments: tuple[Attachment, ...] = ()
    reply_to_message_id: str | None = None
    referral: Referral | None = None
    story_url: str | None = None
    story_id: str | None = None
    quick_reply_payload: str | None = None
    postback_payload: str | None = None
    is_echo: bool = False
    echo_app_id: str | None = None
    is_unsupported: bool = False

    @property
    def dedupe_key(self) -> str:
        return f"message:{self.message_id}"


@dataclass(frozen=True, kw_only=True)
class InboundEdit(InboundEvent):
    kind: ClassVar[str] = "edit"
    contact: ContactRef
    message_id: str
    text: str | None

    @property
    def dedupe_key(self) -> str:
        return f"edit:{self.message_id}:{self.occurred_at.timestamp():.0f}"


@dataclass(frozen=True, kw_only=True)
class InboundDeletion(InboundEvent):
    """The person unsent a message; the original row becomes a tombstone."""

    kind: ClassVar[str] = "deletion"
    contact: ContactRef
    message_id: str

    @property
    def dedupe_key(self) -> str:
        return f"deletion:{self.message_id}"


@dataclass(frozen=True, kw_only=True)
class InboundReaction(InboundEvent):
    kind: ClassVar[str] = "reaction"
    contact: ContactRef
    message_id: str
    emoji: str | None
    action: Literal["react", "unreact"] = "react"

    @property
    def dedupe_key(self) -> str:
        stamp = f"{self.occurred_at.timestamp():.3f}"
        return f"reaction:{self.message_id}:{self.contact.external_id}:{self.action}:{stamp}"


@dataclass(frozen=True, kw_only=True)
class InboundReferral(InboundEvent):
    """A person re-entered a thread from a link or an ad, without a message."""

    kind: ClassVar[str] = "referral"
    contact: ContactRef
    referral: Referral

    @property
    def dedupe_key(self) -> str:
        return f"referral:{self.contact.external_id}:{self.occurred_at.timestamp():.3f}"


@dataclass(frozen=True, kw_only=True)
class DeliveryUpdate(InboundEvent):
    """Receipts: either explicit message ids, or a watermark (everything sent up to it)."""

    kind: ClassVar[str] = "delivery"
    contact_external_id: str
    status: DeliveryStatus
    message_ids: tuple[str, ...] = ()
    watermark: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def dedupe_key(self) -> str:
        target = ",".join(self.message_ids) or (
            f"{self.watermark.timestamp():.3f}" if self.watermark else ""
        )
        return f"status:{self.status}:{self.contact_external_id}:{target}"


@dataclass(frozen=True, kw_only=True)
class UnsupportedEvent(InboundEvent):
    """An event kind the connector does not map; kept raw for admins (dead letters)."""

    kind: ClassVar[str] = "unsupported"
    event_kind: str
    raw: dict[str, Any]
    reason: str = "unsupported event kind"

    @property
    def dedupe_key(self) -> str:
        import hashlib
        import json

        digest = hashlib.sha256(json.dumps(self.raw, sort_keys=True).encode()).hexdigest()[:24]
        return f"unsupported:{self.event_kind}:{digest}"


EVENT_TYPES: dict[str, type[InboundEvent]] = {
    cls.kind: cls
    for cls in (
        InboundMessage,
        InboundEdit,
        InboundDeletion,
        InboundReaction,
        InboundReferral,
        DeliveryUpdate,
        UnsupportedEvent,
    )
}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"__dt__": ensure_utc(value).isoformat()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__dt__"}:
            return datetime.fromisoformat(value["__dt__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def from_json(data: dict[str, Any]) -> InboundEvent:
    """Rebuild an event stored by `InboundEvent.to_json`."""
    data = dict(_decode(data))
    cls = EVENT_TYPES[data.pop("kind")]
    if "contact" in data:
        data["contact"] = ContactRef(**data["contact"])
    if data.get("referral"):
        data["referral"] = Referral(**data["referral"])
    if "attachments" in data:
        data["attachments"] = tuple(Attachment(**a) for a in data["attachments"])
    if "message_ids" in data:
        data["message_ids"] = tuple(data["message_ids"])
    if "status" in data:
        data["status"] = DeliveryStatus(data["status"])
    return cls(**data)

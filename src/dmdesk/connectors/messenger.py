"""Facebook Messenger (Page DMs) connector. This docstring is the setup guide.

1. In the Meta App Dashboard add the Messenger product to your app. Under Messenger >
   Settings > Webhooks set the callback URL to `https://<your desk>/webhooks/messenger`
   and the verify token to any string you choose (the channel's `verify_token`).
   Subscribe the fields `messages`, `message_echoes`, `message_deliveries`,
   `message_reads`, `message_reactions`, `messaging_postbacks`, `messaging_referrals`.
2. Connect each Page (`POST /{page-id}/subscribed_apps`, done by the dashboard's
   "Add subscriptions" button) and generate a Page access token. The app needs
   `pages_messaging` (and `pages_manage_metadata`); replies after 24 h need the Human
   Agent feature, granted through App Review.
3. Create one channel per Page with: `account_id` = the Page id, `app_secret` (App
   settings > Basic), `verify_token`, `access_token` (the Page token), optionally
   `api_version` (default v21.0) and `api_base_url` (default https://graph.facebook.com;
   point it at the simulator in tests).

One webhook URL serves every Page of the app: events are routed by `entry[].id`.
Webhooks carry only the person's page-scoped id; the desk asks the User Profile API
(`GET /{PSID}?fields=first_name,last_name`, with the Page token) for their name once.
Window: free replies within 24 h of the person's last message; up to 7 days with the
`HUMAN_AGENT` tag (set `OutboundMessage.tag`); nothing after that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal

import httpx
from pydantic import BaseModel, Field

from dmdesk.connectors.base import (
    ChannelConfig,
    ParseResult,
    PayloadError,
    ProfileResult,
    json_body,
)
from dmdesk.connectors.meta import (
    MAX_EPOCH_MS,
    EpochMs,
    MetaConfig,
    MetaWebhookAuth,
    PlatformId,
    from_ms,
    graph_profile,
    profile_text,
    send_graph_message,
    validate,
)
from dmdesk.domain.enums import DeliveryStatus, Platform
from dmdesk.domain.inbound import (
    Attachment,
    ContactRef,
    DeliveryUpdate,
    InboundDeletion,
    InboundEdit,
    InboundEvent,
    InboundMessage,
    InboundReaction,
    InboundReferral,
    Referral,
    UnsupportedEvent,
)
from dmdesk.domain.outbound import OutboundMessage, SendResult


class MessengerConfig(MetaConfig):
    """A Facebook Page connected through a Meta app."""


class _Party(BaseModel):
    id: PlatformId


class _Entry(BaseModel):
    id: PlatformId
    time: EpochMs | None = None
    messaging: list[dict[str, Any]] = Field(default_factory=list)
    # Events for threads another app owns (handover protocol); same shape as messaging.
    standby: list[dict[str, Any]] = Field(default_factory=list)


class _Envelope(BaseModel):
    object: str
    entry: list[_Entry]


class _Head(BaseModel):
    sender: _Party
    recipient: _Party
    timestamp: EpochMs


class _Coordinates(BaseModel):
    lat: float | None = None
    long: float | None = None


class _AttachmentPayload(BaseModel):
    url: str | None = None
    sticker_id: PlatformId | None = None
    title: str | None = None
    coordinates: _Coordinates | None = None


class _Attachment(BaseModel):
    type: str = Field(min_length=1, max_length=64)
    payload: _AttachmentPayload | None = None
    title: str | None = None


class _Story(BaseModel):
    url: str | None = None
    id: PlatformId | None = None


class _ReplyTo(BaseModel):
    mid: PlatformId | None = None
    story: _Story | None = None


class _QuickReply(BaseModel):
    payload: str


class _AdsContext(BaseModel):
    ad_title: str | None = None
    photo_url: str | None = None
    video_url: str | None = None
    post_id: PlatformId | None = None
    product_id: PlatformId | None = None


class _Product(BaseModel):
    id: PlatformId


class _Referral(BaseModel):
    source: str | None = None
    type: str | None = None
    ref: str | None = None
    ad_id: PlatformId | None = None
    ads_context_data: _AdsContext | None = None
    product: _Product | None = None


class _Message(BaseModel):
    mid: PlatformId
    text: str | None = None
    attachments: list[_Attachment] = Field(default_factory=list)
    quick_reply: _QuickReply | None = None
    reply_to: _ReplyTo | None = None
    referral: _Referral | None = None
    is_echo: bool = False
    app_id: PlatformId | None = None
    is_deleted: bool = False
    is_unsupported: bool = False


class _Postback(BaseModel):
    mid: PlatformId | None = None
    title: str | None = None
    payload: str | None = None
    referral: _Referral | None = None


class _Reaction(BaseModel):
    mid: PlatformId
    action: Literal["react", "unreact"]
    reaction: str | None = None
    emoji: str | None = None


class _Edit(BaseModel):
    mid: PlatformId
    text: str | None = None


class _Delivery(BaseModel):
    mids: list[PlatformId] = Field(default_factory=list)
    watermark: EpochMs | None = None


class _Read(BaseModel):
    watermark: EpochMs | None = None
    mid: PlatformId | None = None  # Instagram's messaging_seen names the last read message


@dataclass(frozen=True)
class _Ctx:
    account_id: str
    head: _Head
    where: str

    def common(self, *, echo: bool = False) -> dict[str, Any]:
        """The fields every event of this item shares; on echoes the thread is the recipient's."""
        person = self.head.recipient.id if echo else self.head.sender.id
        return {
            "account_id": self.account_id,
            "occurred_at": from_ms(self.head.timestamp),
            "contact": ContactRef(external_id=person),
        }


_ATTACHMENT_KINDS = {
    "image": "image", "video": "video", "audio": "audio", "file": "file", "location": "location",
    "fallback": "fallback", "template": "fallback", "share": "share",
    "story_mention": "story_mention", "ig_reel": "reel", "reel": "reel",
}  # fmt: skip


def _attachment(item: _Attachment) -> Attachment:
    payload = item.payload or _AttachmentPayload()
    extra: dict[str, Any] = {}
    kind = _ATTACHMENT_KINDS.get(item.type, "unsupported")
    if kind == "unsupported":
        extra["platform_type"] = item.type
    if payload.sticker_id:
        # Stickers arrive as image attachments carrying a sticker_id.
        kind, extra["sticker_id"] = "sticker", payload.sticker_id
    if payload.coordinates:
        extra.update(lat=payload.coordinates.lat, long=payload.coordinates.long)
    return Attachment(kind=kind, url=payload.url, name=item.title or payload.title, extra=extra)


def _referral(ref: _Referral) -> Referral:
    ads = ref.ads_context_data or _AdsContext()
    extra: dict[str, Any] = {}
    if ref.type:
        extra["type"] = ref.type
    if ref.product:
        extra["product_id"] = ref.product.id
    if ads.video_url:
        extra["video_url"] = ads.video_url
    return Referral(
        source=ref.source or "UNKNOWN",
        ref=ref.ref,
        ad_id=ref.ad_id,
        post_id=ads.post_id,
        url=ads.photo_url,
        title=ads.ad_title,
        extra=extra,
    )


def _on_message(ctx: _Ctx, raw: Any) -> InboundEvent:
    msg = validate(_Message, raw, where=f"{ctx.where}.message")
    if msg.is_deleted:
        # An unsend reuses the mid of the original message.
        return InboundDeletion(**ctx.common(), message_id=msg.mid)
    story = msg.reply_to.story if msg.reply_to else None
    return InboundMessage(
        **ctx.common(echo=msg.is_echo),
        message_id=msg.mid,
        text=msg.text,
        attachments=tuple(_attachment(a) for a in msg.attachments),
        reply_to_message_id=msg.reply_to.mid if msg.reply_to else None,
        referral=_referral(msg.referral) if msg.referral else None,
        story_url=story.url if story else None,
        story_id=story.id if story else None,
        quick_reply_payload=msg.quick_reply.payload if msg.quick_reply else None,
        is_echo=msg.is_echo,
        echo_app_id=msg.app_id if msg.is_echo else None,
        is_unsupported=msg.is_unsupported,
    )


def _on_postback(ctx: _Ctx, raw: Any) -> InboundEvent:
    postback = validate(_Postback, raw, where=f"{ctx.where}.postback")
    # Postbacks before Graph v11 had no mid: derive a stable one from who and when.
    mid = postback.mid or f"postback:{ctx.head.sender.id}:{ctx.head.timestamp}"
    referral = _referral(postback.referral) if postback.referral else None
    return InboundMessage(
        **ctx.common(),
        message_id=mid,
        text=postback.title,
        postback_payload=postback.payload,
        referral=referral,
    )


def _on_referral(ctx: _Ctx, raw: Any) -> InboundEvent:
    ref = validate(_Referral, raw, where=f"{ctx.where}.referral")
    return InboundReferral(**ctx.common(), referral=_referral(ref))


def _on_reaction(ctx: _Ctx, raw: Any) -> InboundEvent:
    reaction = validate(_Reaction, raw, where=f"{ctx.where}.reaction")
    return InboundReaction(
        **ctx.common(), message_id=reaction.mid, emoji=reaction.emoji, action=reaction.action
    )


def _on_edit(ctx: _Ctx, raw: Any) -> InboundEvent:
    # Instagram's message_edit field: the same mid with the new text.
    edit = validate(_Edit, raw, where=f"{ctx.where}.message_edit")
    return InboundEdit(**ctx.common(), message_id=edit.mid, text=edit.text)


def _receipt(
    ctx: _Ctx, status: DeliveryStatus, *, mids: list[str], mark: int | None
) -> InboundEvent:
    return DeliveryUpdate(
        account_id=ctx.account_id,
        occurred_at=from_ms(ctx.head.timestamp),
        contact_external_id=ctx.head.sender.id,
        status=status,
        message_ids=tuple(mids),
        watermark=from_ms(mark) if mark is not None else None,
    )


def _on_delivery(ctx: _Ctx, raw: Any) -> InboundEvent:
    delivery = validate(_Delivery, raw, where=f"{ctx.where}.delivery")
    return _receipt(ctx, DeliveryStatus.DELIVERED, mids=delivery.mids, mark=delivery.watermark)


def _on_read(ctx: _Ctx, raw: Any) -> InboundEvent:
    read = validate(_Read, raw, where=f"{ctx.where}.read")
    if read.watermark is None and read.mid is None:
        raise PayloadError(f"{ctx.where}.read: needs a watermark or a mid")
    mids = [read.mid] if read.mid else []
    return _receipt(ctx, DeliveryStatus.READ, mids=mids, mark=read.watermark)


Handler = Callable[[_Ctx, Any], InboundEvent]
HANDLERS: dict[str, Handler] = {
    "message": _on_message,
    "postback": _on_postback,
    "referral": _on_referral,
    "reaction": _on_reaction,
    "message_edit": _on_edit,
    "delivery": _on_delivery,
    "read": _on_read,
}
# Handover-protocol and role notices: they change who owns a thread, not what was said.
IGNORED = frozenset(
    {
        "pass_thread_control",
        "take_thread_control",
        "request_thread_control",
        "app_roles",
    }
)
_HEAD_KEYS = frozenset({"sender", "recipient", "timestamp"})


def _event_kind(raw: dict[str, Any]) -> str:
    for kind in (*HANDLERS, *IGNORED):
        if kind in raw:
            return kind
    others = sorted(set(raw) - _HEAD_KEYS)
    return others[0] if others else "unknown"


def parse_messaging(body: bytes, *, object_name: str) -> ParseResult:
    """Parse a Page / Instagram webhook: every entry × messaging/standby event."""
    data = json_body(body)
    envelope = validate(_Envelope, data, where="")
    if envelope.object != object_name:
        raise PayloadError(f"object: expected {object_name!r}, got {envelope.object!r}")
    result = ParseResult()
    for i, entry in enumerate(envelope.entry):
        for field in ("messaging", "standby"):
            for j, raw in enumerate(getattr(entry, field)):
                _parse_event(result, raw, entry=entry, where=f"entry.{i}.{field}.{j}")
    return result


def _loose_time(raw: dict[str, Any], entry: _Entry) -> datetime:
    stamp = raw.get("timestamp")
    if isinstance(stamp, int) and not isinstance(stamp, bool) and 0 <= stamp <= MAX_EPOCH_MS:
        return from_ms(stamp)
    return from_ms(entry.time or 0)


def _parse_event(result: ParseResult, raw: dict[str, Any], *, entry: _Entry, where: str) -> None:
    kind = _event_kind(raw)
    if kind in IGNORED:
        result.ignored += 1
        return
    handler = HANDLERS.get(kind)
    if handler is None:
        # Unknown kinds are kept even when they lack the usual sender/recipient head.
        at = _loose_time(raw, entry)
        result.events.append(
            UnsupportedEvent(account_id=entry.id, occurred_at=at, event_kind=kind, raw=raw)
        )
        return
    head = validate(_Head, raw, where=where)
    result.events.append(handler(_Ctx(account_id=entry.id, head=head, where=where), raw[kind]))


class MessengerConnector(MetaWebhookAuth):
    platform: ClassVar[Platform] = Platform.MESSENGER
    config_model: ClassVar[type[ChannelConfig]] = MessengerConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("app_secret", "verify_token", "access_token")
    routing: ClassVar[str] = "payload"
    object_name: ClassVar[str] = "page"

    def parse(self, body: bytes, *, channel_account_id: str | None = None) -> ParseResult:
        return parse_messaging(body, object_name=self.object_name)

    def send(
        self,
        client: httpx.Client,
        config: ChannelConfig,
        *,
        account_id: str,
        message: OutboundMessage,
    ) -> SendResult:
        assert isinstance(config, MetaConfig)
        return send_graph_message(
            client,
            config,
            account_id=account_id,
            message=message,
            always_messaging_type=True,
            with_metadata=True,
        )

    def fetch_profile(
        self, client: httpx.Client, config: ChannelConfig, *, user_id: str
    ) -> ProfileResult:
        """The User Profile API: first and last name, which Messenger never puts in webhooks."""
        assert isinstance(config, MetaConfig)
        failure, body = graph_profile(
            client, config, user_id=user_id, fields=("first_name", "last_name")
        )
        if failure is not None:
            return failure
        parts = [profile_text(body, "first_name"), profile_text(body, "last_name")]
        name = " ".join(p for p in parts if p) or None
        return ProfileResult(ok=True, name=name)

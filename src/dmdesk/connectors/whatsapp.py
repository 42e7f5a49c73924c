"""WhatsApp Business Cloud API connector. This docstring is the setup guide.

1. In the Meta App Dashboard add the WhatsApp product; note the phone number id of each
   business number and create a System User token with `whatsapp_business_messaging`
   (and `whatsapp_business_management`) on the WABA.
2. WhatsApp > Configuration: callback URL `https://<your desk>/webhooks/whatsapp`, a
   verify token of your choice, and subscribe the `messages` field (plus
   `smb_message_echoes` for coexistence numbers that also use the WhatsApp Business app).
   Subscribe the app to the WABA (`POST /<WABA_ID>/subscribed_apps`).
3. Create one channel per number with `account_id` = the phone number id (routing uses
   `value.metadata.phone_number_id`), `app_secret` (App settings > Basic), `verify_token`,
   `access_token`, optionally `api_version` (default v21.0) and `api_base_url`.

Window: free-form replies within 24 h of the customer's last message; outside it only
approved templates (set `OutboundMessage.template_name`); a free-form send then fails with
131047, reported as `window_closed` (synchronously or as a failed status webhook).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, Field

from dmdesk.connectors.base import (
    ChannelConfig,
    ParseResult,
    PayloadError,
    json_body,
)
from dmdesk.connectors.meta import (
    EpochS,
    MetaConfig,
    MetaWebhookAuth,
    PlatformId,
    from_s,
    send_cloud_message,
    validate,
)
from dmdesk.domain.clock import Clock, utcnow
from dmdesk.domain.enums import DeliveryStatus, Platform
from dmdesk.domain.inbound import (
    Attachment,
    ContactRef,
    DeliveryUpdate,
    InboundDeletion,
    InboundEvent,
    InboundMessage,
    InboundReaction,
    Referral,
    UnsupportedEvent,
)
from dmdesk.domain.outbound import OutboundMessage, SendResult


class WhatsAppConfig(MetaConfig):
    """A WhatsApp business phone number (`account_id` = its phone number id)."""


class _Profile(BaseModel):
    name: str | None = None
    username: str | None = None


class _Contact(BaseModel):
    wa_id: str | None = None
    user_id: str | None = None
    profile: _Profile | None = None


class _Metadata(BaseModel):
    phone_number_id: PlatformId
    display_phone_number: str | None = None


class _Value(BaseModel):
    metadata: _Metadata
    contacts: list[_Contact] = Field(default_factory=list)
    messages: list[dict[str, Any]] = Field(default_factory=list)
    statuses: list[dict[str, Any]] = Field(default_factory=list)
    errors: list[dict[str, Any]] = Field(default_factory=list)
    message_echoes: list[dict[str, Any]] = Field(default_factory=list)


class _Change(BaseModel):
    field: str
    value: dict[str, Any]


class _Entry(BaseModel):
    id: PlatformId
    changes: list[_Change] = Field(default_factory=list)


class _Envelope(BaseModel):
    object: str
    entry: list[_Entry]


class _MessageContext(BaseModel):
    id: PlatformId | None = None


class _WaReferral(BaseModel):
    source_url: str | None = None
    source_id: PlatformId | None = None
    source_type: str | None = None
    headline: str | None = None
    body: str | None = None
    media_type: str | None = None
    image_url: str | None = None
    video_url: str | None = None
    ctwa_clid: str | None = None


class _Head(BaseModel):
    """Fields every message and echo carries; the content sits under the key named by type."""

    sender: str = Field(default="", alias="from")
    from_user_id: str | None = None
    to: str | None = None
    to_user_id: str | None = None
    id: PlatformId
    timestamp: EpochS
    type: str = Field(min_length=1, max_length=64)
    context: _MessageContext | None = None
    referral: _WaReferral | None = None


class _Media(BaseModel):
    id: PlatformId | None = None
    url: str | None = None
    mime_type: str | None = None
    sha256: str | None = None
    caption: str | None = None
    filename: str | None = None
    voice: bool = False


class _Location(BaseModel):
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None


class _Text(BaseModel):
    body: str


class _Choice(BaseModel):
    id: str
    title: str
    description: str | None = None


class _Flow(BaseModel):
    body: str | None = None
    name: str | None = None
    response_json: str | None = None


class _Interactive(BaseModel):
    type: str
    button_reply: _Choice | None = None
    list_reply: _Choice | None = None
    nfm_reply: _Flow | None = None


class _Button(BaseModel):
    payload: str | None = None
    text: str


class _Reaction(BaseModel):
    message_id: PlatformId
    emoji: str | None = None


class _Revoke(BaseModel):
    original_message_id: PlatformId


class _StatusError(BaseModel):
    code: int | None = None
    title: str | None = None
    message: str | None = None
    error_data: dict[str, Any] | None = None


class _Status(BaseModel):
    id: PlatformId
    status: str
    timestamp: EpochS
    recipient_id: str | None = None
    recipient_user_id: str | None = None
    errors: list[_StatusError] = Field(default_factory=list)


@dataclass(frozen=True)
class _Content:
    text: str | None = None
    attachments: tuple[Attachment, ...] = ()
    quick_reply_payload: str | None = None
    is_unsupported: bool = False


def _media(raw: Any, where: str, *, kind: str) -> _Content:
    media = validate(_Media, raw, where=where)
    extra = {"sha256": media.sha256} if media.sha256 else {}
    return _Content(
        text=media.caption,
        attachments=(
            Attachment(
                kind="voice" if media.voice else kind,
                url=media.url,
                mime_type=media.mime_type,
                name=media.filename,
                platform_media_id=media.id,
                extra=extra,
            ),
        ),
    )


def _location(raw: Any, where: str) -> _Content:
    loc = validate(_Location, raw, where=where)
    extra = {"lat": loc.latitude, "long": loc.longitude, "address": loc.address}
    return _Content(
        attachments=(Attachment(kind="location", url=loc.url, name=loc.name, extra=extra),)
    )


class _CardName(BaseModel):
    formatted_name: str | None = None


class _Card(BaseModel):
    name: _CardName | None = None
    phones: list[dict[str, Any]] = Field(default_factory=list)


class _Cards(BaseModel):
    items: list[_Card]


def _contacts(raw: Any, where: str) -> _Content:
    cards = validate(_Cards, {"items": raw}, where=where).items
    return _Content(
        attachments=tuple(
            Attachment(
                kind="contact",
                name=card.name.formatted_name if card.name else None,
                extra={"phones": card.phones},
            )
            for card in cards
        )
    )


def _text(raw: Any, where: str) -> _Content:
    return _Content(text=validate(_Text, raw, where=where).body)


def _interactive(raw: Any, where: str) -> _Content:
    reply = validate(_Interactive, raw, where=where)
    choice = reply.button_reply or reply.list_reply
    if choice is not None:
        return _Content(text=choice.title, quick_reply_payload=choice.id)
    flow = reply.nfm_reply or _Flow()
    return _Content(text=flow.body or flow.name, quick_reply_payload=flow.response_json)


def _button(raw: Any, where: str) -> _Content:
    # A tap on a template's quick-reply button.
    button = validate(_Button, raw, where=where)
    return _Content(text=button.text, quick_reply_payload=button.payload)


def _unsupported(_raw: Any, _where: str) -> _Content:
    return _Content(is_unsupported=True)


ContentBuilder = Callable[[Any, str], _Content]
CONTENT: dict[str, ContentBuilder] = {
    "text": _text, "location": _location, "contacts": _contacts, "interactive": _interactive,
    "button": _button, "unsupported": _unsupported,
    "image": partial(_media, kind="image"), "video": partial(_media, kind="video"),
    "audio": partial(_media, kind="audio"), "document": partial(_media, kind="file"),
    "sticker": partial(_media, kind="sticker"),
}  # fmt: skip
# Webhook fields about templates, quality and the account, not about conversations.
IGNORED_FIELDS = frozenset({
    "message_template_status_update", "message_template_quality_update",
    "message_template_components_update", "template_category_update",
    "phone_number_quality_update", "phone_number_name_update", "account_update",
    "account_review_update", "account_alerts", "business_capability_update", "security",
    "business_status_update",
})  # fmt: skip
_STATUSES = {
    "sent": DeliveryStatus.SENT, "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ, "played": DeliveryStatus.READ, "failed": DeliveryStatus.FAILED,
}  # fmt: skip


@dataclass(frozen=True)
class _Batch:
    """One `changes[].value` being parsed: its number and the profiles it names."""

    account_id: str
    value: _Value

    def contact(self, wa_id: str, user_id: str | None) -> ContactRef:
        # Users with a username may arrive without a phone number (empty wa_id).
        matches = [
            c.profile
            for c in self.value.contacts
            if (wa_id and c.wa_id == wa_id) or (user_id and c.user_id == user_id)
        ]
        profile = matches[0] if matches else None
        return ContactRef(
            external_id=wa_id or user_id or "unknown",
            name=profile.name if profile else None,
            handle=profile.username if profile else None,
            phone=f"+{wa_id}" if wa_id.isdigit() else None,
        )


def _referral(ref: _WaReferral) -> Referral:
    extra = ref.model_dump(include={"body", "media_type", "video_url", "ctwa_clid", "source_url"})
    return Referral(
        source=(ref.source_type or "unknown").upper(),
        ad_id=ref.source_id,
        url=ref.image_url,
        title=ref.headline,
        extra={k: v for k, v in extra.items() if v is not None},
    )


def _message(batch: _Batch, raw: dict[str, Any], *, where: str, echo: bool) -> InboundEvent:
    head = validate(_Head, raw, where=where)
    # Echoes are sent by the business: the thread belongs to the `to` side.
    person = (
        batch.contact(head.to or "", head.to_user_id)
        if echo
        else batch.contact(head.sender, head.from_user_id)
    )
    common: dict[str, Any] = {
        "account_id": batch.account_id,
        "occurred_at": from_s(head.timestamp),
        "contact": person,
    }
    content, path = raw.get(head.type), f"{where}.{head.type}"
    if head.type == "reaction":
        reaction = validate(_Reaction, content, where=path)
        # An empty emoji means the person removed their reaction.
        return InboundReaction(
            **common,
            message_id=reaction.message_id,
            emoji=reaction.emoji or None,
            action="react" if reaction.emoji else "unreact",
        )
    if head.type == "revoke":
        revoke = validate(_Revoke, content, where=path)
        return InboundDeletion(**common, message_id=revoke.original_message_id)
    builder = CONTENT.get(head.type)
    if builder is None:
        # system (number changed), order, ephemeral...: kept raw for an admin to look at.
        del common["contact"]
        reason = f"{head.type} message not mapped"
        if head.type == "system":
            reason = f"system notice: {_system_text(content)}"
        return UnsupportedEvent(**common, event_kind=f"message:{head.type}", raw=raw, reason=reason)
    return _inbound(common, head, content=builder(content, path), echo=echo)


def _system_text(content: Any) -> str:
    # e.g. user_changed_number: the contact's wa_id changes; an admin links the two threads.
    body = content.get("body") if isinstance(content, dict) else None
    return body if isinstance(body, str) else "unknown"


def _inbound(common: dict[str, Any], head: _Head, *, content: _Content, echo: bool) -> InboundEvent:
    return InboundMessage(
        **common,
        message_id=head.id,
        text=content.text,
        attachments=content.attachments,
        reply_to_message_id=head.context.id if head.context else None,
        referral=_referral(head.referral) if head.referral else None,
        quick_reply_payload=content.quick_reply_payload,
        is_echo=echo,
        is_unsupported=content.is_unsupported,
    )


def _status(batch: _Batch, raw: dict[str, Any], *, where: str) -> InboundEvent:
    status = validate(_Status, raw, where=where)
    at = from_s(status.timestamp)
    mapped = _STATUSES.get(status.status)
    if mapped is None:
        kind = f"status:{status.status}"
        return UnsupportedEvent(
            account_id=batch.account_id, occurred_at=at, event_kind=kind, raw=raw
        )
    error = status.errors[0] if status.errors else None
    details = (error.error_data or {}).get("details") if error else None
    return DeliveryUpdate(
        account_id=batch.account_id,
        occurred_at=at,
        contact_external_id=status.recipient_id or status.recipient_user_id or "unknown",
        status=mapped,
        message_ids=(status.id,),
        error_code=str(error.code) if error and error.code is not None else None,
        error_message=details if isinstance(details, str) else (error.title if error else None),
    )


def _parse_value(account_id: str, value: _Value, *, where: str, clock: Clock) -> list[InboundEvent]:
    batch = _Batch(account_id=account_id, value=value)
    events = [
        _message(batch, r, where=f"{where}.messages.{j}", echo=False)
        for j, r in enumerate(value.messages)
    ]
    events += [
        _message(batch, r, where=f"{where}.message_echoes.{j}", echo=True)
        for j, r in enumerate(value.message_echoes)
    ]
    events += [
        _status(batch, r, where=f"{where}.statuses.{j}") for j, r in enumerate(value.statuses)
    ]
    for j, raw in enumerate(value.errors):
        error = validate(_StatusError, raw, where=f"{where}.errors.{j}")
        # Account-level errors (e.g. 130429) carry no timestamp: stamp them on arrival.
        reason = f"account-level error {error.code}: {error.title or error.message}"
        events.append(
            UnsupportedEvent(
                account_id=account_id,
                occurred_at=clock(),
                event_kind="errors",
                raw=raw,
                reason=reason,
            )
        )
    return events


def _phone_number_id(value: dict[str, Any]) -> str | None:
    # Number-level fields carry metadata: route them to the number's channel, not the WABA.
    metadata = value.get("metadata")
    number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
    return str(number) if isinstance(number, str | int) and str(number) else None


def parse_whatsapp(body: bytes, *, clock: Clock) -> ParseResult:
    """Every entry × change × messages / message_echoes / statuses / errors."""
    envelope = validate(_Envelope, json_body(body), where="")
    if envelope.object != "whatsapp_business_account":
        raise PayloadError(f"object: expected 'whatsapp_business_account', got {envelope.object!r}")
    result = ParseResult()
    for i, entry in enumerate(envelope.entry):
        for k, change in enumerate(entry.changes):
            where = f"entry.{i}.changes.{k}.value"
            if change.field in IGNORED_FIELDS:
                result.ignored += 1
            elif change.field in ("messages", "smb_message_echoes"):
                value = validate(_Value, change.value, where=where)
                result.events += _parse_value(
                    value.metadata.phone_number_id, value, where=where, clock=clock
                )
            else:
                kind = f"field:{change.field}"
                account = _phone_number_id(change.value) or entry.id
                result.events.append(
                    UnsupportedEvent(
                        account_id=account, occurred_at=clock(), event_kind=kind, raw=change.value
                    )
                )
    return result


class WhatsAppConnector(MetaWebhookAuth):
    platform: ClassVar[Platform] = Platform.WHATSAPP
    config_model: ClassVar[type[ChannelConfig]] = WhatsAppConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("app_secret", "verify_token", "access_token")
    routing: ClassVar[str] = "payload"

    def __init__(self, clock: Clock = utcnow) -> None:
        self._clock = clock

    def parse(self, body: bytes, *, channel_account_id: str | None = None) -> ParseResult:
        return parse_whatsapp(body, clock=self._clock)

    def send(
        self,
        client: httpx.Client,
        config: ChannelConfig,
        *,
        account_id: str,
        message: OutboundMessage,
    ) -> SendResult:
        assert isinstance(config, MetaConfig)
        return send_cloud_message(client, config, account_id=account_id, message=message)

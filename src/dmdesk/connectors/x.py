"""X (Twitter) DMs connector over the Account Activity webhooks. This docstring is the setup guide.

1. In the X developer portal create a project + app with an access tier that includes
   the Account Activity API and v2 Direct Messages (Pro or Enterprise). Note the app's
   consumer (API key) secret.
2. Register the webhook URL `https://<your desk>/webhooks/x`: X immediately sends a
   `GET ?crc_token=...` that dmdesk answers with
   `{"response_token": "sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>"}` within
   3 s; it repeats the check periodically. Then subscribe each account to the webhook.
3. Create one channel per X account with `account_id` = the account's user id,
   `consumer_secret`, and `access_token` (an OAuth 2.0 user token with `dm.write`,
   `dm.read`, `users.read`, `tweet.read`); `api_base_url` defaults to https://api.x.com.

Every POST carries `x-twitter-webhooks-signature: sha256=<base64 HMAC of the raw body>`.
One endpoint per app, routed by `for_user_id` ("payload" routing). No messaging window:
whether a DM goes through depends on the person's DM settings (a 403 means "unreachable").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, Field, ValidationError

from dmdesk.connectors.base import (
    ChannelConfig,
    HandshakeReply,
    ParseResult,
    header,
    json_body,
    signature_matches,
)
from dmdesk.connectors.meta import EpochMs, PlatformId, from_ms, validate
from dmdesk.domain.clock import Clock, utcnow
from dmdesk.domain.enums import DeliveryStatus, Platform
from dmdesk.domain.inbound import (
    Attachment,
    ContactRef,
    DeliveryUpdate,
    InboundEvent,
    InboundMessage,
    UnsupportedEvent,
)
from dmdesk.domain.outbound import ErrorClass, OutboundMessage, SendResult, numbered_text

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
API_BASE_URL = "https://api.x.com"
# DM create allows 200 requests per 15 min per user: without a reset header, wait a window.
DEFAULT_RATE_LIMIT_WAIT_S = 900.0


class XConfig(ChannelConfig):
    consumer_secret: str = Field(min_length=1)
    access_token: str = Field(min_length=1)
    api_base_url: str | None = API_BASE_URL


def sign(consumer_secret: str, data: bytes) -> str:
    """`sha256=<base64 HMAC-SHA256>`: both the CRC response token and the body signature."""
    digest = hmac.new(consumer_secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


class _User(BaseModel):
    id: PlatformId
    name: str | None = None
    screen_name: str | None = None


class _Envelope(BaseModel):
    for_user_id: PlatformId
    users: dict[str, _User] = Field(default_factory=dict)


class _Target(BaseModel):
    recipient_id: PlatformId


class _Media(BaseModel):
    id_str: PlatformId | None = None
    type: str = "photo"
    media_url_https: str | None = None
    url: str | None = None  # the t.co link X also puts in the text


class _AttachmentBody(BaseModel):
    type: str
    media: _Media | None = None


class _QuickReplyResponse(BaseModel):
    metadata: str | None = None


class _MessageData(BaseModel):
    text: str = ""
    attachment: _AttachmentBody | None = None
    quick_reply_response: _QuickReplyResponse | None = None


class _MessageCreate(BaseModel):
    target: _Target
    sender_id: PlatformId
    source_app_id: PlatformId | None = None
    message_data: _MessageData


class _DmEvent(BaseModel):
    type: str
    id: PlatformId
    created_timestamp: EpochMs
    message_create: _MessageCreate | None = None


class _Items(BaseModel):
    items: list[Any]


class _ReadEvent(BaseModel):
    created_timestamp: EpochMs
    sender_id: PlatformId
    last_read_event_id: PlatformId


_MEDIA_KINDS = {"photo": "image", "video": "video", "animated_gif": "video"}
# Other Account Activity streams share the webhook; a DM desk has no use for them.
IGNORED_KEYS = frozenset({
    "direct_message_indicate_typing_events", "tweet_create_events", "favorite_events",
    "follow_events", "unfollow_events", "block_events", "unblock_events", "mute_events",
    "unmute_events", "user_event", "tweet_delete_events",
})  # fmt: skip
_ENVELOPE_KEYS = frozenset({"for_user_id", "users", "apps", "user_has_blocked", "source"})


def _person(envelope: _Envelope, user_id: str) -> ContactRef:
    user = envelope.users.get(user_id)
    return ContactRef(
        external_id=user_id,
        name=user.name if user else None,
        handle=user.screen_name if user else None,
    )


def _media(data: _MessageData) -> tuple[str, tuple[Attachment, ...]]:
    media = data.attachment.media if data.attachment else None
    if media is None:
        return data.text, ()
    # X appends the media's t.co link to the text; it means nothing without the media.
    text = data.text.replace(media.url, "").strip() if media.url else data.text
    attachment = Attachment(
        kind=_MEDIA_KINDS.get(media.type, "file"),
        url=media.media_url_https,
        platform_media_id=media.id_str,
        extra={"needs_oauth": True},
    )
    return text, (attachment,)


@dataclass(frozen=True)
class _Item:
    """One element of an `*_events` array, with the envelope it came in and its JSON path."""

    envelope: _Envelope
    raw: Any
    where: str


def _dm_event(item: _Item) -> InboundEvent | None:
    envelope, raw = item.envelope, item.raw
    event = validate(_DmEvent, raw, where=item.where)
    at = from_ms(event.created_timestamp)
    if event.type != "message_create" or event.message_create is None:
        return UnsupportedEvent(
            account_id=envelope.for_user_id, occurred_at=at, event_kind=event.type, raw=raw
        )
    create = event.message_create
    # DMs sent by the subscribed account come back too: they are echoes.
    echo = create.sender_id == envelope.for_user_id
    person = create.target.recipient_id if echo else create.sender_id
    text, attachments = _media(create.message_data)
    reply = create.message_data.quick_reply_response
    return InboundMessage(
        account_id=envelope.for_user_id,
        occurred_at=at,
        contact=_person(envelope, person),
        message_id=event.id,
        text=text or None,
        attachments=attachments,
        quick_reply_payload=reply.metadata if reply else None,
        is_echo=echo,
        echo_app_id=create.source_app_id if echo else None,
    )


def _read_event(item: _Item) -> InboundEvent | None:
    envelope = item.envelope
    event = validate(_ReadEvent, item.raw, where=item.where)
    if event.sender_id == envelope.for_user_id:
        return None  # the business read the person's messages: not a receipt for us
    return DeliveryUpdate(
        account_id=envelope.for_user_id,
        occurred_at=from_ms(event.created_timestamp),
        contact_external_id=event.sender_id,
        status=DeliveryStatus.READ,
        message_ids=(event.last_read_event_id,),
    )


HANDLERS: dict[str, Callable[[_Item], InboundEvent | None]] = {
    "direct_message_events": _dm_event,
    "direct_message_mark_read_events": _read_event,
}


def parse_activity(body: bytes, *, clock: Clock) -> ParseResult:
    """Every `*_events` array of an Account Activity delivery."""
    data = json_body(body)
    envelope = validate(_Envelope, data, where="")
    result = ParseResult()
    for key in [k for k in data if k not in _ENVELOPE_KEYS]:
        handler = HANDLERS.get(key)
        if key in IGNORED_KEYS:
            result.ignored += len(data[key]) if isinstance(data[key], list) else 1
        elif handler is not None:
            items = validate(_Items, {"items": data[key]}, where=key).items
            events = [handler(_Item(envelope, raw, f"{key}.{i}")) for i, raw in enumerate(items)]
            result.events += [e for e in events if e is not None]
            result.ignored += events.count(None)
        else:
            raw = {key: data[key]}
            result.events.append(
                UnsupportedEvent(
                    account_id=envelope.for_user_id, occurred_at=clock(), event_kind=key, raw=raw
                )
            )
    return result


class _Problem(BaseModel):
    title: str = ""
    detail: str = ""
    status: int | None = None


class _Sent(BaseModel):
    dm_event_id: PlatformId


class _SentEnvelope(BaseModel):
    data: _Sent


def _wait_from_reset(resp: httpx.Response, now: datetime) -> float:
    reset = resp.headers.get("x-rate-limit-reset", "")
    if not reset.isdigit():
        return DEFAULT_RATE_LIMIT_WAIT_S
    return max(1.0, float(reset) - now.timestamp())


def _classify(status: int) -> ErrorClass:
    if status == 429:
        return "rate_limited"
    if status == 401:
        return "auth"
    if status == 403:
        # DMs closed, blocked, or not following: X's equivalent of an unreachable person.
        return "unreachable"
    if status >= 500:
        return "retry"
    return "permanent"


def _failure(resp: httpx.Response, now: datetime) -> SendResult:
    try:
        body = resp.json()
        problem = _Problem.model_validate(body)
    except (ValueError, ValidationError):
        body, problem = {}, _Problem()
    error_class = _classify(resp.status_code)
    wait = _wait_from_reset(resp, now) if error_class == "rate_limited" else None
    return SendResult(
        ok=False,
        error_class=error_class,
        error_code=str(resp.status_code),
        error_message=(problem.detail or problem.title)[:500] or None,
        retry_after_s=wait,
        raw=body if isinstance(body, dict) else {},
    )


class XConnector:
    platform: ClassVar[Platform] = Platform.X
    config_model: ClassVar[type[ChannelConfig]] = XConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("consumer_secret", "access_token")
    routing: ClassVar[str] = "payload"

    def __init__(self, clock: Clock = utcnow) -> None:
        self._clock = clock

    def handshake(self, query: Mapping[str, str], configs: list[ChannelConfig]) -> HandshakeReply:
        token = query.get("crc_token")
        # Every account of one X app shares its consumer secret, so any config can answer.
        secrets = [c.consumer_secret for c in configs if isinstance(c, XConfig)]
        if not token or not secrets:
            return HandshakeReply(status=403, body="crc refused")
        body = json.dumps({"response_token": sign(secrets[0], token.encode())})
        return HandshakeReply(status=200, body=body, media_type="application/json")

    def verify(self, body: bytes, headers: Mapping[str, str], config: ChannelConfig) -> bool:
        assert isinstance(config, XConfig)
        return signature_matches(
            sign(config.consumer_secret, body), header(headers, SIGNATURE_HEADER)
        )

    def parse(self, body: bytes, *, channel_account_id: str | None = None) -> ParseResult:
        return parse_activity(body, clock=self._clock)

    def send(
        self,
        client: httpx.Client,
        config: ChannelConfig,
        *,
        account_id: str,
        message: OutboundMessage,
    ) -> SendResult:
        assert isinstance(config, XConfig)
        if message.attachment_url or not message.text:
            # v2 DMs take uploaded media ids only; uploading is not part of this connector.
            return SendResult(ok=False, error_class="permanent", error_code="unsupported_message")
        base = (config.api_base_url or API_BASE_URL).rstrip("/")
        url = f"{base}/2/dm_conversations/with/{message.recipient_id}/messages"
        headers = {"Authorization": f"Bearer {config.access_token}"}
        try:
            # No buttons in v2 DMs: quick replies become a numbered list.
            resp = client.post(url, json={"text": numbered_text(message)}, headers=headers)
        except httpx.HTTPError as exc:
            return SendResult(ok=False, error_class="retry", error_message=type(exc).__name__)
        if not resp.is_success:
            return _failure(resp, self._clock())
        try:
            sent = _SentEnvelope.model_validate(resp.json())
        except (ValueError, ValidationError):
            return SendResult(ok=True, raw={})
        return SendResult(ok=True, platform_message_id=sent.data.dm_event_id, raw=resp.json())

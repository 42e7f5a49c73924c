"""dmdesk's own webhook format, for custom integrations and the demo traffic.

Setup: create a channel with `dmdesk channel create --platform generic --name NAME
--secret SECRET`, then POST to `/webhooks/generic/{channel_id}` with the header
`X-Dmdesk-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with SECRET>`.

Body: `{"id": "<message id, unique on the channel>", "sender": {"id": "...", "name":
"..."}, "text": "...", "sent_at": "<ISO-8601>"}` plus optional `attachments`
(`[{"type": "image", "url": "...", "name": "...", "mime_type": "...", "size": 123}]`)
and `referral` (`{"source": "post", "ref": "...", "url": "..."}`).
Replies are delivered to `outbound_url` (if configured) as the same JSON, signed the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

import httpx
from pydantic import BaseModel, Field, ValidationError

from dmdesk.connectors.base import (
    ChannelConfig,
    HandshakeReply,
    ParseResult,
    PayloadError,
    header,
    hmac_sha256_hex,
    json_body,
    signature_matches,
)
from dmdesk.domain.clock import ensure_utc
from dmdesk.domain.enums import Platform
from dmdesk.domain.inbound import Attachment, ContactRef, InboundMessage, Referral
from dmdesk.domain.outbound import OutboundMessage, SendResult, numbered_text

SIGNATURE_HEADER = "X-Dmdesk-Signature"


class GenericConfig(ChannelConfig):
    secret: str
    outbound_url: str | None = None


class _Sender(BaseModel):
    id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    handle: str | None = Field(default=None, max_length=200)


class _Attachment(BaseModel):
    type: str = Field(min_length=1, max_length=40)
    url: str | None = Field(default=None, max_length=4000)
    name: str | None = Field(default=None, max_length=500)
    mime_type: str | None = Field(default=None, max_length=200)
    size: int | None = Field(default=None, ge=0)


class _Referral(BaseModel):
    source: str = Field(max_length=100)
    ref: str | None = Field(default=None, max_length=500)
    url: str | None = Field(default=None, max_length=4000)
    post_id: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=500)


class _Body(BaseModel):
    id: str = Field(min_length=1, max_length=200)
    sender: _Sender
    text: str | None = Field(default=None, max_length=20000)
    sent_at: datetime
    attachments: list[_Attachment] = Field(default_factory=list, max_length=20)
    referral: _Referral | None = None


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac_sha256_hex(secret, body)


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


class GenericConnector:
    platform: ClassVar[Platform] = Platform.GENERIC
    config_model: ClassVar[type[ChannelConfig]] = GenericConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("secret",)
    routing: ClassVar[str] = "path"

    def handshake(self, query: Mapping[str, str], configs: list[ChannelConfig]) -> HandshakeReply:
        return HandshakeReply(status=405, body="the generic channel has no handshake")

    def verify(self, body: bytes, headers: Mapping[str, str], config: ChannelConfig) -> bool:
        assert isinstance(config, GenericConfig)
        return signature_matches(sign(config.secret, body), header(headers, SIGNATURE_HEADER))

    def parse(self, body: bytes, *, channel_account_id: str | None = None) -> ParseResult:
        data = json_body(body)
        if not isinstance(data, dict):
            raise PayloadError("body must be a JSON object")
        try:
            parsed = _Body.model_validate(data)
        except ValidationError as exc:
            raise PayloadError(_describe(exc)) from exc
        if parsed.text is None and not parsed.attachments:
            raise PayloadError("text: a message needs text or at least one attachment")
        message = InboundMessage(
            account_id=channel_account_id or "generic",
            occurred_at=ensure_utc(parsed.sent_at),
            contact=ContactRef(
                external_id=parsed.sender.id, name=parsed.sender.name, handle=parsed.sender.handle
            ),
            message_id=parsed.id,
            text=parsed.text,
            attachments=tuple(
                Attachment(kind=a.type, url=a.url, name=a.name, mime_type=a.mime_type, size=a.size)
                for a in parsed.attachments
            ),
            referral=Referral(**parsed.referral.model_dump()) if parsed.referral else None,
        )
        return ParseResult(events=[message])

    def send(
        self,
        client: httpx.Client,
        config: ChannelConfig,
        *,
        account_id: str,
        message: OutboundMessage,
    ) -> SendResult:
        assert isinstance(config, GenericConfig)
        if not config.outbound_url:
            # Nothing to deliver to: the reply lives in the desk only.
            return SendResult(ok=True, platform_message_id=f"local-{message.idempotency_key}")
        import json

        payload = json.dumps(
            {
                "recipient": {"id": message.recipient_id},
                "text": numbered_text(message),
                "quick_replies": [
                    {"title": q.title, "payload": q.payload} for q in message.quick_replies
                ],
                "idempotency_key": message.idempotency_key,
            }
        ).encode()
        try:
            resp = client.post(
                config.outbound_url,
                content=payload,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(config.secret, payload),
                },
            )
        except httpx.HTTPError as exc:
            return SendResult(ok=False, error_class="retry", error_message=str(exc))
        if resp.status_code >= 500:
            return SendResult(ok=False, error_class="retry", error_code=str(resp.status_code))
        if resp.status_code == 429:
            return SendResult(ok=False, error_class="rate_limited", error_code="429")
        if resp.status_code >= 400:
            return SendResult(
                ok=False,
                error_class="permanent",
                error_code=str(resp.status_code),
                error_message=resp.text[:500],
            )
        body = resp.json() if resp.content else {}
        return SendResult(
            ok=True,
            platform_message_id=str(body.get("id") or f"local-{message.idempotency_key}"),
            raw=body,
        )

"""Meta platform plumbing shared by Messenger, Instagram and WhatsApp: the hub.challenge
handshake, X-Hub-Signature-256 checks, payload-validation helpers and Graph API sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import httpx
from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from dmdesk.connectors.base import (
    ChannelConfig,
    HandshakeReply,
    PayloadError,
    ProfileResult,
    header,
    hmac_sha256_hex,
    signature_matches,
)
from dmdesk.domain.outbound import ErrorClass, OutboundMessage, SendResult

SIGNATURE_HEADER = "X-Hub-Signature-256"
GRAPH_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
# Graph rate-limit errors carry no wait hint; the desk waits this long before retrying.
DEFAULT_RATE_LIMIT_WAIT_S = 60.0
# Bounds keep datetime conversion from overflowing on hostile or corrupted payloads.
MAX_EPOCH_S = 10**11
MAX_EPOCH_MS = 10**14

_Model = TypeVar("_Model", bound=BaseModel)


def _id_to_str(value: Any) -> Any:
    # Platforms send ids as JSON numbers in some places (Meta app_id, Telegram chat ids)
    # and strings elsewhere; ids above 2^53 must never pass through a float.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


PlatformId = Annotated[str, BeforeValidator(_id_to_str), Field(min_length=1, max_length=512)]
EpochMs = Annotated[int, Field(ge=0, le=MAX_EPOCH_MS)]
EpochS = Annotated[int, Field(ge=0, le=MAX_EPOCH_S)]


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def from_s(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def describe(exc: ValidationError, where: str) -> str:
    """One line per problem, each naming the JSON path it is at."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"])
        path = f"{where}.{loc}" if where and loc else (where or loc or "body")
        parts.append(f"{path}: {err['msg']}")
    return "; ".join(parts)


def validate(model: type[_Model], data: Any, *, where: str) -> _Model:
    """Validate `data` against a narrow payload model or raise PayloadError naming the path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PayloadError(describe(exc, where)) from exc


class MetaConfig(ChannelConfig):
    """Secrets of a Meta app plus the token of the Page / IG account / number it sends as."""

    app_secret: str = Field(min_length=1)
    verify_token: str = Field(min_length=1)
    access_token: str = Field(min_length=1)
    api_base_url: str | None = GRAPH_BASE_URL
    api_version: str = DEFAULT_API_VERSION


def meta_handshake(query: Mapping[str, str], verify_tokens: Iterable[str]) -> HandshakeReply:
    """Meta's GET: echo hub.challenge as plain text when the verify token matches one of ours."""
    mode = query.get("hub.mode")
    token = query.get("hub.verify_token")
    challenge = query.get("hub.challenge")
    if mode != "subscribe" or not token or challenge is None:
        return HandshakeReply(status=403, body="verification refused")
    # Check every token so the answer time does not depend on which one matched.
    matched = [signature_matches(candidate, token) for candidate in verify_tokens]
    if not any(matched):
        return HandshakeReply(status=403, body="verification refused")
    return HandshakeReply(status=200, body=challenge)


def sign(secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends for `body`."""
    return "sha256=" + hmac_sha256_hex(secret, body)


def meta_verify(body: bytes, headers: Mapping[str, str], *, secrets: Iterable[str]) -> bool:
    """True when X-Hub-Signature-256 is the HMAC of the raw body under one of `secrets`."""
    given = header(headers, SIGNATURE_HEADER)
    results = [signature_matches(sign(secret, body), given) for secret in secrets if secret]
    return any(results)


class MetaWebhookAuth:
    """Meta's handshake and signature, shared by the Messenger, Instagram and WhatsApp apps."""

    def handshake(self, query: Mapping[str, str], configs: list[ChannelConfig]) -> HandshakeReply:
        tokens = [c.verify_token for c in configs if isinstance(c, MetaConfig)]
        return meta_handshake(query, tokens)

    def verify(self, body: bytes, headers: Mapping[str, str], config: ChannelConfig) -> bool:
        assert isinstance(config, MetaConfig)
        return meta_verify(body, headers, secrets=[config.app_secret])


class GraphError(BaseModel):
    message: str = ""
    type: str | None = None
    code: int | None = None
    error_subcode: int | None = None
    error_data: dict[str, Any] | None = None
    fbtrace_id: str | None = None


class _GraphErrorEnvelope(BaseModel):
    error: GraphError


GraphClassifier = Callable[[GraphError], tuple[ErrorClass, float | None]]

# Messenger / Instagram Send API codes (README 1.8). Subcodes are informational only:
# 551 arrives with and without 1545041, and 1545041 also appears under code 200.
_GRAPH_CLASSES: dict[int, ErrorClass] = {
    551: "unreachable",
    1: "retry",
    2: "retry",
    4: "rate_limited",
    17: "rate_limited",
    32: "rate_limited",
    613: "rate_limited",
    100: "permanent",
    190: "auth",
    200: "auth",
    230: "auth",
    368: "permanent",
}
WINDOW_SUBCODES = frozenset({2018278})


def classify_graph_error(error: GraphError) -> tuple[ErrorClass, float | None]:
    """Map a Messenger / Instagram Send API error to the outbox's error classes."""
    code = error.code or 0
    if code == 10:
        # Code 10 is both "outside the window" (subcode 2018278) and "permission missing".
        if error.error_subcode in WINDOW_SUBCODES or "outside of allowed window" in error.message:
            return "window_closed", None
        return "auth", None
    error_class = _GRAPH_CLASSES.get(code, "permanent")
    wait = DEFAULT_RATE_LIMIT_WAIT_S if error_class == "rate_limited" else None
    return error_class, wait


def graph_url(config: MetaConfig, node_id: str) -> str:
    base = (config.api_base_url or GRAPH_BASE_URL).rstrip("/")
    return f"{base}/{config.api_version}/{node_id}/messages"


def graph_profile(
    client: httpx.Client, config: MetaConfig, *, user_id: str, fields: tuple[str, ...]
) -> tuple[ProfileResult | None, dict[str, Any]]:
    """GET `/{version}/{user_id}?fields=...` (the Messenger and Instagram user profile APIs):
    (None, body) on success, else (the failure, body)."""
    base = (config.api_base_url or GRAPH_BASE_URL).rstrip("/")
    try:
        resp = client.get(
            f"{base}/{config.api_version}/{user_id}",
            params={"fields": ",".join(fields)},
            headers={"Authorization": f"Bearer {config.access_token}"},
        )
    except httpx.HTTPError as exc:  # unreachable: soon worth another try
        return ProfileResult(ok=False, retry=True, retry_after_s=60, error=type(exc).__name__), {}
    body = _json_or_empty(resp)
    if resp.is_success:
        return None, body
    failure = _graph_failure(resp.status_code, body, classify=classify_graph_error)
    retry = failure.error_class in ("retry", "rate_limited")
    error = failure.error_message or failure.error_code or f"http_{resp.status_code}"
    wait = failure.retry_after_s if retry else None
    return ProfileResult(ok=False, retry=retry, retry_after_s=wait, error=error[:200]), body


def profile_text(body: Mapping[str, Any], key: str) -> str | None:
    """A profile field as clean text: strings only, trimmed, at most 200 characters."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:200]


def graph_post(
    client: httpx.Client,
    config: MetaConfig,
    *,
    node_id: str,
    payload: dict[str, Any],
    classify: GraphClassifier = classify_graph_error,
) -> tuple[SendResult | None, dict[str, Any]]:
    """POST to `/{version}/{node_id}/messages`: (None, body) on success, else (failure, body)."""
    try:
        resp = client.post(
            graph_url(config, node_id),
            json=payload,
            headers={"Authorization": f"Bearer {config.access_token}"},
        )
    except httpx.HTTPError as exc:
        return SendResult(ok=False, error_class="retry", error_message=type(exc).__name__), {}
    body = _json_or_empty(resp)
    if resp.is_success:
        return None, body
    return _graph_failure(resp.status_code, body, classify=classify), body


def _graph_failure(status: int, body: dict[str, Any], *, classify: GraphClassifier) -> SendResult:
    try:
        error = _GraphErrorEnvelope.model_validate(body).error
    except ValidationError:
        # No Graph envelope (a proxy or an outage page): judge by the HTTP status alone.
        if status == 429:
            return SendResult(
                ok=False,
                error_class="rate_limited",
                error_code="http_429",
                retry_after_s=DEFAULT_RATE_LIMIT_WAIT_S,
                raw=body,
            )
        error_class: ErrorClass = "retry" if status >= 500 else "permanent"
        return SendResult(ok=False, error_class=error_class, error_code=f"http_{status}", raw=body)
    error_class, wait = classify(error)
    return SendResult(
        ok=False,
        error_class=error_class,
        error_code=str(error.code),
        error_message=error.message[:500],
        retry_after_s=wait,
        raw=body,
    )


def _json_or_empty(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# WhatsApp Cloud API codes (README 3.7); `error_subcode` is gone since v16, so code only.
_CLOUD_CLASSES: dict[int, ErrorClass] = {
    131047: "window_closed",
    131026: "unreachable",
    131050: "unreachable",
    130429: "rate_limited",
    131056: "rate_limited",
    80007: "rate_limited",
    4: "rate_limited",
    131000: "retry",
    131016: "retry",
    1: "retry",
    2: "retry",
    190: "auth",
    131031: "auth",
    10: "auth",
    200: "auth",
}
# Pair rate: about one message per 6 s to the same person (README 3.8).
_CLOUD_WAITS = {131056: 6.0}


def classify_cloud_error(error: GraphError) -> tuple[ErrorClass, float | None]:
    """Map a WhatsApp Cloud API error to the outbox's error classes."""
    code = error.code or 0
    error_class = _CLOUD_CLASSES.get(code, "permanent")
    if error_class != "rate_limited":
        return error_class, None
    return error_class, _CLOUD_WAITS.get(code, DEFAULT_RATE_LIMIT_WAIT_S)


WA_MAX_BUTTONS = 3  # interactive "button": at most 3 reply buttons
WA_MAX_ROWS = 10  # interactive "list": at most 10 rows in all
MESSENGER_MAX_QUICK_REPLIES = 13
_CLOUD_MEDIA = {"image": "image", "video": "video", "audio": "audio", "voice": "audio"}


def build_cloud_payload(message: OutboundMessage) -> dict[str, Any]:
    """The body of POST /{phone-number-id}/messages for one outbound message."""
    payload: dict[str, Any] = {"messaging_product": "whatsapp", "to": message.recipient_id}
    if message.template_name:
        template: dict[str, Any] = {
            "name": message.template_name,
            "language": {"code": message.template_language or "en_US"},
        }
        if message.template_params:
            params = [{"type": "text", "text": p} for p in message.template_params]
            template["components"] = [{"type": "body", "parameters": params}]
        payload.update(type="template", template=template)
    else:
        payload["recipient_type"] = "individual"
        payload.update(_cloud_free_form(message))
    if message.reply_to_message_id:
        payload["context"] = {"message_id": message.reply_to_message_id}
    if message.idempotency_key:
        # Echoed back on every status webhook of this message.
        payload["biz_opaque_callback_data"] = message.idempotency_key
    return payload


def _cloud_free_form(message: OutboundMessage) -> dict[str, Any]:
    if message.attachment_url:
        kind = _CLOUD_MEDIA.get(message.attachment_kind or "", "document")
        media: dict[str, Any] = {"link": message.attachment_url}
        if message.text and kind != "audio":
            media["caption"] = message.text
        return {"type": kind, kind: media}
    if message.quick_replies:
        return {"type": "interactive", "interactive": _cloud_interactive(message)}
    return {"type": "text", "text": {"preview_url": False, "body": message.text}}


def _cloud_interactive(message: OutboundMessage) -> dict[str, Any]:
    """Up to 3 reply buttons (titles <= 20); 4 to 10 choices as a list (row titles <= 24)."""
    body = {"text": message.text or ""}
    if len(message.quick_replies) <= WA_MAX_BUTTONS:
        buttons = [
            {"type": "reply", "reply": {"id": q.payload, "title": q.title[:20]}}
            for q in message.quick_replies
        ]
        return {"type": "button", "body": body, "action": {"buttons": buttons}}
    rows = [{"id": q.payload, "title": q.title[:24]} for q in message.quick_replies[:WA_MAX_ROWS]]
    return {
        "type": "list",
        "body": body,
        "action": {"button": "Choose", "sections": [{"title": "Options", "rows": rows}]},
    }


def send_cloud_message(
    client: httpx.Client, config: MetaConfig, *, account_id: str, message: OutboundMessage
) -> SendResult:
    if not (message.text or message.template_name or message.attachment_url):
        return SendResult(ok=False, error_class="permanent", error_code="empty_message")
    failure, body = graph_post(
        client,
        config,
        node_id=account_id,
        payload=build_cloud_payload(message),
        classify=classify_cloud_error,
    )
    if failure is not None:
        return failure
    ids = [m.get("id") for m in body.get("messages") or [] if isinstance(m, dict)]
    return SendResult(ok=True, platform_message_id=str(ids[0]) if ids else None, raw=body)


def cloud_mark_read(
    client: httpx.Client,
    config: MetaConfig,
    *,
    account_id: str,
    message_id: str,
    typing: bool = False,
) -> SendResult:
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": message_id,
    }
    if typing:
        payload["typing_indicator"] = {"type": "text"}
    failure, body = graph_post(
        client, config, node_id=account_id, payload=payload, classify=classify_cloud_error
    )
    return failure or SendResult(ok=True, raw=body)


_SEND_KINDS = {"image": "image", "video": "video", "audio": "audio", "voice": "audio"}


def build_send_payload(
    message: OutboundMessage, *, always_messaging_type: bool, with_metadata: bool
) -> dict[str, Any]:
    """The Send API body for one outbound message (README 1.6 / 2.5)."""
    payload: dict[str, Any] = {"recipient": {"id": message.recipient_id}}
    if message.tag:
        payload["messaging_type"] = "MESSAGE_TAG"
        payload["tag"] = message.tag
    elif always_messaging_type:
        payload["messaging_type"] = "RESPONSE"
    body: dict[str, Any] = {}
    if message.attachment_url:
        kind = _SEND_KINDS.get(message.attachment_kind or "", "file")
        body["attachment"] = {
            "type": kind,
            "payload": {"url": message.attachment_url, "is_reusable": True},
        }
    else:
        body["text"] = message.text
    if message.quick_replies:
        body["quick_replies"] = [
            {"content_type": "text", "title": q.title[:20], "payload": q.payload}
            for q in message.quick_replies[:MESSENGER_MAX_QUICK_REPLIES]
        ]
    if with_metadata and message.idempotency_key:
        # Comes back on the echo, so the echo can be matched to the outbox row.
        body["metadata"] = message.idempotency_key
    payload["message"] = body
    if message.reply_to_message_id:
        payload["reply_to"] = {"mid": message.reply_to_message_id}
    return payload


def send_graph_message(
    client: httpx.Client,
    config: MetaConfig,
    *,
    account_id: str,
    message: OutboundMessage,
    always_messaging_type: bool,
    with_metadata: bool,
) -> SendResult:
    if message.text and message.attachment_url:
        return SendResult(
            ok=False,
            error_class="permanent",
            error_code="text_and_attachment",
            error_message="Meta sends text and an attachment as two messages",
        )
    if not message.text and not message.attachment_url:
        return SendResult(ok=False, error_class="permanent", error_code="empty_message")
    payload = build_send_payload(
        message, always_messaging_type=always_messaging_type, with_metadata=with_metadata
    )
    failure, body = graph_post(client, config, node_id=account_id, payload=payload)
    if failure is not None:
        return failure
    mid = body.get("message_id")
    return SendResult(ok=True, platform_message_id=str(mid) if mid else None, raw=body)

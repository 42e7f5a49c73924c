"""Telegram Bot API connector. This docstring is the setup guide.

1. Create a bot with @BotFather; it gives the bot token (`<bot id>:<secret>`).
2. Create a channel in dmdesk with `bot_token`, a `secret_token` you choose (1-256 chars
   of `A-Z a-z 0-9 _ -`), and `account_id` = the bot id (the part before the colon).
3. Register the webhook (dmdesk does not call this for you):
   `POST https://api.telegram.org/bot<token>/setWebhook` with
   `{"url": "https://<your desk>/webhooks/telegram/<channel id>", "secret_token": "...",
   "allowed_updates": ["message", "edited_message", "callback_query", "message_reaction"]}`.
   `message_reaction` is only delivered when listed explicitly;
   `set_webhook_payload(url, secret_token=...)` builds exactly this body.

Every request carries `X-Telegram-Bot-Api-Secret-Token`; there is no HMAC and no GET
handshake. One endpoint per bot (routing "path"). No messaging window: a bot may write
to anyone who started it, until they block it. Files arrive as `file_id`s (download via
`getFile`, 20 MB cap). Message ids are unique per chat, so dmdesk stores them as
`<chat id>:<message id>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, Field, ValidationError

from dmdesk.connectors.base import (
    ChannelConfig,
    HandshakeReply,
    ParseResult,
    PayloadError,
    header,
    json_body,
    signature_matches,
)
from dmdesk.connectors.meta import EpochS, PlatformId, from_s, validate
from dmdesk.domain.clock import Clock, utcnow
from dmdesk.domain.enums import Platform
from dmdesk.domain.inbound import (
    Attachment,
    ContactRef,
    InboundEdit,
    InboundEvent,
    InboundMessage,
    InboundReaction,
    Referral,
    UnsupportedEvent,
)
from dmdesk.domain.outbound import ErrorClass, OutboundMessage, SendResult

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
API_BASE_URL = "https://api.telegram.org"


class TelegramConfig(ChannelConfig):
    bot_token: str = Field(min_length=1)
    secret_token: str = Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_-]+$")
    api_base_url: str | None = API_BASE_URL


class _User(BaseModel):
    id: PlatformId
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class _Chat(BaseModel):
    id: PlatformId
    type: str | None = None
    title: str | None = None


class _PhotoSize(BaseModel):
    file_id: str
    file_size: int | None = Field(default=None, ge=0)
    width: int = 0
    height: int = 0


class _File(BaseModel):
    file_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = Field(default=None, ge=0)
    emoji: str | None = None


class _Location(BaseModel):
    latitude: float
    longitude: float


class _SharedContact(BaseModel):
    phone_number: str
    first_name: str
    last_name: str | None = None
    user_id: PlatformId | None = None


class _Ref(BaseModel):
    message_id: PlatformId


class _Button(BaseModel):
    text: str
    callback_data: str | None = None


class _Markup(BaseModel):
    inline_keyboard: list[list[_Button]] = Field(default_factory=list)


class _Message(BaseModel):
    message_id: PlatformId
    sender: _User | None = Field(default=None, alias="from")
    chat: _Chat
    date: EpochS
    edit_date: EpochS | None = None
    text: str | None = None
    caption: str | None = None
    photo: list[_PhotoSize] = Field(default_factory=list)
    document: _File | None = None
    voice: _File | None = None
    audio: _File | None = None
    video: _File | None = None
    video_note: _File | None = None
    animation: _File | None = None
    sticker: _File | None = None
    location: _Location | None = None
    contact: _SharedContact | None = None
    reply_to_message: _Ref | None = None
    reply_markup: _Markup | None = None

    @property
    def key(self) -> str:
        return f"{self.chat.id}:{self.message_id}"


class _Callback(BaseModel):
    id: PlatformId
    sender: _User = Field(alias="from")
    message: _Message | None = None
    data: str | None = None


class _ReactionType(BaseModel):
    type: str
    emoji: str | None = None
    custom_emoji_id: str | None = None


class _MessageReaction(BaseModel):
    chat: _Chat
    message_id: PlatformId
    user: _User | None = None
    date: EpochS
    old_reaction: list[_ReactionType] = Field(default_factory=list)
    new_reaction: list[_ReactionType] = Field(default_factory=list)


class _Update(BaseModel):
    update_id: int


def _contact(chat: _Chat, user: _User | None) -> ContactRef:
    # The chat id is what sendMessage needs; in private chats it equals the user id.
    names = [user.first_name, user.last_name] if user else [chat.title]
    return ContactRef(
        external_id=chat.id,
        name=" ".join(n for n in names if n) or None,
        handle=user.username if user else None,
        language=user.language_code if user else None,
    )


_FILE_KINDS = {
    "document": "file", "voice": "voice", "audio": "audio", "video": "video",
    "video_note": "video", "animation": "video", "sticker": "sticker",
}  # fmt: skip


def _attachments(msg: _Message) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    extra: dict[str, Any]
    if msg.photo:
        # Telegram sends every size of a photo; the largest is the one worth showing.
        best = max(msg.photo, key=lambda p: p.width * p.height)
        extra = {"width": best.width, "height": best.height}
        found.append(
            Attachment(
                kind="image", platform_media_id=best.file_id, size=best.file_size, extra=extra
            )
        )
    for field, kind in _FILE_KINDS.items():
        item: _File | None = getattr(msg, field)
        if item is not None:
            extra = {"emoji": item.emoji} if item.emoji else {}
            found.append(
                Attachment(
                    kind=kind,
                    platform_media_id=item.file_id,
                    extra=extra,
                    name=item.file_name,
                    mime_type=item.mime_type,
                    size=item.file_size,
                )
            )
    if msg.location:
        extra = {"lat": msg.location.latitude, "long": msg.location.longitude}
        found.append(Attachment(kind="location", extra=extra))
    if msg.contact:
        card = msg.contact
        name = " ".join(n for n in (card.first_name, card.last_name) if n)
        found.append(Attachment(kind="contact", name=name, extra={"phone": card.phone_number}))
    return tuple(found)


def _start_referral(text: str | None) -> Referral | None:
    # t.me/<bot>?start=<ref> deep links arrive as "/start <ref>".
    if not text or not text.startswith("/start "):
        return None
    ref = text.removeprefix("/start ").strip()
    return Referral(source="DEEP_LINK", ref=ref) if ref else None


@dataclass(frozen=True)
class _Ctx:
    account_id: str
    clock: Clock
    where: str


def _on_message(ctx: _Ctx, raw: Any) -> InboundEvent:
    msg = validate(_Message, raw, where=ctx.where)
    reply = msg.reply_to_message
    return InboundMessage(
        account_id=ctx.account_id,
        occurred_at=from_s(msg.date),
        contact=_contact(msg.chat, msg.sender),
        message_id=msg.key,
        text=msg.text if msg.text is not None else msg.caption,
        attachments=_attachments(msg),
        reply_to_message_id=f"{msg.chat.id}:{reply.message_id}" if reply else None,
        referral=_start_referral(msg.text),
    )


def _on_edit(ctx: _Ctx, raw: Any) -> InboundEvent:
    msg = validate(_Message, raw, where=ctx.where)
    return InboundEdit(
        account_id=ctx.account_id,
        occurred_at=from_s(msg.edit_date or msg.date),
        contact=_contact(msg.chat, msg.sender),
        message_id=msg.key,
        text=msg.text if msg.text is not None else msg.caption,
    )


def _button_title(msg: _Message | None, data: str | None) -> str | None:
    markup = msg.reply_markup if msg else None
    buttons = [b for row in (markup.inline_keyboard if markup else []) for b in row]
    return next((b.text for b in buttons if b.callback_data == data), data)


def _on_callback(ctx: _Ctx, raw: Any) -> InboundEvent:
    query = validate(_Callback, raw, where=ctx.where)
    chat = query.message.chat if query.message else _Chat(id=query.sender.id)
    return InboundMessage(
        account_id=ctx.account_id,
        # A button tap carries no time of its own: stamp it on arrival.
        occurred_at=ctx.clock(),
        contact=_contact(chat, query.sender),
        message_id=f"callback:{query.id}",
        text=_button_title(query.message, query.data),
        postback_payload=query.data,
        reply_to_message_id=query.message.key if query.message else None,
    )


def _reaction_label(reaction: _ReactionType) -> str:
    if reaction.emoji:
        return reaction.emoji
    return f"{reaction.type}:{reaction.custom_emoji_id or ''}".rstrip(":")


def _on_reaction(ctx: _Ctx, raw: Any) -> InboundEvent:
    update = validate(_MessageReaction, raw, where=ctx.where)
    # Telegram sends the whole new set; an empty one means the reaction was taken back.
    current = update.new_reaction or update.old_reaction
    return InboundReaction(
        account_id=ctx.account_id,
        occurred_at=from_s(update.date),
        contact=_contact(update.chat, update.user),
        message_id=f"{update.chat.id}:{update.message_id}",
        emoji=_reaction_label(current[0]) if current else None,
        action="react" if update.new_reaction else "unreact",
    )


Handler = Callable[[_Ctx, Any], InboundEvent]
HANDLERS: dict[str, Handler] = {
    "message": _on_message,
    "business_message": _on_message,
    "edited_message": _on_edit,
    "edited_business_message": _on_edit,
    "callback_query": _on_callback,
    "message_reaction": _on_reaction,
}
# Not conversations with a person: channel posts, membership changes, polls, inline mode.
IGNORED = frozenset({
    "channel_post", "edited_channel_post", "my_chat_member", "chat_member",
    "chat_join_request", "message_reaction_count", "poll", "poll_answer", "inline_query",
    "chosen_inline_result", "chat_boost", "removed_chat_boost", "business_connection",
})  # fmt: skip


def parse_update(body: bytes, *, account_id: str, clock: Clock) -> ParseResult:
    data = json_body(body)
    validate(_Update, data, where="")
    kinds = sorted(set(data) - {"update_id"})
    if len(kinds) != 1:
        raise PayloadError(f"an Update holds exactly one object, got {kinds or 'none'}")
    kind = kinds[0]
    if kind in IGNORED:
        return ParseResult(ignored=1)
    handler = HANDLERS.get(kind)
    if handler is None:
        raw = {kind: data[kind]}
        event = UnsupportedEvent(
            account_id=account_id, occurred_at=clock(), event_kind=kind, raw=raw
        )
        return ParseResult(events=[event])
    ctx = _Ctx(account_id=account_id, clock=clock, where=kind)
    return ParseResult(events=[handler(ctx, data[kind])])


ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "message_reaction")


def set_webhook_payload(url: str, *, secret_token: str) -> dict[str, Any]:
    """The body of the one-off `setWebhook` call that points a bot at dmdesk (not sent here)."""
    return {
        "url": url,
        "secret_token": secret_token,
        # message_reaction is only delivered when asked for by name.
        "allowed_updates": list(ALLOWED_UPDATES),
        "max_connections": 40,
        "drop_pending_updates": False,
    }


class _ResponseParameters(BaseModel):
    retry_after: float | None = None
    migrate_to_chat_id: int | None = None


class _Reply(BaseModel):
    ok: bool
    result: dict[str, Any] | None = None
    error_code: int | None = None
    description: str = ""
    parameters: _ResponseParameters | None = None


class _Sent(BaseModel):
    message_id: PlatformId
    chat: _Chat


_SEND_METHODS = {
    "image": ("sendPhoto", "photo"), "video": ("sendVideo", "video"),
    "audio": ("sendAudio", "audio"), "voice": ("sendVoice", "voice"),
}  # fmt: skip


def _chat_id(value: str) -> int | str:
    # Numeric chat ids go out as numbers; "@channelname" stays a string.
    return int(value) if value.lstrip("-").isdigit() else value


def build_request(message: OutboundMessage) -> tuple[str, dict[str, Any]]:
    """The Bot API method and JSON body for one outbound message."""
    payload: dict[str, Any] = {"chat_id": _chat_id(message.recipient_id)}
    if message.attachment_url:
        method, field = _SEND_METHODS.get(
            message.attachment_kind or "", ("sendDocument", "document")
        )
        payload[field] = message.attachment_url
        if message.text:
            payload["caption"] = message.text
    else:
        method = "sendMessage"
        payload["text"] = message.text
    if message.reply_to_message_id:
        # dmdesk ids are "<chat id>:<message id>"; the Bot API wants the message id alone.
        reply_to = message.reply_to_message_id.rsplit(":", 1)[-1]
        payload["reply_parameters"] = {"message_id": _chat_id(reply_to)}
    if message.quick_replies:
        rows = [[{"text": q.title, "callback_data": q.payload[:64]}] for q in message.quick_replies]
        payload["reply_markup"] = {"inline_keyboard": rows}
    return method, payload


def classify(reply: _Reply) -> tuple[ErrorClass, float | None]:
    code = reply.error_code or 0
    params = reply.parameters or _ResponseParameters()
    if code == 429:
        return "rate_limited", params.retry_after or 1.0
    if code == 403:
        return "unreachable", None  # blocked by the user, or the user never started the bot
    if code in (401, 404):
        return "auth", None  # the token was revoked or is wrong
    if code >= 500 or code in (409, 502):
        return "retry", None
    return "permanent", None


def _outcome(resp: httpx.Response) -> SendResult:
    try:
        reply = _Reply.model_validate(resp.json())
    except ValueError:
        error_class: ErrorClass = "retry" if resp.status_code >= 500 else "permanent"
        return SendResult(ok=False, error_class=error_class, error_code=f"http_{resp.status_code}")
    raw = reply.model_dump(exclude_none=True)
    if not reply.ok:
        error_class, wait = classify(reply)
        return SendResult(
            ok=False,
            error_class=error_class,
            error_code=str(reply.error_code),
            error_message=reply.description[:500],
            retry_after_s=wait,
            raw=raw,
        )
    try:
        sent = _Sent.model_validate(reply.result)
    except ValidationError:
        # Accepted but unreadable: do not resend (that would duplicate), keep the raw answer.
        return SendResult(ok=True, raw=raw)
    return SendResult(ok=True, platform_message_id=f"{sent.chat.id}:{sent.message_id}", raw=raw)


class TelegramConnector:
    platform: ClassVar[Platform] = Platform.TELEGRAM
    config_model: ClassVar[type[ChannelConfig]] = TelegramConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("bot_token", "secret_token")
    routing: ClassVar[str] = "path"

    def __init__(self, clock: Clock = utcnow) -> None:
        self._clock = clock

    def handshake(self, query: Mapping[str, str], configs: list[ChannelConfig]) -> HandshakeReply:
        return HandshakeReply(status=405, body="Telegram has no GET handshake: use setWebhook")

    def verify(self, body: bytes, headers: Mapping[str, str], config: ChannelConfig) -> bool:
        assert isinstance(config, TelegramConfig)
        return signature_matches(config.secret_token, header(headers, SECRET_HEADER))

    def parse(self, body: bytes, *, channel_account_id: str | None = None) -> ParseResult:
        account_id = channel_account_id or "telegram"
        return parse_update(body, account_id=account_id, clock=self._clock)

    def send(
        self,
        client: httpx.Client,
        config: ChannelConfig,
        *,
        account_id: str,
        message: OutboundMessage,
    ) -> SendResult:
        assert isinstance(config, TelegramConfig)
        if not message.text and not message.attachment_url:
            return SendResult(ok=False, error_class="permanent", error_code="empty_message")
        method, payload = build_request(message)
        base = (config.api_base_url or API_BASE_URL).rstrip("/")
        try:
            resp = client.post(f"{base}/bot{config.bot_token}/{method}", json=payload)
        except httpx.HTTPError as exc:
            # The URL holds the token: report the error type, never its text.
            return SendResult(ok=False, error_class="retry", error_message=type(exc).__name__)
        return _outcome(resp)

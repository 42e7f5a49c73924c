"""Webhook bodies in each platform's real format, built from a ScriptStep (see people.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from dmdesk.simulator.accounts import SimAccount
from dmdesk.simulator.script import ScriptStep, message_id, target_id

ReceiptStatus = Literal["delivered", "read"]
_META_REACTIONS = {
    "❤️": "love",
    "👍": "like",
    "😮": "wow",
    "😢": "sad",
    "😠": "angry",
    "😆": "smile",
}


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def meta_body(object_name: str, account: SimAccount, *, event: dict[str, Any]) -> dict[str, Any]:
    entry = {"id": account.account_id, "time": event["timestamp"] + 300, "messaging": [event]}
    return {"object": object_name, "entry": [entry]}


def meta_message(account: SimAccount, step: ScriptStep, *, platform: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        "sender": {"id": step.person.platform_id(platform)},
        "recipient": {"id": account.account_id},
        "timestamp": ms(step.at),
    }
    if step.kind == "reaction":
        event["reaction"] = {
            "mid": target_id(platform, step),
            "action": "react",
            "reaction": _META_REACTIONS.get(step.emoji or "", "other"),
            "emoji": step.emoji,
        }
        return event
    message: dict[str, Any] = {"mid": message_id(platform, step.seq)}
    if step.text:
        message["text"] = step.text
    if step.kind == "quick_reply":
        message["quick_reply"] = {"payload": step.payload or ""}
    if step.kind == "image":
        message["attachments"] = [{"type": "image", "payload": {"url": step.image_url}}]
    if step.kind == "story_reply" and platform == "instagram":
        message["reply_to"] = {"story": {"url": step.story_url(), "id": step.story_id()}}
    event["message"] = message
    return event


def whatsapp_body(account: SimAccount, value: dict[str, Any]) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": account.display_phone_number,
            "phone_number_id": account.account_id,
        },
        **value,
    }
    change = {"value": value, "field": "messages"}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": account.waba_id, "changes": [change]}],
    }


def whatsapp_message(account: SimAccount, step: ScriptStep) -> dict[str, Any]:
    wa_id = step.person.platform_id("whatsapp")
    message: dict[str, Any] = {
        "from": wa_id,
        "id": message_id("whatsapp", step.seq),
        "timestamp": str(int(step.at.timestamp())),
    }
    if step.kind == "reaction":
        message.update(
            type="reaction",
            reaction={"message_id": target_id("whatsapp", step), "emoji": step.emoji or ""},
        )
    elif step.kind == "image":
        image = {"mime_type": "image/jpeg", "sha256": "c2ltLWltYWdl", "id": f"9{step.seq:09d}"}
        if step.text:
            image["caption"] = step.text
        message.update(type="image", image=image)
    elif step.kind == "quick_reply":
        # A tap on an interactive reply button; the context is the desk's message.
        reply = {"id": step.payload or "", "title": step.text or ""}
        message.update(
            type="interactive", interactive={"type": "button_reply", "button_reply": reply}
        )
        if step.target_message_id:
            message["context"] = {"from": account.account_id, "id": step.target_message_id}
    else:
        message.update(type="text", text={"body": step.text or ""})
    contact = {"profile": {"name": step.person.name}, "wa_id": wa_id}
    return whatsapp_body(account, {"contacts": [contact], "messages": [message]})


def _telegram_people(step: ScriptStep) -> tuple[dict[str, Any], dict[str, Any]]:
    first, _, last = step.person.name.partition(" ")
    user_id = int(step.person.platform_id("telegram"))
    user = {"id": user_id, "is_bot": False, "first_name": first, "username": step.person.handle}
    chat = {"id": user_id, "first_name": first, "username": step.person.handle, "type": "private"}
    if last:
        user["last_name"] = chat["last_name"] = last
    return user, chat


def telegram_update(step: ScriptStep) -> dict[str, Any]:
    user, chat = _telegram_people(step)
    update_id = 900_000_000 + step.seq
    date = int(step.at.timestamp())
    if step.kind == "reaction":
        reaction = {
            "chat": chat,
            "message_id": int(target_id("telegram", step)),
            "user": user,
            "date": date,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": step.emoji or "👍"}],
        }
        return {"update_id": update_id, "message_reaction": reaction}
    if step.kind == "quick_reply":
        return {"update_id": update_id, "callback_query": _telegram_tap(step, user, chat, date)}
    message: dict[str, Any] = {"message_id": step.seq, "from": user, "chat": chat, "date": date}
    if step.kind == "image":
        message["photo"] = [
            {
                "file_id": f"AgACsim{step.seq}s",
                "file_unique_id": f"s{step.seq}",
                "file_size": 1800,
                "width": 90,
                "height": 67,
            },
            {
                "file_id": f"AgACsim{step.seq}l",
                "file_unique_id": f"l{step.seq}",
                "file_size": 48000,
                "width": 1280,
                "height": 960,
            },
        ]
        if step.text:
            message["caption"] = step.text
    else:
        message["text"] = step.text or ""
    return {"update_id": update_id, "message": message}


def _telegram_tap(
    step: ScriptStep, user: dict[str, Any], chat: dict[str, Any], date: int
) -> dict[str, Any]:
    """A tap on an inline-keyboard button of the desk's message (callback_query)."""
    target = (step.target_message_id or f"{chat['id']}:{step.seq}").rsplit(":", 1)[-1]
    button = {"text": step.text or "", "callback_data": step.payload or ""}
    bot_message = {
        "message_id": int(target),
        "chat": chat,
        "date": date,
        "text": "",
        "reply_markup": {"inline_keyboard": [[button]]},
    }
    return {
        "id": f"40{step.seq:017d}",
        "from": user,
        "message": bot_message,
        "chat_instance": f"-{chat['id']}",
        "data": step.payload or "",
    }


def x_users(account: SimAccount, step: ScriptStep) -> dict[str, Any]:
    person_id = step.person.platform_id("x")
    return {
        person_id: {"id": person_id, "name": step.person.name, "screen_name": step.person.handle},
        account.account_id: {
            "id": account.account_id,
            "name": "Sim Brand",
            "screen_name": "sim_brand",
        },
    }


def x_message(account: SimAccount, step: ScriptStep) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": step.text or "",
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
    }
    if step.kind == "image":
        link = f"https://t.co/SIM{step.seq}"
        data["text"] = f"{data['text']} {link}".strip()
        data["attachment"] = {
            "type": "media",
            "media": {
                "id_str": f"19{step.seq:017d}",
                "type": "photo",
                "url": link,
                "media_url_https": f"https://ton.twitter.com/1.1/ton/data/dm/sim/{step.seq}.jpg",
            },
        }
    event = {
        "type": "message_create",
        "id": message_id("x", step.seq),
        "created_timestamp": str(ms(step.at)),
        "message_create": {
            "target": {"recipient_id": account.account_id},
            "sender_id": step.person.platform_id("x"),
            "message_data": data,
        },
    }
    return {
        "for_user_id": account.account_id,
        "direct_message_events": [event],
        "users": x_users(account, step),
    }


@dataclass(frozen=True)
class Receipt:
    """A delivery / read receipt for a message the desk sent to `recipient_id`."""

    recipient_id: str
    message_id: str
    status: ReceiptStatus
    at: datetime


def _meta_receipt(account: SimAccount, receipt: Receipt, *, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "sender": {"id": receipt.recipient_id},
        "recipient": {"id": account.account_id},
        "timestamp": ms(receipt.at),
        **body,
    }


def receipt_payload(
    platform: str, account: SimAccount, *, receipt: Receipt
) -> dict[str, Any] | None:
    """The platform's receipt body; None for Telegram (no receipts) and for deliveries on
    Instagram and X (they report reads only)."""
    stamp, mid = ms(receipt.at), receipt.message_id
    delivered = receipt.status == "delivered"
    if platform == "messenger":
        body = (
            {"delivery": {"mids": [mid], "watermark": stamp}}
            if delivered
            else {"read": {"watermark": stamp}}
        )
        return meta_body("page", account, event=_meta_receipt(account, receipt, body=body))
    if platform == "instagram" and not delivered:
        event = _meta_receipt(account, receipt, body={"read": {"mid": mid}})
        return meta_body("instagram", account, event=event)
    if platform == "whatsapp":
        item = {
            "id": mid,
            "status": receipt.status,
            "timestamp": str(stamp // 1000),
            "recipient_id": receipt.recipient_id,
        }
        return whatsapp_body(account, {"statuses": [item]})
    if platform == "x" and not delivered:
        read = {
            "created_timestamp": str(stamp),
            "sender_id": receipt.recipient_id,
            "target": {"recipient_id": account.account_id},
            "last_read_event_id": mid,
        }
        return {"for_user_id": account.account_id, "direct_message_mark_read_events": [read]}
    return None

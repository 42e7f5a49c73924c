"""Quick replies the desk offered, read back from its send requests in each platform's format,
and the tap a person makes on one of them (see server `POST /_sim/tap`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from dmdesk.simulator.people import tap
from dmdesk.simulator.script import Person, ScriptStep

_NUMBERED = re.compile(r"^(\d{1,2})\. (.+)$", re.M)


def offered(platform: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, payload) of each quick reply in one send request; X's numbered list gives
    titles only (the person types the title back)."""
    if platform in ("messenger", "instagram"):
        message = body.get("message") or {}
        return [(q["title"], q["payload"]) for q in message.get("quick_replies") or []]
    if platform == "whatsapp":
        interactive = body.get("interactive") or {}
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            return [(b["reply"]["title"], b["reply"]["id"]) for b in action.get("buttons") or []]
        rows = [r for sec in action.get("sections") or [] for r in sec.get("rows") or []]
        return [(r["title"], r["id"]) for r in rows]
    if platform == "telegram":
        keyboard = (body.get("reply_markup") or {}).get("inline_keyboard") or []
        return [(b["text"], b.get("callback_data", "")) for row in keyboard for b in row]
    if platform == "x":
        return [(title, "") for _n, title in _NUMBERED.findall(str(body.get("text") or ""))]
    return []


def sent_message_id(platform: str, response: dict[str, Any]) -> str | None:
    """The platform id the simulator gave the desk's message (what a tap points back to)."""
    if platform in ("messenger", "instagram"):
        return str(response.get("message_id") or "") or None
    if platform == "whatsapp":
        messages = response.get("messages") or [{}]
        return str(messages[0].get("id") or "") or None
    if platform == "telegram":
        result = response.get("result") or {}
        chat = (result.get("chat") or {}).get("id")
        return f"{chat}:{result.get('message_id')}" if chat is not None else None
    return None


def tap_on(
    platform: str,
    request: dict[str, Any],
    *,
    recipient: str,
    choice: int,
    seq: int,
    at: datetime,
    name: str = "Simulated Person",
) -> ScriptStep | None:
    """The person the desk wrote to taps option `choice` of that message (None if absent)."""
    options = offered(platform, request.get("json") or {})
    if not 0 <= choice < len(options):
        return None
    title, payload = options[choice]
    person = Person(number=seq, name=name, handle="sim_person", external_id=recipient)
    return tap(
        person,
        seq=seq,
        at=at,
        title=title,
        payload=payload,
        target_message_id=sent_message_id(platform, request.get("response") or {}),
    )

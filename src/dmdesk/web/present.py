"""Turning rows into words for the screens: times, system events, ticks, attachments, windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dmdesk.domain.clock import ensure_utc
from dmdesk.domain.window import window_state
from dmdesk.models import Event, Message

AUTHOR_PREFIX = {"agent": "Team: ", "bot": "Bot: ", "system": "System: "}
ATTACHMENT_LABELS = {
    "image": "Photo",
    "video": "Video",
    "audio": "Audio",
    "voice": "Voice message",
    "file": "File",
    "sticker": "Sticker",
    "location": "Location",
    "contact": "Contact card",
    "share": "Shared post",
    "reel": "Reel",
    "story_mention": "Mentioned you in their story",
    "template": "Template",
    "fallback": "Link",
}
TICKS = {
    "pending": ("◷", "Sending"),
    "sent": ("✓", "Sent"),
    "delivered": ("✓✓", "Delivered"),
    "read": ("✓✓", "Read"),
    "failed": ("!", "Failed"),
}


def short_span(seconds: float) -> str:
    """14m, 3h, 2d: the compact waiting time used in rows and chips."""
    s = max(0, int(seconds))
    if s < 60:
        return "now"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    if s < 86400 * 14:
        return f"{s // 86400}d"
    return f"{s // (86400 * 7)}w"


def long_span(seconds: float) -> str:
    """21h 10m, 5d 3h: time left in a window."""
    s = max(0, int(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {rest // 60}m"


def ago(value: datetime | None, now: datetime) -> str:
    return "" if value is None else short_span((now - ensure_utc(value)).total_seconds())


def clock(value: datetime) -> str:
    return ensure_utc(value).strftime("%H:%M")


def iso(value: datetime | None) -> str:
    return "" if value is None else ensure_utc(value).isoformat()


def day(value: datetime) -> str:
    return ensure_utc(value).strftime("%a %d %b %Y")


@dataclass(frozen=True)
class Chip:
    text: str
    title: str
    tone: str


def window_chip(platform: str, last_inbound_at: datetime | None, now: datetime) -> Chip | None:
    state = window_state(platform, ensure_utc(last_inbound_at) if last_inbound_at else None, now)
    left = state.seconds_left(now)
    if state.allowed == "no_window":
        return None
    if state.allowed == "free" and left is not None:
        return Chip(f"Reply window: {long_span(left)} left", state.explanation, "ok")
    if state.allowed == "human_agent" and left is not None:
        return Chip(f"Human agent reply: {long_span(left)} left", state.explanation, "warn")
    if state.allowed == "template_only":
        return Chip("Templates only", state.explanation, "danger")
    return Chip("Reply window closed", state.explanation, "danger")


@dataclass(frozen=True)
class Tick:
    icon: str
    label: str
    status: str


def delivery(msg: Message) -> Tick | None:
    if msg.direction != "outbound" or not msg.delivery_status:
        return None
    icon, label = TICKS.get(msg.delivery_status, ("?", msg.delivery_status))
    if msg.delivery_status == "failed":
        reason = msg.error_message or msg.error_code or "the platform gave no reason"
        label = f"Failed: {reason}"
    return Tick(icon, label, msg.delivery_status)


@dataclass(frozen=True)
class AttachmentCard:
    label: str
    name: str | None
    detail: str
    url: str | None
    known: bool


def _size(n: Any) -> str:
    if not isinstance(n, int) or n < 0:
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def attachment_card(att: dict[str, Any]) -> AttachmentCard:
    kind = str(att.get("kind") or "unknown")
    known = kind in ATTACHMENT_LABELS
    if kind == "unsupported":
        extra = att.get("extra") or {}
        kind = str(extra.get("platform_type") or "unknown") if isinstance(extra, dict) else kind
    label = ATTACHMENT_LABELS.get(kind, f"Message type not shown: {kind}")
    detail = " · ".join(p for p in (str(att.get("mime_type") or ""), _size(att.get("size"))) if p)
    url = att.get("url")
    safe_url = url if isinstance(url, str) and url.startswith(("https://", "http://")) else None
    return AttachmentCard(label, att.get("name") or att.get("title"), detail, safe_url, known)


def _name(users: dict[int, str], user_id: Any, fallback: str = "Someone") -> str:
    return users.get(user_id, fallback) if isinstance(user_id, int) else fallback


def event_text(ev: Event, users: dict[int, str], teams: dict[int, str]) -> str:
    """A one-line description of a system event in the thread."""
    d = ev.data or {}
    who = _name(users, ev.actor_id, "dmdesk")
    kind = ev.type.removeprefix("conversation.")
    if kind == "assigned":
        if d.get("to") is None:
            return f"{who} unassigned this"
        target = _name(users, d.get("to"))
        if ev.actor_id is None:
            reason = f" ({d['reason']})" if d.get("reason") else ""
            return f"Assigned to {target}{reason}"
        return f"{who} assigned this to {'themselves' if d.get('to') == ev.actor_id else target}"
    if kind == "team_changed":
        team = teams.get(d["to"], "a team") if isinstance(d.get("to"), int) else "no team"
        return f"{who} moved this to {team}"
    if kind == "snoozed":
        until = d.get("until")
        when = clock(datetime.fromisoformat(until)) + " UTC" if isinstance(until, str) else "later"
        return f"{who} snoozed this until {when}"
    if kind == "reopened" and d.get("by") == "contact":
        return "Reopened: the contact wrote again"
    simple = {
        "resolved": f"{who} resolved this",
        "reopened": f"{who} reopened this",
        "opened": f"{who} opened this",
        "pending": f"{who} set this to waiting on the customer",
        "tagged": f"{who} tagged #{d.get('tag')}",
        "untagged": f"{who} removed #{d.get('tag')}",
        "priority_changed": f"{who} set priority to {d.get('to')}",
        "category_corrected": f"{who} set category to {d.get('to')}",
        "marked_spam": f"{who} marked this as spam",
        "marked_not_spam": f"{who} marked this as not spam",
    }
    if kind in simple:
        return simple[kind]
    return _triage_text(ev.type, d)


def _triage_text(type_: str, d: dict[str, Any]) -> str:
    if type_ == "triage.applied":
        parts = [f"{k} {d[k]}" for k in ("category", "priority", "language") if d.get(k)]
        conf = d.get("confidence") or d.get("category_confidence")
        if isinstance(conf, int | float):
            parts.append(f"{conf:.0%} sure")
        return "Triage: " + (", ".join(parts) or "applied")
    if type_ == "routing.applied":
        return "Routing: " + str(d.get("reason") or d.get("rule") or "applied")
    return type_.replace(".", " ").replace("_", " ").capitalize()


SNOOZE_PRESETS = {
    "later": "Later today",
    "tomorrow": "Tomorrow 9:00",
    "next_week": "Next week",
}


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _at_nine(value: datetime) -> datetime:
    return value.replace(hour=9, minute=0, second=0, microsecond=0)


def snooze_until(
    preset: str, *, now: datetime, tz: str | None, custom: str | None = None
) -> datetime | None:
    """When a snooze preset ends, in the agent's time zone; None when it cannot be read."""
    local = ensure_utc(now).astimezone(zone(tz))
    if preset == "later":
        return now + timedelta(hours=3)
    if preset == "tomorrow":
        return _at_nine(local + timedelta(days=1))
    if preset == "next_week":
        monday = local + timedelta(days=7 - local.weekday())
        return _at_nine(monday)
    if preset == "custom" and custom:
        try:
            parsed = datetime.fromisoformat(custom)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone(tz))
    return None

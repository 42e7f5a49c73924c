"""What the simulated send APIs answer: real success shapes with generated ids, real errors."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SimError = Literal["rate_limit", "outside_window", "unavailable"]


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    message_id: str | None = None  # the platform id of what was sent, for receipts


class IdMaker:
    """Deterministic, platform-shaped ids for messages the desk sends."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)

    def next(self, platform: str) -> str:
        n = next(self._counter)
        shapes = {
            "messenger": f"m_simout{n:010d}",
            "instagram": f"aWdfc2ltX291dA{n:010d}",
            "whatsapp": f"wamid.SIMOUT{n:010d}",
            "telegram": str(n),
            "x": str(1_950_000_000_000_000_000 + n),
        }
        return shapes[platform]


def _graph_error(message: str, code: int, *, subcode: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "ASimTraceId"
    return {"error": error}


def _cloud_error(code: int, message: str, *, details: str) -> dict[str, Any]:
    return {
        "error": {
            "message": f"(#{code}) {message}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": "ASimTraceId",
        }
    }


_META_ERRORS: dict[SimError, dict[str, Any]] = {
    "rate_limit": _graph_error("(#613) Calls to this api have exceeded the rate limit.", 613),
    "outside_window": _graph_error(
        "(#10) This message is sent outside of allowed window.", 10, subcode=2018278
    ),
    "unavailable": _graph_error(
        "(#551) This person isn't available right now.", 551, subcode=1545041
    ),
}
_CLOUD_ERRORS: dict[SimError, dict[str, Any]] = {
    "rate_limit": _cloud_error(
        130429,
        "Rate limit hit",
        details="Too many messages sent from this phone number in a short period of time",
    ),
    "outside_window": _cloud_error(
        131047,
        "Re-engagement message",
        details="More than 24 hours have passed since the customer last replied to this number.",
    ),
    "unavailable": _cloud_error(
        131026, "Message undeliverable", details="Unable to deliver message."
    ),
}
_TELEGRAM_ERRORS: dict[SimError, tuple[int, str]] = {
    "rate_limit": (429, "Too Many Requests: retry after 7"),
    "outside_window": (403, "Forbidden: bot can't initiate conversation with a user"),
    "unavailable": (403, "Forbidden: bot was blocked by the user"),
}


def failure(platform: str, error: SimError, *, now: datetime) -> Reply:
    """The error a real platform answers for `error`."""
    if platform in ("messenger", "instagram"):
        return Reply(400, _META_ERRORS[error])
    if platform == "whatsapp":
        return Reply(400, _CLOUD_ERRORS[error])
    if platform == "telegram":
        code, description = _TELEGRAM_ERRORS[error]
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if code == 429:
            body["parameters"] = {"retry_after": 7}
        return Reply(code, body)
    if error == "rate_limit":
        reset = str(int(now.timestamp()) + 900)
        headers = {
            "x-rate-limit-limit": "200",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": reset,
        }
        problem = {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        }
        return Reply(429, problem, headers)
    # X has no window: a closed conversation and a blocked one both come back as 403.
    return Reply(
        403,
        {
            "title": "Forbidden",
            "type": "about:blank",
            "status": 403,
            "detail": "You are not permitted to send messages to this user.",
        },
    )


def graph_profile(platform: str, user_id: str, name: str, handle: str) -> Reply:
    """The Messenger (first_name, last_name) or Instagram (name, username) profile answer."""
    if platform == "instagram":
        return Reply(200, {"name": name, "username": handle, "id": user_id})
    first, _, last = name.partition(" ")
    return Reply(200, {"first_name": first, "last_name": last, "id": user_id})


def graph_no_such_user(user_id: str) -> Reply:
    """Graph's answer for an id the token cannot see."""
    message = (
        f"Unsupported get request. Object with ID '{user_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation."
    )
    return Reply(400, _graph_error(message, 100, subcode=33))


def graph_success(recipient_id: str, message_id: str) -> Reply:
    return Reply(200, {"recipient_id": recipient_id, "message_id": message_id}, {}, message_id)


def cloud_success(to: str, message_id: str) -> Reply:
    body = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
        "messages": [{"id": message_id, "message_status": "accepted"}],
    }
    return Reply(200, body, {}, message_id)


def telegram_success(request: dict[str, Any], message_id: str, *, now: datetime) -> Reply:
    bot = {"id": 7100000001, "is_bot": True, "first_name": "Sim Desk Bot", "username": "sim_bot"}
    result: dict[str, Any] = {
        "message_id": int(message_id),
        "from": bot,
        "chat": {"id": request.get("chat_id"), "type": "private"},
        "date": int(now.timestamp()),
    }
    for key in ("text", "caption"):
        if key in request:
            result[key] = request[key]
    return Reply(200, {"ok": True, "result": result}, {}, message_id)


def x_success(account_id: str, participant_id: str, *, message_id: str) -> Reply:
    # One-to-one conversation ids are "<smaller id>-<larger id>", compared as integers.
    low, high = sorted((account_id, participant_id), key=lambda v: int(v) if v.isdigit() else 0)
    data = {"dm_conversation_id": f"{low}-{high}", "dm_event_id": message_id}
    return Reply(201, {"data": data}, {}, message_id)

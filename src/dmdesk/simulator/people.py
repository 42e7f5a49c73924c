"""Simulated people: conversation scripts turned into signed webhooks in each platform's format.

`build_webhook(platform, step, accounts=SimAccounts.demo())` returns `(path, headers, body)`
ready to POST to a dmdesk base URL, with no network involved; `build_status_webhook(...)`
does the same for delivery / read receipts of a message the desk sent. Scripts:
`conversation("late_order", person, start=..., first_seq=1)`; `SCRIPTS` lists them all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from dmdesk.simulator import formats
from dmdesk.simulator.accounts import SimAccount, SimAccounts
from dmdesk.simulator.formats import ReceiptStatus
from dmdesk.simulator.script import Person, ScriptStep, StepKind


class Webhook(NamedTuple):
    path: str
    headers: dict[str, str]
    body: bytes


# (kind, text, emoji): what a person does, in order; a reaction targets the previous message.
SCRIPTS: dict[str, list[tuple[StepKind, str | None, str | None]]] = {
    "pricing_question": [
        ("text", "Hi! How much is the Aurora desk lamp?", None),
        ("text", "And is there a discount if I buy three?", None),
    ],
    "late_order": [
        ("text", "Hello, my order #A1042 was supposed to arrive on Monday.", None),
        ("text", "It still hasn't come. Can you check the tracking please?", None),
    ],
    "partnership_offer": [
        ("text", "Hey! I run a home-decor account with 40k followers.", None),
        ("text", "Would you be open to a paid collaboration this spring?", None),
    ],
    "complaint": [
        ("text", "The mug I received is broken. Second time this happens!", None),
        ("image", "See for yourself.", None),
        ("text", "I want a refund, not another replacement.", None),
    ],
    "phishing_attempt": [
        (
            "text",
            "Meta Support: your page violated our policy and will be disabled in 24h. "
            "Verify now at http://meta-verify-support.example/login",
            None,
        ),
    ],
    "story_reply": [("story_reply", "Love this colour! Is it still in stock?", None)],
    "reaction": [
        ("text", "Thanks, that solved it!", None),
        ("reaction", None, "❤️"),
    ],
}
# X's Account Activity API delivers no DM reactions.
UNSUPPORTED: frozenset[tuple[str, StepKind]] = frozenset({("x", "reaction")})


def supports(platform: str, kind: StepKind) -> bool:
    return (platform, kind) not in UNSUPPORTED


def conversation(
    script: str, person: Person, *, start: datetime, first_seq: int, spacing_s: float = 40.0
) -> list[ScriptStep]:
    """The steps of `script` for `person`, `spacing_s` apart, numbered from `first_seq`."""
    steps = []
    for offset, (kind, text, emoji) in enumerate(SCRIPTS[script]):
        seq = first_seq + offset
        at = start + timedelta(seconds=spacing_s * offset)
        target = seq - 1 if kind == "reaction" else None
        steps.append(ScriptStep(kind, person, seq, at, text, emoji, target_seq=target))
    return steps


def tap(
    person: Person,
    *,
    seq: int,
    at: datetime,
    title: str,
    payload: str,
    target_message_id: str | None = None,
) -> ScriptStep:
    """The person taps the quick reply `title` (carrying `payload`) under a desk message.
    X shows quick replies as a numbered list, so there the person types the title."""
    return ScriptStep(
        "quick_reply", person, seq, at, title, payload=payload, target_message_id=target_message_id
    )


def meta_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def x_signature(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def _encode(payload: dict[str, Any]) -> bytes:
    # Meta signs escaped-unicode JSON; json.dumps' default ASCII output matches that.
    return json.dumps(payload, separators=(",", ":")).encode()


def sign_for(platform: str, account: SimAccount, *, payload: dict[str, Any]) -> Webhook:
    """Serialise and authenticate a body the way the platform would, with its dmdesk path."""
    body = _encode(payload)
    headers = {"Content-Type": "application/json"}
    if platform == "telegram":
        headers["X-Telegram-Bot-Api-Secret-Token"] = account.secret
        return Webhook(f"/webhooks/telegram/{account.channel_id}", headers, body)
    if platform == "x":
        headers["x-twitter-webhooks-signature"] = x_signature(account.secret, body)
    else:
        headers["X-Hub-Signature-256"] = meta_signature(account.secret, body)
    return Webhook(f"/webhooks/{platform}", headers, body)


def build_webhook(platform: str, step: ScriptStep, *, accounts: SimAccounts) -> Webhook:
    """The signed webhook a platform would send for `step`; no network involved."""
    if not supports(platform, step.kind):
        raise ValueError(f"{platform} does not deliver {step.kind} events")
    account = accounts.get(platform)
    payload: dict[str, Any]
    if platform in ("messenger", "instagram"):
        object_name = "page" if platform == "messenger" else "instagram"
        event = formats.meta_message(account, step, platform=platform)
        payload = formats.meta_body(object_name, account, event=event)
    elif platform == "whatsapp":
        payload = formats.whatsapp_message(account, step)
    elif platform == "telegram":
        payload = formats.telegram_update(step)
    elif platform == "x":
        payload = formats.x_message(account, step)
    else:
        raise ValueError(f"unknown platform {platform!r}")
    return sign_for(platform, account, payload=payload)


def build_status_webhook(
    platform: str,
    *,
    accounts: SimAccounts,
    recipient_id: str,
    message_id: str,
    status: ReceiptStatus,
    at: datetime,
) -> Webhook | None:
    """A delivery / read receipt for a message the desk sent; None where the platform has none."""
    account = accounts.get(platform)
    receipt = formats.Receipt(
        recipient_id=recipient_id, message_id=message_id, status=status, at=at
    )
    payload = formats.receipt_payload(platform, account, receipt=receipt)
    return sign_for(platform, account, payload=payload) if payload is not None else None

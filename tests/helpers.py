"""Small test helpers: signed generic webhook bodies, and posting one to a desk."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from dmdesk.connectors.generic import SIGNATURE_HEADER, sign


def generic_body(
    msg_id: str,
    *,
    sender: str = "u1",
    name: str = "Maria Lopez",
    text: str = "Where is my order?",
    sent_at: datetime | None = None,
    **extra: Any,
) -> bytes:
    data = {
        "id": msg_id,
        "sender": {"id": sender, "name": name},
        "text": text,
        "sent_at": (sent_at or datetime.now(UTC)).isoformat(),
        **extra,
    }
    return json.dumps(data).encode()


def signed(body: bytes, secret: str) -> dict[str, str]:
    return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}


def post_generic(client: Any, seeded: Any, body: bytes) -> None:
    """POST a signed generic-webhook body to the seeded channel over HTTP; it must be accepted."""
    resp = client.post(
        f"/webhooks/generic/{seeded.channel_id}",
        content=body,
        headers=signed(body, seeded.channel_secret),
    )
    assert resp.status_code == 200, resp.text

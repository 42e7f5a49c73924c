"""Simulated people posting signed webhooks to a running desk (the demo's live traffic)."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime

import httpx

from dmdesk.connectors.generic import SIGNATURE_HEADER, sign
from dmdesk.demo.scripts import FOLLOW_UPS, OPENERS, PEOPLE


def build_generic_message(rng: random.Random, *, seq: int) -> bytes:
    name, handle = rng.choice(PEOPLE)
    if rng.random() < 0.3:
        handle = f"{handle}{rng.randint(1, 999)}"
        name = f"{name.split()[0]} {rng.choice('ABCDEFGHJKLMNPRSTW')}."
    text = rng.choice(OPENERS + FOLLOW_UPS)
    body = {
        "id": f"sim-{int(time.time() * 1000)}-{seq}",
        "sender": {"id": f"demo-{handle}", "name": name, "handle": handle},
        "text": text,
        "sent_at": datetime.now(UTC).isoformat(),
    }
    return json.dumps(body).encode()


def run(
    *,
    base_url: str,
    channel_id: int,
    secret: str,
    per_minute: float,
    count: int | None = None,
    seed: int = 1,
) -> int:
    """Post messages until `count` is reached (forever when None); returns how many posted."""
    rng = random.Random(seed)
    url = f"{base_url.rstrip('/')}/webhooks/generic/{channel_id}"
    posted = 0
    with httpx.Client(timeout=10) as client:
        while count is None or posted < count:
            body = build_generic_message(rng, seq=posted)
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}
            try:
                client.post(url, content=body, headers=headers)
                if rng.random() < 0.05:  # platforms retry: a duplicate now and then
                    client.post(url, content=body, headers=headers)
            except httpx.HTTPError:
                time.sleep(2)
                continue
            posted += 1
            time.sleep(rng.expovariate(per_minute / 60.0) if per_minute > 0 else 0)
    return posted

"""Live updates over real HTTP: a webhook's message reaches an SSE client; replay works."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from tests.conftest import LiveServer, seed_workspace
from tests.helpers import generic_body, signed


def _read_events(
    url: str,
    headers: dict[str, str],
    found: list[dict[str, Any]],
    stop_type: str,
    ready: threading.Event,
) -> None:
    with httpx.stream("GET", url, headers=headers, timeout=20) as resp:
        ready.set()
        for line in resp.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                found.append(event)
                if event.get("type") == stop_type:
                    return


def test_webhook_message_reaches_a_stream_and_replays(live_server: LiveServer) -> None:
    seeded = seed_workspace(live_server.services)
    found: list[dict[str, Any]] = []
    ready = threading.Event()
    reader = threading.Thread(
        target=_read_events,
        args=(f"{live_server.url}/api/v1/stream", seeded.agent(), found, "message.created", ready),
    )
    reader.start()
    assert ready.wait(10)
    body = generic_body("live-1", text="hello live")
    resp = httpx.post(
        f"{live_server.url}/webhooks/generic/{seeded.channel_id}",
        content=body,
        headers=signed(body, seeded.channel_secret),
    )
    assert resp.status_code == 200
    reader.join(timeout=15)
    types = [e["type"] for e in found]
    assert "conversation.created" in types
    assert "message.created" in types
    created = next(e for e in found if e["type"] == "conversation.created")
    # A client that reconnects with Last-Event-ID gets what came after it.
    replay: list[dict[str, Any]] = []
    ready2 = threading.Event()
    again = threading.Thread(
        target=_read_events,
        args=(
            f"{live_server.url}/api/v1/stream",
            {**seeded.agent(), "Last-Event-ID": str(created["id"])},
            replay,
            "message.created",
            ready2,
        ),
    )
    again.start()
    again.join(timeout=15)
    assert [e["type"] for e in replay][-1] == "message.created"
    assert all(e["id"] > created["id"] for e in replay)

"""A whole loop over real loopback sockets: people -> desk -> reply -> simulator -> receipts."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import uvicorn
from sim_testkit import ACCOUNTS, CaptureDesk, capture_desk, channel_config, connector

from dmdesk.domain.clock import FrozenClock
from dmdesk.domain.enums import DeliveryStatus
from dmdesk.domain.inbound import DeliveryUpdate, InboundMessage
from dmdesk.domain.outbound import OutboundMessage
from dmdesk.simulator.runner import plan_traffic, run_traffic
from dmdesk.simulator.server import SimulatorConfig, create_app

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@contextmanager
def live_simulator(config: SimulatorConfig) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            ws="none",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the simulator did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _wait_for(desk: CaptureDesk, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(desk.received) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_people_write_the_desk_replies_and_receipts_come_back() -> None:
    plan = plan_traffic(
        accounts=ACCOUNTS,
        start=START,
        platforms=["whatsapp"],
        scripts=["late_order"],
        duplicate_rate=0,
        reorder_rate=0,
    )
    with capture_desk() as desk:
        config = SimulatorConfig(
            desk_base_url=desk.base_url, accounts=ACCOUNTS, clock=FrozenClock(START)
        )
        with live_simulator(config) as sim_url, httpx.Client(timeout=5) as client:
            asyncio.run(run_traffic(plan, base_url=desk.base_url, rate_per_s=1000))
            inbound = [connector("whatsapp").parse(r.body).events[0] for r in desk.received]
            first = inbound[0]
            assert isinstance(first, InboundMessage)
            reply = OutboundMessage(
                recipient_id=first.contact.external_id,
                text="Checking now!",
                reply_to_message_id=first.message_id,
            )
            settings = channel_config("whatsapp", api_base_url=f"{sim_url}/whatsapp")
            sent = connector("whatsapp").send(
                client, settings, account_id=first.account_id, message=reply
            )
            _wait_for(desk, len(plan) + 2)
            recorded = client.get(
                f"{sim_url}/_sim/requests", params={"platform": "whatsapp"}
            ).json()
    assert [e.text for e in inbound] == [p.step.text for p in plan]
    assert sent.ok
    assert recorded[0]["json"]["context"] == {"message_id": first.message_id}
    receipts = [connector("whatsapp").parse(r.body).events[0] for r in desk.received[len(plan) :]]
    assert all(isinstance(r, DeliveryUpdate) for r in receipts)
    assert [(r.status, r.message_ids) for r in receipts] == [  # type: ignore[attr-defined]
        (DeliveryStatus.DELIVERED, (sent.platform_message_id,)),
        (DeliveryStatus.READ, (sent.platform_message_id,)),
    ]

"""The simulated send APIs: real answer formats, recorded requests, failures on demand."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sim_testkit import ACCOUNTS, CaptureDesk, capture_desk, channel_config, connector

from dmdesk.domain.clock import FrozenClock
from dmdesk.domain.enums import DeliveryStatus
from dmdesk.domain.inbound import DeliveryUpdate
from dmdesk.domain.outbound import OutboundMessage
from dmdesk.simulator.server import SimulatorConfig, create_app

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
RECIPIENTS = {
    "messenger": "2000000000000001",
    "instagram": "1100000000000001",
    "whatsapp": "15550100002",
    "telegram": "700000001",
    "x": "2000000000000000002",
}
PLATFORMS = tuple(RECIPIENTS)


@pytest.fixture
def sim() -> Iterator[TestClient]:
    app = create_app(SimulatorConfig(clock=FrozenClock(NOW)))
    with TestClient(app, base_url="http://sim.test") as client:
        yield client


def _send(sim: TestClient, platform: str, text: str = "Hello from the desk"):  # type: ignore[no-untyped-def]
    config = channel_config(platform, api_base_url=f"http://sim.test/{platform}")
    message = OutboundMessage(recipient_id=RECIPIENTS[platform], text=text)
    account = ACCOUNTS.get(platform).account_id
    return connector(platform).send(sim, config, account_id=account, message=message)


@pytest.mark.parametrize(
    ("platform", "id_prefix", "path"),
    [
        ("messenger", "m_simout", "/messenger/v21.0/100000000000001/messages"),
        ("instagram", "aWdf", "/instagram/v21.0/17841400000000001/messages"),
        ("whatsapp", "wamid.SIMOUT", "/whatsapp/v21.0/1122334455667/messages"),
        ("telegram", "700000001:", "/telegram/bot7100000001:SIMTOKEN/sendMessage"),
        ("x", "19500", "/x/2/dm_conversations/with/2000000000000000002/messages"),
    ],
)
def test_sends_succeed_in_the_platform_format_and_are_recorded(
    sim: TestClient, platform: str, id_prefix: str, path: str
) -> None:
    result = _send(sim, platform)
    assert result.ok, result
    assert result.platform_message_id
    assert result.platform_message_id.startswith(id_prefix)
    recorded = sim.get("/_sim/requests", params={"platform": platform}).json()
    assert len(recorded) == 1
    assert recorded[0]["path"] == path
    assert recorded[0]["status"] in (200, 201)
    assert "Hello from the desk" in str(recorded[0]["json"])
    assert sim.get("/_sim/requests").json() == recorded


def test_x_answer_names_the_conversation(sim: TestClient) -> None:
    _send(sim, "x")
    (recorded,) = sim.get("/_sim/requests", params={"platform": "x"}).json()
    assert (
        recorded["response"]["data"]["dm_conversation_id"]
        == "1000000000000000001-2000000000000000002"
    )


@pytest.mark.parametrize(
    ("platform", "error", "error_class"),
    [(p, "rate_limit", "rate_limited") for p in PLATFORMS]
    + [
        ("messenger", "outside_window", "window_closed"),
        ("instagram", "outside_window", "window_closed"),
        ("whatsapp", "outside_window", "window_closed"),
        ("telegram", "outside_window", "unreachable"),
        ("x", "outside_window", "unreachable"),
    ]
    + [(p, "unavailable", "unreachable") for p in PLATFORMS],
)
def test_failures_on_demand_are_classified_by_the_connectors(
    sim: TestClient, platform: str, error: str, error_class: str
) -> None:
    queued = sim.post("/_sim/fail", json={"platform": platform, "error": error, "count": 2})
    assert queued.json() == {"platform": platform, "queued": 2}
    first, second, third = (_send(sim, platform) for _ in range(3))
    assert (first.ok, first.error_class) == (False, error_class)
    assert (second.ok, second.error_class) == (False, error_class)
    assert third.ok
    if error == "rate_limit":
        assert first.retry_after_s is not None
        assert first.retry_after_s > 0


def test_fail_order_is_validated(sim: TestClient) -> None:
    assert (
        sim.post("/_sim/fail", json={"platform": "myspace", "error": "rate_limit"}).status_code
        == 422
    )
    assert sim.post("/_sim/fail", json={"platform": "x", "error": "meteor"}).status_code == 422


def test_missing_recipient_is_a_graph_error(sim: TestClient) -> None:
    resp = sim.post("/messenger/v21.0/1/messages", json={"message": {"text": "hi"}})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == 100


def test_reset_forgets_requests_and_failures(sim: TestClient) -> None:
    sim.post("/_sim/fail", json={"platform": "telegram", "error": "unavailable"})
    _send(sim, "messenger")
    assert sim.post("/_sim/reset").json() == {"ok": True}
    assert sim.get("/_sim/requests").json() == []
    assert _send(sim, "telegram").ok


def _wait_for(desk: CaptureDesk, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(desk.received) < count and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("platform", "statuses"),
    [
        ("messenger", [DeliveryStatus.DELIVERED, DeliveryStatus.READ]),
        ("whatsapp", [DeliveryStatus.DELIVERED, DeliveryStatus.READ]),
        ("instagram", [DeliveryStatus.READ]),
        ("x", [DeliveryStatus.READ]),
    ],
)
def test_receipts_are_posted_back_to_the_desk(
    platform: str, statuses: list[DeliveryStatus]
) -> None:
    with capture_desk() as desk:
        config = SimulatorConfig(
            desk_base_url=desk.base_url, accounts=ACCOUNTS, clock=FrozenClock(NOW)
        )
        with TestClient(create_app(config), base_url="http://sim.test") as sim:
            sent = _send(sim, platform)
            _wait_for(desk, len(statuses))
    assert [r.path for r in desk.received] == [f"/webhooks/{platform}"] * len(statuses)
    seen = []
    for hook in desk.received:
        assert connector(platform).verify(hook.body, hook.headers, channel_config(platform))
        (event,) = connector(platform).parse(hook.body).events
        assert isinstance(event, DeliveryUpdate)
        assert event.contact_external_id == RECIPIENTS[platform]
        assert sent.platform_message_id in event.message_ids or event.watermark == NOW
        seen.append(event.status)
    assert seen == statuses


def test_telegram_sends_get_no_receipts() -> None:
    with capture_desk() as desk:
        config = SimulatorConfig(
            desk_base_url=desk.base_url, accounts=ACCOUNTS, clock=FrozenClock(NOW)
        )
        app = create_app(config)
        with TestClient(app, base_url="http://sim.test") as sim:
            assert _send(sim, "telegram").ok
    assert desk.received == []
    assert app.state.sim.receipts_posted == []

"""Spike detection (median + MAD per hour of week), its recorded event, and topics."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dmdesk.actions.webhooks_out import do_create_subscription, do_fan_out
from dmdesk.domain.clock import FrozenClock
from dmdesk.metrics.spikes import SPIKE_EVENT, SpikeRule, run_spike_check, threshold
from dmdesk.metrics.topics import build_topics
from dmdesk.metrics.topics_eval import read_labelled, score_grouping
from dmdesk.models import Event
from dmdesk.models.people import OutboundDelivery
from dmdesk.services import build_services
from tests.conftest import make_settings, shared_dir
from tests.metrics.scenario import fast_desk

NOW = datetime(2026, 3, 30, 14, 40, tzinfo=UTC)  # a Monday


def test_threshold_is_median_plus_k_robust_sigmas() -> None:
    rule = SpikeRule(k=3.0)
    assert threshold([2, 3, 3, 4, 10], rule) == (3.0, 1.0, pytest.approx(3 + 3 * 1.4826))
    # A flat history still needs a margin of k: one more DM is not a spike.
    assert threshold([0, 0, 0], rule)[2] == 3.0


def test_a_burst_is_detected_once_with_its_words(sqlite_url: str) -> None:
    svc = build_services(make_settings(sqlite_url), clock=FrozenClock(NOW))
    try:
        desk, _agents = fast_desk(svc)
        for week in range(1, 5):  # the usual Monday 14:00: one or two DMs
            for i in range(1 + week % 2):
                desk.inbound(f"u{week}-{i}", NOW - timedelta(weeks=week, minutes=5 + i))
        for i in range(9):
            desk.inbound(
                f"n{i}", NOW - timedelta(minutes=30 - i), text=f"is the spring drop {i} live"
            )
        assert run_spike_check(svc) == 1
        assert run_spike_check(svc) == 0  # recorded once per channel and hour
        with svc.db.session() as s:
            event = s.query(Event).filter(Event.type == SPIKE_EVENT).one()
        assert event.data["count"] == 9
        assert event.data["usual"] == 1.0  # median of 2, 1, 2, 1 and two empty weeks
        assert ["spring", 9] in event.data["keywords"]
    finally:
        svc.stop()


def test_a_spike_goes_out_through_an_outbound_webhook(sqlite_url: str) -> None:
    svc = build_services(make_settings(sqlite_url), clock=FrozenClock(NOW))
    try:
        desk, (agent, _other) = fast_desk(svc)
        sub_id = svc.db.write(lambda s: do_create_subscription(
            s, workspace_id=desk.workspace_id, url="https://hooks.example/dm",
            event_types=["spike.*"], box=svc.box, actor_id=agent, at=NOW)[0].id)  # fmt: skip
        for i in range(9):
            desk.inbound(f"n{i}", NOW - timedelta(minutes=30 - i), text=f"promo code {i} broken")
        assert run_spike_check(svc) == 1
        svc.db.write(lambda s: do_fan_out(s, at=NOW, workspace_id=desk.workspace_id))
        with svc.db.session() as s:
            out = s.query(OutboundDelivery).filter_by(subscription_id=sub_id).one()
        assert out.event_type == SPIKE_EVENT
        body = json.loads(out.body)
        assert body["data"]["count"] == 9
        assert ["promo", 9] in body["data"]["keywords"]
    finally:
        svc.stop()


def test_topics_group_questions_and_show_the_trend() -> None:
    orders = [f"where is my order number {i}" for i in range(6)]
    sizes = [f"what size should I take for the jacket {i}" for i in range(4)]
    topics = build_topics(orders + sizes, ["where is my order"] * 2 + ["jacket size"] * 7, k=2)
    assert [t.count for t in topics] == [6, 4]
    assert "order" in topics[0].label
    assert topics[0].trend == "up"
    assert topics[1].trend == "down"
    assert topics[0].examples[0].startswith("where is my order")
    assert build_topics(["hi"], []) == []


def test_grouping_recovers_banking77_intents() -> None:
    path = shared_dir() / "data" / "banking77" / "test.csv"
    if not path.exists():
        pytest.skip(f"BANKING77 is not at {path}")
    texts, gold = read_labelled(Path(path), intents=10)
    score = score_grouping(texts, gold)
    assert score.intents == 10
    assert score.nmi > 0.5
    assert score.ari > 0.3

"""Retention: the dry run reports and changes nothing; the run removes old bodies and raw
payloads and keeps the metric events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from dmdesk.actions import privacy
from dmdesk.models import Event, InboundQueueItem, Message, WebhookDelivery
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.people.kit import dm


def _state(services: Services) -> tuple[list[Any], int, int, int]:
    with services.db.session() as s:
        texts = list(s.scalars(select(Message.text).order_by(Message.id)))
        raw = s.scalar(select(func.count()).select_from(WebhookDelivery)) or 0
        queued = s.scalar(select(func.count()).select_from(InboundQueueItem)) or 0
        events = (
            s.scalar(select(func.count()).select_from(Event).where(Event.type == "message.created"))
            or 0
        )
    return texts, raw, queued, events


def test_dry_run_reports_and_run_anonymises(
    client: Any, services: Services, seeded: Seeded
) -> None:
    now = services.clock()
    dm(
        services,
        seeded,
        "r1",
        sender="old",
        text="old secret text",
        sent_at=now - timedelta(days=40),
    )
    dm(services, seeded, "r2", sender="new", text="fresh text", sent_at=now - timedelta(days=1))
    h = seeded.admin()
    assert (
        client.put(
            "/api/v1/retention", json={"message_days": 30, "mode": "anonymise"}, headers=h
        ).status_code
        == 200
    )
    assert client.put("/api/v1/retention", json={"message_days": 0}, headers=h).status_code == 400
    before = _state(services)
    dry = client.post("/api/v1/retention/run?dry_run=true", headers=h).json()
    assert dry[0]["messages"] == 1
    assert dry[0]["dry_run"] is True
    assert _state(services) == before
    run = client.post("/api/v1/retention/run?dry_run=false", headers=h).json()
    assert run[0]["messages"] == 1
    assert run[0]["dry_run"] is False
    texts, raw, queued, events = _state(services)
    assert texts == [None, "fresh text"]
    assert (raw, queued) == (2, 2)  # the raw payloads themselves arrived just now
    assert events == before[3] == 2  # metric events are kept
    assert client.post("/api/v1/retention/run", headers=seeded.agent()).status_code == 403


def test_delete_mode_removes_old_messages(services: Services, seeded: Seeded) -> None:
    now = services.clock()
    dm(services, seeded, "d1", text="ancient", sent_at=now - timedelta(days=10))

    def work(s: Any) -> Any:
        privacy.do_set_retention(
            s,
            workspace_id=seeded.workspace_id,
            days=5,
            mode="delete",
            actor_id=seeded.admin_id,
            at=now,
        )
        return privacy.do_run_retention(s, now=now + timedelta(days=6), dry_run=False)

    report = services.db.write(work)[0]
    assert (report.messages, report.inbound_events, report.raw_deliveries) == (1, 1, 1)
    with services.db.session() as s:
        assert s.scalars(select(Message)).all() == []
        assert s.scalars(select(WebhookDelivery)).all() == []


def test_the_scheduled_job_applies_each_policy_once_a_day(
    services: Services, seeded: Seeded
) -> None:
    now = services.clock()
    dm(services, seeded, "j1", sender="old", text="ancient words", sent_at=now - timedelta(days=9))
    services.db.write(
        lambda s: privacy.do_set_retention(
            s,
            workspace_id=seeded.workspace_id,
            days=7,
            mode="anonymise",
            actor_id=seeded.admin_id,
            at=now,
        )
    )
    assert services.scheduler.run_once(services)["retention"] == "1"
    assert _state(services)[0] == [None]
    dm(services, seeded, "j2", sender="old", text="older words", sent_at=now - timedelta(days=8))
    assert services.scheduler.run_once(services)["retention"] == "0"  # ran today already
    assert _state(services)[0] == [None, "older words"]
    later = services.clock() + timedelta(days=1)
    ran = services.db.write(lambda s: privacy.do_run_due_retention(s, now=later))
    assert ran == 1
    assert _state(services)[0] == [None, None]

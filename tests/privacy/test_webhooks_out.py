"""Outbound webhooks: signed HMAC-SHA256, retried with backoff, logged, dead after the limit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from dmdesk.actions import people, webhooks_out
from dmdesk.models.people import OutboundDelivery, Person
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.people.kit import NOW, contact_of, dm


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start.replace(microsecond=0) + timedelta(seconds=1)

    def __call__(self) -> Any:
        return self.now


def _subscribe(services: Services, seeded: Seeded, types: list[str]) -> str:
    def work(s: Any) -> str:
        _sub, secret = webhooks_out.do_create_subscription(
            s,
            workspace_id=seeded.workspace_id,
            url="https://crm.example/hook",
            event_types=types,
            box=services.box,
            actor_id=seeded.admin_id,
            at=NOW,
        )
        return secret

    return services.db.write(work)


def test_signed_delivery_retried_with_backoff_then_delivered(
    services: Services, seeded: Seeded
) -> None:
    secret = _subscribe(services, seeded, ["contact.*", "conversion.recorded"])
    conv = dm(services, seeded, "w1")  # contact.person_created, conversation.* not subscribed
    pid = contact_of(services, conv).person_id
    services.db.write(
        lambda s: people.do_set_stage(
            s, person=s.get_one(Person, pid), stage="lead", actor_id=None, at=NOW
        )
    )
    with services.db.session() as s:
        rows = s.scalars(select(OutboundDelivery).order_by(OutboundDelivery.id)).all()
    assert [r.event_type for r in rows] == ["contact.person_created", "contact.stage_changed"]

    seen: list[httpx.Request] = []
    answers = iter([503, 200, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(next(answers))

    clock = Clock(services.clock())
    start = clock.now
    client = httpx.Client(transport=httpx.MockTransport(handler))
    assert webhooks_out.deliver_due(services.db, box=services.box, clock=clock, client=client) == 2
    with services.db.session() as s:
        first = s.get_one(OutboundDelivery, rows[0].id)
        assert (first.status, first.attempts, first.last_status) == ("retrying", 1, 503)
        assert first.next_attempt_at == start + timedelta(seconds=30)
    assert webhooks_out.deliver_due(services.db, box=services.box, clock=clock, client=client) == 0
    clock.now = start + timedelta(seconds=31)
    assert webhooks_out.deliver_due(services.db, box=services.box, clock=clock, client=client) == 1
    with services.db.session() as s:
        assert {d.status for d in s.scalars(select(OutboundDelivery))} == {"delivered"}
    request = seen[-1]
    header = request.headers[webhooks_out.SIGNATURE_HEADER]
    assert webhooks_out.verify(secret, request.content, header)
    assert not webhooks_out.verify("wrong", request.content, header)
    assert not webhooks_out.verify(secret, request.content + b" ", header)
    assert json.loads(request.content)["type"] == "contact.person_created"


def test_delivery_gives_up_after_the_limit(services: Services, seeded: Seeded) -> None:
    _subscribe(services, seeded, ["contact.*"])
    dm(services, seeded, "w2")
    clock = Clock(services.clock())

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    for _ in range(webhooks_out.MAX_ATTEMPTS):
        webhooks_out.deliver_due(services.db, box=services.box, clock=clock, client=client)
        clock.now += webhooks_out.LONGEST_WAIT
    with services.db.session() as s:
        row = s.scalars(select(OutboundDelivery)).one()
    assert (row.status, row.attempts, row.last_error) == ("dead", 8, "ConnectError")
    assert webhooks_out.backoff(3) == timedelta(minutes=2)
    assert webhooks_out.backoff(30) == webhooks_out.LONGEST_WAIT

"""Outbound webhooks from rules: HMAC-signed, retried with backoff, every attempt logged."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from dmdesk.models.replies import OutboundWebhookCall
from dmdesk.rules.jobs import SIGNATURE_HEADER, deliver_webhooks, sign
from dmdesk.services import Services
from tests.automation.kit import clock, inbound
from tests.automation.test_rules import _rule
from tests.conftest import Seeded


def test_signed_delivery_with_retry(svc: Services, ws: Seeded) -> None:
    _rule(
        svc,
        ws,
        "Notify CRM",
        {
            "trigger": {"event": "conversation_created"},
            "actions": [
                {
                    "action": "call_webhook",
                    "url": "https://crm.example.test/hook",
                    "secret": "whsec",
                }
            ],
        },
    )
    inbound(svc, ws, "hello")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500 if len(seen) == 1 else 204)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    first = deliver_webhooks(svc, client=http)
    assert (first.webhooks_delivered, len(seen)) == (0, 1)
    assert deliver_webhooks(svc, client=http).webhooks_delivered == 0  # not due yet
    clock(svc).advance(minutes=2)
    assert deliver_webhooks(svc, client=http).webhooks_delivered == 1
    assert seen[1].headers[SIGNATURE_HEADER] == sign("whsec", seen[1].content)
    with svc.db.session() as s:
        call = s.scalars(select(OutboundWebhookCall)).one()
    assert (call.status, call.attempts, call.last_status_code) == ("delivered", 2, 204)

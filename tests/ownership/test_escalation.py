"""Escalation by e-mail (a real SMTP send to a local aiosmtpd server: transcript and a
Reply-To that threads back) and to a ticketing webhook (signed, retried, logged)."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from dmdesk.actions.escalation import conversation_of_reply_token, do_escalate
from dmdesk.models import Conversation
from dmdesk.models.ownership import Escalation
from dmdesk.routing.escalations import deliver_escalation, ticket_secret
from dmdesk.routing.jobs import run_escalations
from dmdesk.services import Services
from tests.conftest import Seeded, _free_port
from tests.ownership.kit import clock, events, inbound


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def _escalate(svc: Services, conv_id: int, kind: str, target: str) -> int:
    return svc.db.write(
        lambda s: (
            do_escalate(
                s,
                conv=s.get_one(Conversation, conv_id),
                kind=kind,
                target=target,
                note="needs a phone call",
                at=svc.clock(),
                actor_id=None,
            ).id
        )
    )


def test_email_escalation_sends_transcript_with_reply_to(
    svc: Services, ws: Seeded, smtp: tuple[int, _Inbox]
) -> None:
    port, inbox = smtp
    svc.settings.smtp_host, svc.settings.smtp_port = "127.0.0.1", port
    svc.settings.smtp_from = "desk@acme.test"
    conv_id = inbound(svc, ws, "My order 1234 never arrived")
    esc_id = _escalate(svc, conv_id, "email", "billing@acme.test")
    assert run_escalations(svc) == 1
    [envelope] = inbox.messages
    mail = message_from_bytes(envelope.content)
    assert envelope.rcpt_tos == ["billing@acme.test"]
    body = mail.get_payload(decode=True).decode()
    assert "My order 1234 never arrived" in body
    assert "needs a phone call" in body
    local = mail["Reply-To"].split("@")[0]
    assert local.startswith("reply+")
    secret = svc.settings.effective_secret_key()
    assert conversation_of_reply_token(secret, local.removeprefix("reply+")) == conv_id
    assert conversation_of_reply_token(secret, f"{conv_id}.forged") is None
    with svc.db.session() as s:
        row = s.get_one(Escalation, esc_id)
    assert (row.state, row.attempts) == ("delivered", 1)
    [escalated] = events(svc, "conversation.escalated")
    assert escalated.data["kind"] == "email"


class _Tickets(BaseHTTPRequestHandler):
    seen: list[tuple[dict[str, str], bytes]] = []  # noqa: RUF012  # reset per test

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Tickets.seen.append((dict(self.headers), body))
        self.send_response(503 if len(_Tickets.seen) == 1 else 201)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        return


def test_ticket_webhook_is_signed_and_retried(svc: Services, ws: Seeded) -> None:
    _Tickets.seen = []
    server = HTTPServer(("127.0.0.1", 0), _Tickets)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conv_id = inbound(svc, ws, "sensitive data")
        url = f"http://127.0.0.1:{server.server_address[1]}/tickets"
        esc_id = _escalate(svc, conv_id, "ticket", url)
        assert (
            deliver_escalation(svc.db, settings=svc.settings, clock=svc.clock, escalation_id=esc_id)
            == "retrying"
        )
        assert run_escalations(svc) == 0  # not due yet: backoff
        clock(svc).advance(seconds=31)
        assert run_escalations(svc) == 1
    finally:
        server.shutdown()
        server.server_close()
    headers, body = _Tickets.seen[-1]
    stamp, mac = (p.split("=", 1)[1] for p in headers["X-Dmdesk-Signature"].split(","))
    key = ticket_secret(svc.settings).encode()
    assert mac == hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    with svc.db.session() as s:
        row = s.get_one(Escalation, esc_id)
    assert row.state == "delivered"
    assert [entry["ok"] for entry in row.log] == [False, True]

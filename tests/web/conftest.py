"""Web UI test helpers: a logged-in browser-like client and conversations made through
the same actions ingestion uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from dmdesk.actions.ingest import do_ingest_message
from dmdesk.domain.inbound import Attachment, ContactRef, InboundMessage
from dmdesk.models import Channel
from dmdesk.services import Services
from tests.conftest import Seeded

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def ingest(
    services: Services,
    channel_id: int,
    msg_id: str,
    *,
    text: str | None = "Where is my order?",
    sender: str = "u1",
    name: str = "Maria Lopez",
    at: datetime | None = None,
    attachments: tuple[Attachment, ...] = (),
    **extra: Any,
) -> int:
    """Store one inbound message; returns its conversation id."""

    def work(s: Any) -> int:
        channel = s.get_one(Channel, channel_id)
        event = InboundMessage(
            account_id=channel.external_id,
            occurred_at=at or services.clock(),
            contact=ContactRef(sender, name=name),
            message_id=msg_id,
            text=text,
            attachments=attachments,
            **extra,
        )
        return do_ingest_message(
            s, channel=channel, event=event, at=services.clock()
        ).conversation_id

    return int(services.db.write(work))


@dataclass
class Agent:
    client: Any
    csrf: str

    def post(self, url: str, data: dict[str, Any], **kw: Any) -> Any:
        return self.client.post(url, data={"csrf_token": self.csrf, **data}, **kw)


def login(client: Any, email: str, password: str = "password1") -> Agent:
    resp = client.post(
        "/login", data={"email": email, "password": password}, follow_redirects=False
    )
    assert resp.status_code == 303, resp.text
    page = client.get("/inbox")
    match = CSRF_META.search(page.text)
    assert match, "the page carries its CSRF token in a meta tag"
    return Agent(client, match.group(1))


@pytest.fixture
def agent(client: Any, seeded: Seeded) -> Agent:
    return login(client, "agent@acme.test")


@pytest.fixture
def conv_id(services: Services, seeded: Seeded) -> int:
    return ingest(services, seeded.channel_id, "m1", text="Hi, is the blue backpack in stock?")

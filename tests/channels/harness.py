"""The end-to-end rig: dmdesk and the platform simulator, each served by uvicorn on loopback.

`Rig` drives one desk (frozen clock, workers running) connected to all five simulated
platforms: it posts the simulator's signed webhooks, replies through the REST API and reads
what the simulator's send APIs received.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select

from dmdesk.domain.clock import FrozenClock
from dmdesk.models import Contact, Conversation, InboundQueueItem, Message
from dmdesk.services import Services
from dmdesk.simulator.accounts import PLATFORMS, SimAccounts
from dmdesk.simulator.people import Webhook, build_webhook
from dmdesk.simulator.script import Person, ScriptStep, StepKind, message_id
from tests.conftest import Seeded, _free_port

T = TypeVar("T")
VERIFY_TOKEN = "sim-verify-token"
PERSON = Person(number=4242, name="Maria Lopez", handle="maria_l")


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve `app` on a free loopback port for the duration of the block; yields its URL."""
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def wait_for(probe: Callable[[], T | None], *, timeout: float = 15.0, what: str = "") -> T:
    """Poll `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or probe}")
        time.sleep(0.05)


def channel_settings(platform: str, *, secret: str, sim_url: str) -> dict[str, Any]:
    """The settings a channel needs to talk to the simulator as `platform`."""
    base = f"{sim_url}/{platform}"
    if platform == "telegram":
        return {"bot_token": "7100000001:SIMtoken", "secret_token": secret, "api_base_url": base}
    if platform == "x":
        return {"consumer_secret": secret, "access_token": "x-sim-token", "api_base_url": base}
    return {
        "app_secret": secret,
        "verify_token": VERIFY_TOKEN,
        "access_token": f"{platform}-sim-token",
        "api_base_url": base,
    }


def stored_id(platform: str, step: ScriptStep) -> str:
    """The id the desk stores for a person's message (Telegram's is per chat: chat:message)."""
    mid = message_id(platform, step.seq)
    return f"{step.person.platform_id(platform)}:{mid}" if platform == "telegram" else mid


@dataclass
class Rig:
    desk: str
    sim: str
    services: Services
    clock: FrozenClock
    seeded: Seeded
    http: httpx.Client
    channels: dict[str, int] = field(default_factory=dict)
    accounts: SimAccounts = field(default_factory=SimAccounts.demo)
    _seq: int = 1

    # --- set-up ----------------------------------------------------------------------------

    def connect_all(self) -> None:
        """Create the five platform channels through the admin API, pointed at the simulator."""
        demo = SimAccounts.demo()
        for platform in PLATFORMS:
            account = demo.get(platform)
            resp = self.http.post(
                f"{self.desk}/api/v1/channels",
                json={
                    "platform": platform,
                    "name": f"Sim {platform}",
                    "external_id": account.account_id,
                    "settings": channel_settings(platform, secret=account.secret, sim_url=self.sim),
                },
                headers=self.seeded.admin(),
            )
            assert resp.status_code == 201, resp.text
            self.channels[platform] = int(resp.json()["id"])
        self.accounts = SimAccounts.demo(telegram_channel_id=self.channels["telegram"])

    # --- people ----------------------------------------------------------------------------

    def step(
        self,
        kind: StepKind = "text",
        *,
        text: str | None = "Hi, where is my order?",
        at: datetime | None = None,
        person: Person = PERSON,
        emoji: str | None = None,
        target_message_id: str | None = None,
    ) -> ScriptStep:
        seq, self._seq = self._seq, self._seq + 1
        return ScriptStep(
            kind,
            person,
            seq,
            at or self.clock(),
            text,
            emoji,
            target_message_id=target_message_id,
        )

    def webhook(self, platform: str, step: ScriptStep) -> Webhook:
        return build_webhook(platform, step, accounts=self.accounts)

    def post(self, hook: Webhook) -> httpx.Response:
        return self.http.post(self.desk + hook.path, content=hook.body, headers=hook.headers)

    def say(self, platform: str, **kwargs: Any) -> tuple[ScriptStep, int]:
        """The person writes; returns the step and the conversation id once processed."""
        step = self.step(**kwargs)
        resp = self.post(self.webhook(platform, step))
        assert resp.status_code == 200, resp.text
        mid = stored_id(platform, step)
        wait_for(lambda: self.message_by_platform_id(platform, mid), what=f"message {mid}")
        return step, self.conversation_id(platform, step.person)

    # --- desk side -------------------------------------------------------------------------

    def conversation_id(self, platform: str, person: Person = PERSON) -> int:
        with self.services.db.session() as s:
            conv_id = s.scalar(
                select(Conversation.id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(
                    Contact.channel_id == self.channels[platform],
                    Contact.external_id == person.platform_id(platform),
                )
            )
        assert conv_id is not None, f"no {platform} conversation for {person.name}"
        return int(conv_id)

    def message_by_platform_id(self, platform: str, mid: str) -> Message | None:
        with self.services.db.session() as s:
            return s.scalars(
                select(Message).where(
                    Message.channel_id == self.channels[platform],
                    Message.platform_message_id == mid,
                )
            ).first()

    def count_messages(self, platform: str) -> int:
        with self.services.db.session() as s:
            query = select(func.count(Message.id)).where(
                Message.channel_id == self.channels[platform]
            )
            return int(s.scalar(query) or 0)

    def count_events(self, platform: str) -> int:
        with self.services.db.session() as s:
            query = select(func.count(InboundQueueItem.id)).where(
                InboundQueueItem.channel_id == self.channels[platform]
            )
            return int(s.scalar(query) or 0)

    def reply(self, conv_id: int, text: str) -> httpx.Response:
        return self.http.post(
            f"{self.desk}/api/v1/conversations/{conv_id}/messages",
            json={"text": text},
            headers=self.seeded.agent(),
        )

    def thread(self, conv_id: int) -> dict[str, Any]:
        resp = self.http.get(
            f"{self.desk}/api/v1/conversations/{conv_id}", headers=self.seeded.agent()
        )
        assert resp.status_code == 200, resp.text
        data: dict[str, Any] = resp.json()
        return data

    def outbound(self, conv_id: int, message_id_: int) -> dict[str, Any]:
        for msg in self.thread(conv_id)["messages"]:
            if msg["id"] == message_id_:
                return dict(msg)
        raise AssertionError(f"message {message_id_} not in conversation {conv_id}")

    def wait_status(self, conv_id: int, message_id_: int, status: str) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            msg = self.outbound(conv_id, message_id_)
            return msg if msg["delivery_status"] == status else None

        return wait_for(probe, what=f"message {message_id_} to become {status}")

    # --- simulator side --------------------------------------------------------------------

    def sim_requests(self, platform: str) -> list[dict[str, Any]]:
        resp = self.http.get(f"{self.sim}/_sim/requests", params={"platform": platform})
        data: list[dict[str, Any]] = resp.json()
        return data

    def wait_sent(self, platform: str, count: int = 1) -> list[dict[str, Any]]:
        def probe() -> list[dict[str, Any]] | None:
            records = self.sim_requests(platform)
            return records if len(records) >= count else None

        return wait_for(probe, what=f"{count} {platform} send(s) at the simulator")

    def fail_next(self, platform: str, error: str, count: int = 1) -> None:
        resp = self.http.post(
            f"{self.sim}/_sim/fail", json={"platform": platform, "error": error, "count": count}
        )
        assert resp.status_code == 200, resp.text


def processed(rig: Rig, platform: str, *, at_least: int) -> bool:
    """True once `at_least` inbound events of `platform` exist and none is still pending."""
    with rig.services.db.session() as s:
        rows = s.scalars(
            select(InboundQueueItem.status).where(
                InboundQueueItem.channel_id == rig.channels[platform]
            )
        ).all()
    return len(rows) >= at_least and "pending" not in rows

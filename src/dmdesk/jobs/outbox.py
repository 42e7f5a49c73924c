"""The outbox sender: claims due sends, calls the platform outside any transaction.

A send is claimed ('sending') before the HTTP call, so two workers never send it twice;
a send interrupted by a crash is marked failed (it may or may not have reached the
platform) instead of being repeated. See actions/outbox.py for retries and backoff.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dmdesk.actions.channels import channel_config
from dmdesk.actions.outbox import do_claim_outbox_item, do_record_send_result, due_items
from dmdesk.connectors.registry import get_connector
from dmdesk.db.database import Database
from dmdesk.db.secretbox import SecretBox
from dmdesk.domain.clock import Clock
from dmdesk.domain.outbound import OutboundMessage, QuickReply, SendResult
from dmdesk.models import Channel, Contact, Conversation, Message, OutboxItem

log = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=2)


class OutboxWorker:
    def __init__(
        self, *, db: Database, box: SecretBox, clock: Clock, client: httpx.Client | None = None
    ) -> None:
        self._db = db
        self._box = box
        self._clock = clock
        self._client = client or httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self.recover_interrupted()
            self._thread = threading.Thread(target=self._loop, name="dmdesk-outbox", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._wake.set()
            self._thread.join(timeout=30)
            self._thread = None
        self._client.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.run_once()
            except Exception:
                log.exception("outbox batch failed")
                done = 0
            if done == 0:
                self._wake.wait(timeout=1.0)
                self._wake.clear()

    def recover_interrupted(self) -> None:
        cutoff = self._clock() - STUCK_AFTER
        self._db.write(
            lambda s: s.execute(
                update(OutboxItem)
                .where(OutboxItem.status == "sending", OutboxItem.next_attempt_at < cutoff)
                .values(status="queued_check")
            )
        )
        with self._db.session() as s:
            stuck = list(
                s.scalars(select(OutboxItem.id).where(OutboxItem.status == "queued_check"))
            )
        result = SendResult(
            ok=False,
            error_class="permanent",
            error_code="interrupted",
            error_message="sending was interrupted; it may not have reached the person. "
            "Check the platform, then retry.",
        )
        for item_id in stuck:
            self._record(item_id, result)

    def run_once(self) -> int:
        with self._db.session() as s:
            ids = [i.id for i in due_items(s, now=self._clock(), limit=20)]
        for item_id in ids:
            if self._claim(item_id):
                self._record(item_id, self._send(item_id))
                self.sent += 1
        return len(ids)

    def _claim(self, item_id: int) -> bool:
        def work(s: Session) -> bool:
            return do_claim_outbox_item(s, item_id=item_id, at=self._clock())

        return self._db.write(work)

    def _record(self, item_id: int, result: SendResult) -> None:
        def work(s: Session) -> None:
            do_record_send_result(s, item_id=item_id, result=result, at=self._clock())

        self._db.write(work)

    def _send(self, item_id: int) -> SendResult:
        with self._db.session() as s:
            item = s.get_one(OutboxItem, item_id)
            msg = s.get_one(Message, item.message_id)
            conv = s.get_one(Conversation, msg.conversation_id)
            contact = s.get_one(Contact, conv.contact_id)
            channel = s.get_one(Channel, item.channel_id)
            config = channel_config(channel, self._box)
            outbound = OutboundMessage(
                recipient_id=contact.external_id,
                text=msg.text,
                idempotency_key=item.idempotency_key,
                tag=msg.meta.get("tag"),
                template_name=msg.meta.get("template"),
                template_language=msg.meta.get("template_language"),
                quick_replies=tuple(
                    QuickReply(title=str(q["title"]), payload=str(q["payload"]))
                    for q in msg.meta.get("quick_replies") or ()
                ),
            )
            connector = get_connector(channel.platform)
            account_id = channel.external_id
        try:
            return connector.send(self._client, config, account_id=account_id, message=outbound)
        except Exception as exc:  # a connector bug must not kill the worker
            log.exception("connector send raised", extra={"outbox_id": item_id})
            return SendResult(ok=False, error_class="retry", error_message=type(exc).__name__)

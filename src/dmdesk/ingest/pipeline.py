"""The ingestion pipeline: pending queue rows -> triage -> actions, in batches.

CPU work (triage) happens before the write; each batch is one writer transaction with a
savepoint per event, so a poison event is retried (then parked as dead) without holding
up the rest. On PostgreSQL rows are claimed with SKIP LOCKED, so several instances share
the queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions import ingest as ingest_actions
from dmdesk.actions.inbound_queue import claim_pending, mark_done, mark_failed
from dmdesk.db.database import Database
from dmdesk.db.writer import run_in_savepoint
from dmdesk.domain.clock import Clock
from dmdesk.domain.inbound import (
    DeliveryUpdate,
    InboundDeletion,
    InboundEdit,
    InboundEvent,
    InboundMessage,
    InboundReaction,
    InboundReferral,
    from_json,
)
from dmdesk.models import Channel, InboundQueueItem

log = logging.getLogger(__name__)

# Called after a new inbound message is stored, inside the same transaction.
MessageHook = Callable[[Session, "StoredMessage"], None]
# Pure CPU work computed before the write (e.g. triage), keyed by queue item id.
Enricher = Callable[[Channel, InboundMessage], dict[str, Any] | None]


@dataclass(frozen=True)
class StoredMessage:
    channel: Channel
    event: InboundMessage
    outcome: ingest_actions.IngestOutcome
    enrichment: dict[str, Any] | None
    at: datetime


class Pipeline:
    def __init__(self, *, db: Database, clock: Clock, batch_size: int = 200) -> None:
        self._db = db
        self._clock = clock
        self._batch = batch_size
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.enrichers: list[Enricher] = []
        self.message_hooks: list[MessageHook] = []
        self.processed = 0
        self.lag_seconds = 0.0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="dmdesk-pipeline", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._wake.set()
            self._thread.join(timeout=30)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.run_once()
            except Exception:
                log.exception("pipeline batch failed")
                done = 0
            if done == 0:
                self._wake.wait(timeout=0.5)
                self._wake.clear()

    def run_once(self) -> int:
        """Process one batch; returns how many queue rows it handled."""
        with self._db.session() as s:
            items = claim_pending(s, limit=self._batch)
            channels = (
                {
                    c.id: c
                    for c in s.scalars(
                        select(Channel).where(Channel.id.in_({i.channel_id for i in items}))
                    )
                }
                if items
                else {}
            )
            work = [
                (i.id, channels[i.channel_id], from_json(i.payload), i.received_at) for i in items
            ]
        if not work:
            return 0
        extras = {item_id: self._enrich(channel, event) for item_id, channel, event, _ in work}
        at = self._clock()
        try:
            # Fast path: the whole batch in one go, no savepoint per event.
            self._db.write(lambda s: self._apply_batch(s, work, extras, at, isolate=False))
        except Exception:
            # Something in the batch failed: redo it event by event, so the failing one is
            # retried (then parked as dead) and the others land.
            self._db.write(lambda s: self._apply_batch(s, work, extras, at, isolate=True))
        self.processed += len(work)
        self.lag_seconds = max(0.0, (at - min(w[3] for w in work)).total_seconds())
        return len(work)

    def _enrich(self, channel: Channel, event: InboundEvent) -> dict[str, Any] | None:
        if not isinstance(event, InboundMessage) or event.is_echo:
            return None
        merged: dict[str, Any] = {}
        for enricher in self.enrichers:
            try:
                merged.update(enricher(channel, event) or {})
            except Exception:
                log.exception("enricher failed", extra={"channel_id": channel.id})
        return merged or None

    def _apply_batch(
        self,
        session: Session,
        work: list[tuple[int, Channel, InboundEvent, datetime]],
        extras: dict[int, dict[str, Any] | None],
        at: datetime,
        *,
        isolate: bool,
    ) -> None:
        claimed = set(session.scalars(_reclaim(session, [w[0] for w in work])))
        merged: dict[int, Channel] = {}
        done: list[int] = []
        for item_id, channel, event, _received in work:
            if item_id not in claimed:
                continue
            attached = merged.get(channel.id) or session.merge(channel, load=False)
            merged[channel.id] = attached
            apply = self._applier(attached, event, extras.get(item_id), at)
            if not isolate:
                apply(session)
                done.append(item_id)
                continue
            _f, _r, error = run_in_savepoint(session, apply)
            if error is None:
                done.append(item_id)
            else:
                log.warning(
                    "inbound event failed",
                    extra={"item_id": item_id, "error": type(error).__name__},
                )
                mark_failed(session, item_id=item_id, error=repr(error), at=at)
        mark_done(session, item_ids=done, at=at)

    def _applier(
        self,
        channel: Channel,
        event: InboundEvent,
        enrichment: dict[str, Any] | None,
        at: datetime,
    ) -> Callable[[Session], None]:
        def work(s: Session) -> None:
            self._apply_one(s, channel, event, enrichment, at)

        return work

    def _apply_one(
        self,
        session: Session,
        channel: Channel,
        event: InboundEvent,
        enrichment: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        if isinstance(event, InboundMessage):
            outcome = ingest_actions.do_ingest_message(session, channel=channel, event=event, at=at)
            if not outcome.duplicate and not event.is_echo:
                stored = StoredMessage(channel, event, outcome, enrichment, at)
                for hook in self.message_hooks:
                    hook(session, stored)
        elif isinstance(event, DeliveryUpdate):
            ingest_actions.do_apply_delivery(session, channel=channel, event=event, at=at)
        elif isinstance(event, InboundReaction):
            ingest_actions.do_apply_reaction(session, channel=channel, event=event, at=at)
        elif isinstance(event, InboundDeletion):
            ingest_actions.do_apply_deletion(session, channel=channel, event=event, at=at)
        elif isinstance(event, InboundEdit):
            ingest_actions.do_apply_edit(session, channel=channel, event=event, at=at)
        elif isinstance(event, InboundReferral):
            ingest_actions.do_apply_referral(session, channel=channel, event=event, at=at)


def _reclaim(session: Session, ids: list[int]) -> Any:
    query = select(InboundQueueItem.id).where(
        InboundQueueItem.id.in_(ids), InboundQueueItem.status == "pending"
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query

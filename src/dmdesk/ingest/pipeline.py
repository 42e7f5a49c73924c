"""The ingestion pipeline: pending queue rows -> triage -> actions, in batches.

CPU work (triage) happens before the write. A claimed batch is written in slices of about
`slice_seconds` of CPU, each a bulk writer write (acknowledgements take turns with it); a slice
runs without savepoints and, when something in it fails, again with a savepoint per event,
so a poison event is retried (then parked as dead) without holding up the rest. On
PostgreSQL rows are claimed with SKIP LOCKED, so several instances share the queue.
"""

from __future__ import annotations

import logging
import threading
import time
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
# Called once per write with the new inbound messages it stored (after their message
# hooks), inside the same transaction: for hooks that work set-wise.
BatchHook = Callable[[Session, list["StoredMessage"]], None]
# Pure CPU work computed before the write (e.g. triage), keyed by queue item id.
Enricher = Callable[[Channel, InboundMessage], dict[str, Any] | None]
# A claimed queue row: (item id, channel, event, received at).
Work = tuple[int, Channel, InboundEvent, datetime]


@dataclass(frozen=True)
class StoredMessage:
    channel: Channel
    event: InboundMessage
    outcome: ingest_actions.IngestOutcome
    enrichment: dict[str, Any] | None
    at: datetime


class Pipeline:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        batch_size: int = 500,
        slice_seconds: float = 0.05,
    ) -> None:
        self._db = db
        self._clock = clock
        self._batch = batch_size
        self._slice = slice_seconds
        self._slice_hint = 64
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.enrichers: list[Enricher] = []
        self.message_hooks: list[MessageHook] = []
        self.batch_hooks: list[BatchHook] = []
        self.processed = 0
        self.lag_seconds = 0.0
        self.costs = StepCosts()

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
        """Process one claimed batch; returns how many queue rows it handled."""
        work = self._claim()
        if not work:
            return 0
        started = time.thread_time()
        extras = {item_id: self._enrich(channel, event) for item_id, channel, event, _ in work}
        self.costs.add("enrich", time.thread_time() - started, len(work))
        at = self._clock()
        remaining = work
        while remaining:
            # Hand a slice about what fits in its time (twice the last one's count): its
            # re-claim and preload queries then stay proportional to the work it does.
            chunk = remaining[: self._slice_hint]
            taken = self._write_slice(chunk, extras, at)
            full = taken == len(chunk)
            self._slice_hint = min(self._batch, max(8, 2 * taken if not full else 2 * len(chunk)))
            remaining = remaining[taken:]
        self.processed += len(work)
        self.lag_seconds = max(0.0, (at - min(w[3] for w in work)).total_seconds())
        return len(work)

    def _claim(self) -> list[Work]:
        with self._db.session() as s:
            items = claim_pending(s, limit=self._batch)
            if not items:
                return []
            ids = {i.channel_id for i in items}
            channels = {c.id: c for c in s.scalars(select(Channel).where(Channel.id.in_(ids)))}
            return [
                (i.id, channels[i.channel_id], from_json(i.payload), i.received_at) for i in items
            ]

    def _write_slice(
        self, work: list[Work], extras: dict[int, dict[str, Any] | None], at: datetime
    ) -> int:
        """One bulk write of as many events as fit in the time slice; returns how many.

        Slices keep the writer free for acknowledgements (they take turns with bulk writes).
        """
        try:
            # Fast path: the slice in one go, no savepoint per event.
            return self._db.write(
                lambda s: self._apply_batch(s, work, extras, at, isolate=False), bulk=True
            )
        except Exception:
            # Something failed: redo the slice event by event, so the failing one is
            # retried (then parked as dead) and the others land.
            return self._db.write(
                lambda s: self._apply_batch(s, work, extras, at, isolate=True), bulk=True
            )

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
        work: list[Work],
        extras: dict[int, dict[str, Any] | None],
        at: datetime,
        *,
        isolate: bool,
    ) -> int:
        # CPU time of the writer thread, not wall time: on a busy machine wall-clock slices
        # shrink to an event or two and the per-slice queries and commit dominate.
        deadline = time.thread_time() + self._slice
        claimed = set(session.scalars(_reclaim(session, [w[0] for w in work])))
        merged: dict[int, Channel] = {}
        done: list[int] = []
        stored: list[StoredMessage] = []
        taken = 0
        ingest_actions.preload(session, [(w[1].id, w[2]) for w in work if w[0] in claimed])
        for item_id, channel, event, _received in work:
            taken += 1
            if item_id not in claimed:
                continue
            attached = merged.get(channel.id) or session.merge(channel, load=False)
            merged[channel.id] = attached
            if self._apply_item(
                session,
                item_id,
                (attached, event, extras.get(item_id), at),
                isolate=isolate,
                into=stored,
            ):
                done.append(item_id)
            if time.thread_time() > deadline:
                break
        if stored:
            self._run_batch_hooks(session, stored)
        mark_done(session, item_ids=done, at=at)
        return taken

    def _apply_item(
        self,
        session: Session,
        item_id: int,
        args: tuple[Channel, InboundEvent, dict[str, Any] | None, datetime],
        *,
        isolate: bool,
        into: list[StoredMessage],
    ) -> bool:
        def apply(s: Session) -> StoredMessage | None:
            return self._apply_one(s, *args)

        if not isolate:
            found = apply(session)
            into.extend([found] if found else [])
            return True
        _f, found, error = run_in_savepoint(session, apply)
        if error is None:
            if found is not None:
                self._run_batch_hooks(session, [found])
            return True
        # Contacts and conversations inserted in the rolled-back savepoint are gone.
        ingest_actions.forget_preloaded(session)
        log.warning(
            "inbound event failed", extra={"item_id": item_id, "error": type(error).__name__}
        )
        mark_failed(session, item_id=item_id, error=repr(error), at=args[3])
        return False

    def _run_batch_hooks(self, session: Session, stored: list[StoredMessage]) -> None:
        for hook in self.batch_hooks:
            started = time.thread_time()
            hook(session, stored)
            self.costs.add(_name(hook), time.thread_time() - started, len(stored))

    def _apply_one(
        self,
        session: Session,
        channel: Channel,
        event: InboundEvent,
        enrichment: dict[str, Any] | None,
        at: datetime,
    ) -> StoredMessage | None:
        """Apply one event; a new inbound message (after its hooks) is returned."""
        started = time.thread_time()
        if isinstance(event, InboundMessage):
            outcome = ingest_actions.do_ingest_message(session, channel=channel, event=event, at=at)
            self.costs.add("ingest_message", time.thread_time() - started, 1)
            if outcome.duplicate or event.is_echo:
                return None
            stored = StoredMessage(channel, event, outcome, enrichment, at)
            self._run_message_hooks(session, stored)
            return stored
        if isinstance(event, DeliveryUpdate):
            ingest_actions.do_apply_delivery(session, channel=channel, event=event, at=at)
        elif isinstance(event, InboundReaction):
            ingest_actions.do_apply_reaction(session, channel=channel, event=event, at=at)
        elif isinstance(event, InboundDeletion):
            ingest_actions.do_apply_deletion(session, channel=channel, event=event, at=at)
        elif isinstance(event, InboundEdit):
            ingest_actions.do_apply_edit(session, channel=channel, event=event, at=at)
        elif isinstance(event, InboundReferral):
            ingest_actions.do_apply_referral(session, channel=channel, event=event, at=at)
        self.costs.add(f"apply_{event.kind}", time.thread_time() - started, 1)
        return None

    def _run_message_hooks(self, session: Session, stored: StoredMessage) -> None:
        for hook in self.message_hooks:
            started = time.thread_time()
            hook(session, stored)
            self.costs.add(_name(hook), time.thread_time() - started, 1)


class StepCosts:
    """CPU seconds and calls per pipeline step (enrichers, ingest, each hook), for tuning."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def add(self, step: str, seconds: float, calls: int) -> None:
        with self._lock:
            self.seconds[step] = self.seconds.get(step, 0.0) + seconds
            self.calls[step] = self.calls.get(step, 0) + calls

    def per_call_ms(self) -> dict[str, float]:
        with self._lock:
            return {k: 1000 * v / max(1, self.calls[k]) for k, v in self.seconds.items()}


def _name(hook: Callable[..., Any]) -> str:
    target = hook if hasattr(hook, "__qualname__") else type(hook)
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', '?')}"


def _reclaim(session: Session, ids: list[int]) -> Any:
    query = select(InboundQueueItem.id).where(
        InboundQueueItem.id.in_(ids), InboundQueueItem.status == "pending"
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query

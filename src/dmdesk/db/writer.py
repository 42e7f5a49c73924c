"""One writer thread with group commit: many small writes, one transaction, one fsync.

Every write goes through `Writer.submit(fn)`: `fn(session)` runs inside a savepoint of the
current batch, so one failing write does not spoil the others; the batch commits once and
only then are futures resolved (an acknowledged write is durable) and domain events
published. See docs/ARCHITECTURE.md for why (SQLite allows one writer at a time).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dmdesk.db.events import PENDING_KEY, PublishedEvent

T = TypeVar("T")
WriteFn = Callable[[Session], Any]
log = logging.getLogger(__name__)


class Writer:
    def __init__(
        self,
        engine: Engine,
        *,
        on_commit: Callable[[list[PublishedEvent]], None],
        max_batch: int = 256,
    ) -> None:
        self._engine = engine
        self._on_commit = on_commit
        self._max_batch = max_batch
        self._queue: queue.Queue[tuple[WriteFn, Future[Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.writes = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def depth(self) -> int:
        return self._queue.qsize()

    def start(self) -> None:
        if self.running:
            return
        self._thread = threading.Thread(target=self._loop, name="dmdesk-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout=30)
        self._thread = None

    def submit(self, fn: Callable[[Session], T]) -> Future[T]:
        fut: Future[T] = Future()
        if threading.current_thread() is self._thread:
            fut.set_exception(RuntimeError("a write may not wait on the writer from inside it"))
            return fut
        self._queue.put((fn, fut))
        return fut

    async def run_async(self, fn: Callable[[Session], T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

    def _take_batch(self) -> tuple[list[tuple[WriteFn, Future[Any]]], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        batch = [first]
        stop = False
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                stop = True
                break
            batch.append(item)
        return batch, stop

    def _loop(self) -> None:
        while True:
            batch, stop = self._take_batch()
            if batch:
                self._run_batch(batch)
            if stop:
                return

    def _run_batch(self, batch: list[tuple[WriteFn, Future[Any]]]) -> None:
        outcomes: list[tuple[Future[Any], Any, BaseException | None]] = []
        events: list[PublishedEvent] = []
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                for fn, fut in batch:
                    outcomes.append(run_in_savepoint(session, fn, fut))
                events = list(session.info.get(PENDING_KEY, []))
        except Exception as exc:  # the commit itself failed: nothing in the batch is durable
            log.exception("writer batch commit failed", extra={"batch": len(batch)})
            for _fn, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        self.batches += 1
        self.writes += len(batch)
        for fut, result, error in outcomes:
            if error is not None:
                fut.set_exception(error)
            else:
                fut.set_result(result)
        if events:
            try:
                self._on_commit(events)
            except Exception:
                log.exception("publishing committed events failed")


def run_in_savepoint(
    session: Session, fn: WriteFn, fut: Future[Any] | None = None
) -> tuple[Future[Any], Any, BaseException | None]:
    """Run one write in a savepoint; its events are dropped with it if it fails."""
    pending: list[PublishedEvent] = session.info.setdefault(PENDING_KEY, [])
    mark = len(pending)
    fut = fut if fut is not None else Future()
    savepoint = session.begin_nested()
    try:
        result = fn(session)
        savepoint.commit()
    except BaseException as exc:
        savepoint.rollback()
        del pending[mark:]
        return fut, None, exc
    return fut, result, None

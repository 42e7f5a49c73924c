"""One writer thread with group commit: many small writes, one transaction, one fsync.

Every write goes through `Writer.submit(fn)`: `fn(session)` runs inside a savepoint of the
current batch, so one failing write does not spoil the others; the batch commits once and
only then are futures resolved (an acknowledged write is durable) and domain events
published. See docs/ARCHITECTURE.md for why (SQLite allows one writer at a time).

Two lanes: live writes (webhook acknowledgements, agent actions) and bulk writes
(pipeline batches, submitted with `bulk=True`). A bulk write runs in a batch of its own,
taking turns with live batches, so an acknowledgement waits behind one bulk write at most.
Writes of one kind can also be grouped (`submit_grouped`): the batch runs all of them
set-wise in one savepoint, and one by one only when that fails.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dmdesk.db.events import PENDING_KEY, PublishedEvent

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741  # an item of a grouped write
R = TypeVar("R")
WriteFn = Callable[[Session], Any]
Outcome = tuple[Future[Any], Any, BaseException | None]
log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class WriteGroup(Generic[I, R]):
    """Writes that can run set-wise: `many(session, items)` returns one result per item.

    `many` may be run and rolled back before each item is retried alone with `one`, so it
    must touch nothing but the session (no side effects a rollback would not undo).
    """

    name: str
    many: Callable[[Session, list[I]], Sequence[R]]
    one: Callable[[Session, I], R]


@dataclass(eq=False)
class _Job:
    fn: WriteFn | None
    fut: Future[Any]
    group: WriteGroup[Any, Any] | None = None
    item: Any = None


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
        self._cond = threading.Condition()
        self._live: deque[_Job] = deque()
        self._bulk: deque[_Job] = deque()
        self._stopping = False
        self._bulk_turn = False
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.writes = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def depth(self) -> int:
        return len(self._live) + len(self._bulk)

    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="dmdesk-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then stop."""
        if self._thread is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join(timeout=30)
        self._thread = None

    def submit(self, fn: Callable[[Session], T], *, bulk: bool = False) -> Future[T]:
        return self._enqueue(_Job(fn, Future()), bulk=bulk)

    def submit_grouped(self, group: WriteGroup[I, R], item: I) -> Future[R]:
        return self._enqueue(_Job(None, Future(), group, item), bulk=False)

    def _enqueue(self, job: _Job, *, bulk: bool) -> Future[Any]:
        if threading.current_thread() is self._thread:
            job.fut.set_exception(RuntimeError("a write may not wait on the writer from inside it"))
            return job.fut
        with self._cond:
            (self._bulk if bulk else self._live).append(job)
            self._cond.notify()
        return job.fut

    async def run_async(self, fn: Callable[[Session], T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

    def _take_batch(self) -> list[_Job] | None:
        """The next batch: live writes, or one bulk write when it is its turn; None: stop."""
        with self._cond:
            while not self._live and not self._bulk:
                if self._stopping:
                    return None
                self._cond.wait()
            if self._bulk and (self._bulk_turn or not self._live):
                self._bulk_turn = False
                return [self._bulk.popleft()]
            self._bulk_turn = True
            n = min(len(self._live), self._max_batch)
            return [self._live.popleft() for _ in range(n)]

    def _loop(self) -> None:
        while (batch := self._take_batch()) is not None:
            self._run_batch(batch)

    def _run_batch(self, batch: list[_Job]) -> None:
        events: list[PublishedEvent] = []
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                outcomes = run_jobs(session, batch)
                events = list(session.info.get(PENDING_KEY, []))
        except Exception as exc:  # the commit itself failed: nothing in the batch is durable
            log.exception("writer batch commit failed", extra={"batch": len(batch)})
            for job in batch:
                if not job.fut.done():
                    job.fut.set_exception(exc)
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


def run_jobs(session: Session, jobs: list[_Job]) -> list[Outcome]:
    """Grouped writes set-wise (one savepoint per group), the others one savepoint each."""
    groups: dict[WriteGroup[Any, Any], list[_Job]] = {}
    outcomes: list[Outcome] = []
    for job in jobs:
        if job.group is not None:
            groups.setdefault(job.group, []).append(job)
        else:
            assert job.fn is not None
            outcomes.append(run_in_savepoint(session, job.fn, job.fut))
    for group, members in groups.items():
        outcomes.extend(run_group(session, group, members))
    return outcomes


def run_group(session: Session, group: WriteGroup[Any, Any], jobs: list[_Job]) -> list[Outcome]:
    if len(jobs) > 1:
        items = [job.item for job in jobs]
        _f, results, error = run_in_savepoint(session, lambda s: group.many(s, items))
        if error is None:
            return [(job.fut, r, None) for job, r in zip(jobs, results, strict=True)]
        log.warning("grouped write %s failed set-wise; retrying one by one", group.name)
    return [_run_one(session, group, job) for job in jobs]


def _run_one(session: Session, group: WriteGroup[Any, Any], job: _Job) -> Outcome:
    return run_in_savepoint(session, lambda s: group.one(s, job.item), job.fut)


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

"""The Database handle: read sessions, the writer, and an inline mode for CLI and tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from dmdesk.db.engine import make_engines
from dmdesk.db.events import PENDING_KEY, PublishedEvent
from dmdesk.db.writer import WriteGroup, Writer, run_in_savepoint

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741  # an item of a grouped write


def _no_subscriber(_events: list[PublishedEvent]) -> None:
    return None


class Database:
    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL") -> None:
        self.url = url
        self.read_engine, self.write_engine = make_engines(
            url, sqlite_synchronous=sqlite_synchronous
        )
        self.on_commit: Callable[[list[PublishedEvent]], None] = _no_subscriber
        self.writer = Writer(self.write_engine, on_commit=self._publish)
        self._local = threading.local()

    @property
    def dialect(self) -> str:
        return self.read_engine.dialect.name

    def _publish(self, events: list[PublishedEvent]) -> None:
        self.on_commit(events)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session; do not write through it (writes go through `write`)."""
        with Session(self.read_engine, expire_on_commit=False, autoflush=False) as session:
            yield session

    def write(self, fn: Callable[[Session], T], *, bulk: bool | None = None) -> T:
        """Run `fn(session)` in a transaction and return its result once committed.

        `bulk=True` (pipeline slices, periodic jobs): live writes may go first; keep such
        writes short. Unset: bulk inside `with db.bulk():` in this thread, live otherwise.
        """
        if self.writer.running:
            lane = bulk if bulk is not None else getattr(self._local, "bulk", False)
            return self.writer.submit(fn, bulk=lane).result()
        return self._write_inline(fn)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Writes this thread makes inside the block take the writer's bulk lane."""
        previous = getattr(self._local, "bulk", False)
        self._local.bulk = True
        try:
            yield
        finally:
            self._local.bulk = previous

    async def write_async(self, fn: Callable[[Session], T]) -> T:
        if self.writer.running:
            return await self.writer.run_async(fn)
        return self._write_inline(fn)

    async def write_grouped_async(self, group: WriteGroup[I, T], item: I) -> T:
        """One write of a kind the writer may run set-wise with others of its batch."""
        if self.writer.running:
            return await asyncio.wrap_future(self.writer.submit_grouped(group, item))
        return self._write_inline(lambda s: group.one(s, item))

    def _write_inline(self, fn: Callable[[Session], T]) -> T:
        with Session(self.write_engine, expire_on_commit=False) as session:
            with session.begin():
                _fut, result, error = run_in_savepoint(session, fn)
                if error is not None:
                    raise error
                events = list(session.info.get(PENDING_KEY, []))
            if events:
                self._publish(events)
            return result  # type: ignore[no-any-return]  # run_in_savepoint returns fn's value

    def ping(self) -> bool:
        with self.read_engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def start(self) -> None:
        self.writer.start()

    def close(self) -> None:
        self.writer.stop()
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()


def engine_of(db: Database) -> Engine:
    return db.read_engine

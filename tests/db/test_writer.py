"""The group-commit writer: one failing write fails alone; events publish after commit."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from dmdesk.actions.teams import do_create_team
from dmdesk.db.database import Database
from dmdesk.db.events import PublishedEvent
from dmdesk.db.writer import WriteGroup
from dmdesk.domain.errors import Invalid
from dmdesk.models import Team
from dmdesk.services import Services
from tests.conftest import Seeded


def test_a_failing_write_fails_alone_in_its_batch(services: Services, seeded: Seeded) -> None:
    db: Database = services.db
    published: list[PublishedEvent] = []
    db.on_commit = published.extend
    gate = threading.Event()
    db.start()
    blocker = db.writer.submit(lambda s: gate.wait(5))  # holds the writer so the rest batch

    def team(name: str) -> Any:
        return db.writer.submit(
            lambda s: do_create_team(
                s, workspace_id=seeded.workspace_id, name=name, at=services.clock()
            )
        )

    first, bad, last = team("Care"), team(" "), team("Sales")
    gate.set()
    blocker.result(timeout=10)
    assert first.result(timeout=10).name == "Care"
    assert last.result(timeout=10).name == "Sales"
    with pytest.raises(Invalid):
        bad.result(timeout=10)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Team)) == 2
    assert [e.data["name"] for e in published if e.type == "team.created"] == ["Care", "Sales"]


def test_a_refused_write_is_not_run_twice(services: Services, seeded: Seeded) -> None:
    """Writes may consume their inputs (pop from a dict): they must run exactly once."""
    db: Database = services.db
    db.start()
    calls: list[int] = []

    def refuse(s: Any) -> None:
        calls.append(1)
        raise Invalid("no")

    gate = threading.Event()
    blocker = db.writer.submit(lambda s: gate.wait(5))
    ok = db.writer.submit(
        lambda s: do_create_team(
            s, workspace_id=seeded.workspace_id, name="Care", at=services.clock()
        )
    )
    bad = db.writer.submit(refuse)
    gate.set()
    blocker.result(timeout=10)
    ok.result(timeout=10)
    with pytest.raises(Invalid):
        bad.result(timeout=10)
    assert calls == [1]


def _gated(db: Database) -> tuple[threading.Event, Any]:
    """A write that holds the writer until the gate opens; returns once it is running."""
    gate, running = threading.Event(), threading.Event()
    blocker = db.writer.submit(lambda s: running.set() or gate.wait(5))
    assert running.wait(10)
    return gate, blocker


def test_a_live_write_waits_behind_one_bulk_write_at_most(services: Services) -> None:
    db: Database = services.db
    db.start()
    order: list[str] = []
    gate, blocker = _gated(db)
    bulk = [db.writer.submit(lambda s, n=n: order.append(f"bulk{n}"), bulk=True) for n in (1, 2)]
    live = db.writer.submit(lambda s: order.append("live"))
    gate.set()
    for fut in [blocker, live, *bulk]:
        fut.result(timeout=10)
    assert order == ["bulk1", "live", "bulk2"]


def _doubler_group(calls: list[str]) -> WriteGroup[int, int]:
    def many(_s: Any, items: list[int]) -> list[int]:
        calls.append(f"many{items}")
        if any(i < 0 for i in items):
            raise Invalid("negative")
        return [2 * i for i in items]

    def one(_s: Any, item: int) -> int:
        calls.append(f"one{item}")
        if item < 0:
            raise Invalid("negative")
        return 2 * item

    return WriteGroup("double", many=many, one=one)


def test_grouped_writes_run_set_wise_in_one_batch(services: Services) -> None:
    db: Database = services.db
    db.start()
    calls: list[str] = []
    group = _doubler_group(calls)
    gate, blocker = _gated(db)
    futs = [db.writer.submit_grouped(group, i) for i in (1, 2, 3)]
    gate.set()
    blocker.result(timeout=10)
    assert [f.result(timeout=10) for f in futs] == [2, 4, 6]
    assert calls == ["many[1, 2, 3]"]


def test_a_failing_grouped_write_fails_alone(services: Services) -> None:
    db: Database = services.db
    db.start()
    calls: list[str] = []
    group = _doubler_group(calls)
    gate, blocker = _gated(db)
    good, bad, other = (db.writer.submit_grouped(group, i) for i in (1, -1, 5))
    gate.set()
    blocker.result(timeout=10)
    assert good.result(timeout=10) == 2
    assert other.result(timeout=10) == 10
    with pytest.raises(Invalid):
        bad.result(timeout=10)
    assert calls == ["many[1, -1, 5]", "one1", "one-1", "one5"]


def test_stop_finishes_what_is_queued(services: Services) -> None:
    db: Database = services.db
    db.start()
    gate, blocker = _gated(db)
    later = [db.writer.submit(lambda s, n=n: n, bulk=n % 2 == 0) for n in range(4)]
    gate.set()
    db.writer.stop()
    assert blocker.done()
    assert [f.result(timeout=0) for f in later] == [0, 1, 2, 3]


def test_writes_inside_db_bulk_take_the_bulk_lane(services: Services) -> None:
    db: Database = services.db
    db.start()
    order: list[str] = []
    gate, blocker = _gated(db)

    def bulk_write(name: str) -> None:
        with db.bulk():
            db.write(lambda s: order.append(name))

    threads = [threading.Thread(target=bulk_write, args=(n,)) for n in ("bulk1", "bulk2")]
    for t in threads:
        t.start()
        while db.writer.depth() < threads.index(t) + 1:
            time.sleep(0.01)
    live = db.writer.submit(lambda s: order.append("live"))
    gate.set()
    live.result(timeout=10)
    for t in threads:
        t.join(timeout=10)
    blocker.result(timeout=10)
    assert order == ["bulk1", "live", "bulk2"]

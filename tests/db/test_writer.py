"""The group-commit writer: one failing write fails alone; events publish after commit."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from dmdesk.actions.teams import do_create_team
from dmdesk.db.database import Database
from dmdesk.db.events import PublishedEvent
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

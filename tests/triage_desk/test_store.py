"""Triage models in the database: save, activate, roll back (to a version or the shipped
model), pruning, events, permissions; the provider loads a blob only when the active
version changed and notices another instance's change at its next re-check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dmdesk.actions.triage_models import (
    ACTIVATED_EVENT,
    KEEP_VERSIONS,
    TRAINED_EVENT,
    do_activate_triage_model,
    do_save_triage_model,
)
from dmdesk.domain.errors import Forbidden, NotFound
from dmdesk.models import Event, TriageModel, User
from dmdesk.services import Services
from dmdesk.triage.engine import TriageEngine
from dmdesk.triage.store import EngineProvider, list_models, pack, unpack_engine
from tests.cli.test_triage_feedback import PROBE
from tests.conftest import Seeded, seed_workspace


def save(svc: Services, ws: int, blob: bytes, *, actor_id: int | None = None, **kw: Any) -> int:
    def work(s: Any) -> int:
        actor = s.get(User, actor_id) if actor_id else None
        meta = {"version": "1.test", "corrections": 4}
        saved = do_save_triage_model(
            s, workspace_id=ws, actor=actor, artefact=blob, meta=meta, at=svc.clock(), **kw
        )
        return int(saved["version"])

    return int(svc.db.write(work))


def activate(svc: Services, ws: int, version: int, *, actor_id: int | None = None) -> None:
    def work(s: Any) -> None:
        actor = s.get(User, actor_id) if actor_id else None
        do_activate_triage_model(s, workspace_id=ws, actor=actor, version=version, at=svc.clock())

    svc.db.write(work)


def test_pack_round_trip(parka_artefact: Path) -> None:
    engine = unpack_engine(pack(parka_artefact))
    assert engine.version == TriageEngine.load(parka_artefact).version
    assert engine.classify(PROBE).category == "collaboration"


def test_save_activate_roll_back_and_prune(
    desk: Services, seeded: Seeded, parka_artefact: Path
) -> None:
    blob, ws = pack(parka_artefact), seeded.workspace_id
    first = save(desk, ws, blob, actor_id=seeded.admin_id)
    assert first == 1
    second = save(desk, ws, blob, activate=False)
    with desk.db.session() as s:
        listed = list_models(s, ws)
    assert [(v["version"], v["active"]) for v in listed] == [(2, False), (1, True)]
    assert listed[1]["trained_by"] == seeded.admin_id
    activate(desk, ws, second, actor_id=seeded.admin_id)
    activate(desk, ws, first)  # roll back
    for _ in range(KEEP_VERSIONS + 1):
        save(desk, ws, blob, activate=False)
    with desk.db.session() as s:
        kept = [(v["version"], v["active"]) for v in list_models(s, ws)]
        events = s.scalars(select(Event.type).where(Event.type.like("triage.model_%"))).all()
    last = 2 + KEEP_VERSIONS + 1
    newest = list(range(last, last - KEEP_VERSIONS, -1))
    assert kept == [*((v, False) for v in newest), (1, True)], "the active one outlives pruning"
    assert events.count(TRAINED_EVENT) == 2 + KEEP_VERSIONS + 1
    assert events.count(ACTIVATED_EVENT) == 3
    activate(desk, ws, 0)  # back to the shipped model
    with desk.db.session() as s:
        assert not s.scalars(select(TriageModel.id).where(TriageModel.active)).all()
    with pytest.raises(NotFound):
        activate(desk, ws, 99)


def test_only_admins_of_the_workspace(desk: Services, seeded: Seeded, parka_artefact: Path) -> None:
    other = seed_workspace(desk, slug="other", secret="x")
    blob = pack(parka_artefact)
    version = save(desk, seeded.workspace_id, blob)
    with pytest.raises(Forbidden):
        activate(desk, seeded.workspace_id, version, actor_id=seeded.agent_id)
    with pytest.raises(NotFound):
        activate(desk, seeded.workspace_id, 0, actor_id=other.admin_id)
    with pytest.raises(Forbidden):
        save(desk, seeded.workspace_id, blob, actor_id=seeded.agent_id)


def test_provider_follows_the_active_version_per_workspace(
    desk: Services, seeded: Seeded, parka_artefact: Path
) -> None:
    other = seed_workspace(desk, slug="other", secret="x")
    loads: list[str] = []

    def shipped() -> TriageEngine:
        loads.append("shipped")
        return TriageEngine.load()

    provider = EngineProvider(desk.db, interval=0, shipped=shipped)
    base = provider.get(seeded.workspace_id)
    assert base.classify(PROBE).category != "collaboration"
    save(desk, seeded.workspace_id, pack(parka_artefact))
    trained = provider.get(seeded.workspace_id)
    assert trained.classify(PROBE).category == "collaboration"
    assert provider.get(seeded.workspace_id) is trained, "no reload while the version holds"
    assert provider.get(other.workspace_id) is base, "other workspaces keep the shipped model"
    activate(desk, seeded.workspace_id, 0)
    assert provider.get(seeded.workspace_id) is base
    assert loads == ["shipped"]


def test_provider_rechecks_at_most_every_interval(
    desk: Services, seeded: Seeded, parka_artefact: Path
) -> None:
    clock = [100.0]
    provider = EngineProvider(desk.db, interval=5, now=lambda: clock[0])
    base = provider.get(seeded.workspace_id)
    save(desk, seeded.workspace_id, pack(parka_artefact))
    clock[0] += 4.9
    assert provider.get(seeded.workspace_id) is base, "not re-checked before the interval"
    clock[0] += 0.1
    assert provider.get(seeded.workspace_id) is not base
    activate(desk, seeded.workspace_id, 0)
    provider.refresh()
    assert provider.get(seeded.workspace_id) is base, "refresh() re-checks at once"


def test_a_broken_blob_falls_back_to_the_shipped_model(desk: Services, seeded: Seeded) -> None:
    save(desk, seeded.workspace_id, b"not a zip")
    engine = desk.triage_engines.get(seeded.workspace_id)
    assert engine is desk.triage_engines.shipped()


def test_two_instances_activating_at_once_leave_one_active(
    two_desks: tuple[Services, Services], parka_artefact: Path
) -> None:
    """On PostgreSQL each UPDATE sees only the rows its snapshot found: without the lock on
    the workspace, B's activation would not see A's uncommitted one and both would stay."""
    import threading
    import time

    a, b = two_desks
    ws = seed_workspace(a, slug="race", secret="x").workspace_id
    blob = pack(parka_artefact)
    first, second = save(a, ws, blob, activate=False), save(a, ws, blob, activate=False)
    inside, release = threading.Event(), threading.Event()

    def held_open(s: Any) -> None:
        do_activate_triage_model(s, workspace_id=ws, actor=None, version=first, at=a.clock())
        inside.set()
        assert release.wait(10)

    holder = threading.Thread(target=a.db.write, args=(held_open,))
    holder.start()
    assert inside.wait(10)
    other = threading.Thread(target=activate, args=(b, ws, second))
    other.start()
    time.sleep(0.3)  # let B reach its statements while A's transaction is still open
    release.set()
    holder.join(10)
    other.join(10)
    with a.db.session() as s:
        active = s.scalars(
            select(TriageModel.version).where(TriageModel.workspace_id == ws, TriageModel.active)
        ).all()
    assert active == [second]


def test_the_recheck_interval_is_a_setting(tmp_path: Path) -> None:
    from dmdesk.services import build_services
    from tests.conftest import make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'd.db'}").model_copy(
        update={"triage_recheck_seconds": 42.0}
    )
    svc = build_services(settings)
    try:
        assert svc.triage_engines.interval == 42.0
    finally:
        svc.stop()

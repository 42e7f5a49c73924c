"""Triage models kept in the database: pack an artefact folder into one blob, read a
workspace's versions, and `EngineProvider`, which hands out each workspace's active engine
and notices another instance's change with one cheap query every few seconds."""

from __future__ import annotations

import io
import logging
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from dmdesk.actions.triage_models import summary
from dmdesk.db.database import Database
from dmdesk.models import TriageModel
from dmdesk.triage.engine import TriageEngine

log = logging.getLogger(__name__)
RECHECK_SECONDS = 5.0
MAX_MEMBER_BYTES = 64 * 1024 * 1024


def pack(folder: Path) -> bytes:
    """The artefact folder's files as one zip (the blob stored in `triage_models`)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                zf.write(path, arcname=path.name)
    return buf.getvalue()


def unpack_engine(blob: bytes) -> TriageEngine:
    """Load an engine from a stored blob (flat file names only, sizes bounded)."""
    with (
        tempfile.TemporaryDirectory(prefix="dmdesk-triage-") as tmp,
        zipfile.ZipFile(io.BytesIO(blob)) as zf,
    ):
        for info in zf.infolist():
            name = Path(info.filename).name
            if name != info.filename or info.file_size > MAX_MEMBER_BYTES:
                raise ValueError(f"unexpected member in triage artefact: {info.filename!r}")
            (Path(tmp) / name).write_bytes(zf.read(info))
        return TriageEngine.load(Path(tmp))


def list_models(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """The workspace's kept versions, newest first, without their artefacts."""
    rows = session.scalars(
        select(TriageModel)
        .where(TriageModel.workspace_id == workspace_id)
        .order_by(TriageModel.version.desc())
        .options(defer(TriageModel.artefact))
    )
    return [summary(r) for r in rows]


def active_models(session: Session) -> dict[int, int]:
    """workspace id -> id of its active model row: the cheap indexed re-check."""
    rows = session.execute(
        select(TriageModel.workspace_id, TriageModel.id)
        .where(TriageModel.active.is_(True))
        .order_by(TriageModel.id)
    )
    return {int(ws): int(model_id) for ws, model_id in rows}


def load_model(session: Session, model_id: int) -> TriageEngine:
    blob = session.scalar(select(TriageModel.artefact).where(TriageModel.id == model_id))
    if blob is None:
        raise LookupError(f"triage model {model_id} is gone")
    return unpack_engine(bytes(blob))


class EngineProvider:
    """Each workspace's active engine, or the shipped one when it has none.

    `get` re-reads which model is active at most every `interval` seconds (one indexed query
    for all workspaces) and loads a blob only when a workspace's active model changed.
    """

    def __init__(
        self,
        db: Database,
        *,
        interval: float = RECHECK_SECONDS,
        shipped: Callable[[], TriageEngine] = TriageEngine.load,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._db = db
        self._load_shipped = shipped
        self._now = now
        self._lock = threading.Lock()
        self._shipped: TriageEngine | None = None
        self._active: dict[int, int] = {}
        self._engines: dict[int, TriageEngine] = {}
        self._checked_at: float | None = None

    def refresh(self) -> None:
        """Re-check on the next `get` (this instance just changed the active model)."""
        with self._lock:
            self._checked_at = None

    def shipped(self) -> TriageEngine:
        with self._lock:
            return self._shipped_locked()

    def _shipped_locked(self) -> TriageEngine:
        if self._shipped is None:
            self._shipped = self._load_shipped()
        return self._shipped

    def get(self, workspace_id: int) -> TriageEngine:
        with self._lock:
            now = self._now()
            if self._checked_at is None or now - self._checked_at >= self.interval:
                self._recheck()
                self._checked_at = now
            model_id = self._active.get(workspace_id)
            engine = self._engines.get(model_id) if model_id is not None else None
            return engine or self._shipped_locked()

    def _recheck(self) -> None:
        with self._db.session() as s:
            active = active_models(s)
            for model_id in set(active.values()) - set(self._engines):
                try:
                    self._engines[model_id] = load_model(s, model_id)
                except Exception:
                    # A broken blob must not stop triage: that workspace keeps the shipped model.
                    log.exception("could not load triage model", extra={"model_id": model_id})
                    self._engines[model_id] = self._shipped_locked()
        self._active = active
        self._engines = {k: v for k, v in self._engines.items() if k in set(active.values())}

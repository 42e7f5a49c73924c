"""Triage models trained in the desk: save a version, activate one (or the shipped model),
keep the last few so an admin can roll back; each change is in the event log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from dmdesk.actions.triage import check_admin_actor
from dmdesk.db.events import record_event
from dmdesk.domain.errors import Conflict, NotFound
from dmdesk.models import TriageModel, TriageTraining, User, Workspace

TRAINED_EVENT = "triage.model_trained"
ACTIVATED_EVENT = "triage.model_activated"
KEEP_VERSIONS = 5
SHIPPED = 0  # "version 0" is the model shipped inside the package
# a training whose instance has not reported for this long is taken as dead (it reports at
# least every HEARTBEAT seconds while it runs)
TRAINING_HEARTBEAT = timedelta(seconds=10)
TRAINING_STALE_AFTER = timedelta(seconds=90)


def summary(row: TriageModel) -> dict[str, Any]:
    """A version as the page, the API and the CLI show it (never the artefact itself)."""
    return {
        "version": row.version,
        "trained_at": row.trained_at.isoformat(timespec="seconds"),
        "trained_by": row.trained_by,
        "active": row.active,
        "meta": dict(row.meta),
    }


def _event(
    session: Session, *, kind: str, workspace_id: int, actor: User | None, at: datetime, **data: Any
) -> None:
    record_event(
        session,
        workspace_id=workspace_id,
        type=kind,
        at=at,
        actor_id=actor.id if actor else None,
        data=data,
    )


def _lock_models(session: Session, workspace_id: int) -> None:
    """Serialise model changes per workspace: two instances saving or activating at once on
    PostgreSQL would otherwise both pick the next version number, or leave two rows active
    (each UPDATE only sees the rows its own snapshot found). SQLite's writer serialises anyway."""
    session.execute(select(Workspace.id).where(Workspace.id == workspace_id).with_for_update())


def _set_active(session: Session, *, workspace_id: int, version: int) -> None:
    session.execute(
        update(TriageModel)
        .where(TriageModel.workspace_id == workspace_id, TriageModel.active.is_(True))
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    if version != SHIPPED:
        session.execute(
            update(TriageModel)
            .where(TriageModel.workspace_id == workspace_id, TriageModel.version == version)
            .values(active=True)
            .execution_options(synchronize_session=False)
        )


def _prune(session: Session, workspace_id: int) -> None:
    """Keep the newest KEEP_VERSIONS versions, and the active one whatever its age."""
    newest = select(TriageModel.version).where(TriageModel.workspace_id == workspace_id)
    kept = session.scalars(newest.order_by(TriageModel.version.desc()).limit(KEEP_VERSIONS))
    session.execute(
        delete(TriageModel)
        .where(
            TriageModel.workspace_id == workspace_id,
            TriageModel.active.is_(False),
            TriageModel.version.not_in(list(kept)),
        )
        .execution_options(synchronize_session=False)
    )


def do_save_triage_model(
    session: Session,
    *,
    workspace_id: int,
    actor: User | None,
    artefact: bytes,
    meta: dict[str, Any],
    at: datetime,
    activate: bool = True,
) -> dict[str, Any]:
    """Store a trained artefact as the workspace's next version (and make it the active one)."""
    check_admin_actor(actor, workspace_id)
    _lock_models(session, workspace_id)
    last = session.scalar(
        select(func.max(TriageModel.version)).where(TriageModel.workspace_id == workspace_id)
    )
    version = int(last or 0) + 1
    row = TriageModel(
        workspace_id=workspace_id,
        version=version,
        trained_at=at,
        trained_by=actor.id if actor else None,
        meta=meta,
        artefact=artefact,
        active=False,
    )
    session.add(row)
    session.flush()
    _event(
        session,
        kind=TRAINED_EVENT,
        workspace_id=workspace_id,
        actor=actor,
        at=at,
        version=version,
        model_version=meta.get("version"),
        corrections=meta.get("corrections"),
    )
    if activate:
        _set_active(session, workspace_id=workspace_id, version=version)
        _event(
            session,
            kind=ACTIVATED_EVENT,
            workspace_id=workspace_id,
            actor=actor,
            at=at,
            version=version,
        )
    _prune(session, workspace_id)
    session.refresh(row)
    return summary(row)


def do_activate_triage_model(
    session: Session, *, workspace_id: int, actor: User | None, version: int, at: datetime
) -> int:
    """Make a kept version the active one; version 0 goes back to the shipped model."""
    check_admin_actor(actor, workspace_id)
    _lock_models(session, workspace_id)
    if version != SHIPPED:
        found = session.scalar(
            select(TriageModel.id).where(
                TriageModel.workspace_id == workspace_id, TriageModel.version == version
            )
        )
        if found is None:
            raise NotFound(f"no triage model version {version}")
    _set_active(session, workspace_id=workspace_id, version=version)
    _event(
        session, kind=ACTIVATED_EVENT, workspace_id=workspace_id, actor=actor, at=at,
        version=version,
    )  # fmt: skip
    return version


def training_is_stale(row: TriageTraining, now: datetime) -> bool:
    return row.state == "training" and now - row.heartbeat_at > TRAINING_STALE_AFTER


def do_claim_training(
    session: Session, *, workspace_id: int, corrections: int, at: datetime
) -> None:
    """Record that a training starts now; refused while another instance's is alive."""
    _lock_models(session, workspace_id)
    row = session.get(TriageTraining, workspace_id)
    if row is not None and row.state == "training" and not training_is_stale(row, at):
        raise Conflict("a training is already running for this workspace")
    if row is None:
        row = TriageTraining(workspace_id=workspace_id)
        session.add(row)
    row.state, row.step, row.reason = "training", "starting", ""
    row.started_at = row.heartbeat_at = at
    row.finished_at, row.version, row.corrections = None, None, corrections


def do_report_training(
    session: Session, *, workspace_id: int, at: datetime, **changes: Any
) -> None:
    """The running training's progress (any of state, step, version, reason, finished_at);
    every report is also its heartbeat."""
    row = session.get(TriageTraining, workspace_id)
    if row is None:
        return
    for key, value in changes.items():
        setattr(row, key, value)
    row.heartbeat_at = at

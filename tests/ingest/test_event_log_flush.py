"""Event-log rows are appended with a Core INSERT on the table (not the ORM-enabled one):
pending changes are still flushed before the row, so it never lands before the change it
describes, and a no_autoflush block is still respected (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from dmdesk.actions.workspaces import do_create_workspace
from dmdesk.db.database import Database
from dmdesk.db.events import PENDING_KEY, record_event
from dmdesk.models import Workspace

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_pending_changes_are_flushed_before_the_event_row(db_url: str) -> None:
    db = Database(db_url)
    try:
        ws_id = db.write(lambda s: do_create_workspace(s, name="Acme", at=AT).id)

        def rename_then_log(s: Any) -> tuple[str, int, str]:
            s.get_one(Workspace, ws_id).name = "Acme Renamed"
            record_event(s, workspace_id=ws_id, type="workspace.renamed", at=AT)
            conn = s.connection()  # plain SQL: sees only what was flushed
            name = conn.execute(
                text("SELECT name FROM workspaces WHERE id = :i"), {"i": ws_id}
            ).scalar_one()
            logged = conn.execute(
                text("SELECT count(*) FROM events WHERE type = 'workspace.renamed'")
            ).scalar_one()
            return name, logged, s.info[PENDING_KEY][-1].type

        assert db.write(rename_then_log) == ("Acme Renamed", 1, "workspace.renamed")
    finally:
        db.close()


def test_no_autoflush_blocks_are_respected(db_url: str) -> None:
    db = Database(db_url)
    try:
        ws_id = db.write(lambda s: do_create_workspace(s, name="Acme", at=AT).id)

        def rename_without_flush(s: Any) -> str:
            with s.no_autoflush:
                s.get_one(Workspace, ws_id).name = "Later"
                record_event(s, workspace_id=ws_id, type="workspace.renamed", at=AT)
                return str(
                    s.connection()
                    .execute(text("SELECT name FROM workspaces WHERE id = :i"), {"i": ws_id})
                    .scalar_one()
                )

        assert db.write(rename_without_flush) == "Acme"
    finally:
        db.close()

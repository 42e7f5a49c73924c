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


def test_the_actor_kind_follows_the_actor_unless_given(db_url: str) -> None:
    """No actor_kind: "user" with an actor id, "system" without; a given kind is kept. The
    stored row and the published event agree."""
    db = Database(db_url)
    try:
        ws_id = db.write(lambda s: do_create_workspace(s, name="Acme", at=AT).id)
        user_id = 7  # events.actor_id is a plain column (the log outlives users)

        def log_three(s: Any) -> list[tuple[str, str]]:
            record_event(s, workspace_id=ws_id, type="t.user", at=AT, actor_id=user_id)
            record_event(s, workspace_id=ws_id, type="t.system", at=AT)
            record_event(
                s, workspace_id=ws_id, type="t.bot", at=AT, actor_kind="bot", actor_id=user_id
            )
            return [(e.type, e.actor_kind) for e in s.info[PENDING_KEY][-3:]]

        published = db.write(log_three)
        expected = [("t.user", "user"), ("t.system", "system"), ("t.bot", "bot")]
        assert published == expected
        with db.session() as s:
            stored = s.execute(
                text("SELECT type, actor_kind FROM events WHERE type LIKE 't.%' ORDER BY id")
            ).all()
        assert [tuple(r) for r in stored] == expected
    finally:
        db.close()

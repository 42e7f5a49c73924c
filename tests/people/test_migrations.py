"""The people migrations go down and up again cleanly (SQLite; PostgreSQL by hand)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from alembic import command

from dmdesk.db.migrate import alembic_config, upgrade


def _columns(path: Path, table: str) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def test_people_migrations_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    assert "person_id" in _columns(path, "contacts")
    assert "search_text" in _columns(path, "messages_fts")
    assert "last_event_id" in _columns(path, "webhook_subscriptions")
    assert "last_run_at" in _columns(path, "retention_policies")
    assert "search_text" in _columns(path, "messages_fts")
    cfg = alembic_config(url)
    command.downgrade(cfg, "0303@-1")
    assert _columns(path, "privacy_settings") == []
    assert "last_run_at" not in _columns(path, "retention_policies")
    assert "text" in _columns(path, "messages_fts")  # the index on the raw text is back
    command.downgrade(cfg, "0302@-1")
    command.downgrade(cfg, "0301@-1")
    assert "person_id" not in _columns(path, "contacts")
    assert _columns(path, "people") == []
    upgrade(url)
    assert "person_id" in _columns(path, "contacts")
    assert "search_text" in _columns(path, "messages_fts")

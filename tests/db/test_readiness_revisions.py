"""The readiness probe's migration check, on a pooled engine and on a throw-away one."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from dmdesk.db.migrate import head_revisions, is_current, upgrade


def test_is_current_before_and_after_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ready.db'}"
    engine = create_engine(url)
    try:
        assert is_current(url, engine=engine) is False
        assert is_current(url) is False
        upgrade(url)
        assert is_current(url, engine=engine) is True
        assert is_current(url) is True
    finally:
        engine.dispose()


def test_one_head_per_capability_branch() -> None:
    # Revision ids are <branch><serial> ("0402" = ownership's second): two heads on one
    # branch would mean a migration forgot its down_revision.
    branches = [h[:2] for h in head_revisions()]
    assert sorted(branches) == sorted(set(branches)), branches
    assert {"01", "02", "03", "04", "05"} <= set(branches)

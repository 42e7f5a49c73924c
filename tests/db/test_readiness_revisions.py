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


def test_heads_cover_every_capability_branch() -> None:
    heads = head_revisions()
    assert len(heads) >= 5
    assert all(h.isdigit() for h in heads)

"""Alembic, driven from code: `dmdesk db upgrade` and the readiness check use it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from dmdesk.db.engine import make_admin_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Upgrade to every head: capabilities may add their tables on branches of their own."""
    command.upgrade(alembic_config(url), revision)


@lru_cache(maxsize=1)
def _script_heads() -> frozenset[str]:
    # The scripts ship with the package and never change while it runs; parse them once.
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def head_revisions() -> set[str]:
    return set(_script_heads())


def revisions_on(conn: Connection) -> set[str]:
    return set(MigrationContext.configure(conn).get_current_heads())


def current_revisions(url: str) -> set[str]:
    engine = make_admin_engine(url)
    try:
        with engine.connect() as conn:
            return revisions_on(conn)
    finally:
        engine.dispose()


def is_current(url: str, *, engine: Engine | None = None) -> bool:
    """True when the database is at every head; `engine` reuses a pool (the readiness probe)."""
    if engine is None:
        return current_revisions(url) == set(_script_heads())
    with engine.connect() as conn:
        return revisions_on(conn) == set(_script_heads())

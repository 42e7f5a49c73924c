"""The migrations and the SQLAlchemy models describe the same schema, on both engines.

A table, column or index that exists on one side only is a bug: either the models would
query something the migrations never created, or autogenerate would one day drop it."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from dmdesk.models import Base

# Full-text search lives outside the models on purpose (FTS5 on SQLite, a tsvector table on
# PostgreSQL), created and kept by migrations and triggers.
FTS_PREFIX = "messages_fts"


def _noise(diff: Any, dialect: str) -> bool:
    if isinstance(diff, list):  # column-level changes come grouped; none are tolerated
        return False
    kind, obj = diff[0], diff[1]
    if kind == "remove_table" and obj.name.startswith(FTS_PREFIX):
        return True
    if kind == "remove_index" and obj.table.name.startswith(FTS_PREFIX):
        return True
    # SQLite does not keep foreign-key constraint names, so a named FK reflects unnamed.
    return dialect == "sqlite" and kind in {"add_fk", "remove_fk"}


def _fk_targets(diffs: list[Any], kind: str) -> set[tuple[str, str]]:
    return {
        (d[1].parent.name, d[1].referred_table.name)
        for d in diffs
        if not isinstance(d, list) and d[0] == kind
    }


def test_models_match_the_migrated_schema(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    dialect = engine.dialect.name
    if dialect == "sqlite":
        # ...but the same foreign keys must still be there on both sides.
        assert _fk_targets(diffs, "add_fk") == _fk_targets(diffs, "remove_fk")
    real = [d for d in diffs if not _noise(d, dialect)]
    assert real == [], "\n".join(str(d)[:160] for d in real)

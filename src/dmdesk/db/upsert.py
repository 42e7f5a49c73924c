"""INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL: dedup without races."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from dmdesk.models.base import Base


@cache
def _statement(model: type[Base], dialect: str, conflict: tuple[str, ...]) -> Insert:
    # Built once per table: values come as execution parameters, so the compiled form
    # is reused (statement construction dominated the ingestion profile).
    table: Any = model.__table__
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt: Insert = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(table.c.id)
    )
    return stmt


def insert_ignore(
    session: Session, model: type[Base], values: dict[str, Any], *, conflict: list[str]
) -> int | None:
    """Insert a row unless one with the same `conflict` columns exists; returns the new id."""
    dialect = session.get_bind().dialect.name
    stmt = _statement(model, dialect, tuple(conflict))
    return session.execute(stmt, values).scalar_one_or_none()

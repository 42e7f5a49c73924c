"""INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL: dedup without races."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dmdesk.models.base import Base


def insert_ignore(
    session: Session, model: type[Base], values: dict[str, Any], *, conflict: list[str]
) -> int | None:
    """Insert a row unless one with the same `conflict` columns exists; returns the new id."""
    table: Any = model.__table__
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(table.c.id)
    )
    return session.execute(stmt).scalar_one_or_none()

"""Alembic environment: runs migrations on the URL given by dmdesk.db.migrate."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

import dmdesk.models  # noqa: F401  (registers every table on the metadata)
from dmdesk.db.engine import make_admin_engine
from dmdesk.models.base import Base

config = context.config


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # The search index is created by hand in 0001 (FTS5 / GIN), not from the metadata.
    return not (name or "").startswith(("messages_fts", "ix_messages_fts"))


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    from dmdesk.models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = make_admin_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()

"""The databases a benchmark loads and times: a fresh one (dropped and created), or the one
the last run loaded (`--reuse`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool


def bench_url(kind: str, *, pg_url: str, sqlite_path: str, pg_name: str, fresh: bool) -> str:
    """SQLite: the file at `sqlite_path`; PostgreSQL: database `pg_name` beside `pg_url`'s.
    `fresh` deletes the file or drops and creates the database first."""
    if kind == "sqlite":
        if fresh:
            Path(sqlite_path).unlink(missing_ok=True)
        return f"sqlite:///{sqlite_path}"
    if fresh:
        admin = create_engine(pg_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        admin.dispose()
    return pg_url.rsplit("/", 1)[0] + f"/{pg_name}"

"""Engines for SQLite (WAL, foreign keys, one writer) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

from dmdesk.domain.pii_mask import mask_for_index


def _sqlite_pragmas(engine: Engine, *, synchronous: str, immediate: bool) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; take it over (SQLAlchemy docs,
    # "Serializable isolation / Savepoints / Transactional DDL").
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()
        # The search-index triggers mask personal data with it (migration 0303).
        dbapi_conn.create_function("dmdesk_mask_pii", 1, mask_for_index, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # The writer takes the lock up front so a read never has to upgrade mid-transaction.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engines(url: str, *, sqlite_synchronous: str = "FULL") -> tuple[Engine, Engine]:
    """(read_engine, write_engine). On PostgreSQL they are the same pooled engine."""
    if url.startswith("sqlite"):
        write = create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=False)
        read = create_engine(url, pool_size=8, max_overflow=16)
        _sqlite_pragmas(write, synchronous=sqlite_synchronous, immediate=True)
        _sqlite_pragmas(read, synchronous=sqlite_synchronous, immediate=False)
        return read, write
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    return engine, engine


def make_admin_engine(url: str) -> Engine:
    """A throwaway engine for migrations and one-off admin work."""
    engine = create_engine(url, poolclass=NullPool)
    if url.startswith("sqlite"):
        _sqlite_pragmas(engine, synchronous="FULL", immediate=False)
    return engine

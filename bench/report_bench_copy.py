"""Fill the SQLite report-bench file from the PostgreSQL bench database: the same rows.

    .venv/bin/python -m bench.report_bench_copy [--pg-url ...] [--sqlite-path ...]
    .venv/bin/python -m bench.report_bench --db sqlite --reuse

`report_bench --db sqlite` generates and inserts the rollups row by row in Python
(slow when the machine is busy: it did not finish in 40 minutes at load average 5-6);
this streams the rows `report_bench --db postgres` loaded (same generator, same seed)
through a binary server-side cursor into SQLite in key order (2.5-4.5 minutes for 11M
rows), then runs ANALYZE. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import insert, select

from dmdesk.db.engine import make_admin_engine
from dmdesk.db.migrate import upgrade
from dmdesk.models import Channel, Team, User, Workspace
from dmdesk.models.metrics import MetricCursor

KEY = "workspace_id, channel_id, team_id, agent_id, category, metric, day"
TABLES = {"metric_cells": ("n, total, hist", KEY), "metric_hourly": ("hour, n", f"{KEY}, hour")}


def copy_rows(pg_url: str, sqlite_path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(sqlite_path + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{sqlite_path}"
    upgrade(url)
    src, dst = make_admin_engine(pg_url), make_admin_engine(url)
    with src.connect() as a, dst.begin() as b:
        for model in (Workspace, Channel, Team, User, MetricCursor):
            rows = [dict(r._mapping) for r in a.execute(select(model.__table__))]
            b.execute(insert(model), rows)
    src.dispose()
    dst.dispose()
    lite = sqlite3.connect(sqlite_path)
    lite.execute("PRAGMA synchronous=OFF")
    with psycopg.connect(pg_url.replace("+psycopg", "")) as pg:
        for table, (extra, order) in TABLES.items():
            _copy_table(pg, lite, table, f"{KEY}, {extra}", order)
    lite.execute("ANALYZE")
    lite.commit()
    lite.close()


def _copy_table(
    pg: psycopg.Connection[tuple[object, ...]],
    lite: sqlite3.Connection,
    table: str,
    columns: str,
    order: str,
) -> None:
    t = time.perf_counter()
    # SQLite keeps dates as ISO text: let the server format them.
    picked = columns.replace("day,", "to_char(day, 'YYYY-MM-DD'),")
    marks = ", ".join("?" for _ in columns.split(","))
    count = 0
    with pg.cursor(name=f"copy_{table}", binary=True) as cur:
        cur.execute(f"SELECT {picked} FROM {table} ORDER BY {order}")
        while rows := cur.fetchmany(50_000):
            lite.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
            count += len(rows)
            print(f"\r  {table}: {count:,} rows", end="", file=sys.stderr, flush=True)
    lite.commit()
    print(f"\r  {table}: {count:,} rows in {time.perf_counter() - t:.0f} s", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1/dmdesk_bench")
    parser.add_argument("--sqlite-path", default="/tmp/dmdesk_report_bench.db")
    args = parser.parse_args()
    copy_rows(args.pg_url, args.sqlite_path)


if __name__ == "__main__":
    main()

"""Report benchmark: the summary report over 1M conversations / 10M messages a year.

    .venv/bin/python -m bench.report_bench --db sqlite --db postgres [--conversations N]
        [--raw] [--reuse] [--pg-url postgresql+psycopg://postgres@127.0.0.1/postgres]

Generates a year of synthetic history (5 channels, 4 teams, 20 agents, 6 categories;
per conversation 5 inbound messages, 4 human replies, 1 bot reply, first/next reply and
resolution times, outcomes) with numpy, aggregates it into the rollup tables with the
same layout `metrics.cube` writes (every dimension slice, day and month cells,
hourly counts), bulk-inserts it (not through the writer), and times
`summary_with_trend` (the API's summary: fold check + period + previous period) cold (a
new engine) and warm, for a year, a month, and a year filtered by channel and agent.
With `--raw` the 10M messages and their events are inserted too (slow; the report does
not read them, they only make the tables realistic); `--reuse --raw` adds them to a
database loaded without them. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import insert, text

from bench.databases import bench_url
from bench.report_bench_raw import NOW, drop_constraints, insert_raw_copy, rebuild_indexes
from dmdesk.db.database import Database
from dmdesk.db.engine import make_admin_engine
from dmdesk.db.migrate import upgrade
from dmdesk.metrics import definitions as d
from dmdesk.metrics.now import now_strip
from dmdesk.metrics.service import refresh, summary_with_trend
from dmdesk.models import Channel, Event, Message, Team, User, Workspace
from dmdesk.models.metrics import MetricCursor
from dmdesk.web.views.dashboard import _charts, _tables

YEAR_START = date(2025, 1, 1)
CHANNELS, TEAMS, AGENTS = 5, 4, 20
CATEGORIES = ["support", "sales", "complaint", "general", "collaboration", "spam"]
METRICS = [
    d.STARTED,
    d.COMPLETED,
    d.QUALIFIED,
    d.CONVERTED,
    d.CONVERSION_VALUE,
    d.ESCALATED,
    d.SLA_TRACKED,
    d.SLA_ATTAINED,
    d.INBOUND,
    d.HUMAN_REPLIES,
    d.CSAT,
    *d.DURATIONS,
    *(m + d.BUSINESS_SUFFIX for m in d.DURATIONS),
]
HIST = [METRICS.index(m) for m in METRICS if m in d.HISTOGRAM_METRICS]
MONTH_OFFSET = 32  # metric code + 32 = its month-grain twin


def synth(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Contributions as flat arrays: metric code, day offset, hour, dims, value."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 365 * 86400, n)
    channel = rng.integers(1, CHANNELS + 1, n)
    agent = rng.integers(1, AGENTS + 1, n)
    team = (agent - 1) % TEAMS + 1
    cat = rng.integers(1, len(CATEGORIES) + 1, n)
    parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(metric: str, idx: np.ndarray, at: np.ndarray, value: np.ndarray) -> None:
        parts.append((METRICS.index(metric), idx, at, value))

    every, one = np.arange(n), np.ones(n, dtype=np.int64)
    for metric, p in (
        (d.STARTED, 1),
        (d.COMPLETED, 0.8),
        (d.QUALIFIED, 0.1),
        (d.CONVERTED, 0.05),
        (d.ESCALATED, 0.03),
        (d.SLA_TRACKED, 1),
    ):
        keep = every[rng.random(n) < p]
        add(metric, keep, start[keep], one[keep])
    sla_ok = every[rng.random(n) < 0.9]
    add(d.SLA_ATTAINED, sla_ok, start[sla_ok], one[sla_ok])
    conv = every[rng.random(n) < 0.05]
    add(d.CONVERSION_VALUE, conv, start[conv], rng.integers(500, 20000, conv.size))
    clock = start.copy()
    frt = np.array([d.quantize(int(v)) for v in rng.lognormal(13.5, 1.2, n)], dtype=np.int64)
    for i in range(5):
        clock = clock + rng.integers(0, 1800, n)
        add(d.INBOUND, every, clock, one)
        reply = (
            frt
            if i == 0
            else np.array([d.quantize(int(v)) for v in rng.lognormal(12.5, 1.0, n)], dtype=np.int64)
        )
        if i < 4:
            add(d.HUMAN_REPLIES, every, clock + reply // 1000, one)
            metric = d.FIRST_RESPONSE if i == 0 else d.NEXT_REPLY
            add(metric, every, clock + reply // 1000, reply)
            add(metric + d.BUSINESS_SUFFIX, every, clock + reply // 1000, reply * 2 // 3)
        clock = clock + reply // 1000
    res = np.array([d.quantize(int(v)) for v in rng.lognormal(16, 1.0, n)], dtype=np.int64)
    add(d.RESOLUTION, every, start + res // 1000, res)
    add(d.RESOLUTION + d.BUSINESS_SUFFIX, every, start + res // 1000, res // 3)
    rated = every[rng.random(n) < 0.3]
    add(d.CSAT, rated, start[rated] + 90000, rng.integers(1, 6, rated.size))
    metric = np.concatenate([np.full(p[1].size, p[0]) for p in parts])
    idx = np.concatenate([p[1] for p in parts])
    at = np.concatenate([p[2] for p in parts])
    return {
        "metric": metric,
        "day": at // 86400,
        "hour": (at % 86400) // 3600,
        "ch": channel[idx],
        "team": team[idx],
        "agent": agent[idx],
        "cat": cat[idx],
        "value": np.concatenate([p[3] for p in parts]),
    }


def _key(
    c: dict[str, np.ndarray], keep: frozenset[str], metric: np.ndarray, day: np.ndarray
) -> np.ndarray:
    ch = c["ch"] if "channel" in keep else 0
    team = c["team"] if "team" in keep else 0
    agent = c["agent"] if "agent" in keep else 0
    cat = c["cat"] if "category" in keep else 0
    return ((((ch * 5 + team) * 21 + agent) * 7 + cat) * 64 + metric) * 1024 + day


def _unkey(key: int) -> tuple[int, int, int, int, int, int]:
    key, day = divmod(key, 1024)
    key, metric = divmod(key, 64)
    key, cat = divmod(key, 7)
    key, agent = divmod(key, 21)
    ch, team = divmod(key, 5)
    return ch, team, agent, cat, metric, day


CELL_COLUMNS = ("workspace_id", "channel_id", "team_id", "agent_id", "category", "metric", "day")
PG_TYPES = {"workspace_id": "int8", "channel_id": "int8", "team_id": "int8", "agent_id": "int8",
            "category": "varchar", "metric": "varchar", "day": "date", "n": "int8",
            "total": "int8", "hist": "bytea", "hour": "int4"}  # fmt: skip


def _cell_row(key: int, *extra: Any) -> tuple[Any, ...]:
    ch, team, agent, cat, metric, day = _unkey(key)
    name = METRICS[metric % MONTH_OFFSET] + (d.MONTH_SUFFIX if metric >= MONTH_OFFSET else "")
    category = CATEGORIES[cat - 1] if cat else d.ALL_CATEGORY
    return (1, ch, team, agent, category, name, YEAR_START + timedelta(days=day), *extra)


def cells(c: dict[str, np.ndarray]) -> Iterator[tuple[Any, ...]]:
    """Rollup rows of every slice and metric, by day and by month: counts, sums and packed
    histograms."""
    is_hist = np.isin(c["metric"], HIST)
    month_day = np.array(
        [
            (YEAR_START + timedelta(days=int(x))).replace(day=1).toordinal()
            - YEAR_START.toordinal()
            for x in range(400)
        ]
    )
    keys_hist = np.concatenate([is_hist, is_hist])
    values = np.concatenate([c["value"], c["value"]])
    for keep in d.CELL_SLICES:
        month_keys = _key(c, keep, c["metric"] + MONTH_OFFSET, month_day[c["day"]])
        keys = np.concatenate([_key(c, keep, c["metric"], c["day"]), month_keys])
        uniq, inv = np.unique(keys, return_inverse=True)
        n = np.bincount(inv)
        total = np.bincount(inv, weights=values).astype(np.int64)
        blobs = _blobs(keys[keys_hist], values[keys_hist])
        for i, key in enumerate(uniq.tolist()):
            yield _cell_row(key, int(n[i]), int(total[i]), blobs.get(key))


def _blobs(keys: np.ndarray, values: np.ndarray) -> dict[int, bytes]:
    order = np.lexsort((values, keys))
    keys, values = keys[order], values[order]
    pair_change = np.concatenate([[True], (keys[1:] != keys[:-1]) | (values[1:] != values[:-1])])
    starts = np.flatnonzero(pair_change)
    counts = np.diff(np.append(starts, keys.size))
    pk, pv = keys[starts], values[starts]
    cell_starts = np.flatnonzero(np.concatenate([[True], pk[1:] != pk[:-1]]))
    bounds = np.append(cell_starts, pk.size)
    out = {}
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        vals = pv[a:b].astype("<i8")
        out[int(pk[a])] = vals.tobytes() + counts[a:b].astype("<i8").tobytes()
    return out


def hourly(c: dict[str, np.ndarray]) -> Iterator[tuple[Any, ...]]:
    codes = [METRICS.index(d.INBOUND), METRICS.index(d.STARTED)]
    sel = np.isin(c["metric"], codes)
    sub = {k: v[sel] for k, v in c.items()}
    for keep in d.HOURLY_SLICES:
        keys = _key(sub, keep, sub["metric"], sub["day"]) * 24 + sub["hour"]
        uniq, counts = np.unique(keys, return_counts=True)
        for key, n in zip(uniq.tolist(), counts.tolist(), strict=True):
            yield _cell_row(key // 24, key % 24, n)


def bulk(engine: Any, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> int:
    """COPY on PostgreSQL, executemany of tuples on SQLite: far faster than the ORM."""
    raw = engine.raw_connection()
    count = 0
    try:
        cur = raw.cursor()
        names = ", ".join(columns)
        if engine.dialect.name == "postgresql":
            # Binary COPY: the histograms go as raw bytes, not hex text (half the volume).
            with cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([PG_TYPES[c] for c in columns])
                for row in rows:
                    copy.write_row(row)
                    count += 1
                    if count % 50_000 == 0:
                        print(f"\r  {table}: {count:,} rows", end="", file=sys.stderr, flush=True)
            print(f"\r  {table}: {count:,} rows", file=sys.stderr, flush=True)
        else:
            marks = ", ".join("?" for _ in columns)
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(tuple(v.isoformat() if isinstance(v, date) else v for v in row))
                if len(batch) == 50000:
                    cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
                    count, batch = count + len(batch), []
            cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
            count += len(batch)
        raw.commit()
    finally:
        raw.close()
    return count


def load(url: str, n: int, *, raw: bool) -> dict[str, float]:
    timings: dict[str, float] = {}
    upgrade(url)
    engine = make_admin_engine(url)  # registers the search-index triggers' SQL function
    now = datetime(2026, 1, 1, tzinfo=UTC)
    t = time.perf_counter()
    contributions = synth(n)
    timings["synthesise_s"] = time.perf_counter() - t
    with engine.begin() as conn:
        conn.execute(
            insert(Workspace),
            [
                {
                    "id": 1,
                    "name": "Bench",
                    "slug": "bench",
                    "timezone": "UTC",
                    "brand_names": [],
                    "settings": {},
                    "created_at": now,
                }
            ],
        )
        conn.execute(
            insert(Channel),
            [
                {
                    "id": i,
                    "workspace_id": 1,
                    "platform": "generic",
                    "external_id": f"c{i}",
                    "name": f"Channel {i}",
                    "secrets_encrypted": "",
                    "config": {},
                    "is_active": True,
                    "created_at": now,
                }
                for i in range(1, CHANNELS + 1)
            ],
        )
        conn.execute(
            insert(Team),
            [
                {"id": i, "workspace_id": 1, "name": f"Team {i}", "created_at": now}
                for i in range(1, TEAMS + 1)
            ],
        )
        conn.execute(
            insert(User),
            [
                {
                    "id": i,
                    "workspace_id": 1,
                    "email": f"a{i}@bench.test",
                    "name": f"Agent {i}",
                    "password_hash": "-",
                    "role": "agent",
                    "is_active": True,
                    "presence": "offline",
                    "capacity": 20,
                    "preferences": {},
                    "created_at": now,
                }
                for i in range(1, AGENTS + 1)
            ],
        )
    t = time.perf_counter()
    rebuild: list[str] = []
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            rebuild = drop_constraints(conn, ("metric_cells", "metric_hourly"))
    rows = bulk(engine, "metric_cells", (*CELL_COLUMNS, "n", "total", "hist"), cells(contributions))
    rows += bulk(engine, "metric_hourly", (*CELL_COLUMNS, "hour", "n"), hourly(contributions))
    if rebuild:
        raw_conn = engine.raw_connection()
        try:
            rebuild_indexes(raw_conn.cursor(), raw_conn, rebuild)
        finally:
            raw_conn.close()
    with engine.begin() as conn:
        conn.execute(insert(MetricCursor), [{"name": "rollups", "last_event_id": 0}])
    timings["rollup_rows"] = rows
    timings["rollups_insert_s"] = time.perf_counter() - t
    if raw:
        timings.update(add_raw(engine, n))
    _analyze(engine)
    engine.dispose()
    return timings


def add_raw(engine: Any, n: int) -> dict[str, float]:
    """The raw rows the rollups stand for (`--raw`, or `--reuse --raw` on a database
    loaded without them)."""
    t = time.perf_counter()
    timings: dict[str, float] = {}
    if engine.dialect.name == "postgresql":
        timings.update(insert_raw_copy(engine, n))
    else:
        timings["raw_rows"] = insert_raw(engine, n)
    with engine.begin() as conn:  # the rollups stand for these events: nothing to fold
        conn.execute(text("UPDATE metric_cursor SET last_event_id = :n"), {"n": n * 10})
    timings["raw_insert_s"] = time.perf_counter() - t
    return timings


def _analyze(engine: Any) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def insert_raw(engine: Any, n: int) -> int:
    """Contacts, conversations, 10 messages each and their message.created events."""
    rng = np.random.default_rng(3)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    total = 0
    with engine.begin() as conn:
        for lo in range(0, n, 20000):
            hi = min(n, lo + 20000)
            ids = range(lo + 1, hi + 1)
            starts = rng.integers(0, 365 * 86400, hi - lo)
            conn.execute(
                text(
                    "INSERT INTO contacts (id, workspace_id, channel_id, external_id, attributes, "
                    "created_at) VALUES (:id, 1, :ch, :ext, '{}', :at)"
                ),
                [{"id": i, "ch": i % CHANNELS + 1, "ext": f"u{i}", "at": base} for i in ids],
            )
            conv_rows = [
                _conversation(i, base + timedelta(seconds=int(s)))
                for i, s in zip(ids, starts, strict=True)
            ]
            conn.execute(insert(_table("conversations")), conv_rows)
            msgs, events = [], []
            for i, s in zip(ids, starts, strict=True):
                for k in range(10):
                    mid = (i - 1) * 10 + k + 1
                    at = base + timedelta(seconds=int(s) + 600 * k)
                    inbound = k % 2 == 0
                    msgs.append(_message(mid, i, at, inbound))
                    events.append(
                        {
                            "id": mid,
                            "workspace_id": 1,
                            "type": "message.created",
                            "conversation_id": i,
                            "actor_kind": "contact" if inbound else "agent",
                            "actor_id": None,
                            "occurred_at": at,
                            "data": {
                                "message_id": mid,
                                "direction": "inbound" if inbound else "outbound",
                            },
                        }
                    )
            conn.execute(insert(Message), msgs)
            conn.execute(insert(Event), events)
            total += len(conv_rows) + len(msgs) + len(events)
    return total


def _table(name: str) -> Any:
    from dmdesk.models.base import Base

    return Base.metadata.tables[name]


def _conversation(i: int, at: datetime) -> dict[str, Any]:
    return {
        "id": i,
        "workspace_id": 1,
        "channel_id": i % CHANNELS + 1,
        "contact_id": i,
        "status": "resolved",
        "priority": "normal",
        "triage": {},
        "queue_rank": 5,
        "sort_at": at,
        "last_message_at": at,
        "last_message_preview": "",
        "last_message_author": "contact",
        "unread_count": 0,
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }


def _message(mid: int, conv: int, at: datetime, inbound: bool) -> dict[str, Any]:
    return {
        "id": mid,
        "workspace_id": 1,
        "conversation_id": conv,
        "channel_id": conv % CHANNELS + 1,
        "direction": "inbound" if inbound else "outbound",
        "author_kind": "contact" if inbound else "agent",
        "platform_message_id": f"m{mid}",
        "text": "hello, where is my order?",
        "attachments": [],
        "sent_at": at,
        "received_at": at,
        "is_deleted": False,
        "reactions": [],
        "meta": {},
    }


def _dashboard(db: Database, flt: d.ReportFilter) -> dict[str, Any]:
    """What `/dashboard` computes: the summary with trend, charts and four breakdowns."""
    services: Any = SimpleNamespace(db=db)
    out = summary_with_trend(db, 1, flt)
    _charts(services, 1, flt)
    _tables(services, 1, flt)
    return out


def _now_strip(db: Database, _flt: d.ReportFilter) -> dict[str, Any]:
    refresh(db)
    with db.session() as s:
        return now_strip(s, 1, now=NOW)


def _timed(run: Any, url: str, flt: d.ReportFilter, repeats: int) -> dict[str, Any]:
    db = Database(url)  # a new engine: the cold run opens connections and reads pages
    t, c = time.perf_counter(), time.process_time()
    result = run(db, flt)
    cold, cold_cpu = time.perf_counter() - t, time.process_time() - c
    warm, warm_cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        run(db, flt)
        warm.append(time.perf_counter() - t)
        warm_cpu.append(time.process_time() - c)
    db.close()
    out = {
        "cold_s": round(cold, 3),
        "warm_median_s": round(statistics.median(warm), 3),
        "cold_cpu_s": round(cold_cpu, 3),
        "warm_cpu_s": round(statistics.median(warm_cpu), 3),
    }
    if "metrics" in result:
        frt = result["metrics"]["first_response_time"]
        out.update(frt_n=frt["n"], frt_median_s=frt["median_s"])
    else:
        out["now"] = {k: result[k] for k in ("open_conversations", "awaiting_first_reply")}
    return out


def time_reports(url: str, repeats: int = 5) -> dict[str, Any]:
    """Cold and warm wall time, and the client process's CPU time (the database server's
    is not included), for the summary, the whole dashboard and the NOW strip."""
    year = d.ReportFilter(YEAR_START, date(2025, 12, 31))
    cases: dict[str, tuple[Any, d.ReportFilter]] = {
        "year": (_summary, year),
        "month": (_summary, d.ReportFilter(date(2025, 6, 1), date(2025, 6, 30))),
        "year_business": (
            _summary,
            d.ReportFilter(YEAR_START, date(2025, 12, 31), d.HoursMode.BUSINESS),
        ),
        "year_channel_agent": (
            _summary,
            d.ReportFilter(YEAR_START, date(2025, 12, 31), channel_id=2, agent_id=7),
        ),
        "quarter_edges": (_summary, d.ReportFilter(date(2025, 2, 10), date(2025, 5, 20))),
        "dashboard_week": (_dashboard, d.ReportFilter(date(2025, 12, 25), date(2025, 12, 31))),
        "dashboard_year": (_dashboard, year),
        "now_strip": (_now_strip, year),
    }
    return {name: _timed(run, url, flt, repeats) for name, (run, flt) in cases.items()}


def _summary(db: Database, flt: d.ReportFilter) -> dict[str, Any]:
    return summary_with_trend(db, 1, flt)


def _has_raw(url: str) -> bool:
    engine = make_admin_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT EXISTS (SELECT 1 FROM events)")) is True
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--raw", action="store_true")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    parser.add_argument("--sqlite-path", default="/tmp/dmdesk_report_bench.db")
    parser.add_argument("--reuse", action="store_true", help="time the last loaded database")
    args = parser.parse_args()
    for kind in args.db or ["sqlite"]:
        url = bench_url(
            kind,
            pg_url=args.pg_url,
            sqlite_path=args.sqlite_path,
            pg_name="dmdesk_bench",
            fresh=not args.reuse,
        )
        if args.reuse:
            t = time.perf_counter()
            upgrade(url)  # a database loaded before a data migration (0102) gets it now
            print(kind, {"upgrade_s": round(time.perf_counter() - t, 1)}, flush=True)
            if args.raw and not _has_raw(url):
                engine = make_admin_engine(url)
                added = add_raw(engine, args.conversations)
                _analyze(engine)
                engine.dispose()
                print(kind, {k: round(v, 1) for k, v in added.items()}, flush=True)
        else:
            loaded = load(url, args.conversations, raw=args.raw)
            print(kind, {k: round(v, 1) for k, v in loaded.items()}, flush=True)
        for name, figures in time_reports(url).items():
            print(f"  {kind} {name}: {figures}", flush=True)


if __name__ == "__main__":
    main()

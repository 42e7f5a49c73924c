"""The raw rows behind the report benchmark: contacts, conversations, 10 messages each and
their `message.created` events, bulk-loaded with COPY (PostgreSQL) with progress.

On PostgreSQL the tables' secondary indexes and constraints are dropped for the load and
rebuilt afterwards (the usual bulk-load practice; the rebuild is timed separately). The
last two days of the synthetic year hold open conversations, some still waiting for a
first reply, with SLA rows, so the dashboard's live strip has realistic work to do.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import text

CHANNELS, TEAMS, AGENTS = 5, 4, 20
CATEGORIES = ["support", "sales", "complaint", "general", "collaboration", "spam"]
BASE = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_S = 365 * 86400
OPEN_WINDOW_S = 2 * 86400  # conversations started in the last two days are still open
WAITING_WINDOW_S = 4 * 3600  # ... and those of the last four hours await a first reply
TEXTS = [
    "hello, where is my order?",
    "my card was declined at the shop",
    "can I change the delivery address",
    "thanks, that worked",
    "how do I reset my password",
    "is the shop open on sunday",
    "I want a refund for the broken item",
    "do you ship to Canada",
]
RAW_TABLES = ("contacts", "conversations", "messages", "events", "conversation_sla", "messages_fts")
CHUNK = 20_000


def _ts(seconds: np.ndarray) -> list[str]:
    stamps = (np.datetime64("2025-01-01T00:00:00") + seconds.astype("timedelta64[s]")).astype(
        "datetime64[s]"
    )
    return [s + "+00" for s in np.datetime_as_string(stamps).tolist()]


def _progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    print(f"\r  {label}: {done:,}/{total:,} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)


def _copy(cur: Any, table: str, columns: str, lines: Iterator[str]) -> int:
    count = 0
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buf = io.StringIO()
        for line in lines:
            buf.write(line)
            count += 1
            if count % 50_000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())
    return count


def _conversation_lines(lo: int, hi: int, starts: np.ndarray) -> Iterator[str]:
    ends = starts + 9 * 600
    start_s, end_s = _ts(starts), _ts(ends)
    for k, i in enumerate(range(lo + 1, hi + 1)):
        ch, agent = i % CHANNELS + 1, i % AGENTS + 1
        team, cat = (agent - 1) % TEAMS + 1, CATEGORIES[i % len(CATEGORIES)]
        age = YEAR_S - int(starts[k])
        is_open, waiting = age <= OPEN_WINDOW_S, age <= WAITING_WINDOW_S
        status = "open" if is_open else "resolved"
        first_reply = r"\N" if waiting else start_s[k]
        rank = 4 if waiting else 5
        wait = start_s[k] if waiting else r"\N"
        resolved = r"\N" if is_open else end_s[k]
        yield (
            f"{i}\t1\t{ch}\t{i}\t{status}\tnormal\t{cat}\t{{}}\t{agent}\t{team}\t{rank}\t"
            f"{start_s[k]}\t{wait}\t{start_s[k]}\t{first_reply}\t{start_s[k]}\t{end_s[k]}\t"
            f"{TEXTS[i % 8]}\tcontact\t{resolved}\t0\t1\t{start_s[k]}\t{end_s[k]}\n"
        )


CONVERSATION_COLUMNS = (
    "id, workspace_id, channel_id, contact_id, status, priority, category, triage, "
    "assignee_id, team_id, queue_rank, sort_at, waiting_since, first_inbound_at, "
    "first_human_reply_at, last_inbound_at, last_message_at, last_message_preview, "
    "last_message_author, resolved_at, unread_count, version, created_at, updated_at"
)
MESSAGE_COLUMNS = (
    "id, workspace_id, conversation_id, channel_id, direction, author_kind, "
    "platform_message_id, text, attachments, sent_at, received_at, is_deleted, reactions, meta"
)
EVENT_COLUMNS = "id, workspace_id, type, conversation_id, actor_kind, occurred_at, data"


def _message_lines(lo: int, hi: int, starts: np.ndarray) -> Iterator[str]:
    times = _ts((starts[:, None] + np.arange(10)[None, :] * 600).ravel())
    for k, i in enumerate(range(lo + 1, hi + 1)):
        ch = i % CHANNELS + 1
        for j in range(10):
            mid = (i - 1) * 10 + j + 1
            inbound = j % 2 == 0
            direction = "inbound" if inbound else "outbound"
            author = "contact" if inbound else ("bot" if j == 9 else "agent")
            at = times[k * 10 + j]
            yield (
                f"{mid}\t1\t{i}\t{ch}\t{direction}\t{author}\tm{mid}\t{TEXTS[(i + j) % 8]}\t[]\t"
                f"{at}\t{at}\tf\t[]\t{{}}\n"
            )


def _event_lines(lo: int, hi: int, starts: np.ndarray) -> Iterator[str]:
    times = _ts((starts[:, None] + np.arange(10)[None, :] * 600).ravel())
    for k, i in enumerate(range(lo + 1, hi + 1)):
        for j in range(10):
            mid = (i - 1) * 10 + j + 1
            inbound = j % 2 == 0
            data = json.dumps(
                {"message_id": mid, "direction": "inbound" if inbound else "outbound"}
            )
            actor = "contact" if inbound else ("bot" if j == 9 else "agent")
            yield f"{mid}\t1\tmessage.created\t{i}\t{actor}\t{times[k * 10 + j]}\t{data}\n"


def _contact_lines(lo: int, hi: int, _starts: np.ndarray) -> Iterator[str]:
    for i in range(lo + 1, hi + 1):
        yield f"{i}\t1\t{i % CHANNELS + 1}\tu{i}\t{{}}\t2025-01-01 00:00:00+00\n"


def _sla_lines(lo: int, hi: int, starts: np.ndarray) -> Iterator[str]:
    due = _ts(starts + 3600)
    for k, i in enumerate(range(lo + 1, hi + 1)):
        age = YEAR_S - int(starts[k])
        if age <= OPEN_WINDOW_S:
            state = "breached" if age > 3600 and i % 3 == 0 else "ok"
            yield f"{i}\t1\t{state}\t{due[k]}\t[]\t{due[k]}\n"


SLA_COLUMNS = "conversation_id, workspace_id, state, due_at, clocks, checked_until"


def drop_constraints(conn: Any, tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' indexes and constraints; return the statements that rebuild them."""
    names = {"t": list(tables)}
    cons = conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
            "FROM pg_constraint "
            "WHERE (conrelid::regclass::text = ANY(:t) AND contype IN ('p', 'u')) "
            "OR (contype = 'f' AND (conrelid::regclass::text = ANY(:t) "
            "OR confrelid::regclass::text = ANY(:t)))"
        ),
        names,
    ).all()
    idx = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ),
        names,
    ).all()
    for table, name, _, _ in sorted(cons, key=lambda c: c[3] != "f"):
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}" CASCADE'))
    for name, _ in idx:
        conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
    rebuild = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, _ in cons]
    return [*rebuild, *(d for _, d in idx)]


def _chunks(n: int, rng: np.random.Generator) -> Iterator[tuple[int, int, np.ndarray]]:
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        yield lo, hi, rng.integers(0, YEAR_S, hi - lo)


def rebuild_indexes(cur: Any, raw: Any, statements: list[str]) -> None:
    cur.execute("SET maintenance_work_mem = '1GB'")
    for i, statement in enumerate(statements, 1):
        print(f"\r  rebuilding index {i}/{len(statements)}", end="", file=sys.stderr, flush=True)
        cur.execute(statement)
        raw.commit()
    print(file=sys.stderr)


def insert_raw_copy(engine: Any, n: int) -> dict[str, float]:
    """COPY every raw row; rebuild the indexes; return row counts and timings."""
    out: dict[str, float] = {}
    with engine.begin() as conn:
        rebuild = drop_constraints(conn, RAW_TABLES)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET synchronous_commit = off")
        # The search side table is filled per row by a trigger (10x slower than COPY); the
        # reports never read it, so the bench leaves it empty (see docs/METRICS.md).
        cur.execute("ALTER TABLE messages DISABLE TRIGGER messages_fts_iu")
        loaders: list[tuple[str, str, Callable[..., Iterator[str]]]] = [
            ("contacts", "id, workspace_id, channel_id, external_id, attributes, created_at",
             _contact_lines),
            ("conversations", CONVERSATION_COLUMNS,
             _conversation_lines),
            ("messages", MESSAGE_COLUMNS, _message_lines),
            ("events", EVENT_COLUMNS, _event_lines),
            ("conversation_sla", SLA_COLUMNS, _sla_lines),
        ]  # fmt: skip
        for table, columns, lines in loaders:
            t, rows = time.perf_counter(), 0
            for lo, hi, starts in _chunks(n, np.random.default_rng(3)):
                rows += _copy(cur, table, columns, lines(lo, hi, starts))
                raw.commit()
                _progress(table, hi, n, t)
            print(file=sys.stderr)
            out[f"{table}_rows"], out[f"{table}_copy_s"] = rows, time.perf_counter() - t
        t = time.perf_counter()
        cur.execute("ALTER TABLE messages ENABLE TRIGGER messages_fts_iu")
        rebuild_indexes(cur, raw, rebuild)
        out["index_rebuild_s"] = time.perf_counter() - t
        for table in ("contacts", "conversations", "messages", "events"):
            cur.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
    return out


NOW = BASE + timedelta(seconds=YEAR_S - 1800)  # the bench's "now": 23:30 on the last day

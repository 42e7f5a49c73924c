"""Inbox benchmark: the first page of the list and the rail's view counts at 100k
conversations, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.inbox_bench --db sqlite --db postgres [--conversations N]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1/postgres] [--repeats 50] [--reuse]

Bulk-inserts one workspace, 20 agents, 5 channels and N conversations (35% open, 10%
waiting, 5% snoozed, 50% resolved; 2% spam; a quarter unassigned; SLA rows on the
unresolved ones, some warning, some breached) straight into tables migrated to the
current heads, then times, per view: `list_conversations` (the first page), the new
capped `view_counts`, and the old uncapped COUNT ... FILTER query kept here as the
baseline; and how many conversations the incremental SLA job picks 30 s later, and how
long picking them takes. Wall time (p50, p95) and this process's CPU time (p50) per call
(on PostgreSQL the server's CPU is not in that figure). Not part of the tests.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy import and_, create_engine, event, func, insert, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from bench.databases import bench_url
from dmdesk.db.engine import make_engines
from dmdesk.db.migrate import upgrade
from dmdesk.models import Channel, Conversation, User, Workspace
from dmdesk.models.base import Base
from dmdesk.queries.inbox import InboxFilter, list_conversations, view_counts
from dmdesk.routing.sla_job import OPEN, due_for_check

CHANNELS, AGENTS = 5, 20
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
STATUSES = np.array(["open", "pending", "snoozed", "resolved"])
STATUS_P = [0.35, 0.10, 0.05, 0.50]


def _fixed_rows(conn: Any) -> None:
    conn.execute(
        insert(Workspace),
        [{"id": 1, "name": "Bench", "slug": "bench", "timezone": "UTC", "brand_names": [],
          "settings": {}, "created_at": NOW}],
    )  # fmt: skip
    conn.execute(
        insert(Channel),
        [
            {"id": i, "workspace_id": 1, "platform": "generic", "external_id": f"c{i}",
             "name": f"Channel {i}", "secrets_encrypted": "", "config": {}, "is_active": True,
             "created_at": NOW}
            for i in range(1, CHANNELS + 1)
        ],
    )  # fmt: skip
    conn.execute(
        insert(User),
        [
            {"id": i, "workspace_id": 1, "email": f"a{i}@bench.test", "name": f"Agent {i}",
             "password_hash": "-", "role": "agent", "is_active": True, "presence": "online",
             "capacity": 20, "preferences": {}, "created_at": NOW}
            for i in range(1, AGENTS + 1)
        ],
    )  # fmt: skip


def _chunk(rng: Any, lo: int, hi: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    size = hi - lo
    status = rng.choice(STATUSES, size, p=STATUS_P)
    spam = rng.random(size) < 0.02
    assignee = rng.integers(1, AGENTS + 1, size)
    unassigned = rng.random(size) < 0.25
    rank = rng.integers(1, 5, size)
    age = rng.integers(60, 30 * 86400, size)
    paused = rng.random(size) < 0.1
    due_in = rng.integers(-3 * 3600, 3 * 3600, size)  # due between 3 h ago and in 3 h
    convs, slas = [], []
    for k in range(size):
        i = lo + k + 1
        at = NOW - timedelta(seconds=int(age[k]))
        convs.append(
            {"id": i, "workspace_id": 1, "channel_id": i % CHANNELS + 1, "contact_id": i,
             "status": str(status[k]), "priority": "normal",
             "category": "spam" if spam[k] else None, "triage": {},
             "assignee_id": None if unassigned[k] else int(assignee[k]),
             "queue_rank": int(rank[k]), "sort_at": at, "waiting_since": at,
             "last_message_at": at, "last_message_preview": "Where is my order?",
             "last_message_author": "contact", "unread_count": 1, "version": 1,
             "created_at": at, "updated_at": at}
        )  # fmt: skip
        if status[k] != "resolved":
            due = NOW + timedelta(seconds=int(due_in[k]))
            state = "paused" if paused[k] else _state(due)
            slas.append(
                {"conversation_id": i, "workspace_id": 1, "state": state,
                 "target": "first_response", "due_at": due,
                 "warning_at": due - timedelta(minutes=30), "clocks": [], "checked_until": NOW}
            )  # fmt: skip
    return convs, slas


def _state(due: datetime) -> str:
    """What the SLA job would have recorded at NOW (warning 30 minutes before due)."""
    if due <= NOW:
        return "breached"
    return "warning" if due - timedelta(minutes=30) <= NOW else "ok"


def load(url: str, n: int) -> float:
    upgrade(url)
    engine = create_engine(url, poolclass=NullPool)
    rng = np.random.default_rng(5)
    started = time.perf_counter()
    with engine.begin() as conn:
        _fixed_rows(conn)
        for lo in range(0, n, 20000):
            hi = min(n, lo + 20000)
            conn.execute(
                text(
                    "INSERT INTO contacts (id, workspace_id, channel_id, external_id, name, "
                    "attributes, created_at) VALUES (:id, 1, :ch, :ext, :name, '{}', :at)"
                ),
                [
                    {"id": i, "ch": i % CHANNELS + 1, "ext": f"u{i}", "name": f"P {i}", "at": NOW}
                    for i in range(lo + 1, hi + 1)
                ],
            )
            convs, slas = _chunk(rng, lo, hi)
            conn.execute(insert(Base.metadata.tables["conversations"]), convs)
            conn.execute(insert(Base.metadata.tables["conversation_sla"]), slas)
    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def old_view_counts(session: Session, *, user: User) -> dict[str, int]:
    """The rail's counts before this change: COUNT ... FILTER over every conversation."""
    c = Conversation
    not_spam = or_(c.category.is_(None), c.category != "spam")
    spam = and_(c.category == "spam", c.status != "resolved")
    active = c.status.in_(("open", "pending"))
    row = session.execute(
        select(
            func.count().filter(c.assignee_id == user.id, active, not_spam),
            func.count().filter(c.assignee_id.is_(None), c.status == "open", not_spam),
            func.count().filter(c.status == "open", not_spam),
            func.count().filter(c.status == "pending", not_spam),
            func.count().filter(c.status == "snoozed", not_spam),
            func.count().filter(spam),
        ).where(c.workspace_id == user.workspace_id)
    ).one()
    return dict(zip(("mine", "unassigned", "open", "pending", "snoozed", "spam"), row, strict=True))


def _timed(work: Callable[[], object], repeats: int) -> dict[str, float]:
    work()  # warm the page cache and the statement cache
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        work()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    walls.sort()
    cpus.sort()
    return {
        "p50_ms": round(statistics.median(walls), 2),
        "p95_ms": round(walls[int(0.95 * (len(walls) - 1))], 2),
        "cpu_p50_ms": round(statistics.median(cpus), 2),
        "cpu_p95_ms": round(cpus[int(0.95 * (len(cpus) - 1))], 2),
    }


def _page(session: Session, user: User, view: str) -> object:
    return list_conversations(session, user=user, flt=InboxFilter(view=view))


def _server_ms(session: Session, work: Callable[[], object], repeats: int) -> dict[str, float]:
    """PostgreSQL's own execution and planning time (EXPLAIN ANALYZE) of the statements
    `work` runs, summed per call; the median over `repeats` calls. Client CPU and the
    round trips are not in it."""
    captured: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def grab(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        captured.append((statement, params))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    execs, plans = [], []
    conn = session.connection()
    for _ in range(repeats):
        run = plan = 0.0
        for statement, params in captured:
            lines = conn.exec_driver_sql("EXPLAIN (ANALYZE, TIMING OFF) " + statement, params)
            for (line,) in lines:
                if line.startswith("Execution Time"):
                    run += float(line.split()[2])
                elif line.startswith("Planning Time"):
                    plan += float(line.split()[2])
        execs.append(run)
        plans.append(plan)
    return {
        "server_exec_p50_ms": round(statistics.median(execs), 2),
        "server_plan_p50_ms": round(statistics.median(plans), 2),
    }


def time_inbox(url: str, repeats: int) -> dict[str, dict[str, float]]:
    reader, _writer = make_engines(url)
    out: dict[str, dict[str, float]] = {}
    with Session(reader) as s:
        user = s.get_one(User, 1)
        s.expunge(user)
        for view in ("open", "mine", "unassigned", "pending", "breaching", "breached", "spam"):
            out[f"page {view}"] = _timed(partial(_page, s, user, view), repeats)
        out["counts new (capped)"] = _timed(lambda: view_counts(s, user=user), repeats)
        out["counts old (FILTER)"] = _timed(lambda: old_view_counts(s, user=user), repeats)
        out["first page + counts new"] = _timed(
            lambda: (
                list_conversations(s, user=user, flt=InboxFilter()),
                view_counts(s, user=user),
            ),
            repeats,
        )
        out["first page + counts old"] = _timed(
            lambda: (
                list_conversations(s, user=user, flt=InboxFilter()),
                old_view_counts(s, user=user),
            ),
            repeats,
        )
        print("  counts:", view_counts(s, user=user), old_view_counts(s, user=user))
        if url.startswith("postgresql"):
            for name, work in (
                ("page open", partial(_page, s, user, "open")),
                ("counts new (capped)", partial(view_counts, s, user=user)),
                ("counts old (FILTER)", partial(old_view_counts, s, user=user)),
            ):
                out[name + " [server]"] = _server_ms(s, work, repeats)
        later = NOW + timedelta(seconds=30)  # the SLA job's next run
        out["sla job: pick due (incremental)"] = _timed(
            lambda: due_for_check(s, now=later), repeats
        )
        open_ids = select(Conversation.id).where(Conversation.status.in_(OPEN))
        print(
            f"  sla job rechecks {len(due_for_check(s, now=later))} conversations "
            f"instead of {len(list(s.scalars(open_ids)))}"
        )
    reader.dispose()
    _writer.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    parser.add_argument("--sqlite-path", default="/tmp/dmdesk_inbox_bench.db")
    parser.add_argument("--reuse", action="store_true", help="time the last loaded databases")
    args = parser.parse_args()
    for kind in args.db or ["sqlite"]:
        url = bench_url(
            kind,
            pg_url=args.pg_url,
            sqlite_path=args.sqlite_path,
            pg_name="dmdesk_inbox_bench",
            fresh=not args.reuse,
        )
        if not args.reuse:
            print(f"{kind}: loaded {args.conversations} in {load(url, args.conversations):.1f}s")
        for name, figures in time_inbox(url, args.repeats).items():
            print(f"  {kind} {name}: {figures}", flush=True)


if __name__ == "__main__":
    main()

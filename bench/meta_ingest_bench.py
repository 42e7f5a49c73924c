"""Ingest rate through the Meta endpoint with batched deliveries (not part of the test suite).

    .venv/bin/python bench/meta_ingest_bench.py [--posts 400] [--pages 5] [--per-page 10]

Builds signed Messenger webhooks with the platform simulator's builders, each POST carrying
`pages` entries x `per-page` messaging items (50 events by default, as Meta batches under
load), and sends them over real HTTP to `dmdesk serve` on SQLite with bench/loadgen.py:
first with the workers off (events/s acknowledged: verified, stored durably, 200), then
the workers alone drain the queue (events/s processed into conversations and messages).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webhook_bench import count, cpu_seconds, free_port, load, wait_up  # noqa: E402
from dmdesk.simulator.accounts import SimAccount  # noqa: E402
from dmdesk.simulator.formats import meta_message, ms  # noqa: E402
from dmdesk.simulator.people import meta_signature  # noqa: E402
from dmdesk.simulator.script import Person, ScriptStep  # noqa: E402

APP_SECRET = "bench-meta-app-secret"
PY = sys.executable


def pages(n: int) -> list[SimAccount]:
    return [SimAccount(f"1000000000{i:05d}", APP_SECRET) for i in range(n)]


def setup_db(workdir: Path, accounts: list[SimAccount]) -> str:
    from dmdesk.actions.channels import do_create_channel
    from dmdesk.actions.workspaces import do_create_workspace
    from dmdesk.db.database import Database
    from dmdesk.db.migrate import upgrade
    from dmdesk.db.secretbox import SecretBox

    url = f"sqlite:///{workdir / 'meta-bench.db'}"
    upgrade(url)
    db = Database(url)
    at = datetime.now(UTC)
    settings = {"app_secret": APP_SECRET, "verify_token": "v", "access_token": "t"}

    def work(s: Any) -> None:
        ws = do_create_workspace(s, name="Bench", at=at)
        for account in accounts:
            do_create_channel(
                s,
                workspace_id=ws.id,
                platform="messenger",
                name=f"Page {account.account_id}",
                external_id=account.account_id,
                settings=settings,
                box=SecretBox("bench"),
                at=at,
            )

    db.write(work)
    db.close()
    return url


def batched_body(accounts: list[SimAccount], *, post: int, per_page: int, start: datetime) -> str:
    """One delivery: an entry per page, `per_page` messages from different people in each."""
    entries = []
    for p, account in enumerate(accounts):
        events = []
        for k in range(per_page):
            seq = (post * len(accounts) + p) * per_page + k + 1
            person = Person(number=seq % 5000, name="Bench Person", handle=f"b{seq % 5000}")
            at = start + timedelta(milliseconds=seq)
            step = ScriptStep("text", person, seq, at, "Hi, where is my order #A1001?")
            events.append(meta_message(account, step, platform="messenger"))
        entries.append({"id": account.account_id, "time": ms(start), "messaging": events})
    return json.dumps({"object": "page", "entry": entries}, separators=(",", ":"))


def write_requests(path: Path, accounts: list[SimAccount], *, posts: int, per_page: int) -> None:
    start = datetime.now(UTC)
    with path.open("w") as out:
        for post in range(posts):
            body = batched_body(accounts, post=post, per_page=per_page, start=start)
            sig = meta_signature(APP_SECRET, body.encode())
            req = {"path": "/webhooks/messenger", "headers": {"X-Hub-Signature-256": sig}}
            out.write(json.dumps({**req, "body": body}) + "\n")


def serve(workdir: Path, db_url: str, *, workers: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DMDESK_DATABASE_URL": db_url,
        "DMDESK_SECRET_KEY": "bench",
        "DMDESK_RUN_WORKERS": str(workers).lower(),
        "DMDESK_LOG_LEVEL": "WARNING",
    }
    cmd = [PY, "-m", "dmdesk.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    wait_up(url)
    return proc, url


def pending(db_url: str) -> int:
    return count(db_url, "SELECT count(*) FROM inbound_events WHERE status='pending'")


def run(workdir: Path, *, posts: int, n_pages: int, per_page: int, conns: int) -> dict[str, Any]:
    accounts = pages(n_pages)
    db_url = setup_db(workdir, accounts)
    reqs = workdir / "meta-reqs.jsonl"
    write_requests(reqs, accounts, posts=posts, per_page=per_page)
    per_post = n_pages * per_page
    server, base = serve(workdir, db_url, workers=False)
    try:
        cpu0 = cpu_seconds(server.pid)
        acked = load(base, reqs, connections=conns)
        ack_cpu = cpu_seconds(server.pid) - cpu0
    finally:
        server.terminate()
        server.wait()
    queued = pending(db_url)
    server, base = serve(workdir, db_url, workers=True)
    started = time.perf_counter()
    cpu0 = cpu_seconds(server.pid)
    try:
        while pending(db_url) > 0:
            time.sleep(0.25)
        drained = time.perf_counter() - started
        drain_cpu = cpu_seconds(server.pid) - cpu0
    finally:
        server.terminate()
        server.wait()
    return {
        "posts": posts,
        "events_per_post": per_post,
        "ack_statuses": acked["statuses"],
        "posts_acked_per_s": acked["rps"],
        "events_acked_per_s": acked["rps"] * per_post,
        "queued_events": queued,
        "ack_cpu_ms_per_event": 1000 * ack_cpu / max(1, posts * per_post),
        "events_processed_per_s": queued / drained,
        "process_cpu_ms_per_event": 1000 * drain_cpu / max(1, queued),
        "messages": count(db_url, "SELECT count(*) FROM messages"),
        "conversations": count(db_url, "SELECT count(*) FROM conversations"),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--per-page", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(
            Path(tmp),
            posts=args.posts,
            n_pages=args.pages,
            per_page=args.per_page,
            conns=args.connections,
        )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

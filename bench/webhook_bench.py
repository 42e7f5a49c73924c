"""Webhook ingestion and inbox benchmark over real HTTP (not part of the test suite).

    .venv/bin/python bench/webhook_bench.py [--events 20000] [--rate 1000] [--sizes 10000,100000]

Measures, on SQLite: the bare-endpoint ceiling; signed events/s acknowledged durably;
events/s fully processed into conversations; ack latency p50/p99 at a fixed offered
rate; the inbox first page's p50/p95 at 10k and 100k conversations. Each throughput is
also given as a ratio to the ceiling measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from dmdesk.db.engine import make_admin_engine

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat(5))
    return ticks / os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def wait_up(url: str, *, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s  # a loaded machine can take a minute to import
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=0.5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def start_dmdesk(
    workdir: Path, db_url: str, *, workers: bool
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DMDESK_DATABASE_URL": db_url,
        "DMDESK_SECRET_KEY": "bench",
        "DMDESK_RUN_WORKERS": str(workers).lower(),
        "DMDESK_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [PY, "-m", "dmdesk.cli", "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_up(url)
    return proc, url


def start_bare() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "uvicorn",
            "bench.bare_app:app",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.post(f"{url}/webhooks/generic/1", content=b"{}", timeout=0.5)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, url


def make_requests(path: Path, *, n: int, channel_id: int, prefix: str, people: int) -> None:
    from dmdesk.connectors.generic import sign

    rng = random.Random(1)
    now = datetime.now(UTC)
    with path.open("w") as out:
        for i in range(n):
            body = json.dumps(
                {
                    "id": f"{prefix}-{i}",
                    "sender": {"id": f"p{rng.randrange(people)}", "name": "Bench Person"},
                    "text": "Hi, where is my order #A1001? It was due yesterday.",
                    "sent_at": (now + timedelta(milliseconds=i)).isoformat(),
                }
            )
            out.write(
                json.dumps(
                    {
                        "path": f"/webhooks/generic/{channel_id}",
                        "body": body,
                        "headers": {"X-Dmdesk-Signature": sign(SECRET, body.encode())},
                    }
                )
                + "\n"
            )


def load(url: str, reqs: Path, *, rate: float = 0, connections: int = 32) -> dict[str, Any]:
    out = subprocess.run(
        [
            PY,
            str(ROOT / "bench" / "loadgen.py"),
            "--url",
            url,
            "--requests",
            str(reqs),
            "--rate",
            str(rate),
            "--connections",
            str(connections),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def setup_db(workdir: Path) -> tuple[str, int]:
    from dmdesk.actions.channels import do_create_channel
    from dmdesk.actions.workspaces import do_create_workspace
    from dmdesk.db.database import Database
    from dmdesk.db.migrate import upgrade
    from dmdesk.db.secretbox import SecretBox

    url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    at = datetime.now(UTC)

    def work(s: Any) -> int:
        ws = do_create_workspace(s, name="Bench", at=at)
        return do_create_channel(
            s,
            workspace_id=ws.id,
            platform="generic",
            name="Bench",
            external_id="bench",
            settings={"secret": SECRET},
            box=SecretBox("bench"),
            at=at,
        ).id

    channel_id = db.write(work)
    db.close()
    return url, channel_id


def count(url: str, sql: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return int(value)


def bench_ingest(
    workdir: Path, *, events: int, rate: float, max_drain_s: float = 0
) -> dict[str, Any]:
    url, channel_id = setup_db(workdir)
    reqs = workdir / "reqs.jsonl"
    make_requests(reqs, n=events, channel_id=channel_id, prefix="a", people=events // 5)
    bare, bare_url = start_bare()
    try:
        ceiling = load(bare_url, reqs)
        ceiling_open = load(bare_url, _head(reqs, int(rate * 5), workdir), rate=rate)
    finally:
        bare.terminate()
    server, base = start_dmdesk(workdir, url, workers=False)
    try:
        cpu0 = cpu_seconds(server.pid)
        ack = load(base, reqs)
        ack_cpu = cpu_seconds(server.pid) - cpu0
        make_requests(reqs, n=int(rate * 5), channel_id=channel_id, prefix="b", people=2000)
        ack_open = load(base, reqs, rate=rate)
    finally:
        server.terminate()
        server.wait()
    pending = count(url, "SELECT count(*) FROM inbound_events WHERE status='pending'")
    server, base = start_dmdesk(workdir, url, workers=True)
    started = time.perf_counter()
    cpu0 = cpu_seconds(server.pid)
    try:
        left = pending
        while left > 0 and not (max_drain_s and time.perf_counter() - started > max_drain_s):
            time.sleep(0.25)
            left = count(url, "SELECT count(*) FROM inbound_events WHERE status='pending'")
        drained = time.perf_counter() - started
        drain_cpu = cpu_seconds(server.pid) - cpu0
    finally:
        server.terminate()
        server.wait()
    queued, pending = pending, pending - left  # `pending` now: how many were processed
    return {
        "ceiling_rps": ceiling["rps"],
        "ceiling_open_p50_ms": ceiling_open["p50_ms"],
        "ceiling_open_p99_ms": ceiling_open["p99_ms"],
        "acked_per_s": ack["rps"],
        "ack_cpu_ms_per_webhook": 1000 * ack_cpu / max(1, sum(ack["statuses"].values())),
        "acked_ratio_to_ceiling": ack["rps"] / ceiling["rps"],
        "ack_statuses": ack["statuses"],
        "ack_p50_ms_at_rate": ack_open["p50_ms"],
        "ack_p99_ms_at_rate": ack_open["p99_ms"],
        "offered_rate": rate,
        "queued_events": queued,
        "processed_events": pending,
        "processed_per_s": pending / drained,
        "process_cpu_ms_per_event": 1000 * drain_cpu / max(1, pending),
        "processed_per_cpu_s": pending / drain_cpu if drain_cpu else None,
        "processed_ratio_to_ceiling": pending / drained / ceiling["rps"],
        "conversations": count(url, "SELECT count(*) FROM conversations"),
    }


def _head(path: Path, n: int, workdir: Path) -> Path:
    out = workdir / f"head-{n}.jsonl"
    lines = path.read_text().splitlines()[:n]
    out.write_text("\n".join(lines) + "\n")
    return out


def bulk_conversations(url: str, n: int) -> None:
    """Insert n conversations (one contact and one message each) directly, fast."""
    now = datetime.now(UTC).replace(tzinfo=None)
    engine = make_admin_engine(url)  # registers the search-index triggers' SQL function
    rng = random.Random(2)
    with engine.begin() as conn:
        base = conn.execute(text("SELECT coalesce(max(id), 0) FROM contacts")).scalar_one()
        contacts, convs = [], []
        for i in range(n):
            cid = base + i + 1
            at = now - timedelta(seconds=rng.randrange(86400 * 30))
            prio = rng.choice(["urgent", "high", "normal", "normal", "low"])
            rank = {"urgent": 0, "high": 1, "normal": 2, "low": 3}[prio] * 2 + (i % 2)
            contacts.append({"id": cid, "ext": f"bulk{cid}", "name": f"Person {cid}", "at": at})
            convs.append(
                {
                    "cid": cid,
                    "prio": prio,
                    "rank": rank,
                    "at": at,
                    "status": rng.choice(["open", "open", "pending", "resolved"]),
                    "waiting": at if i % 2 == 0 else None,
                }
            )
        conn.execute(
            text(
                "INSERT INTO contacts (id, workspace_id, channel_id, external_id, name,"
                " attributes, created_at) VALUES (:id, 1, 1, :ext, :name, '{}', :at)"
            ),
            contacts,
        )
        conn.execute(
            text(
                "INSERT INTO conversations (workspace_id, channel_id, contact_id, status,"
                " priority, triage, queue_rank, sort_at, waiting_since, last_message_at,"
                " last_message_preview, last_message_author, unread_count, version, created_at,"
                " updated_at) VALUES (1, 1, :cid, :status, :prio, '{}', :rank, :at, :waiting,"
                " :at, 'Where is my order?', 'contact', 1, 1, :at, :at)"
            ),
            convs,
        )
    engine.dispose()


def bench_inbox(workdir: Path, sizes: list[int], *, requests: int = 300) -> dict[str, Any]:
    from dmdesk.actions.users import do_create_api_token, do_create_user
    from dmdesk.db.database import Database

    url, _channel = setup_db(workdir / "inbox")
    db = Database(url)
    at = datetime.now(UTC)
    token = db.write(
        lambda s: (
            do_create_api_token(
                s,
                user_id=do_create_user(
                    s,
                    workspace_id=1,
                    email="b@bench.dev",
                    password="password1",
                    role="admin",
                    at=at,
                ).id,
                at=at,
            ).token
        )
    )
    db.close()
    out: dict[str, Any] = {}
    loaded = 0
    for size in sizes:
        bulk_conversations(url, size - loaded)
        loaded = size
        server, base = start_dmdesk(workdir, url, workers=False)
        try:
            out[str(size)] = _time_pages(base, token, requests)
        finally:
            server.terminate()
            server.wait()
    return out


def _time_pages(base: str, token: str, n: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    samples = []
    with httpx.Client(base_url=base, headers=headers) as client:
        for i in range(n + 20):
            t = time.perf_counter()
            resp = client.get("/api/v1/conversations?view=open&limit=50")
            elapsed = time.perf_counter() - t
            assert resp.status_code == 200
            assert len(resp.json()["items"]) == 50
            if i >= 20:  # warm-up excluded
                samples.append(elapsed * 1000)
    samples.sort()
    return {
        "p50_ms": samples[len(samples) // 2],
        "p95_ms": samples[int(len(samples) * 0.95)],
        "n": len(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-inbox", action="store_true")
    parser.add_argument(
        "--max-drain-seconds", type=float, default=0, help="stop processing early (0: drain all)"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "inbox").mkdir()
        report: dict[str, Any] = {
            "machine": {"cpus": os.cpu_count()},
            "when": datetime.now(UTC).isoformat(),
            "load_average_before": load_average(),
        }
        if not args.skip_ingest:
            report["ingest"] = bench_ingest(
                work, events=args.events, rate=args.rate, max_drain_s=args.max_drain_seconds
            )
            report["ingest"]["load_average_after"] = load_average()
            print(json.dumps(report["ingest"], indent=2), flush=True)
        if not args.skip_inbox:
            report["inbox"] = bench_inbox(work, [int(s) for s in args.sizes.split(",")])
            print(json.dumps(report["inbox"], indent=2), flush=True)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "webhook_bench.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

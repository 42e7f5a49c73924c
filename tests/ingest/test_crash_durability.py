"""An acknowledged message survives a crash: kill -9 the server right after the 200."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from dmdesk.db.migrate import upgrade
from dmdesk.models import Message
from tests.conftest import _free_port
from tests.helpers import generic_body, signed


def _start(workdir: Path, port: int, *, workers: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DMDESK_DATABASE_URL": f"sqlite:///{workdir / 'dmdesk.db'}",
        "DMDESK_SECRET_KEY": "crash-key",
        "DMDESK_RUN_WORKERS": str(workers).lower(),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "dmdesk.cli", "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300  # generous: a loaded 2-core machine can take minutes
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    proc.wait(timeout=10)
    raise AssertionError("server did not start")


def _messages(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Message)).scalar_one()
    engine.dispose()
    return int(count)


def test_acknowledged_message_is_processed_after_a_crash(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dmdesk.db'}"
    upgrade(url)
    env = {**os.environ, "DMDESK_DATABASE_URL": url, "DMDESK_SECRET_KEY": "crash-key"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "dmdesk.cli",
            "channel",
            "create",
            "--platform",
            "generic",
            "--name",
            "Web",
            "--secret",
            "k1",
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = _free_port()
    server = _start(tmp_path, port, workers=False)  # acknowledges, processes nothing
    body = generic_body("crash-1", text="did this survive?")
    resp = httpx.post(
        f"http://127.0.0.1:{port}/webhooks/generic/1", content=body, headers=signed(body, "k1")
    )
    assert resp.status_code == 200
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    assert _messages(url) == 0  # acknowledged, not yet processed
    server = _start(tmp_path, port, workers=True)
    try:
        deadline = time.monotonic() + 300
        while _messages(url) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _messages(url) == 1
    finally:
        server.terminate()
        server.wait(timeout=15)

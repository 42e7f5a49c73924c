"""Shared fixtures: a fresh database per test (SQLite and PostgreSQL), app clients, a live
server, and a guard that refuses network connections beyond loopback."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from dmdesk.config import Settings
from dmdesk.db.migrate import upgrade
from dmdesk.services import Services, build_services

PG_ADMIN_URL = os.environ.get(
    "DMDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres"
)
SHARED = Path(__file__).resolve().parents[2] / "shared"
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    is_inet = self.family in (socket.AF_INET, socket.AF_INET6)
    loopback = isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1"))
    if is_inet and isinstance(host, str) and not loopback:
        raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


def shared_dir() -> Path:
    return SHARED


# --- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    # Unique per process: several test runs may share this machine's server at once.
    name = f"dmdesk_test_{_worker()}_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}); "
            "start it (see .ci/run) — PostgreSQL tests are part of the suite"
        )
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_pg(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated database: each test that uses it runs on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "dmdesk.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh SQLite database, for tests that need only one engine."""
    path = tmp_path / "dmdesk.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def make_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "secret_key": "test-secret-key",
        "run_workers": False,
        "log_json": False,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    svc = build_services(make_settings(db_url))
    yield svc
    svc.stop()


REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def two_instances(pg_url: str) -> Iterator[tuple[Services, Services]]:
    """Two desks on one PostgreSQL database, relaying live events through Redis."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); .ci/run starts it")
    _truncate_pg(pg_url)
    a = build_services(make_settings(pg_url, redis_url=REDIS_URL))
    b = build_services(make_settings(pg_url, redis_url=REDIS_URL))
    a.start_workers()
    b.start_workers()
    yield a, b
    a.stop()
    b.stop()


# --- a seeded workspace ----------------------------------------------------------------------


@dataclass
class Seeded:
    workspace_id: int
    admin_id: int
    agent_id: int
    admin_token: str
    agent_token: str
    channel_id: int
    channel_secret: str

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def agent(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.agent_token}"}


def seed_workspace(svc: Services, *, slug: str = "acme", secret: str = "s3cret") -> Seeded:
    from dmdesk.actions.channels import do_create_channel
    from dmdesk.actions.users import do_create_api_token, do_create_user
    from dmdesk.actions.workspaces import do_create_workspace

    def work(s: Any) -> Seeded:
        now = svc.clock()
        ws = do_create_workspace(s, name=slug.title(), slug=slug, at=now)
        admin = do_create_user(
            s,
            workspace_id=ws.id,
            email=f"admin@{slug}.test",
            password="password1",
            role="admin",
            at=now,
        )
        agent = do_create_user(
            s,
            workspace_id=ws.id,
            email=f"agent@{slug}.test",
            password="password1",
            role="agent",
            at=now,
        )
        ch = do_create_channel(
            s,
            workspace_id=ws.id,
            platform="generic",
            name=f"{slug} web",
            external_id=f"{slug}-web",
            settings={"secret": secret},
            box=svc.box,
            at=now,
        )
        return Seeded(
            ws.id,
            admin.id,
            agent.id,
            do_create_api_token(s, user_id=admin.id, at=now).token,
            do_create_api_token(s, user_id=agent.id, at=now).token,
            ch.id,
            secret,
        )

    return svc.db.write(work)


@pytest.fixture
def seeded(services: Services) -> Seeded:
    return seed_workspace(services)


@pytest.fixture
def client(services: Services) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from dmdesk.app import create_app

    with TestClient(create_app(services.settings, services=services)) as c:
        yield c


# --- a live server over real HTTP --------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    services: Services


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(sqlite_url: str) -> Iterator[LiveServer]:
    """dmdesk served by uvicorn on a free loopback port, workers running."""
    import uvicorn

    from dmdesk.app import create_app

    svc = build_services(make_settings(sqlite_url, run_workers=True))
    port = _free_port()
    config = uvicorn.Config(
        create_app(svc.settings, services=svc),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", svc)
    server.should_exit = True
    thread.join(timeout=15)

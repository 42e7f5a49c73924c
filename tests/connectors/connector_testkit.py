"""Shared helpers for the connector tests: fixture locations, frozen connectors, a stub API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dmdesk.connectors.base import Connector
from dmdesk.connectors.instagram import InstagramConnector
from dmdesk.connectors.messenger import MessengerConnector
from dmdesk.connectors.telegram import TelegramConnector
from dmdesk.connectors.whatsapp import WhatsAppConnector
from dmdesk.connectors.x import XConnector
from dmdesk.domain.clock import FrozenClock

HERE = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
REFERENCE = SHARED / "platforms" / "fixtures"
PLATFORMS = ("messenger", "instagram", "whatsapp", "telegram", "x")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
# Telegram routes by path: the receiver passes the channel's bot id to parse().
TELEGRAM_BOT_ID = "7100000001"
SKIP_REASON = f"shared platform fixtures not found at {REFERENCE.resolve()}"


def make_connector(platform: str) -> Connector:
    clock = FrozenClock(NOW)
    connectors: dict[str, Connector] = {
        "messenger": MessengerConnector(),
        "instagram": InstagramConnector(),
        "whatsapp": WhatsAppConnector(clock),
        "telegram": TelegramConnector(clock),
        "x": XConnector(clock),
    }
    return connectors[platform]


def account_hint(platform: str) -> str | None:
    return TELEGRAM_BOT_ID if platform == "telegram" else None


def reference_fixtures(platform: str) -> list[Path]:
    """Webhook bodies among the shared fixtures (not send-API samples, not vectors)."""
    folder = REFERENCE / platform
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.glob("*.json")
        if not p.name.startswith("api_") and not p.stem.endswith("_vector")
    )


def team_fixtures(platform: str) -> list[Path]:
    return sorted(
        p for p in (HERE / platform).glob("*__*.json") if not p.name.endswith(".expected.json")
    )


def expected_path(platform: str, fixture: Path) -> Path:
    return HERE / platform / f"{fixture.stem}.expected.json"


def normalise(connector: Connector, body: bytes, platform: str) -> dict[str, Any]:
    result = connector.parse(body, channel_account_id=account_hint(platform))
    return {
        "events": [event.to_json() for event in result.events],
        "dedupe_keys": [event.dedupe_key for event in result.events],
        "ignored": result.ignored,
    }


def load_api(platform: str, name: str) -> Any:
    return json.loads((REFERENCE / platform / name).read_text())


@dataclass
class Canned:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: Any


@dataclass
class StubApi:
    """A real HTTP server on 127.0.0.1 answering queued replies and recording requests."""

    base_url: str
    replies: list[Canned] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)

    def reply(self, status: int, body: Any, **headers: str) -> None:
        self.replies.append(Canned(status, body, headers))


def _handler(stub: StubApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stub.requests.append(Recorded("GET", self.path, dict(self.headers.items()), None))
            self._answer()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            stub.requests.append(
                Recorded("POST", self.path, dict(self.headers.items()), json.loads(raw or b"null"))
            )
            self._answer()

        def _answer(self) -> None:
            canned = stub.replies.pop(0) if stub.replies else Canned(500, "no reply queued")
            data = canned.body if isinstance(canned.body, str) else json.dumps(canned.body)
            self.send_response(canned.status)
            for name, value in canned.headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(data.encode())))
            self.end_headers()
            self.wfile.write(data.encode())

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def stub_api() -> Iterator[StubApi]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(StubApi("")))
    stub = StubApi(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(stub)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

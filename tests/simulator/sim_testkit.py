"""Helpers for the simulator tests: a capturing desk stand-in and connector configs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dmdesk.connectors.base import ChannelConfig, Connector
from dmdesk.connectors.registry import get_connector
from dmdesk.simulator.accounts import SimAccounts

ACCOUNTS = SimAccounts.demo(telegram_channel_id=42)


def channel_config(platform: str, *, api_base_url: str | None = None) -> ChannelConfig:
    """The dmdesk channel config matching the simulated account of `platform`."""
    secret = ACCOUNTS.get(platform).secret
    values: dict[str, Any] = {
        "messenger": {"app_secret": secret, "verify_token": "v", "access_token": "page-token"},
        "instagram": {"app_secret": secret, "verify_token": "v", "access_token": "ig-token"},
        "whatsapp": {"app_secret": secret, "verify_token": "v", "access_token": "wa-token"},
        "telegram": {"bot_token": "7100000001:SIMTOKEN", "secret_token": secret},
        "x": {"consumer_secret": secret, "access_token": "x-token"},
    }[platform]
    if api_base_url is not None:
        values["api_base_url"] = api_base_url
    return get_connector(platform).config_model.model_validate(values)


def connector(platform: str) -> Connector:
    return get_connector(platform)


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class CaptureDesk:
    base_url: str
    received: list[Captured] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


@contextmanager
def capture_desk() -> Iterator[CaptureDesk]:
    """A stand-in for dmdesk's /webhooks/* routes on 127.0.0.1 that keeps every POST."""
    desk = CaptureDesk("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            desk.received.append(Captured(self.path, dict(self.headers.items()), body))
            desk.arrived.set()
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    desk.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield desk
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

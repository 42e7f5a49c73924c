"""One pure ASGI middleware: request ids, per-route metrics and security headers.

Replaces the `@app.middleware("http")` (BaseHTTPMiddleware) version, which wrapped
every request in a task group and a memory stream; this one only wraps `send`.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from dmdesk.observability import Metrics, request_id_var

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: https:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
}
_SECURITY = tuple(
    (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()
)
_RID = b"x-request-id"
# a request id: this process's random prefix and a counter (uuid4 per request cost a
# system call for randomness on every webhook)
_RID_PREFIX = secrets.token_hex(4)
_RID_SEQ = itertools.count(1)


def _request_id(scope: Scope) -> str:
    for key, value in scope.get("headers", ()):
        if key == _RID and value:
            return str(value.decode("latin-1"))
    return f"{_RID_PREFIX}{next(_RID_SEQ) & 0xFFFFFFFF:08x}"


def with_headers(headers: list[tuple[bytes, bytes]], rid: str) -> list[tuple[bytes, bytes]]:
    """The response headers plus X-Request-ID (replacing any) and missing security headers."""
    out = [(k, v) for k, v in headers if k.lower() != _RID]
    present = {k.lower() for k, _ in out}
    out.append((_RID, rid.encode("latin-1")))
    out.extend((k, v) for k, v in _SECURITY if k not in present)
    return out


class ObserveMiddleware:
    """Sets the request id (header + log context), counts and times per route, adds headers."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = with_headers(list(message.get("headers", ())), rid)
            await send(message)

        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            request_id_var.reset(token)
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, elapsed: float) -> None:
        path = getattr(scope.get("route"), "path", "unmatched")
        method = scope.get("method", "GET")
        key = (method, path, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self.metrics.requests.labels(method, path, str(status))
            self._counters[key] = counter
        counter.inc()
        histogram = self._histograms.get(path)
        if histogram is None:
            histogram = self.metrics.latency.labels(path)
            self._histograms[path] = histogram
        histogram.observe(elapsed)

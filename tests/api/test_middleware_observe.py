"""The pure ASGI middleware: request ids, security headers, per-route metrics, log context."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from dmdesk.asgi_middleware import SECURITY_HEADERS, ObserveMiddleware, with_headers
from dmdesk.observability import Metrics, request_id_var
from dmdesk.services import Services
from tests.conftest import Seeded
from tests.helpers import generic_body, signed


def _sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    value = metrics.registry.get_sample_value(name, labels)
    return None if value is None else float(value)


def test_request_id_is_echoed_or_generated_and_security_headers_set(
    client: Any, seeded: Seeded
) -> None:
    given = client.get("/api/v1/conversations", headers={**seeded.agent(), "X-Request-ID": "abc-1"})
    assert given.status_code == 200
    assert given.headers["x-request-id"] == "abc-1"
    made = client.get("/no/such/page")
    assert made.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{16}", made.headers["x-request-id"])
    again = client.get("/no/such/page")
    assert re.fullmatch(r"[0-9a-f]{16}", again.headers["x-request-id"])
    assert again.headers["x-request-id"] != made.headers["x-request-id"]
    for response in (given, made):
        for key, value in SECURITY_HEADERS.items():
            assert response.headers[key] == value
        assert len(response.headers.get_list("x-request-id")) == 1


def test_webhook_ack_and_413_are_counted_per_route(
    client: Any, services: Services, seeded: Seeded
) -> None:
    route = "/webhooks/{platform}/{channel_id}"
    body = generic_body("mw-1")
    ok = client.post(
        f"/webhooks/generic/{seeded.channel_id}", content=body, headers=signed(body, "s3cret")
    )
    assert ok.status_code == 200
    huge = b"x" * (services.settings.max_body_bytes + 1)
    too_big = client.post(f"/webhooks/generic/{seeded.channel_id}", content=huge)
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    assert too_big.json()["title"] == "Payload too large"
    m = services.metrics
    for status in ("200", "413"):
        labels = {"method": "POST", "route": route, "status": status}
        assert _sample(m, "dmdesk_http_requests_total", **labels) == 1.0
    assert _sample(m, "dmdesk_http_request_seconds_count", route=route) == 2.0
    assert (
        _sample(m, "dmdesk_http_requests_total", method="GET", route="unmatched", status="200")
        is None
    )


def test_webhook_lane_keeps_headers_and_answers_a_failure_with_a_problem(
    client: Any, services: Services, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Webhook POSTs skip the app's middleware stack: they still get the request id and the
    security headers, and a handler that fails answers 500 problem+json (nothing stored)."""
    body = generic_body("lane-1")
    url = f"/webhooks/generic/{seeded.channel_id}"
    ok = client.post(url, content=body, headers={**signed(body, "s3cret"), "X-Request-ID": "r-9"})
    assert ok.status_code == 200
    assert ok.headers["x-request-id"] == "r-9"
    for key, value in SECURITY_HEADERS.items():
        assert ok.headers[key] == value

    async def broken(**_kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services.receiver, "receive", broken)
    body = generic_body("lane-2")
    failed = client.post(url, content=body, headers=signed(body, "s3cret"))
    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    assert failed.json()["title"] == "Internal error"
    assert "disk on fire" not in failed.text
    assert re.fullmatch(r"[0-9a-f]{16}", failed.headers["x-request-id"])
    labels = {"method": "POST", "route": "/webhooks/{platform}/{channel_id}", "status": "500"}
    assert _sample(services.metrics, "dmdesk_http_requests_total", **labels) == 1.0
    wrong_method = client.put(url, content=body)
    assert wrong_method.status_code == 405  # not a webhook POST: the app's router answers


async def _call(app: Any, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": headers}
    await app(scope, receive, send)
    return sent


def test_request_id_is_the_log_context_inside_the_app_and_reset_after() -> None:
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(request_id_var.get())
        csp = (b"content-security-policy", b"default-src 'none'")
        await send({"type": "http.response.start", "status": 204, "headers": [csp]})
        await send({"type": "http.response.body", "body": b""})

    sent = asyncio.run(_call(ObserveMiddleware(inner, Metrics()), [(b"x-request-id", b"r-9")]))
    assert seen == ["r-9"]
    assert request_id_var.get() == "-"
    headers = dict(sent[0]["headers"])
    assert headers[b"x-request-id"] == b"r-9"
    assert headers[b"content-security-policy"] == b"default-src 'none'"  # the app's own wins
    assert headers[b"x-frame-options"] == b"DENY"


def test_an_exception_is_counted_as_500_and_still_raised() -> None:
    metrics = Metrics()

    async def boom(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        asyncio.run(_call(ObserveMiddleware(boom, metrics), []))
    labels = {"method": "GET", "route": "unmatched", "status": "500"}
    assert _sample(metrics, "dmdesk_http_requests_total", **labels) == 1.0
    assert request_id_var.get() == "-"


def test_with_headers_replaces_a_request_id_set_by_the_app() -> None:
    out = with_headers([(b"X-Request-ID", b"old"), (b"content-type", b"text/plain")], "new")
    assert [v for k, v in out if k.lower() == b"x-request-id"] == [b"new"]
    assert (b"content-type", b"text/plain") in out


def test_fastapi_opentelemetry_hooks_are_off_unless_asked_for(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default no request looks the OpenTelemetry providers up (DMDESK_OTEL turns them on)."""
    from opentelemetry import trace

    def looked_up() -> None:
        raise AssertionError("the tracer provider was looked up")

    monkeypatch.setattr(trace, "get_tracer_provider", looked_up)
    assert client.get("/healthz").status_code == 200

"""Webhook endpoints: generic and per-platform, with each platform's handshake.

Plain Starlette routes, not FastAPI operations: this is the hottest path, and FastAPI's
dependency solving (plus a thread hop for the sync `get_services` dependency) cost about
as much CPU per acknowledgement as the rest of the HTTP layer. They are not in the
OpenAPI schema; docs/CHANNELS.md describes them.
"""

from __future__ import annotations

import logging

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dmdesk.api.errors import problem
from dmdesk.asgi_middleware import ObserveMiddleware
from dmdesk.observability import Metrics
from dmdesk.services import Services

log = logging.getLogger(__name__)

PAYLOAD_ROUTED = ("messenger", "instagram", "whatsapp", "x")
PATH_ROUTED = ("generic", "telegram")


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _read_limited(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _receive(
    services: Services, request: Request, platform: str, channel_id: int | None
) -> Response:
    body = await _read_limited(request, services.settings.max_body_bytes)
    if body is None:
        services.metrics.count_webhook(platform, "too_large", 1)
        return problem(
            413,
            "Payload too large",
            f"webhook bodies are limited to {services.settings.max_body_bytes} bytes",
        )
    outcome = await services.receiver.receive(
        platform=platform, channel_id=channel_id, body=body, headers=dict(request.headers)
    )
    if outcome.status != 200:
        title = {400: "Malformed payload", 401: "Unauthorized", 404: "Not found"}.get(
            outcome.status, "Refused"
        )
        return problem(outcome.status, title, outcome.detail)
    result = outcome.result
    assert result is not None
    return JSONResponse(
        {
            "status": "ok",
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "unsupported": result.dead,
        }
    )


def _handshake(
    services: Services, request: Request, platform: str, channel_id: int | None
) -> Response:
    reply = services.receiver.handshake(platform, channel_id, dict(request.query_params))
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type)


async def receive_by_path(request: Request) -> Response:
    """Generic and Telegram: one endpoint per channel."""
    platform: str = request.path_params["platform"]
    raw_id: str = request.path_params["channel_id"]
    if not raw_id.isdigit():
        detail = "channel_id: Input should be a valid integer"
        errors = [{"field": "channel_id", "message": "Input should be a valid integer"}]
        return problem(400, "Invalid request", detail, errors=errors, instance=request.url.path)
    if platform not in PATH_ROUTED:
        return problem(404, "Not found", f"{platform} webhooks are not routed by channel id")
    return await _receive(_services(request), request, platform, int(raw_id))


async def receive_by_payload(request: Request) -> Response:
    """Messenger, Instagram, WhatsApp and X: one endpoint per app, routed by payload."""
    platform: str = request.path_params["platform"]
    if platform not in PAYLOAD_ROUTED:
        return problem(404, "Not found", f"unknown webhook {platform!r}")
    return await _receive(_services(request), request, platform, None)


async def handshake(request: Request) -> Response:
    """Meta's hub.challenge and X's CRC check (may read the channel cache: off the loop)."""
    platform: str = request.path_params["platform"]
    if platform not in PAYLOAD_ROUTED:
        return problem(404, "Not found", f"unknown webhook {platform!r}")
    return await run_in_threadpool(_handshake, _services(request), request, platform, None)


class _Route(Route):
    """A plain route that, like FastAPI's, names itself in the scope (metrics label by path)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE:
            child["route"] = self
        return match, child


routes: list[Route] = [
    _Route("/webhooks/{platform}/{channel_id}", receive_by_path, methods=["POST"]),
    _Route("/webhooks/{platform}", receive_by_payload, methods=["POST"]),
    _Route("/webhooks/{platform}", handshake, methods=["GET"]),
]


class WebhookLane:
    """Webhook POSTs skip the app's middleware stack and router and go straight to their route.

    An acknowledgement's CPU is the ingestion ceiling, and about a third of it went to layers
    a webhook does not need (error pages, exception telemetry, the app's body limit, the
    router's scan, the exit stack). The lane keeps what it does need: the request id, security
    headers and per-route metrics (`ObserveMiddleware`), and a problem+json 500 if a handler
    fails. Anything that is not a matching webhook POST goes to the app as before.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self._routes = [r for r in routes if r.methods and "POST" in r.methods]
        self._observed = ObserveMiddleware(self._handle, metrics)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            for route in self._routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    await self._observed(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await scope["route"].handle(scope, receive, tracked)
        except Exception:
            log.exception("webhook handler failed", extra={"path": scope.get("path")})
            if started:
                raise
            await problem(500, "Internal error", "the webhook could not be handled")(
                scope, receive, send
            )

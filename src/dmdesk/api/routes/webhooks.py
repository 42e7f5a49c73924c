"""Webhook endpoints: generic and per-platform, with each platform's handshake."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from dmdesk.api.deps import ServicesDep
from dmdesk.api.errors import problem

router = APIRouter(prefix="/webhooks", tags=["webhooks"], include_in_schema=True)

PAYLOAD_ROUTED = ("messenger", "instagram", "whatsapp", "x")
PATH_ROUTED = ("generic", "telegram")


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
    services: ServicesDep, request: Request, platform: str, channel_id: int | None
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
    services: ServicesDep, request: Request, platform: str, channel_id: int | None
) -> Response:
    reply = services.receiver.handshake(platform, channel_id, dict(request.query_params))
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type)


@router.post("/{platform}/{channel_id}")
async def receive_by_path(
    platform: str, channel_id: int, request: Request, services: ServicesDep
) -> Response:
    """Generic and Telegram: one endpoint per channel."""
    if platform not in PATH_ROUTED:
        return problem(404, "Not found", f"{platform} webhooks are not routed by channel id")
    return await _receive(services, request, platform, channel_id)


@router.post("/{platform}")
async def receive_by_payload(platform: str, request: Request, services: ServicesDep) -> Response:
    """Messenger, Instagram, WhatsApp and X: one endpoint per app, routed by payload."""
    if platform not in PAYLOAD_ROUTED:
        return problem(404, "Not found", f"unknown webhook {platform!r}")
    return await _receive(services, request, platform, None)


@router.get("/{platform}")
def handshake(platform: str, request: Request, services: ServicesDep) -> Response:
    """Meta's hub.challenge and X's CRC check."""
    if platform not in PAYLOAD_ROUTED:
        return problem(404, "Not found", f"unknown webhook {platform!r}")
    return _handshake(services, request, platform, None)

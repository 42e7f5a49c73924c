"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select

from dmdesk.api.deps import ServicesDep
from dmdesk.db.migrate import is_current
from dmdesk.models import InboundQueueItem

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(services: ServicesDep, response: Response) -> dict[str, object]:
    checks: dict[str, object] = {}
    try:
        checks["database"] = services.db.ping()
        checks["migrations_current"] = is_current(services.db.url, engine=services.db.read_engine)
    except Exception as exc:
        checks["database"] = False
        checks["error"] = type(exc).__name__
    ready = checks.get("database") is True and checks.get("migrations_current") is True
    response.status_code = 200 if ready else 503
    return {"status": "ready" if ready else "not ready", **checks}


@router.get("/metrics")
def metrics(services: ServicesDep) -> Response:
    with services.db.session() as s:
        pending = (
            s.scalar(
                select(func.count())
                .select_from(InboundQueueItem)
                .where(InboundQueueItem.status == "pending")
            )
            or 0
        )
    m = services.metrics
    m.queue_depth.set(pending)
    m.processing_lag.set(services.pipeline.lag_seconds)
    m.writer_queue.set(services.db.writer.depth())
    m.live_clients.set(services.hub.client_count)
    return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)

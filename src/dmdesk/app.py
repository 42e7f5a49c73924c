"""create_app(settings) -> the ASGI app: wiring only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp

from dmdesk import __version__
from dmdesk.api.errors import install_error_handlers
from dmdesk.api.routes import (
    admin,
    automation,
    conversations,
    conversions,
    dead_letters,
    health,
    live,
    notifications,
    ownership,
    people,
    privacy,
    replies,
    reports,
    templates,
    webhooks,
)
from dmdesk.api.routes import triage as triage_routes
from dmdesk.asgi_middleware import SECURITY_HEADERS, ObserveMiddleware
from dmdesk.config import Settings
from dmdesk.services import Services, build_services

__all__ = ["SECURITY_HEADERS", "create_app"]


class _DeskApp(FastAPI):
    """FastAPI with the webhook lane in front of its middleware stack (see `WebhookLane`)."""

    def build_middleware_stack(self) -> ASGIApp:
        services: Services = self.state.services
        return webhooks.WebhookLane(super().build_middleware_stack(), services.metrics)


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not services.started:
            services.start_workers()
        yield
        services.stop()

    app = _DeskApp(
        title="dmdesk",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        # FastAPI's own OpenTelemetry hooks look the global providers up on every request;
        # dmdesk's metrics and logs do not need them (DMDESK_OTEL turns them on)
        telemetry=None if settings.otel else {"tracing": False, "metrics": False, "logs": False},
    )
    app.state.services = services
    install_error_handlers(app)
    api = APIRouter(prefix="/api/v1")
    for module in (
        conversations,
        admin,
        live,
        replies,
        automation,
        people,
        conversions,
        privacy,
        ownership,
        notifications,
    ):
        api.include_router(module.router)
    api.include_router(reports.router)
    for extra in (dead_letters, templates):
        api.include_router(extra.router)
    api.include_router(triage_routes.router)
    # Webhooks first: routes are matched in order, and they are the hottest (~140 routes).
    # Plain Starlette routes (no dependency solving), added as they are, not re-wrapped.
    app.router.routes.extend(webhooks.routes)
    app.include_router(api)
    app.include_router(health.router)
    app.include_router(conversions.public)
    _mount_web(app)
    # Pure ASGI (no BaseHTTPMiddleware): request ids, per-route metrics, security headers.
    app.add_middleware(ObserveMiddleware, metrics=services.metrics)
    return app


def _mount_web(app: FastAPI) -> None:
    from dmdesk.web import mount

    mount(app)

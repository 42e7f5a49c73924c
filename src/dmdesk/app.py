"""create_app(settings) -> the ASGI app: wiring only."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response

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
from dmdesk.config import Settings
from dmdesk.observability import request_id_var
from dmdesk.services import Services, build_services

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: https:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
}


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not services.started:
            services.start_workers()
        yield
        services.stop()

    app = FastAPI(
        title="dmdesk",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
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
    app.include_router(webhooks.router)
    app.include_router(api)
    app.include_router(health.router)
    app.include_router(conversions.public)
    _mount_web(app)
    _install_middleware(app, services)
    return app


def _mount_web(app: FastAPI) -> None:
    from dmdesk.web import mount

    mount(app)


def _install_middleware(app: FastAPI, services: Services) -> None:
    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            request_id_var.reset(token)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        services.metrics.requests.labels(request.method, path, str(response.status_code)).inc()
        services.metrics.latency.labels(path).observe(time.perf_counter() - started)
        response.headers["X-Request-ID"] = rid
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

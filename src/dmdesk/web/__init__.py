"""The agent UI: server-rendered Jinja pages, small JavaScript modules, SSE updates."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dmdesk.web.templating import STATIC_DIR


def mount(app: FastAPI) -> None:
    from dmdesk.web.views import ROUTERS

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)

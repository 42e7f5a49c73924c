"""The agent UI: server-rendered Jinja pages, small JavaScript modules, SSE updates."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from dmdesk.web.deps import install_page_errors
from dmdesk.web.templating import STATIC_DIR


class FingerprintedStatic(StaticFiles):
    """Assets are linked with `?v=<content hash>`, so they can be cached for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response: Response = await super().get_response(path, scope)
        if response.status_code == 200 and b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount(app: FastAPI) -> None:
    from dmdesk.web.views import ROUTERS

    app.mount("/static", FingerprintedStatic(directory=STATIC_DIR), name="static")
    install_page_errors(app)
    for router in ROUTERS:
        app.include_router(router)

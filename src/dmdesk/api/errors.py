"""RFC 9457 problem details for every API error."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from dmdesk.domain.errors import DomainError, PolicyRefused

PROBLEM = "application/problem+json"


def problem(
    status: int, title: str, detail: str, *, type_: str = "about:blank", **extra: Any
) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        extra: dict[str, Any] = {"instance": request.url.path}
        if exc.field:
            extra["field"] = exc.field
        if isinstance(exc, PolicyRefused) and exc.allowed:
            extra["allowed"] = exc.allowed
        return problem(
            exc.status,
            exc.code.replace("_", " ").capitalize(),
            exc.message,
            type_=f"https://dmdesk.dev/problems/{exc.code}",
            **extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"][1:]) or "body", "message": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(400, "Invalid request", detail, errors=errors, instance=request.url.path)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        title = {
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not found",
            405: "Method not allowed",
            413: "Payload too large",
        }.get(exc.status_code, "Error")
        return problem(exc.status_code, title, str(exc.detail), instance=request.url.path)

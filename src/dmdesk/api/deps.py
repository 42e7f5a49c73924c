"""FastAPI dependencies: the services, the calling user, the CSRF check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from dmdesk.auth import CSRF_HEADER, SESSION_COOKIE, Caller, user_from_bearer, user_from_session
from dmdesk.services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_caller(request: Request, services: ServicesDep) -> Caller:
    now = services.clock()
    auth = request.headers.get("authorization", "")
    caller: Caller | None = None
    if auth.lower().startswith("bearer "):
        caller = user_from_bearer(services.db, auth[7:].strip(), now=now)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        caller = user_from_session(services.db, cookie, now=now)
        if (
            caller
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and not caller.csrf_ok(request.headers.get(CSRF_HEADER))
        ):
            raise HTTPException(403, "missing or wrong CSRF token")
    if caller is None:
        raise HTTPException(401, "authentication required: Authorization: Bearer <token>")
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]

"""Page dependencies: the logged-in Caller (or a redirect to /login), form CSRF checks,
and the one "Not found" page shown for unknown and forbidden ids alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from dmdesk.auth import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, Caller, user_from_session
from dmdesk.domain.errors import NotFound
from dmdesk.services import Services
from dmdesk.web.templating import render


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageNotFound(Exception):
    """Unknown or forbidden: the same page either way."""


class CsrfRefused(Exception):
    """A form POST without the session's CSRF token."""


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def page_caller(request: Request, services: ServicesDep) -> Caller:
    token = request.cookies.get(SESSION_COOKIE)
    caller = user_from_session(services.db, token, now=services.clock()) if token else None
    if caller is None:
        query = f"?{request.url.query}" if request.url.query else ""
        raise LoginRequired(request.url.path + query)
    return caller


PageCaller = Annotated[Caller, Depends(page_caller)]


async def form_caller(request: Request, caller: PageCaller) -> Caller:
    """The page caller, once the form's (or fetch header's) CSRF token matched."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    token = given if isinstance(given, str) else request.headers.get(CSRF_HEADER)
    if not caller.csrf_ok(token):
        raise CsrfRefused
    return caller


FormCaller = Annotated[Caller, Depends(form_caller)]


@contextmanager
def found() -> Iterator[None]:
    """Turn an access check's NotFound into the HTML "Not found" page."""
    try:
        yield
    except NotFound as exc:
        raise PageNotFound from exc


def wants_fragment(request: Request) -> bool:
    return request.headers.get("x-fragment") == "1"


def install_page_errors(app: FastAPI) -> None:
    async def login(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        if wants_fragment(request):
            return Response("login required", status_code=401)
        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='')}", status_code=303)

    async def not_found(request: Request, _exc: Exception) -> Response:
        return render(request, "not_found.html", status_code=404)

    async def csrf(request: Request, _exc: Exception) -> Response:
        return render(request, "forbidden.html", status_code=403)

    app.add_exception_handler(LoginRequired, login)
    app.add_exception_handler(PageNotFound, not_found)
    app.add_exception_handler(CsrfRefused, csrf)

"""Log in and out: argon2-checked password, HttpOnly SameSite session cookie, CSRF token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dmdesk.actions.users import do_create_web_session, do_end_web_session
from dmdesk.auth import SESSION_COOKIE, check_login
from dmdesk.services import Services
from dmdesk.web.templating import render

router = APIRouter(include_in_schema=False)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=next, error=None, email="")


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    services = _services(request)
    user = check_login(services.db, email, password)
    if user is None:
        return render(
            request,
            "login.html",
            status_code=401,
            next=next,
            email=email,
            error="That e-mail and password do not match an active account.",
        )
    issued = services.db.write(
        lambda s: do_create_web_session(
            s, user_id=user.id, at=services.clock(), days=services.settings.session_days
        )
    )
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        httponly=True,
        samesite="lax",
        secure=services.settings.cookie_secure,
        max_age=services.settings.session_days * 86400,
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    services = _services(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        services.db.write(lambda s: do_end_web_session(s, token=token))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response

"""Rendering the inbox with an open conversation, as a full page or as the thread fragment,
and answering a form POST: redirect on success, the same screen with the reason on refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation
from dmdesk.actions.conversations import do_mark_read
from dmdesk.auth import Caller
from dmdesk.domain.errors import Conflict, DomainError, NotFound, PolicyRefused
from dmdesk.services import Services
from dmdesk.web.deps import PageNotFound, found, wants_fragment
from dmdesk.web.listing import filter_from_query, load_list, query_of
from dmdesk.web.templating import render
from dmdesk.web.thread_model import ComposerState, load_thread_model

ALLOWED_WORDS = {"use an approved template": "Send an approved template instead."}


def mark_read(services: Services, caller: Caller, conv_id: int) -> None:
    services.db.write(
        lambda s: do_mark_read(
            s,
            conv=access_conversation(s, caller.user, conv_id),
            at=services.clock(),
            actor_id=caller.user.id,
        )
    )


def thread_page(
    request: Request,
    services: Services,
    caller: Caller,
    conv_id: int,
    *,
    status_code: int = 200,
    composer: ComposerState | None = None,
    notice: str | None = None,
    seen: bool = True,
    fragment: bool = False,
) -> Response:
    """The thread pane alone (fetch with X-Fragment: 1) or the whole inbox page around it."""
    now = services.clock()
    with services.db.session() as s, found():
        model = load_thread_model(s, user=caller.user, conv_id=conv_id, now=now)
    if seen and model.thread.conversation.unread_count:
        mark_read(services, caller, conv_id)
    model = replace(model, composer=composer or ComposerState(), notice=notice)
    flt = filter_from_query(request.query_params)
    base = {"caller": caller, "qs": query_of(flt), **model.context()}
    if fragment or wants_fragment(request):
        return render(request, "fragments/thread.html", status_code=status_code, **base)
    with services.db.session() as s:
        listing = load_list(s, user=caller.user, flt=flt, now=now, open_id=conv_id)
    return render(request, "inbox.html", status_code=status_code, **(listing.context() | base))


def act(
    request: Request,
    services: Services,
    caller: Caller,
    conv_id: int,
    work: Callable[[Session], Any],
    *,
    draft: ComposerState | None = None,
) -> Response:
    """Run one write for a form; answer like a form (redirect) or a fragment fetch."""
    try:
        services.db.write(work)
    except NotFound as exc:
        raise PageNotFound from exc
    except DomainError as exc:
        status, composer, notice = _refusal(exc, draft)
        return thread_page(
            request, services, caller, conv_id, status_code=status, composer=composer, notice=notice
        )
    if wants_fragment(request):
        return thread_page(request, services, caller, conv_id)
    query = request.query_params
    target = f"/conversations/{conv_id}" + (f"?{query}" if query else "")
    return RedirectResponse(target, status_code=303)


def _refusal(
    exc: DomainError, draft: ComposerState | None
) -> tuple[int, ComposerState | None, str | None]:
    if draft is None:
        return exc.status, None, exc.message
    allowed = None
    if isinstance(exc, PolicyRefused) and exc.allowed:
        allowed = ALLOWED_WORDS.get(exc.allowed, exc.allowed)
    state = replace(draft, error=exc.message, conflict=isinstance(exc, Conflict), allowed=allowed)
    return exc.status, state, None

"""A conversation: the full page (list + thread) and the thread fragment for live updates."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dmdesk.web.deps import PageCaller, ServicesDep
from dmdesk.web.respond import thread_page

router = APIRouter(include_in_schema=False)


@router.get("/conversations/{conv_id}")
def conversation_page(
    conv_id: int, request: Request, caller: PageCaller, services: ServicesDep
) -> Response:
    return thread_page(request, services, caller, conv_id)


@router.get("/fragments/thread/{conv_id}")
def thread_fragment(
    conv_id: int, request: Request, caller: PageCaller, services: ServicesDep, seen: int = 0
) -> Response:
    """The thread pane; read state changes only when the tab says the agent saw it."""
    return thread_page(request, services, caller, conv_id, seen=bool(seen), fragment=True)

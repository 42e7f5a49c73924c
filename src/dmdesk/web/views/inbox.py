"""The inbox page (`/`, `/inbox`) and the list fragment live updates and "load more" fetch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dmdesk.web.deps import PageCaller, ServicesDep
from dmdesk.web.listing import filter_from_query, load_list
from dmdesk.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
@router.get("/inbox")
def inbox(request: Request, caller: PageCaller, services: ServicesDep) -> Response:
    flt = filter_from_query(request.query_params)
    cursor = request.query_params.get("cursor")
    with services.db.session() as s:
        model = load_list(s, user=caller.user, flt=flt, now=services.clock(), cursor=cursor)
    return render(request, "inbox.html", caller=caller, **model.context())


@router.get("/fragments/list")
def list_fragment(request: Request, caller: PageCaller, services: ServicesDep) -> Response:
    """Rows of the open view (membership decided here), its header and the rail counts;
    with `cursor`, only the next page of rows."""
    flt = filter_from_query(request.query_params)
    cursor = request.query_params.get("cursor")
    open_id = request.query_params.get("open")
    with services.db.session() as s:
        model = load_list(
            s,
            user=caller.user,
            flt=flt,
            now=services.clock(),
            cursor=cursor,
            open_id=int(open_id) if open_id and open_id.isdigit() else None,
        )
    template = "fragments/rows.html" if cursor else "fragments/list.html"
    return render(request, template, caller=caller, **model.context())

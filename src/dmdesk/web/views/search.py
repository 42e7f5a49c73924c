"""Search across people and message text; hits link to the conversation (and message)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dmdesk.actions.privacy import do_audit_search, user_sees_pii
from dmdesk.queries.labels import conversation_labels
from dmdesk.queries.search import search_contacts, search_messages
from dmdesk.web.deps import PageCaller, ServicesDep
from dmdesk.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/search")
def search(request: Request, caller: PageCaller, services: ServicesDep, q: str = "") -> Response:
    q = q.strip()[:200]
    found: dict[str, Any] = {"people": [], "messages": [], "labels": {}}
    if q:
        ws = caller.user.workspace_id
        with services.db.session() as s:
            sees = user_sees_pii(s, caller.user)
            found["people"] = search_contacts(s, workspace_id=ws, q=q, sees_pii=sees)
            found["messages"] = search_messages(s, workspace_id=ws, q=q, sees_pii=sees)
            ids = [h.conversation_id for h in found["messages"]]
            found["labels"] = conversation_labels(s, workspace_id=ws, ids=ids)
        shown = [h.conversation_id for h in found["messages"] if h.shows_pii]
        if shown:
            services.db.write(
                lambda s: do_audit_search(
                    s, user=caller.user, conversation_ids=list(set(shown)), at=services.clock()
                )
            )
    return render(request, "search.html", caller=caller, q=q, **found)

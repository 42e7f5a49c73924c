"""The triage panel's form POSTs on a conversation: correct the category, mark spam or not
spam. Like the thread's other forms: redirect for plain forms, the thread for fetches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation
from dmdesk.actions.conversations import do_set_category
from dmdesk.actions.triage import do_mark_spam
from dmdesk.web.deps import FormCaller, ServicesDep
from dmdesk.web.respond import act

router = APIRouter(include_in_schema=False, prefix="/conversations/{conv_id}/triage")
Text = Annotated[str, Form()]


@router.post("/category")
def correct_category(
    conv_id: int, request: Request, caller: FormCaller, services: ServicesDep, category: Text = ""
) -> Response:
    """A person's category (kept as a labelled example; triage never overrides it)."""

    def work(s: Session) -> None:
        conv = access_conversation(s, caller.user, conv_id)
        do_set_category(
            s, conv=conv, category=category, at=services.clock(), actor_id=caller.user.id
        )

    return act(request, services, caller, conv_id, work)


@router.post("/spam")
def mark_spam(
    conv_id: int,
    request: Request,
    caller: FormCaller,
    services: ServicesDep,
    spam: Text = "1",
    category: Text = "",
) -> Response:
    """Spam: to the quarantine view. Not spam: back to the inbox as `category`."""

    def work(s: Session) -> None:
        conv = access_conversation(s, caller.user, conv_id)
        do_mark_spam(
            s,
            conv=conv,
            spam=spam == "1",
            category=category or None,
            at=services.clock(),
            actor_id=caller.user.id,
        )

    return act(request, services, caller, conv_id, work)

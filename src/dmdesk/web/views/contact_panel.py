"""The contact context panel: who this is across channels, stage, orders, conversions,
notes, what started the DM and who else might be the same person, as an HTML fragment
next to a conversation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation
from dmdesk.actions.people import do_ensure_person
from dmdesk.actions.privacy import do_audit, user_sees_pii
from dmdesk.auth import Caller
from dmdesk.models import Contact
from dmdesk.models.people import Person
from dmdesk.queries.people import person_card, suggest_merges
from dmdesk.services import Services
from dmdesk.web.deps import PageCaller, ServicesDep, found
from dmdesk.web.templating import render

router = APIRouter(include_in_schema=False)


def panel_context(services: Services, caller: Caller, conv_id: int) -> dict[str, Any]:
    """The card for the conversation's person; masked for agents without the permission,
    audited for everyone who sees it unmasked."""

    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        contact = s.get_one(Contact, conv.contact_id)
        person = do_ensure_person(s, contact=contact, at=services.clock())
        if person.merged_into_id:
            person = s.get_one(Person, person.merged_into_id)
        sees = user_sees_pii(s, caller.user)
        if sees:
            do_audit(
                s,
                user=caller.user,
                workspace_id=person.workspace_id,
                action="contact.view",
                subject=("person", person.id),
                at=services.clock(),
            )
        card = person_card(s, person, masked=not sees)
        return {
            "card": card,
            "conversation": conv,
            "referral": conv.referral or {},
            "suggestions": suggest_merges(s, person),
        }

    return services.db.write(work)


@router.get("/fragments/contact/{conv_id}")
def contact_panel(
    conv_id: int, request: Request, caller: PageCaller, services: ServicesDep
) -> Response:
    with found():
        context = panel_context(services, caller, conv_id)
    return render(request, "fragments/contact_panel.html", **context)

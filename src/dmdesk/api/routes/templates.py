"""WhatsApp templates per channel: list and add the approved ones, send one in a thread."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dmdesk.access import access_channel, access_conversation, require_role
from dmdesk.actions.governance import do_submit_reply
from dmdesk.actions.templates import channel_templates, do_add_channel_template
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.domain.enums import Role
from dmdesk.models.templates import ChannelTemplate

router = APIRouter(tags=["templates"])


class TemplateIn(BaseModel):
    name: str = Field(min_length=1, max_length=512)
    language: str = Field(default="en_US", min_length=2, max_length=16)


class TemplateSendIn(BaseModel):
    name: str = Field(min_length=1, max_length=512)
    language: str | None = Field(default=None, min_length=2, max_length=16)


def _out(t: ChannelTemplate) -> dict[str, Any]:
    return {"id": t.id, "channel_id": t.channel_id, "name": t.name, "language": t.language}


@router.get("/channels/{channel_id}/templates")
def list_templates(
    channel_id: int, services: ServicesDep, caller: CallerDep
) -> list[dict[str, Any]]:
    with services.db.session() as s:
        channel = access_channel(s, caller.user, channel_id)
        return [_out(t) for t in channel_templates(s, channel_id=channel.id)]


@router.post("/channels/{channel_id}/templates", status_code=201)
def add_template(
    channel_id: int, body: TemplateIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    require_role(caller.user, Role.ADMIN)

    def work(s: Session) -> dict[str, Any]:
        channel = access_channel(s, caller.user, channel_id)
        row = do_add_channel_template(
            s,
            channel=channel,
            name=body.name,
            language=body.language,
            at=services.clock(),
            actor_id=caller.user.id,
        )
        return _out(row)

    return services.db.write(work)


@router.post("/conversations/{conv_id}/template-messages", status_code=201)
def send_template(
    conv_id: int, body: TemplateSendIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    """Send an approved template (the only thing WhatsApp allows after 24 h), through the
    same governed path as any reply: do-not-say rules and approvals apply."""

    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        outcome = do_submit_reply(
            s,
            conv=conv,
            text="",
            author=caller.user,
            at=services.clock(),
            template=body.name,
            template_language=body.language,
        )
        return {**outcome.as_json(), "template": body.name}

    return services.db.write(work)

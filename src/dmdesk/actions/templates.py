"""WhatsApp templates approved per channel: registering them and checking a send uses one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.db.events import record_event
from dmdesk.domain.enums import Platform
from dmdesk.domain.errors import Conflict, Invalid, PolicyRefused
from dmdesk.models import Channel
from dmdesk.models.templates import ChannelTemplate

# Meta's template names: lowercase letters, digits and underscores; languages like en_US.
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def do_add_channel_template(
    session: Session,
    *,
    channel: Channel,
    name: str,
    language: str,
    at: datetime,
    actor_id: int | None = None,
) -> ChannelTemplate:
    """Register a template approved in WhatsApp Manager so agents may send it."""
    if channel.platform != Platform.WHATSAPP.value:
        raise Invalid("only WhatsApp channels have message templates", field="channel")
    name, language = name.strip(), language.strip()
    if not name or len(name) > 512 or not set(name) <= _NAME_CHARS:
        raise Invalid("a template name is lowercase letters, digits and _", field="name")
    if not (2 <= len(language) <= 16) or not language.replace("_", "").isalpha():
        raise Invalid("a template language is a code such as en_US or es", field="language")
    taken = find_template(session, channel_id=channel.id, name=name, language=language)
    if taken is not None:
        raise Conflict(f"template {name} ({language}) is already listed", field="name")
    row = ChannelTemplate(
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
        name=name,
        language=language,
        created_at=at,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        workspace_id=channel.workspace_id,
        type="channel.template_added",
        at=at,
        actor_id=actor_id,
        data={"channel_id": channel.id, "template_id": row.id},
    )
    return row


def channel_templates(session: Session, *, channel_id: int) -> list[ChannelTemplate]:
    query = (
        select(ChannelTemplate)
        .where(ChannelTemplate.channel_id == channel_id)
        .order_by(ChannelTemplate.name, ChannelTemplate.language)
    )
    return list(session.scalars(query))


def find_template(
    session: Session, *, channel_id: int, name: str, language: str | None = None
) -> ChannelTemplate | None:
    query = select(ChannelTemplate).where(
        ChannelTemplate.channel_id == channel_id, ChannelTemplate.name == name
    )
    if language is not None:
        query = query.where(ChannelTemplate.language == language)
    return session.scalars(query.order_by(ChannelTemplate.id)).first()


def approved_template_language(
    session: Session, *, channel_id: int, name: str, language: str | None = None
) -> str:
    """The language to send template `name` in; refused unless it is approved here."""
    found = find_template(session, channel_id=channel_id, name=name, language=language)
    if found is None:
        which = f"{name} ({language})" if language else name
        raise PolicyRefused(
            f"template {which} is not approved for this channel",
            allowed="use an approved template",
        )
    return found.language

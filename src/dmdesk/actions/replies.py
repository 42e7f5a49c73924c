"""Saved replies per workspace and team: create, edit, search, render, send and count use."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dmdesk.actions.conversations import user_team_ids
from dmdesk.actions.governance import SubmitOutcome, do_submit_reply
from dmdesk.db.events import record_event
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.domain.templating import (
    ALLOWED,
    Rendered,
    personalisation_warning,
    render,
    variables_in,
)
from dmdesk.models import Contact, Conversation, User, Workspace
from dmdesk.models.replies import SavedReply

log = logging.getLogger(__name__)


def _validate(name: str, body: str) -> tuple[str, str]:
    name, body = name.strip(), body.strip()
    if not name or len(name) > 120:
        raise Invalid("a saved reply needs a name of 1 to 120 characters", field="name")
    if not body:
        raise Invalid("a saved reply needs text", field="body")
    unknown = [v for v in variables_in(body) if v not in ALLOWED]
    if unknown:
        raise Invalid(
            f"unknown variable {unknown[0]!r}; allowed: {', '.join(ALLOWED)}", field="body"
        )
    return name, body


def do_create_saved_reply(
    session: Session,
    *,
    user: User,
    name: str,
    body: str,
    at: datetime,
    team_id: int | None = None,
) -> SavedReply:
    name, body = _validate(name, body)
    if team_id is not None and team_id not in user_team_ids(session, user.id):
        from dmdesk.access import access_team

        access_team(session, user, team_id)
    reply = SavedReply(
        workspace_id=user.workspace_id,
        team_id=team_id,
        name=name,
        body=body,
        usage_count=0,
        created_by=user.id,
        created_at=at,
        updated_at=at,
    )
    session.add(reply)
    session.flush()
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="saved_reply.created",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"saved_reply_id": reply.id, "name": name},
    )
    return reply


def do_update_saved_reply(
    session: Session, *, user: User, reply: SavedReply, name: str, body: str, at: datetime
) -> SavedReply:
    reply.name, reply.body = _validate(name, body)
    reply.updated_at = at
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="saved_reply.updated",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"saved_reply_id": reply.id},
    )
    return reply


def do_delete_saved_reply(session: Session, *, user: User, reply: SavedReply, at: datetime) -> None:
    session.delete(reply)
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="saved_reply.deleted",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"saved_reply_id": reply.id},
    )


def access_saved_reply(
    session: Session, user: User | None, reply_id: int, *, workspace_id: int | None = None
) -> SavedReply:
    reply = session.get(SavedReply, reply_id)
    ws = user.workspace_id if user else workspace_id
    if reply is None or reply.workspace_id != ws:
        raise NotFound("saved reply not found")
    return reply


def search_saved_replies(
    session: Session, *, user: User, query: str = "", limit: int = 20
) -> list[SavedReply]:
    """Workspace-wide replies and those of the caller's teams, by name or text."""
    teams = user_team_ids(session, user.id)
    stmt = select(SavedReply).where(
        SavedReply.workspace_id == user.workspace_id,
        or_(SavedReply.team_id.is_(None), SavedReply.team_id.in_(teams)),
    )
    if query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(SavedReply.name).like(like), func.lower(SavedReply.body).like(like))
        )
    stmt = stmt.order_by(SavedReply.usage_count.desc(), SavedReply.name).limit(limit)
    return list(session.scalars(stmt))


def template_values(
    session: Session,
    *,
    conv: Conversation,
    agent: User | None,
    at: datetime,
    extra: dict[str, str] | None = None,
) -> dict[str, str | None]:
    """The allow-listed variables for one conversation; plain strings only."""
    contact = session.get_one(Contact, conv.contact_id)
    workspace = session.get_one(Workspace, conv.workspace_id)
    name = (contact.name or "").strip()
    attrs: dict[str, Any] = contact.attributes or {}
    values: dict[str, str | None] = {
        "contact.name": name or None,
        "contact.first_name": name.split()[0] if name else None,
        "contact.handle": contact.handle,
        "agent.name": agent.name if agent else None,
        "agent.first_name": agent.name.split()[0] if agent and agent.name.strip() else None,
        "order.number": str(attrs["order_number"]) if attrs.get("order_number") else None,
        "workspace.name": workspace.name,
        "next_opening": _next_opening(workspace, at),
    }
    for key, value in (extra or {}).items():
        if key in ALLOWED and value:
            values[key] = str(value)
    return values


def _next_opening(workspace: Workspace, at: datetime) -> str | None:
    raw = (workspace.settings or {}).get("business_hours")
    if not raw:
        return None
    try:
        from dmdesk.domain.business_hours import Schedule

        schedule = Schedule.model_validate(raw)
        opening = at if schedule.is_open(at) else schedule.next_opening(at)
    except Exception:  # an invalid schedule must not break a reply
        log.warning("workspace business_hours setting is invalid", extra={"ws": workspace.id})
        return None
    if opening is None:
        return None
    return opening.astimezone(schedule.zone).strftime("%A %H:%M")


def render_saved_reply(
    session: Session,
    *,
    reply: SavedReply,
    conv: Conversation,
    agent: User | None,
    at: datetime,
    extra: dict[str, str] | None = None,
) -> Rendered:
    return render(reply.body, template_values(session, conv=conv, agent=agent, at=at, extra=extra))


def do_send_saved_reply(
    session: Session,
    *,
    conv: Conversation,
    saved_reply_id: int,
    user: User | None,
    at: datetime,
    text: str | None = None,
    extra: dict[str, str] | None = None,
) -> SubmitOutcome:
    """Render (or take the agent's edited text), refuse unresolved variables, submit."""
    reply = access_saved_reply(session, user, saved_reply_id, workspace_id=conv.workspace_id)
    rendered = render_saved_reply(session, reply=reply, conv=conv, agent=user, at=at, extra=extra)
    final = text if text is not None else rendered.text
    left = render(final, {})
    if left.unresolved or left.unknown:
        missing = ", ".join((*left.unresolved, *left.unknown))
        raise Invalid(f"fill in the variables first: {missing}", field="text")
    warning = personalisation_warning(reply.body, final)
    reply.usage_count += 1
    if user is None:
        from dmdesk.actions.bot import do_send_bot_message

        msg = do_send_bot_message(session, conv=conv, text=final, at=at)
        return SubmitOutcome("queued", message=msg)
    return do_submit_reply(
        session,
        conv=conv,
        text=final,
        author=user,
        at=at,
        warnings=[warning] if warning else None,
    )

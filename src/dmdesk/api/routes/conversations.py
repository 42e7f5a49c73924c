"""Conversations: list and filter, read a thread, reply, note, assign, tag, change status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation
from dmdesk.actions import conversations as conv_actions
from dmdesk.actions.governance import do_submit_reply
from dmdesk.actions.messages import do_add_note
from dmdesk.actions.pii_access import user_sees_pii
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.api.schemas import (
    AssignIn,
    CategoryIn,
    ConversationOut,
    ConversationPage,
    NoteIn,
    PriorityIn,
    ReplyIn,
    StatusIn,
    TagIn,
    TeamIn,
    ThreadOut,
)
from dmdesk.auth import Caller
from dmdesk.domain.window import window_state
from dmdesk.models import Conversation
from dmdesk.queries.inbox import InboxFilter, list_conversations, view_counts
from dmdesk.queries.thread import load_thread, message_json
from dmdesk.services import Services

router = APIRouter(prefix="/conversations", tags=["conversations"])
Mutation = Callable[[Session, Conversation], Any]


def mutate(services: Services, caller: Caller, conv_id: int, fn: Mutation) -> dict[str, Any]:
    """Run `fn` on the caller's conversation in one write; answer with its new state."""

    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        fn(s, conv)
        return {
            "id": conv.id,
            "status": conv.status,
            "assignee_id": conv.assignee_id,
            "team_id": conv.team_id,
            "priority": conv.priority,
            "category": conv.category,
            "version": conv.version,
            "tags": conv_actions.conversation_tags(s, conv.id),
        }

    return services.db.write(work)


@router.get("", response_model=ConversationPage)
def list_(
    services: ServicesDep,
    caller: CallerDep,
    view: str = "open",
    team_id: int | None = None,
    channel_id: int | None = None,
    tag: str | None = None,
    status: str | None = None,
    category: str | None = None,
    priority: str | None = None,
    assignee_id: int | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> ConversationPage:
    flt = InboxFilter(
        view=view,
        team_id=team_id,
        channel_id=channel_id,
        tag=tag,
        status=status,
        category=category,
        priority=priority,
        assignee_id=assignee_id,
    )
    with services.db.session() as s:
        page = list_conversations(
            s,
            user=caller.user,
            flt=flt,
            cursor=cursor,
            limit=limit,
            mask_pii=not user_sees_pii(s, caller.user),
        )
        counts = view_counts(s, user=caller.user)
    return ConversationPage(
        items=[ConversationOut.of(r) for r in page.rows],
        next_cursor=page.next_cursor,
        counts=counts,
    )


@router.get("/{conv_id}", response_model=ThreadOut)
def thread(conv_id: int, services: ServicesDep, caller: CallerDep) -> ThreadOut:
    with services.db.session() as s:
        conv = access_conversation(s, caller.user, conv_id)
        t = load_thread(s, conv, mask_pii=not user_sees_pii(s, caller.user))
        tags = conv_actions.conversation_tags(s, conv.id)
    now = services.clock()
    win = window_state(t.channel.platform, conv.last_inbound_at, now)
    return ThreadOut(
        conversation={
            "id": conv.id,
            "status": conv.status,
            "priority": conv.priority,
            "category": conv.category,
            "assignee_id": conv.assignee_id,
            "team_id": conv.team_id,
            "tags": tags,
            "version": conv.version,
            "triage": conv.triage,
            "referral": conv.referral,
            "snoozed_until": conv.snoozed_until,
            "waiting_since": conv.waiting_since,
        },
        contact={
            "id": t.contact.id,
            "name": t.contact.name,
            "handle": t.contact.handle,
            "external_id": t.contact.external_id,
        },
        channel={"id": t.channel.id, "platform": t.channel.platform, "name": t.channel.name},
        messages=[message_json(i, t.users) for i in t.items if i.message],
        notes=[
            {
                "id": i.note.id,
                "author_name": i.author_name,
                "text": i.note.text,
                "created_at": i.note.created_at.isoformat(),
            }
            for i in t.items
            if i.note
        ],
        window={
            "allowed": win.allowed,
            "closes_at": win.closes_at,
            "seconds_left": win.seconds_left(now),
            "explanation": win.explanation,
        },
    )


@router.post("/{conv_id}/messages", status_code=201)
def reply(conv_id: int, body: ReplyIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        if body.expected_version is not None:
            conv_actions._check_version(conv, body.expected_version)
        outcome = do_submit_reply(
            s, conv=conv, text=body.text, at=services.clock(), author=caller.user
        )
        return {**outcome.as_json(), "conversation_version": conv.version}

    return services.db.write(work)


@router.post("/{conv_id}/notes", status_code=201)
def note(conv_id: int, body: NoteIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    def work(s: Session) -> dict[str, Any]:
        conv = access_conversation(s, caller.user, conv_id)
        n = do_add_note(s, conv=conv, text=body.text, at=services.clock(), author_id=caller.user.id)
        return {"id": n.id}

    return services.db.write(work)


@router.post("/{conv_id}/assign")
def assign(
    conv_id: int, body: AssignIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    return mutate(
        services,
        caller,
        conv_id,
        lambda s, c: conv_actions.do_assign_conversation(
            s,
            conv=c,
            assignee_id=body.assignee_id,
            at=services.clock(),
            actor_id=caller.user.id,
            expected_version=body.expected_version,
        ),
    )


@router.post("/{conv_id}/team")
def set_team(
    conv_id: int, body: TeamIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    return mutate(
        services,
        caller,
        conv_id,
        lambda s, c: conv_actions.do_set_team(
            s, conv=c, team_id=body.team_id, at=services.clock(), actor_id=caller.user.id
        ),
    )


@router.post("/{conv_id}/tags")
def add_tag(conv_id: int, body: TagIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    return mutate(
        services,
        caller,
        conv_id,
        lambda s, c: conv_actions.do_add_tag(
            s, conv=c, tag=body.tag, at=services.clock(), actor_id=caller.user.id
        ),
    )


@router.delete("/{conv_id}/tags/{tag}")
def remove_tag(conv_id: int, tag: str, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    return mutate(
        services,
        caller,
        conv_id,
        lambda s, c: conv_actions.do_remove_tag(
            s, conv=c, tag=tag, at=services.clock(), actor_id=caller.user.id
        ),
    )


@router.post("/{conv_id}/status")
def set_status(
    conv_id: int, body: StatusIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    return mutate(
        services,
        caller,
        conv_id,
        lambda s, c: conv_actions.do_set_status(
            s,
            conv=c,
            status=body.status,
            snoozed_until=body.snoozed_until,
            at=services.clock(),
            actor_id=caller.user.id,
            expected_version=body.expected_version,
        ),
    )


@router.post("/{conv_id}/priority")
def set_priority(
    conv_id: int, body: PriorityIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    return mutate(
        services,
        caller,
        conv_id,
        lambda s, c: conv_actions.do_set_priority(
            s, conv=c, priority=body.priority, at=services.clock(), actor_id=caller.user.id
        ),
    )


@router.post("/{conv_id}/category")
def set_category(
    conv_id: int, body: CategoryIn, services: ServicesDep, caller: CallerDep
) -> dict[str, Any]:
    return mutate(
        services,
        caller,
        conv_id,
        lambda s, c: conv_actions.do_set_category(
            s, conv=c, category=body.category, at=services.clock(), actor_id=caller.user.id
        ),
    )

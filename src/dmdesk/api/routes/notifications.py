"""Notifications (list, mark read, preferences), the presence heartbeat, and who else is
viewing or typing in a conversation (kept in memory per instance for the GET, and relayed
to every instance's live stream as an ephemeral `conversation.activity` event)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from dmdesk.access import access_conversation
from dmdesk.actions import notifications as notes
from dmdesk.actions.assignment import do_presence_heartbeat
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.live.activity import activity_event, broadcast
from dmdesk.models import User
from dmdesk.routing.collision import Viewer, registry_for
from dmdesk.routing.notices import notices, unread_count

router = APIRouter(tags=["notifications"])


class ReadIn(BaseModel):
    ids: list[int] | None = None  # None: all


class PreferencesIn(BaseModel):
    assignment: bool | None = None
    mention: bool | None = None
    sla: bool | None = None
    reply: bool | None = None


class BrowserPreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignment: bool | None = None
    mention: bool | None = None
    sla: bool | None = None
    reply: bool | None = None


class HeartbeatIn(BaseModel):
    presence: Literal["online", "away", "offline"] | None = None


class ActivityIn(BaseModel):
    activity: Literal["viewing", "typing"] = "viewing"


@router.get("/notifications")
def list_notifications(
    services: ServicesDep, caller: CallerDep, unread: bool = False
) -> list[dict[str, Any]]:
    with services.db.session() as s:
        rows = notes.list_notifications(s, user=caller.user, unread_only=unread)
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "conversation_id": n.conversation_id,
            "data": n.data,
            "created_at": n.created_at.isoformat(),
            "read_at": n.read_at.isoformat() if n.read_at else None,
        }
        for n in rows
    ]


@router.get("/notifications/summary")
def summary(services: ServicesDep, caller: CallerDep, unread: bool = False) -> dict[str, Any]:
    """The bell: unread count (capped at 100), recent notifications in words with links,
    and which kinds the user wants as browser notifications."""
    with services.db.session() as s:
        # Count first: on PostgreSQL each statement reads its own snapshot, and a notification
        # committed in between must not be counted yet missing from the list.
        count = unread_count(s, user=caller.user)
        items = notices(s, user=caller.user, unread_only=unread)
    return {
        "unread": count,
        "items": [n.json() for n in items],
        "browser": notes.browser_preferences(caller.user),
    }


@router.post("/notifications/read")
def mark_read(body: ReadIn, services: ServicesDep, caller: CallerDep) -> dict[str, int]:
    count = services.db.write(
        lambda s: notes.do_mark_notifications_read(
            s, user=caller.user, ids=body.ids, at=services.clock()
        )
    )
    return {"marked": count}


@router.get("/notifications/preferences")
def get_preferences(caller: CallerDep) -> dict[str, bool]:
    return {kind: notes.wants(caller.user, kind) for kind in notes.KINDS}


@router.put("/notifications/preferences")
def set_preferences(
    body: PreferencesIn, services: ServicesDep, caller: CallerDep
) -> dict[str, bool]:
    prefs = {k: v for k, v in body.model_dump().items() if v is not None}

    def work(s: Session) -> dict[str, bool]:
        user = s.get_one(User, caller.user.id)
        return notes.do_set_notification_preferences(s, user=user, prefs=prefs, at=services.clock())

    return services.db.write(work)


@router.get("/notifications/preferences/browser")
def get_browser_preferences(caller: CallerDep) -> dict[str, bool]:
    return notes.browser_preferences(caller.user)


@router.put("/notifications/preferences/browser")
def set_browser_preferences(
    body: BrowserPreferencesIn, services: ServicesDep, caller: CallerDep
) -> dict[str, bool]:
    prefs = {k: v for k, v in body.model_dump().items() if v is not None}

    def work(s: Session) -> dict[str, bool]:
        user = s.get_one(User, caller.user.id)
        return notes.do_set_browser_preferences(s, user=user, prefs=prefs, at=services.clock())

    return services.db.write(work)


@router.post("/presence/heartbeat")
def heartbeat(body: HeartbeatIn, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    user = services.db.write(
        lambda s: do_presence_heartbeat(
            s, user_id=caller.user.id, presence=body.presence, at=services.clock()
        )
    )
    return {"presence": user.presence, "presence_at": user.presence_at}


@router.post("/conversations/{conv_id}/presence", status_code=204)
def report_activity(
    conv_id: int, body: ActivityIn, services: ServicesDep, caller: CallerDep
) -> None:
    with services.db.session() as s:
        access_conversation(s, caller.user, conv_id)
    now = services.clock()
    viewer = Viewer(caller.user.id, caller.user.name, body.activity, now)
    registry_for(services.hub).report(conv_id, viewer)
    event = activity_event(
        workspace_id=caller.user.workspace_id,
        conversation_id=conv_id,
        user_id=caller.user.id,
        name=caller.user.name,
        activity=body.activity,
        at=now,
    )
    broadcast(services.hub, services.fanout, event)


@router.get("/conversations/{conv_id}/presence")
def who_is_here(conv_id: int, services: ServicesDep, caller: CallerDep) -> list[dict[str, Any]]:
    with services.db.session() as s:
        access_conversation(s, caller.user, conv_id)
    viewers = registry_for(services.hub).viewers(conv_id, now=services.clock())
    return [
        {"user_id": v.user_id, "name": v.name, "activity": v.activity, "at": v.seen_at.isoformat()}
        for v in viewers
        if v.user_id != caller.user.id
    ]

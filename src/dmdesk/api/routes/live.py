"""The live-update stream (server-sent events), with replay from the event log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.db.events import PublishedEvent
from dmdesk.live.activity import activity_sse, is_ephemeral
from dmdesk.models import Event

router = APIRouter(tags=["live"])
REPLAY_MAX = 500
HEARTBEAT_S = 15.0


def sse(event: PublishedEvent | Event) -> str:
    data = {
        "id": event.id,
        "type": event.type,
        "conversation_id": event.conversation_id,
        "actor_id": event.actor_id,
        "data": event.data,
    }
    return f"id: {event.id}\nevent: update\ndata: {json.dumps(data, default=str)}\n\n"


def _replay(services: ServicesDep, workspace_id: int, after: int) -> tuple[list[Event], bool]:
    with services.db.session() as s:
        rows = list(
            s.scalars(
                select(Event)
                .where(Event.workspace_id == workspace_id, Event.id > after)
                .order_by(Event.id)
                .limit(REPLAY_MAX + 1)
            )
        )
    return rows[:REPLAY_MAX], len(rows) > REPLAY_MAX


@router.get("/stream")
async def stream(request: Request, services: ServicesDep, caller: CallerDep) -> StreamingResponse:
    """Every committed change in the caller's workspace; `Last-Event-ID` replays the gap."""
    hub = services.hub
    hub.bind_loop(asyncio.get_running_loop())
    sub = hub.subscribe(workspace_id=caller.user.workspace_id, user_id=caller.user.id)
    last = request.headers.get("last-event-id") or request.query_params.get("last_event_id")

    async def events() -> AsyncIterator[str]:
        sent = int(last) if last and last.isdigit() else 0
        try:
            yield "retry: 2000\n\n"
            if sent:
                rows, too_many = _replay(services, caller.user.workspace_id, sent)
                if too_many:
                    yield "event: reload\ndata: {}\n\n"
                for row in rows:
                    sent = row.id
                    yield sse(row)
            while True:
                try:
                    ev = await asyncio.wait_for(sub.queue.get(), timeout=HEARTBEAT_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if ev is None or sub.overflowed:
                    yield "event: reload\ndata: {}\n\n"
                    return
                if is_ephemeral(ev):
                    yield activity_sse(ev)
                elif ev.id > sent:
                    sent = ev.id
                    yield sse(ev)
        finally:
            hub.unsubscribe(sub)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )

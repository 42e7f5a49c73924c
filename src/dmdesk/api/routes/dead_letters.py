"""Dead letters: the webhook events dmdesk could not map, raw, for admins to inspect."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from dmdesk.access import require_role
from dmdesk.api.deps import CallerDep, ServicesDep
from dmdesk.domain.enums import Role
from dmdesk.queries.dead_letters import list_dead_letters

router = APIRouter(tags=["admin"])


@router.get("/dead-letters")
def dead_letters(
    services: ServicesDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    platform: str | None = None,
    before_id: int | None = None,
) -> dict[str, Any]:
    """The workspace's unsupported webhook events, newest first, each with its raw payload."""
    require_role(caller.user, Role.ADMIN)
    with services.db.session() as s:
        letters = list_dead_letters(
            s,
            workspace_id=caller.user.workspace_id,
            limit=limit,
            platform=platform,
            before_id=before_id,
        )
    items = [{**asdict(d), "received_at": d.received_at.isoformat()} for d in letters]
    return {"items": items, "next_before_id": letters[-1].id if len(letters) == limit else None}

"""Creating workspaces."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.domain.errors import Conflict, Invalid
from dmdesk.models import Workspace


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "workspace"


def do_create_workspace(
    session: Session,
    *,
    name: str,
    at: datetime,
    slug: str | None = None,
    timezone: str = "UTC",
    brand_names: list[str] | None = None,
) -> Workspace:
    if not name.strip():
        raise Invalid("a workspace needs a name", field="name")
    slug = slug or slugify(name)
    if session.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
        raise Conflict(f"a workspace with slug {slug!r} exists", field="slug")
    ws = Workspace(
        name=name.strip(),
        slug=slug,
        timezone=timezone,
        brand_names=brand_names or [name],
        settings={},
        created_at=at,
    )
    session.add(ws)
    session.flush()
    return ws

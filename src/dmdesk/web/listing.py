"""The inbox list as the screens need it: the view and filters from the URL query, one
page of rows, rail counts and facets, empty-state words."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from dmdesk.actions.pii_access import user_sees_pii
from dmdesk.models import User
from dmdesk.queries.inbox import VIEWS, InboxFilter, InboxPage, list_conversations, view_counts
from dmdesk.queries.rail import RailFacets, rail_facets

VIEW_TITLES = {
    "mine": "Mine",
    "unassigned": "Unassigned",
    "open": "All open",
    "pending": "Waiting on customer",
    "snoozed": "Snoozed",
    "resolved": "Resolved",
    "spam": "Spam & quarantine",
    "all": "Everything",
}
RAIL_VIEWS = ("mine", "unassigned", "open", "pending", "snoozed", "resolved", "spam")
EMPTY = {
    "mine": ("Nothing waiting on you", "Conversations assigned to you appear here."),
    "unassigned": ("Nobody is waiting", "New conversations without an owner appear here."),
    "open": ("No open conversations", "New direct messages appear here as they arrive."),
    "pending": ("Nobody owes you a reply", "Conversations waiting on the customer appear here."),
    "snoozed": ("Nothing snoozed", "Snoozed conversations come back on their own."),
    "resolved": ("Nothing resolved yet", "Resolved conversations are kept here."),
    "spam": ("No spam", "Messages triage flags as spam are quarantined here."),
    "all": ("No conversations yet", "Direct messages appear here as they arrive."),
}
FILTER_KEYS = ("team", "channel", "tag", "status", "priority", "category")
STATUSES = ("open", "pending", "snoozed", "resolved")
PRIORITIES = ("urgent", "high", "normal", "low")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def filter_from_query(params: QueryParams) -> InboxFilter:
    view = params.get("view") or "open"
    status = params.get("status")
    priority = params.get("priority")
    return InboxFilter(
        view=view if view in VIEWS else "open",
        team_id=_int(params.get("team")),
        channel_id=_int(params.get("channel")),
        tag=(params.get("tag") or "").strip().lower() or None,
        status=status if status in STATUSES else None,
        priority=priority if priority in PRIORITIES else None,
        category=params.get("category") or None,
    )


def query_of(flt: InboxFilter, **extra: Any) -> str:
    """The URL query of a view (no cursor), so every view is a link."""
    pairs: dict[str, Any] = {"view": flt.view}
    pairs.update(
        team=flt.team_id,
        channel=flt.channel_id,
        tag=flt.tag,
        status=flt.status,
        priority=flt.priority,
        category=flt.category,
    )
    pairs.update(extra)
    return urlencode({k: v for k, v in pairs.items() if v not in (None, "")})


def has_filters(flt: InboxFilter) -> bool:
    return any(
        v is not None
        for v in (flt.team_id, flt.channel_id, flt.tag, flt.status, flt.priority, flt.category)
    )


@dataclass(frozen=True)
class Chip:
    label: str
    clear_query: str


def filter_chips(flt: InboxFilter, facets: RailFacets) -> list[Chip]:
    names = {"team": dict(facets.team_names()), "channel": {}}
    names["channel"] = {c.id: c.name for c in facets.channels if c.id is not None}
    chips = []
    specs = (
        ("team_id", "Team", lambda v: names["team"].get(v, f"#{v}")),
        ("channel_id", "Channel", lambda v: names["channel"].get(v, f"#{v}")),
        ("tag", "Tag", lambda v: f"#{v}"),
        ("status", "Status", str),
        ("priority", "Priority", str),
        ("category", "Category", str),
    )
    for attr, label, show in specs:
        value = getattr(flt, attr)
        if value is not None:
            cleared: dict[str, Any] = {attr: None}
            chips.append(Chip(f"{label}: {show(value)}", query_of(replace(flt, **cleared))))
    return chips


def list_title(flt: InboxFilter, facets: RailFacets) -> str:
    title = VIEW_TITLES.get(flt.view, "Inbox")
    if flt.team_id is not None:
        return f"{title} · {facets.team_names().get(flt.team_id, 'Team')}"
    if flt.tag:
        return f"{title} · #{flt.tag}"
    return title


@dataclass(frozen=True)
class ListModel:
    flt: InboxFilter
    page: InboxPage
    counts: dict[str, int]
    facets: RailFacets
    now: datetime
    open_id: int | None = None

    def context(self) -> dict[str, Any]:
        flt = self.flt
        title, hint = EMPTY.get(flt.view, EMPTY["all"])
        if has_filters(flt):
            title, hint = "No conversations match these filters", ""
        if not self.facets.channels:
            title, hint = "Connect a channel", "No channel is connected yet."
        return {
            "flt": flt,
            "rows": self.page.rows,
            "next_cursor": self.page.next_cursor,
            "counts": self.counts,
            "facets": self.facets,
            "now": self.now,
            "open_id": self.open_id,
            "qs": query_of(flt),
            "chips": filter_chips(flt, self.facets),
            "filtered": has_filters(flt),
            "list_title": list_title(flt, self.facets),
            "empty_title": title,
            "empty_hint": hint,
            "first_run": not self.facets.channels,
            "rail_views": [(v, VIEW_TITLES[v]) for v in RAIL_VIEWS],
            "statuses": STATUSES,
            "priorities": PRIORITIES,
            "query_of": query_of,
        }


def load_list(
    session: Session,
    *,
    user: User,
    flt: InboxFilter,
    now: datetime,
    cursor: str | None = None,
    open_id: int | None = None,
) -> ListModel:
    """Rows, tags, counts, facets: four queries, whatever the page size."""
    masked = not user_sees_pii(session, user)
    page = list_conversations(session, user=user, flt=flt, cursor=cursor, mask_pii=masked)
    counts = view_counts(session, user=user)
    facets = rail_facets(session, workspace_id=user.workspace_id)
    return ListModel(flt, page, counts, facets, now, open_id)

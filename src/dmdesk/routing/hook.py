"""The pipeline step after triage: route a new conversation, assign it, and answer out
of hours. A failure here is logged and rolled back alone; it never blocks ingestion."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from dmdesk.actions.assignment import do_auto_assign
from dmdesk.actions.routing import do_apply_routing
from dmdesk.actions.sla import do_after_hours_reply
from dmdesk.models import Conversation
from dmdesk.models.ownership import RoutingRuleRow

log = logging.getLogger(__name__)


class _Outcome(Protocol):
    @property
    def conversation_id(self) -> int: ...
    @property
    def created_conversation(self) -> bool: ...


class _Inbound(Protocol):
    @property
    def text(self) -> str | None: ...


class StoredMessage(Protocol):
    """What the pipeline hands its message hooks (ingest.pipeline.StoredMessage)."""

    @property
    def outcome(self) -> _Outcome: ...
    @property
    def event(self) -> _Inbound: ...
    @property
    def at(self) -> datetime: ...


def on_new_message(session: Session, stored: StoredMessage) -> None:
    conv_id = stored.outcome.conversation_id
    known = session.get(Conversation, conv_id)  # in the identity map after ingestion
    # No team: nothing to assign within, no hours to answer by. Only a new conversation
    # can be routed, and only by an enabled rule; else spare the savepoint.
    if (
        known is not None
        and known.team_id is None
        and not (stored.outcome.created_conversation and _has_rules(session, known))
    ):
        return
    try:
        with session.begin_nested():
            conv = session.get_one(Conversation, conv_id)
            if stored.outcome.created_conversation:
                do_apply_routing(session, conv=conv, at=stored.at, text=stored.event.text)
            if conv.status != "resolved" and conv.team_id is not None:
                # no team: auto-assign has nothing to do, spare its row-lock re-read
                do_auto_assign(session, conv=conv, at=stored.at)
            do_after_hours_reply(session, conv=conv, at=stored.at)
    except Exception:
        log.exception("routing failed", extra={"conversation_id": conv_id})


def _has_rules(session: Session, conv: Conversation) -> bool:
    """Whether the workspace has an enabled routing rule (else routing decides nothing)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    RoutingRuleRow.workspace_id == conv.workspace_id,
                    RoutingRuleRow.enabled.is_(True),
                )
            )
        )
    )

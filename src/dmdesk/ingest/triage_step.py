"""Triage in the pipeline: classify before the write (CPU), apply inside it (an action)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from dmdesk.actions.triage import do_apply_triage
from dmdesk.db.database import Database
from dmdesk.domain.inbound import InboundMessage
from dmdesk.domain.triage import KeywordRule
from dmdesk.ingest.pipeline import StoredMessage
from dmdesk.models import Channel, Conversation, Workspace
from dmdesk.triage.engine import TriageEngine
from dmdesk.triage.rules import rule_from_dict


class WorkspaceTriageSettings:
    """Brand names and keyword rules per workspace, read once and refreshed on change."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[tuple[str, ...], tuple[KeywordRule, ...]]] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()

    def get(self, workspace_id: int) -> tuple[tuple[str, ...], tuple[KeywordRule, ...]]:
        with self._lock:
            found = self._cache.get(workspace_id)
        if found is not None:
            return found
        with self._db.session() as s:
            ws = s.get(Workspace, workspace_id)
            brands = tuple(ws.brand_names) if ws else ()
            raw_rules = (ws.settings.get("triage_rules") or []) if ws else []
        rules = tuple(rule_from_dict(r) for r in raw_rules)
        with self._lock:
            self._cache[workspace_id] = (brands, rules)
        return brands, rules


def make_enricher(
    engine: TriageEngine | Callable[[int], TriageEngine], settings: WorkspaceTriageSettings
) -> Callable[[Channel, InboundMessage], dict[str, Any] | None]:
    """`engine` is a fixed engine or a provider: workspace id -> its active engine."""
    engine_for = (lambda _ws: engine) if isinstance(engine, TriageEngine) else engine

    def enrich(channel: Channel, event: InboundMessage) -> dict[str, Any] | None:
        brands, rules = settings.get(channel.workspace_id)
        verdict = engine_for(channel.workspace_id).classify(
            event.text,
            attachment_kinds=tuple(a.kind for a in event.attachments),
            brand_names=brands,
            rules=rules,
        )
        return {"triage": verdict.to_json()}

    return enrich


def apply_hook(session: Session, stored: StoredMessage) -> None:
    verdict = (stored.enrichment or {}).get("triage")
    if not verdict:
        return
    conv = session.get_one(Conversation, stored.outcome.conversation_id)
    do_apply_triage(
        session, conv=conv, verdict=verdict, message_id=stored.outcome.message_id, at=stored.at
    )

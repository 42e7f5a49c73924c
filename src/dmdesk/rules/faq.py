"""FAQ auto-answer: match an inbound question against the knowledge base, answer as the
bot with "talk to a person" offered, or hand off to a human (unsure, complaint, negative)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dmdesk.actions.bot import do_send_bot_message
from dmdesk.actions.faq import faq_entries
from dmdesk.actions.governance import reply_settings
from dmdesk.db.events import record_event
from dmdesk.models import Conversation
from dmdesk.models.replies import FaqEntry
from dmdesk.rules.faq_matcher import FaqExample, FaqIndex

HANDOFF_PAYLOAD = "HANDOFF"
TALK = ("Talk to a person", HANDOFF_PAYLOAD)
TALK_HINT = 'Not what you needed? Reply "person" to talk to someone from the team.'
HANDOFF_WORDS = frozenset(
    {"person", "human", "agent", "talk to a person", "real person", "persona", "humano"}
)


@dataclass(frozen=True)
class FaqDecision:
    answered: bool
    reason: str
    entry_id: int | None = None
    score: float = 0.0


def examples_of(entries: list[FaqEntry]) -> list[FaqExample]:
    return [FaqExample(e.id, text) for e in entries for text in [e.question, *(e.variants or [])]]


class FaqResponder:
    """Keeps one index per workspace, rebuilt when the knowledge base changes."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[tuple[Any, ...], FaqIndex, dict[int, str]]] = {}
        self._lock = threading.Lock()

    def _index(self, session: Session, workspace_id: int) -> tuple[FaqIndex, dict[int, str]]:
        signature = tuple(
            session.execute(
                select(func.count(FaqEntry.id), func.max(FaqEntry.updated_at)).where(
                    FaqEntry.workspace_id == workspace_id, FaqEntry.enabled.is_(True)
                )
            ).one()
        )
        with self._lock:
            cached = self._cache.get(workspace_id)
            if cached and cached[0] == signature:
                return cached[1], cached[2]
        entries = faq_entries(session, workspace_id, enabled_only=True)
        built = (signature, FaqIndex(examples_of(entries)), {e.id: e.answer for e in entries})
        with self._lock:
            self._cache[workspace_id] = built
        return built[1], built[2]

    def decide(
        self,
        session: Session,
        *,
        workspace_id: int,
        text: str,
        enrichment: dict[str, Any] | None,
        threshold: float,
    ) -> FaqDecision:
        unhappy = _unhappy(enrichment)
        if unhappy:
            return FaqDecision(False, unhappy)
        index, _answers = self._index(session, workspace_id)
        found = index.match(text)
        if found.entry_id is None:
            return FaqDecision(False, "empty knowledge base")
        if not found.answers(threshold):
            return FaqDecision(False, "not sure", found.entry_id, found.score)
        return FaqDecision(True, "match", found.entry_id, found.score)

    def respond(
        self,
        session: Session,
        *,
        conv: Conversation,
        text: str,
        enrichment: dict[str, Any] | None,
        at: datetime,
        threshold: float | None = None,
    ) -> FaqDecision:
        """Answer or hand off, recording `faq.answered` or `faq.handoff`."""
        limit = threshold
        if limit is None:
            limit = reply_settings(session, conv.workspace_id, at=at).faq_threshold
        decision = self.decide(
            session,
            workspace_id=conv.workspace_id,
            text=text,
            enrichment=enrichment,
            threshold=limit,
        )
        data: dict[str, Any] = {"entry_id": decision.entry_id, "score": round(decision.score, 4)}
        if decision.answered and decision.entry_id is not None:
            _index, answers = self._index(session, conv.workspace_id)
            body = f"{answers[decision.entry_id]}\n\n{TALK_HINT}"
            msg = do_send_bot_message(session, conv=conv, text=body, at=at, quick_replies=[TALK])
            data["message_id"] = msg.id
            kind = "faq.answered"
        else:
            data["reason"] = decision.reason
            kind = "faq.handoff"
        record_event(
            session,
            workspace_id=conv.workspace_id,
            type=kind,
            at=at,
            conversation_id=conv.id,
            actor_kind="bot",
            data=data,
        )
        return decision


def _unhappy(enrichment: dict[str, Any] | None) -> str | None:
    """Complaints and negative sentiment go to a human, whatever the score."""
    if not enrichment:
        return None
    nested = enrichment.get("triage")
    verdict: dict[str, Any] = nested if isinstance(nested, dict) else enrichment
    category = verdict.get("category")
    sentiment = verdict.get("sentiment_label") or verdict.get("sentiment")
    if category == "complaint":
        return "complaint"
    if sentiment == "negative":
        return "negative sentiment"
    return None


def wants_person(text: str | None, payload: str | None) -> bool:
    from dmdesk.domain.optout import normalise

    return payload == HANDOFF_PAYLOAD or normalise(text or "") in HANDOFF_WORDS

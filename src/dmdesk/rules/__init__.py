"""Automation: rules on domain events, keyword flows, consent and opt-out, FAQ, CSAT.

`install` wires it into the pipeline (message hooks) and the bus (rules, CSAT requests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from dmdesk.db.database import Database
from dmdesk.db.events import PublishedEvent
from dmdesk.domain.clock import Clock
from dmdesk.rules.engine import RuleEngine
from dmdesk.rules.faq import FaqResponder
from dmdesk.rules.hooks import MessageHook

log = logging.getLogger(__name__)


class HasHooks(Protocol):
    @property
    def message_hooks(self) -> list[Any]: ...


class Subscribes(Protocol):
    def subscribe(self, event_type: str, handler: Callable[[PublishedEvent], None]) -> None: ...


def install(pipeline: HasHooks, bus: Subscribes, db: Database, clock: Clock) -> RuleEngine:
    faq = FaqResponder()
    pipeline.message_hooks.append(MessageHook(faq))
    engine = RuleEngine(db=db, clock=clock, faq=faq)
    bus.subscribe("*", engine.handle)
    bus.subscribe("conversation.resolved", lambda e: _ask_csat(db, clock, e))
    return engine


def _ask_csat(db: Database, clock: Clock, event: PublishedEvent) -> None:
    from dmdesk.actions.csat import do_request_csat
    from dmdesk.actions.governance import reply_settings
    from dmdesk.domain.errors import PolicyRefused
    from dmdesk.models import Conversation

    if event.conversation_id is None or event.actor_kind == "rule":
        return
    conv_id = event.conversation_id

    def work(s: Any) -> None:
        conv = s.get(Conversation, conv_id)
        if conv is None or not reply_settings(s, conv.workspace_id, at=clock()).csat_enabled:
            return
        do_request_csat(s, conv=conv, at=clock())

    try:
        db.write(work)
    except PolicyRefused as exc:
        log.info("CSAT request not sent: %s", exc.message)


class Registers(Protocol):
    def register(self, name: str, job: Callable[[Any], object]) -> None: ...


def register_jobs(scheduler: Registers) -> None:
    """Periodic work for jobs.scheduler: due follow-ups, no-reply rules, webhook deliveries."""
    from dmdesk.rules.jobs import deliver_webhooks, run_due_followups

    def tick(services: Any) -> object:
        report = run_due_followups(services)
        return deliver_webhooks(services, report=report)

    scheduler.register("automation", tick)

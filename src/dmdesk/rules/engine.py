"""The automation engine: domain events (after commit) -> matching rules -> actions.

Each rule runs in its own write. Events its actions cause are stamped with the rule as
actor and a `rule_chain`, so a rule never re-triggers itself and chains stop at depth 3.
A rule that raises is disabled with the reason; nothing here can block ingestion.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions import automation as auto
from dmdesk.actions.macros import apply_step
from dmdesk.db.database import Database
from dmdesk.db.events import PENDING_KEY, PublishedEvent
from dmdesk.domain.clock import Clock
from dmdesk.domain.errors import PolicyRefused
from dmdesk.models import Conversation, Event, Message, User
from dmdesk.models.replies import AutomationRule, KeywordFlow
from dmdesk.rules.context import build_context
from dmdesk.rules.definitions import RuleAction, RuleDefinition, matches
from dmdesk.rules.faq import FaqResponder
from dmdesk.rules.flows import run_flow

log = logging.getLogger(__name__)
MAX_CHAIN = 3
STATUS_EVENTS = {
    "conversation.resolved",
    "conversation.snoozed",
    "conversation.pending",
    "conversation.reopened",
    "conversation.opened",
}
NO_REPLY = "no_reply"
RULES_TTL = 5.0  # seconds; rule edits in this process invalidate at once


def trigger_of(event: PublishedEvent) -> str | None:
    if event.type == "message.created":
        return "message_created"
    if event.type == "conversation.created":
        return "conversation_created"
    if event.type in STATUS_EVENTS:
        return "status_changed"
    if event.type == "conversation.tagged":
        return "tag_added"
    if event.type in ("sla.warning", "sla.warned", "sla.at_risk"):
        return "sla_warning"
    return None


class RuleEngine:
    def __init__(self, *, db: Database, clock: Clock, faq: FaqResponder) -> None:
        self._db = db
        self._clock = clock
        self._faq = faq
        self._rules: dict[int, tuple[float, list[tuple[int, RuleDefinition]]]] = {}
        self._lock = threading.Lock()

    def enabled_rules(self, workspace_id: int) -> list[tuple[int, RuleDefinition]]:
        """The workspace's enabled rules, read at most every RULES_TTL seconds; any
        `automation.*` event (rule created, updated, reordered, disabled, deleted) drops
        the workspace's copy at once."""
        now = time.monotonic()
        with self._lock:
            cached = self._rules.get(workspace_id)
        if cached is not None and now - cached[0] < RULES_TTL:
            return cached[1]
        with self._db.session() as s:
            rules = _enabled_rules(s, workspace_id)
        with self._lock:
            self._rules[workspace_id] = (now, rules)
        return rules

    def handle(self, event: PublishedEvent) -> None:
        """Bus subscriber: run every enabled rule of the event's workspace and trigger."""
        if event.type.startswith("automation."):
            with self._lock:
                self._rules.pop(event.workspace_id, None)
        trigger = trigger_of(event)
        if trigger is None or event.conversation_id is None:
            return
        chain = list(event.data.get("rule_chain") or [])
        if len(chain) >= MAX_CHAIN:
            return
        rules = self.enabled_rules(event.workspace_id)
        if not rules:
            return
        if trigger == "message_created" and event.data.get("direction") == "inbound":
            self._schedule_no_reply(rules, event)
        for rule_id, definition in rules:
            if rule_id in chain or definition.trigger.event != trigger:
                continue
            direction = event.data.get("direction")
            if trigger == "message_created" and definition.trigger.direction not in (
                "any",
                direction,
            ):
                continue
            self.run_rule(rule_id, conversation_id=event.conversation_id, event=event, chain=chain)

    def _schedule_no_reply(
        self, rules: list[tuple[int, RuleDefinition]], event: PublishedEvent
    ) -> None:
        waits = [(rid, d.trigger.hours) for rid, d in rules if d.trigger.event == NO_REPLY]
        if not waits or event.conversation_id is None:
            return
        conv_id = event.conversation_id

        def work(s: Session) -> None:
            for rule_id, hours in waits:
                auto.do_schedule_job(
                    s,
                    workspace_id=event.workspace_id,
                    kind=NO_REPLY,
                    conversation_id=conv_id,
                    run_at=event.occurred_at + timedelta(hours=hours or 0),
                    at=self._clock(),
                    payload={"rule_id": rule_id, "message_id": event.data.get("message_id")},
                )

        self._db.write(work)

    def run_rule(
        self,
        rule_id: int,
        *,
        conversation_id: int,
        event: PublishedEvent | None = None,
        chain: list[int] | None = None,
    ) -> str:
        """Run one rule now; returns the run outcome. Errors disable the rule."""
        at = self._clock()
        try:
            return self._db.write(
                lambda s: self._apply(s, rule_id, conversation_id, event, chain or [], at)
            )
        except PolicyRefused as exc:
            self._log(rule_id, conversation_id, event, "refused", exc.message, disable=False)
            return "refused"
        except Exception as exc:
            log.warning("automation rule failed", extra={"rule_id": rule_id}, exc_info=True)
            self._log(rule_id, conversation_id, event, "error", _describe(exc), disable=True)
            return "error"

    def _log(
        self,
        rule_id: int,
        conversation_id: int,
        event: PublishedEvent | None,
        outcome: str,
        message: str,
        *,
        disable: bool,
    ) -> None:
        at = self._clock()

        def work(s: Session) -> None:
            rule = s.get(AutomationRule, rule_id)
            if rule is None:
                return
            auto.do_log_run(
                s,
                rule=rule,
                outcome=outcome,
                did=[],
                at=at,
                error=message,
                event_id=event.id if event else None,
                conversation_id=conversation_id,
            )
            if disable:
                auto.do_disable_rule(s, rule_id=rule_id, reason=message, at=at)

        try:
            self._db.write(work)
        except Exception:  # logging a failure must never raise into the bus
            log.exception("could not record a rule failure", extra={"rule_id": rule_id})

    def _apply(
        self,
        s: Session,
        rule_id: int,
        conversation_id: int,
        event: PublishedEvent | None,
        chain: list[int],
        at: datetime,
    ) -> str:
        rule = s.get(AutomationRule, rule_id)
        conv = s.get(Conversation, conversation_id)
        if rule is None or conv is None or not rule.enabled:
            return "skipped"
        definition = RuleDefinition.model_validate(rule.definition)
        data = event.data if event else {}
        ctx = build_context(s, conv=conv, at=at, message_id=data.get("message_id"), event_data=data)
        ok, _results = matches(definition, ctx)
        if not ok:
            return "no_match"
        mark = len(s.info.setdefault(PENDING_KEY, []))
        owner = s.get(User, int(rule.definition.get("owner_id") or 0))
        did = [
            self._act(s, rule, action, conv=conv, ctx=ctx, owner=owner, event=event, at=at)
            for action in definition.actions
        ]
        _stamp(s, mark, rule, chain)
        auto.do_log_run(
            s,
            rule=rule,
            outcome="applied",
            did=did,
            at=at,
            event_id=event.id if event else None,
            conversation_id=conv.id,
        )
        return "applied"

    def _act(
        self,
        s: Session,
        rule: AutomationRule,
        action: RuleAction,
        *,
        conv: Conversation,
        ctx: dict[str, Any],
        owner: User | None,
        event: PublishedEvent | None,
        at: datetime,
    ) -> str:
        if action.action == "send_faq_answer":
            text = str(ctx.get("message.text") or "")
            decision = self._faq.respond(s, conv=conv, text=text, enrichment=None, at=at)
            return "FAQ answered" if decision.answered else f"FAQ hand-off: {decision.reason}"
        if action.action == "call_webhook":
            body = json.dumps(
                {
                    "rule_id": rule.id,
                    "conversation_id": conv.id,
                    "event": {"id": event.id, "type": event.type} if event else None,
                    "at": at.isoformat(),
                },
                sort_keys=True,
            )
            call = auto.do_queue_webhook(
                s,
                workspace_id=rule.workspace_id,
                rule_id=rule.id,
                url=str(action.url),
                body=body,
                at=at,
            )
            return f"webhook queued ({call.id})"
        if action.action == "start_flow":
            flow = s.get(KeywordFlow, action.flow_id or 0)
            if flow is None or flow.workspace_id != rule.workspace_id:
                raise LookupError(f"flow {action.flow_id} does not exist")
            wording = str(ctx.get("message.text") or "")
            return "; ".join(run_flow(s, flow=flow, conv=conv, wording=wording, at=at))
        actor = None if action.action.startswith("send") else owner
        return apply_step(s, conv=conv, step=action.as_step(), user=actor, at=at)

    def dry_run(self, s: Session, definition: RuleDefinition, conv: Conversation) -> dict[str, Any]:
        """What the rule would do on this (past) conversation; nothing is written."""
        last = s.scalars(
            select(Message.id)
            .where(Message.conversation_id == conv.id, Message.direction == "inbound")
            .order_by(Message.id.desc())
        ).first()
        ctx = build_context(s, conv=conv, at=self._clock(), message_id=last)
        ok, results = matches(definition, ctx)
        return {
            "matched": ok,
            "conditions": [
                {
                    "field": c.field,
                    "op": c.op,
                    "value": c.value,
                    "actual": ctx.get(c.field),
                    "result": r,
                }
                for c, r in zip(definition.conditions, results, strict=True)
            ],
            "would_do": [a.action for a in definition.actions] if ok else [],
        }


def _enabled_rules(s: Session, workspace_id: int) -> list[tuple[int, RuleDefinition]]:
    found: list[tuple[int, RuleDefinition]] = []
    rows = s.scalars(
        select(AutomationRule)
        .where(AutomationRule.workspace_id == workspace_id, AutomationRule.enabled.is_(True))
        .order_by(AutomationRule.position, AutomationRule.id)
    )
    for rule in rows:
        try:
            found.append((rule.id, RuleDefinition.model_validate(rule.definition)))
        except ValueError:
            log.warning("stored rule definition is invalid", extra={"rule_id": rule.id})
    return found


def _stamp(s: Session, mark: int, rule: AutomationRule, chain: list[int]) -> None:
    """Mark the events this rule's actions caused: actor = the rule, plus the chain."""
    pending: list[PublishedEvent] = s.info[PENDING_KEY]
    for i in range(mark, len(pending)):
        ev = pending[i]
        data = {**ev.data, "rule_chain": [*chain, rule.id], "rule_name": rule.name}
        row = s.get(Event, ev.id)
        if row is not None:
            row.actor_kind = "rule"
            row.actor_id = rule.id
            row.data = data
        pending[i] = replace(ev, actor_kind="rule", actor_id=rule.id, data=data)
    s.flush()


def _describe(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:1000]

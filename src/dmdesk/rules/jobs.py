"""Timed automation work: flow follow-ups, "no reply for N hours" rules, and signed
outbound webhook deliveries with retries. Run by `dmdesk automation tick` (cron/sidecar)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.actions import automation as auto
from dmdesk.db.database import Database
from dmdesk.db.secretbox import SecretBox
from dmdesk.domain.clock import Clock
from dmdesk.domain.errors import PolicyRefused
from dmdesk.models import Conversation, Message
from dmdesk.models.replies import AutomationRule, DueJob, OutboundWebhookCall
from dmdesk.rules.engine import NO_REPLY, RuleEngine
from dmdesk.rules.faq import FaqResponder
from dmdesk.rules.flows import FOLLOW_UP, send_follow_up

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Dmdesk-Signature"


class HasDb(Protocol):
    @property
    def db(self) -> Database: ...
    @property
    def clock(self) -> Clock: ...


class HasBox(HasDb, Protocol):
    @property
    def box(self) -> SecretBox: ...


@dataclass
class TickReport:
    follow_ups: int = 0
    no_reply_runs: int = 0
    skipped: int = 0
    webhooks_delivered: int = 0
    webhooks_failed: int = 0


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def run_due_followups(services: HasDb, *, report: TickReport | None = None) -> TickReport:
    """Run every due job once: follow-ups go out unless the person replied or opted out."""
    report = report or TickReport()
    now = services.clock()
    with services.db.session() as s:
        jobs = [(j.id, j.kind) for j in auto.due_jobs(s, now=now)]
    engine = RuleEngine(db=services.db, clock=services.clock, faq=FaqResponder())
    for job_id, kind in jobs:
        if kind == FOLLOW_UP:
            status = _run_follow_up(services, job_id)
            report.follow_ups += status == "done"
            report.skipped += status != "done"
        elif kind == NO_REPLY:
            ran = _run_no_reply(services, engine, job_id)
            report.no_reply_runs += ran
            report.skipped += not ran
    return report


def _run_follow_up(services: HasDb, job_id: int) -> str:
    def work(s: Session) -> str:
        job = s.get_one(DueJob, job_id)
        if job.status != "due":
            return job.status
        try:
            status = send_follow_up(s, job=job, at=services.clock())
        except PolicyRefused:
            status = "skipped"
        auto.do_finish_job(s, job=job, status=status)
        return status

    return services.db.write(work)


def _run_no_reply(services: HasDb, engine: RuleEngine, job_id: int) -> bool:
    def claim(s: Session) -> tuple[int, int] | None:
        job = s.get_one(DueJob, job_id)
        if job.status != "due":
            return None
        conv = s.get(Conversation, job.conversation_id)
        latest = s.scalars(
            select(Message.id)
            .where(Message.conversation_id == job.conversation_id, Message.direction == "inbound")
            .order_by(Message.id.desc())
        ).first()
        still_waiting = conv is not None and conv.waiting_since is not None
        fresh = latest == job.payload.get("message_id")
        auto.do_finish_job(s, job=job, status="done" if still_waiting and fresh else "cancelled")
        if still_waiting and fresh:
            return int(job.payload["rule_id"]), job.conversation_id
        return None

    claimed = services.db.write(claim)
    if claimed is None:
        return False
    return engine.run_rule(claimed[0], conversation_id=claimed[1]) == "applied"


def deliver_webhooks(
    services: HasBox, *, client: httpx.Client | None = None, report: TickReport | None = None
) -> TickReport:
    """POST each due call, signed with the rule's secret; retried with backoff, logged."""
    report = report or TickReport()
    now = services.clock()
    with services.db.session() as s:
        calls = list(
            s.scalars(
                select(OutboundWebhookCall)
                .where(
                    OutboundWebhookCall.status == "queued",
                    OutboundWebhookCall.next_attempt_at <= now,
                )
                .order_by(OutboundWebhookCall.id)
                .limit(100)
            )
        )
        secrets = {c.id: _secret(s, c, services.box) for c in calls}
    own = client is None
    http = client or httpx.Client(timeout=10.0)
    try:
        for call in calls:
            code, error = _post(http, call, secrets[call.id])
            done = _record(services, call.id, code, error)
            report.webhooks_delivered += done == "delivered"
            report.webhooks_failed += done == "failed"
    finally:
        if own:
            http.close()
    return report


def _record(services: HasDb, call_id: int, code: int | None, error: str | None) -> str:
    def work(s: Session) -> str:
        call = auto.do_record_webhook_attempt(
            s, call_id=call_id, status_code=code, error=error, at=services.clock()
        )
        return call.status

    return services.db.write(work)


def _secret(s: Session, call: OutboundWebhookCall, box: SecretBox) -> str:
    rule = s.get(AutomationRule, call.rule_id or 0)
    for action in (rule.definition.get("actions") or []) if rule else []:
        if action.get("action") == "call_webhook" and action.get("url") == call.url:
            return auto.webhook_secret(action, box=box)
    return ""


def _post(
    http: httpx.Client, call: OutboundWebhookCall, secret: str
) -> tuple[int | None, str | None]:
    body = call.body.encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}
    try:
        resp = http.post(call.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, type(exc).__name__
    return resp.status_code, None if resp.is_success else f"HTTP {resp.status_code}"

"""Automation state: rules (webhook secrets sealed), their run log, due jobs, webhook calls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dmdesk.access import require_role
from dmdesk.db.events import record_event
from dmdesk.db.secretbox import SecretBox
from dmdesk.domain.enums import Role
from dmdesk.domain.errors import Invalid, NotFound
from dmdesk.models import User
from dmdesk.models.replies import (
    AutomationRule,
    AutomationRun,
    DueJob,
    OutboundWebhookCall,
)

WEBHOOK_BACKOFF = (60, 300, 1800, 7200, 21600)
SEALED = "secret_sealed"
KEEP = "set"  # what the API shows for a stored secret; sent back, it keeps that secret


def seal_secrets(
    definition: dict[str, Any], *, box: SecretBox, previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Webhook secrets are stored sealed, never in plaintext. A call_webhook action without
    a new secret (or with "set") keeps the secret already stored for the same URL."""
    kept = _stored_secrets(previous or {}, box=box)
    actions: list[dict[str, Any]] = []
    for action in definition.get("actions") or []:
        action = {k: v for k, v in action.items() if k != SEALED}  # never taken from input
        if action.get("action") == "call_webhook":
            secret = action.pop("secret", None)
            if secret and secret != KEEP:
                action[SEALED] = box.seal({"secret": str(secret)})
            elif str(action.get("url")) in kept:
                action[SEALED] = kept[str(action.get("url"))]
            else:
                raise Invalid("a webhook call needs a secret", field="secret")
        actions.append(action)
    return {**definition, "actions": actions}


def _stored_secrets(definition: dict[str, Any], *, box: SecretBox) -> dict[str, str]:
    """URL -> sealed secret already stored; plaintext left by a keyless migration is sealed."""
    found: dict[str, str] = {}
    for action in definition.get("actions") or []:
        if action.get("action") != "call_webhook":
            continue
        if action.get(SEALED):
            found[str(action.get("url"))] = str(action[SEALED])
        elif action.get("secret"):
            found[str(action.get("url"))] = box.seal({"secret": str(action["secret"])})
    return found


def webhook_secret(action: dict[str, Any], *, box: SecretBox) -> str:
    """The plaintext secret of one stored call_webhook action."""
    if action.get(SEALED):
        return str(box.open(str(action[SEALED])).get("secret") or "")
    return str(action.get("secret") or "")  # a row not yet re-sealed (no key at migration)


def _audit(
    session: Session, ws: int, type_: str, at: datetime, user: User | None, data: dict[str, Any]
) -> None:
    record_event(
        session,
        workspace_id=ws,
        type=type_,
        at=at,
        actor_kind="user" if user else "system",
        actor_id=user.id if user else None,
        data=data,
    )


def do_create_rule(
    session: Session,
    *,
    user: User,
    name: str,
    definition: dict[str, Any],
    at: datetime,
    box: SecretBox,
) -> AutomationRule:
    """`definition` is already validated (rules.definitions.RuleDefinition)."""
    require_role(user, Role.SUPERVISOR)
    if not name.strip():
        raise Invalid("a rule needs a name", field="name")
    last = session.scalar(
        select(func.max(AutomationRule.position)).where(
            AutomationRule.workspace_id == user.workspace_id
        )
    )
    rule = AutomationRule(
        workspace_id=user.workspace_id,
        name=name.strip()[:120],
        enabled=True,
        definition={**seal_secrets(definition, box=box), "owner_id": user.id},
        run_count=0,
        position=(last or 0) + 1,
        created_at=at,
        updated_at=at,
    )
    session.add(rule)
    session.flush()
    _audit(session, user.workspace_id, "automation.rule_created", at, user, {"rule_id": rule.id})
    return rule


def access_rule(session: Session, user: User, rule_id: int) -> AutomationRule:
    rule = session.get(AutomationRule, rule_id)
    if rule is None or rule.workspace_id != user.workspace_id:
        raise NotFound("rule not found")
    return rule


def do_update_rule(
    session: Session,
    *,
    user: User,
    rule: AutomationRule,
    at: datetime,
    box: SecretBox,
    definition: dict[str, Any] | None = None,
    enabled: bool | None = None,
    name: str | None = None,
) -> AutomationRule:
    require_role(user, Role.SUPERVISOR)
    if name is not None:
        if not name.strip():
            raise Invalid("a rule needs a name", field="name")
        rule.name = name.strip()[:120]
    if definition is not None:
        sealed = seal_secrets(definition, box=box, previous=rule.definition)
        rule.definition = {**sealed, "owner_id": rule.definition.get("owner_id", user.id)}
    if enabled is not None:
        rule.enabled = enabled
        if enabled:
            rule.disabled_reason = None
    rule.updated_at = at
    _audit(
        session,
        rule.workspace_id,
        "automation.rule_updated",
        at,
        user,
        {"rule_id": rule.id, "enabled": rule.enabled},
    )
    return rule


def do_reorder_rules(session: Session, *, user: User, rule_ids: list[int], at: datetime) -> None:
    """Rules run in this order (lowest position first); ids not listed keep theirs, after."""
    require_role(user, Role.SUPERVISOR)
    rules = {
        r.id: r
        for r in session.scalars(
            select(AutomationRule).where(AutomationRule.workspace_id == user.workspace_id)
        )
    }
    if len(set(rule_ids)) != len(rule_ids) or not set(rule_ids) <= set(rules):
        raise Invalid("list each rule of this workspace once", field="rule_ids")
    rest = sorted((r for r in rules.values() if r.id not in rule_ids), key=lambda r: r.position)
    for position, rule in enumerate([*(rules[i] for i in rule_ids), *rest], start=1):
        rule.position = position
    _audit(
        session, user.workspace_id, "automation.rules_reordered", at, user, {"rule_ids": rule_ids}
    )


def do_delete_rule(session: Session, *, user: User, rule: AutomationRule, at: datetime) -> None:
    require_role(user, Role.SUPERVISOR)
    session.delete(rule)
    _audit(session, rule.workspace_id, "automation.rule_deleted", at, user, {"rule_id": rule.id})


def do_disable_rule(session: Session, *, rule_id: int, reason: str, at: datetime) -> None:
    """A rule that errored: off, with the reason shown to admins."""
    rule = session.get(AutomationRule, rule_id)
    if rule is None:
        return
    rule.enabled = False
    rule.disabled_reason = reason[:1000]
    rule.updated_at = at
    _audit(
        session,
        rule.workspace_id,
        "automation.rule_disabled",
        at,
        None,
        {"rule_id": rule.id, "reason": rule.disabled_reason},
    )


def do_log_run(
    session: Session,
    *,
    rule: AutomationRule,
    outcome: str,
    did: list[str],
    at: datetime,
    event_id: int | None = None,
    conversation_id: int | None = None,
    error: str | None = None,
) -> AutomationRun:
    run = AutomationRun(
        workspace_id=rule.workspace_id,
        rule_id=rule.id,
        event_id=event_id,
        conversation_id=conversation_id,
        outcome=outcome,
        did=did,
        error=error[:1000] if error else None,
        at=at,
    )
    session.add(run)
    if outcome == "applied":
        session.execute(
            update(AutomationRule)
            .where(AutomationRule.id == rule.id)
            .values(run_count=AutomationRule.run_count + 1)
        )
    session.flush()
    return run


def rule_runs(session: Session, rule_id: int, *, limit: int = 50) -> list[AutomationRun]:
    return list(
        session.scalars(
            select(AutomationRun)
            .where(AutomationRun.rule_id == rule_id)
            .order_by(AutomationRun.id.desc())
            .limit(limit)
        )
    )


def do_schedule_job(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    conversation_id: int,
    run_at: datetime,
    at: datetime,
    payload: dict[str, Any] | None = None,
) -> DueJob:
    job = DueJob(
        workspace_id=workspace_id,
        kind=kind,
        conversation_id=conversation_id,
        run_at=run_at,
        payload=payload or {},
        status="due",
        created_at=at,
    )
    session.add(job)
    session.flush()
    return job


def due_jobs(session: Session, *, now: datetime, limit: int = 100) -> list[DueJob]:
    return list(
        session.scalars(
            select(DueJob)
            .where(DueJob.status == "due", DueJob.run_at <= now)
            .order_by(DueJob.run_at, DueJob.id)
            .limit(limit)
        )
    )


def do_finish_job(session: Session, *, job: DueJob, status: str) -> None:
    job.status = status
    session.flush()


def do_queue_webhook(
    session: Session,
    *,
    workspace_id: int,
    rule_id: int | None,
    url: str,
    body: str,
    at: datetime,
) -> OutboundWebhookCall:
    call = OutboundWebhookCall(
        workspace_id=workspace_id,
        rule_id=rule_id,
        url=url,
        body=body,
        status="queued",
        attempts=0,
        next_attempt_at=at,
        created_at=at,
    )
    session.add(call)
    session.flush()
    return call


def do_record_webhook_attempt(
    session: Session, *, call_id: int, status_code: int | None, error: str | None, at: datetime
) -> OutboundWebhookCall:
    call = session.get_one(OutboundWebhookCall, call_id)
    call.attempts += 1
    call.last_status_code = status_code
    call.last_error = error[:500] if error else None
    if status_code is not None and 200 <= status_code < 300:
        call.status = "delivered"
    elif call.attempts >= len(WEBHOOK_BACKOFF):
        call.status = "failed"
    else:
        call.next_attempt_at = at + timedelta(seconds=WEBHOOK_BACKOFF[call.attempts - 1])
    return call

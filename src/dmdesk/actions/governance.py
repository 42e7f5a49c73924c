"""Governance: do-not-say rules, tone guidelines, and the guarded send path with approvals.

Every agent reply goes through `do_submit_reply`: blocked, parked for approval (never
queued in the outbox), or handed to `do_send_reply`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dmdesk.access import require_role
from dmdesk.actions.messages import do_send_reply
from dmdesk.actions.templates import approved_template_language
from dmdesk.db.events import record_event
from dmdesk.domain.enums import AuthorKind, Role
from dmdesk.domain.errors import Conflict, Invalid, NotFound, PolicyRefused
from dmdesk.domain.governance import EFFECTS, Finding, RuleSpec, check_text, compile_rule, verdict
from dmdesk.domain.templating import render
from dmdesk.models import Conversation, Message, User
from dmdesk.models.replies import DoNotSayRule, ReplyApproval, ReplySettings

AWAITING = "awaiting_approval"


@dataclass
class SubmitOutcome:
    status: str  # queued | awaiting_approval
    message: Message | None = None
    approval: ReplyApproval | None = None
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "id": self.message.id if self.message else None,
            "delivery_status": self.message.delivery_status if self.message else None,
            "approval_id": self.approval.id if self.approval else None,
            "findings": [asdict(f) for f in self.findings],
            "warnings": self.warnings,
        }


def reply_settings(session: Session, workspace_id: int, *, at: datetime) -> ReplySettings:
    row = session.get(ReplySettings, workspace_id)
    if row is None:
        row = ReplySettings(
            workspace_id=workspace_id,
            tone_guidelines="",
            approval_user_ids=[],
            faq_enabled=False,
            faq_threshold=0.35,
            csat_enabled=False,
            updated_at=at,
        )
        session.add(row)
        session.flush()
    return row


def do_update_reply_settings(
    session: Session, *, user: User, changes: dict[str, Any], at: datetime
) -> ReplySettings:
    require_role(user, Role.ADMIN)
    row = reply_settings(session, user.workspace_id, at=at)
    allowed = {
        "tone_guidelines",
        "approval_user_ids",
        "faq_enabled",
        "faq_threshold",
        "csat_enabled",
    }
    for key, value in changes.items():
        if key not in allowed:
            raise Invalid(f"unknown setting {key}", field=key)
        setattr(row, key, value)
    row.updated_at = at
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="reply_settings.updated",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"changed": sorted(changes)},
    )
    return row


def rule_specs(session: Session, workspace_id: int) -> list[RuleSpec]:
    rows = session.scalars(
        select(DoNotSayRule)
        .where(DoNotSayRule.workspace_id == workspace_id)
        .order_by(DoNotSayRule.id)
    )
    return [
        RuleSpec(r.id, r.kind, r.pattern, r.reason, r.alternative, r.effect, r.topic) for r in rows
    ]


def do_create_do_not_say_rule(
    session: Session,
    *,
    user: User,
    kind: str,
    pattern: str,
    reason: str,
    at: datetime,
    alternative: str | None = None,
    effect: str = "block",
    topic: str | None = None,
) -> DoNotSayRule:
    require_role(user, Role.SUPERVISOR)
    compile_rule(kind, pattern)
    if effect not in EFFECTS:
        raise Invalid("effect must be block, approval or warn", field="effect")
    rule = DoNotSayRule(
        workspace_id=user.workspace_id,
        kind=kind,
        pattern=pattern.strip(),
        reason=reason,
        alternative=alternative,
        effect=effect,
        topic=topic,
        created_at=at,
    )
    session.add(rule)
    session.flush()
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="governance.rule_created",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"rule_id": rule.id, "effect": effect},
    )
    return rule


def do_delete_do_not_say_rule(session: Session, *, user: User, rule_id: int, at: datetime) -> None:
    require_role(user, Role.SUPERVISOR)
    rule = session.get(DoNotSayRule, rule_id)
    if rule is None or rule.workspace_id != user.workspace_id:
        raise NotFound("rule not found")
    session.delete(rule)
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="governance.rule_deleted",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"rule_id": rule_id},
    )


def _blocked(findings: list[Finding]) -> PolicyRefused:
    first = next(f for f in findings if f.effect == "block")
    hint = f' Try: "{first.alternative}".' if first.alternative else ""
    return PolicyRefused(f'"{first.matched}" is not allowed: {first.reason}.{hint}')


def _require_filled(text: str) -> None:
    """A saved-reply variable left in the text would reach the contact as {{...}}."""
    left = render(text, {})
    if left.unresolved:
        raise Invalid(f"fill in the variables first: {', '.join(left.unresolved)}", field="text")


def do_submit_reply(
    session: Session,
    *,
    conv: Conversation,
    text: str,
    author: User,
    at: datetime,
    warnings: list[str] | None = None,
    template: str | None = None,
    template_language: str | None = None,
) -> SubmitOutcome:
    """The one send path for agents: check governance, then queue or park the reply.

    A WhatsApp template send comes here too: its name (as words) and any text are checked,
    so a sensitive template, or a flagged agent, cannot skip approval through the API."""
    _require_filled(text)
    checked = f"{template_words(template)} {text}".strip() if template else text
    findings = check_text(checked, rule_specs(session, conv.workspace_id))
    settings = reply_settings(session, conv.workspace_id, at=at)
    flagged = author.id in (settings.approval_user_ids or [])
    decision = verdict(findings, author_needs_approval=flagged)
    extra = list(warnings or [])
    extra += [f'"{f.matched}": {f.reason}' for f in findings if f.effect == "warn"]
    if decision == "block":
        raise _blocked(findings)
    if template is not None:
        # Refused now (not approved for the channel) rather than after a supervisor's review.
        template_language = approved_template_language(
            session, channel_id=conv.channel_id, name=template, language=template_language
        )
    if decision == "approval":
        approval = _park(
            session,
            conv=conv,
            text=checked,
            author=author,
            at=at,
            findings=findings,
            flagged=flagged,
            template=(template, template_language),
        )
        return SubmitOutcome(AWAITING, approval=approval, findings=findings, warnings=extra)
    msg = do_send_reply(
        session,
        conv=conv,
        text=text,
        at=at,
        author_id=author.id,
        template=template,
        template_language=template_language,
    )
    return SubmitOutcome("queued", message=msg, findings=findings, warnings=extra)


def template_words(name: str | None) -> str:
    """`refund_offer_v2` reads as "refund offer v2" for the do-not-say check."""
    return (name or "").replace("_", " ").strip()


def _park(
    session: Session,
    *,
    conv: Conversation,
    text: str,
    author: User,
    at: datetime,
    findings: list[Finding],
    flagged: bool,
    template: tuple[str | None, str | None] = (None, None),
) -> ReplyApproval:
    if not text.strip():
        raise Invalid("a reply needs text", field="text")
    reasons: list[dict[str, Any]] = [
        {"rule_id": f.rule_id, "topic": f.topic, "reason": f.reason, "matched": f.matched}
        for f in findings
        if f.effect == "approval"
    ]
    if flagged:
        reasons.append({"reason": "the author's replies need approval"})
    approval = ReplyApproval(
        workspace_id=conv.workspace_id,
        conversation_id=conv.id,
        author_id=author.id,
        text=text.strip(),
        status=AWAITING,
        reasons=reasons,
        template=template[0],
        template_language=template[1],
        created_at=at,
    )
    session.add(approval)
    session.flush()
    record_event(
        session,
        workspace_id=conv.workspace_id,
        type="reply.approval_requested",
        at=at,
        conversation_id=conv.id,
        actor_kind="user",
        actor_id=author.id,
        data={"approval_id": approval.id, "reasons": reasons},
    )
    return approval


def access_approval(session: Session, user: User, approval_id: int) -> ReplyApproval:
    row = session.get(ReplyApproval, approval_id)
    if row is None or row.workspace_id != user.workspace_id:
        raise NotFound("approval not found")
    return row


def approval_queue(session: Session, workspace_id: int) -> list[ReplyApproval]:
    return list(
        session.scalars(
            select(ReplyApproval)
            .where(ReplyApproval.workspace_id == workspace_id, ReplyApproval.status == AWAITING)
            .order_by(ReplyApproval.id)
        )
    )


def conversation_approvals(session: Session, conversation_id: int) -> list[ReplyApproval]:
    """Replies parked in one conversation (the thread shows them as dashed bubbles)."""
    return list(
        session.scalars(
            select(ReplyApproval)
            .where(ReplyApproval.conversation_id == conversation_id)
            .order_by(ReplyApproval.id)
        )
    )


def _decide(approval: ReplyApproval, reviewer: User) -> None:
    require_role(reviewer, Role.SUPERVISOR)
    if approval.status != AWAITING:
        raise Conflict(f"this reply was already {approval.status}")


def do_approve_reply(
    session: Session,
    *,
    approval: ReplyApproval,
    reviewer: User,
    at: datetime,
    edited_text: str | None = None,
) -> Message:
    """Approve (optionally after editing): the reply is queued; hard blocks still apply."""
    _decide(approval, reviewer)
    if approval.template and edited_text and edited_text.strip() != approval.text:
        raise Invalid("a template's words are fixed: approve or reject it", field="text")
    text = (edited_text or approval.text).strip()
    _require_filled(text)
    findings = check_text(text, rule_specs(session, approval.workspace_id))
    if any(f.effect == "block" for f in findings):
        raise _blocked(findings)
    conv = session.get_one(Conversation, approval.conversation_id)
    edited = text != approval.text
    msg = do_send_reply(
        session,
        conv=conv,
        text="" if approval.template else text,
        at=at,
        author_id=approval.author_id,
        author_kind=AuthorKind.AGENT,
        template=approval.template,
        template_language=approval.template_language,
    )
    approval.text = text
    approval.status = "approved"
    approval.reviewer_id = reviewer.id
    approval.decided_at = at
    approval.message_id = msg.id
    record_event(
        session,
        workspace_id=approval.workspace_id,
        type="reply.approved",
        at=at,
        conversation_id=conv.id,
        actor_kind="user",
        actor_id=reviewer.id,
        data={"approval_id": approval.id, "message_id": msg.id, "edited": edited},
    )
    return msg


def do_reject_reply(
    session: Session, *, approval: ReplyApproval, reviewer: User, comment: str, at: datetime
) -> ReplyApproval:
    _decide(approval, reviewer)
    if not comment.strip():
        raise Invalid("say why the reply is rejected", field="comment")
    approval.status = "rejected"
    approval.reviewer_id = reviewer.id
    approval.comment = comment.strip()
    approval.decided_at = at
    record_event(
        session,
        workspace_id=approval.workspace_id,
        type="reply.rejected",
        at=at,
        conversation_id=approval.conversation_id,
        actor_kind="user",
        actor_id=reviewer.id,
        data={"approval_id": approval.id, "comment": approval.comment},
    )
    return approval

"""Outbound campaigns: a saved reply or template to a segment, only with consent and only
inside the platform window (or with an allowed template); a per-recipient report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dmdesk.access import require_role
from dmdesk.actions.bot import do_send_bot_message
from dmdesk.actions.consent import ALL, has_consent, is_opted_out
from dmdesk.db.events import record_event
from dmdesk.domain.enums import Direction, Role
from dmdesk.domain.errors import Conflict, DomainError, Invalid, NotFound
from dmdesk.models import Conversation, ConversationTag, Message, User
from dmdesk.models.replies import Campaign, CampaignRecipient, Consent, SavedReply


@dataclass
class CampaignReport:
    targeted: int
    sent: int
    skipped: dict[str, int]
    delivered: int
    read: int
    replied: int
    opted_out: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def do_create_campaign(
    session: Session,
    *,
    user: User,
    name: str,
    purpose: str,
    at: datetime,
    body: str = "",
    saved_reply_id: int | None = None,
    template: str | None = None,
    segment: dict[str, Any] | None = None,
) -> Campaign:
    require_role(user, Role.SUPERVISOR)
    if saved_reply_id is not None:
        reply = session.get(SavedReply, saved_reply_id)
        if reply is None or reply.workspace_id != user.workspace_id:
            raise NotFound("saved reply not found")
        body = reply.body
    if not name.strip() or not purpose.strip() or not (body.strip() or template):
        raise Invalid("a campaign needs a name, a purpose and a text or template", field="name")
    campaign = Campaign(
        workspace_id=user.workspace_id,
        name=name.strip()[:120],
        purpose=purpose.strip(),
        body=body.strip(),
        saved_reply_id=saved_reply_id,
        template=template,
        segment=segment or {},
        status="draft",
        created_by=user.id,
        created_at=at,
    )
    session.add(campaign)
    session.flush()
    record_event(
        session,
        workspace_id=user.workspace_id,
        type="campaign.created",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"campaign_id": campaign.id},
    )
    return campaign


def access_campaign(session: Session, user: User, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.workspace_id != user.workspace_id:
        raise NotFound("campaign not found")
    return campaign


def _segment(session: Session, campaign: Campaign) -> list[Conversation]:
    stmt = select(Conversation).where(Conversation.workspace_id == campaign.workspace_id)
    seg = campaign.segment or {}
    if seg.get("channel_id"):
        stmt = stmt.where(Conversation.channel_id == int(seg["channel_id"]))
    if seg.get("tag"):
        stmt = stmt.join(ConversationTag, ConversationTag.conversation_id == Conversation.id).where(
            ConversationTag.tag == str(seg["tag"]).lower()
        )
    return list(session.scalars(stmt.order_by(Conversation.id)))


def _send_one(session: Session, campaign: Campaign, conv: Conversation, at: datetime) -> str | None:
    """None when sent, else the reason it was skipped."""
    if is_opted_out(session, conv.contact_id):
        return "opted out"
    if not has_consent(session, conv.contact_id, campaign.purpose):
        return "no consent"
    savepoint = session.begin_nested()
    try:
        msg = _deliver(session, campaign, conv, at)
        savepoint.commit()
    except DomainError as exc:
        savepoint.rollback()
        return f"not allowed now: {exc.message}"[:200]
    session.add(
        CampaignRecipient(
            campaign_id=campaign.id,
            contact_id=conv.contact_id,
            conversation_id=conv.id,
            message_id=msg.id,
            outcome="sent",
        )
    )
    return None


def _deliver(session: Session, campaign: Campaign, conv: Conversation, at: datetime) -> Message:
    try:
        return do_send_bot_message(
            session, conv=conv, text=campaign.body, at=at, meta={"campaign_id": campaign.id}
        )
    except DomainError:
        if not campaign.template:
            raise
    return do_send_bot_message(
        session,
        conv=conv,
        text="",
        at=at,
        template=campaign.template,
        meta={"campaign_id": campaign.id},
    )


def do_send_campaign(
    session: Session, *, campaign: Campaign, user: User, at: datetime
) -> CampaignReport:
    require_role(user, Role.SUPERVISOR)
    if campaign.status != "draft":
        raise Conflict("this campaign was already sent")
    for conv in _segment(session, campaign):
        reason = _send_one(session, campaign, conv, at)
        if reason is not None:
            session.add(
                CampaignRecipient(
                    campaign_id=campaign.id,
                    contact_id=conv.contact_id,
                    conversation_id=conv.id,
                    outcome="skipped",
                    reason=reason,
                )
            )
    campaign.status = "sent"
    campaign.sent_at = at
    session.flush()
    report = campaign_report(session, campaign)
    record_event(
        session,
        workspace_id=campaign.workspace_id,
        type="campaign.sent",
        at=at,
        actor_kind="user",
        actor_id=user.id,
        data={"campaign_id": campaign.id, "sent": report.sent, "skipped": report.skipped},
    )
    return report


def campaign_report(session: Session, campaign: Campaign) -> CampaignReport:
    rows = list(
        session.scalars(
            select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
        )
    )
    sent = [r for r in rows if r.outcome == "sent"]
    skipped: dict[str, int] = {}
    for r in rows:
        if r.outcome == "skipped":
            skipped[r.reason or "?"] = skipped.get(r.reason or "?", 0) + 1
    statuses = [
        session.scalar(select(Message.delivery_status).where(Message.id == r.message_id))
        for r in sent
    ]
    since = campaign.sent_at or campaign.created_at
    return CampaignReport(
        targeted=len(rows),
        sent=len(sent),
        skipped=skipped,
        delivered=sum(s in ("delivered", "read") for s in statuses),
        read=sum(s == "read" for s in statuses),
        replied=sum(_replied(session, r.conversation_id, since) for r in sent),
        opted_out=sum(_opted_out_since(session, r.contact_id, since) for r in sent),
    )


def _replied(session: Session, conversation_id: int | None, since: datetime) -> bool:
    count = session.scalar(
        select(func.count()).where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.INBOUND.value,
            Message.sent_at > since,
        )
    )
    return bool(count)


def _opted_out_since(session: Session, contact_id: int, since: datetime) -> bool:
    row = session.scalars(
        select(Consent).where(Consent.contact_id == contact_id, Consent.purpose == ALL)
    ).first()
    return row is not None and not row.granted and row.updated_at >= since

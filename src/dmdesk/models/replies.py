"""Replies, governance and automation: saved replies, macros, do-not-say rules, approvals,
automation rules and runs, keyword flows, due jobs, consent, campaigns, FAQ and CSAT."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dmdesk.models.base import Base, BigId, JsonType, UTCDateTime


class SavedReply(Base):
    __tablename__ = "saved_replies"
    __table_args__ = (Index("ix_saved_replies_scope", "workspace_id", "team_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Macro(Base):
    __tablename__ = "macros"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(120))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DoNotSayRule(Base):
    __tablename__ = "do_not_say_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # word | phrase | regex
    pattern: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(500), default="")
    alternative: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # block: refuse the send; approval: park it for a supervisor; warn: show only
    effect: Mapped[str] = mapped_column(String(10), default="block")
    topic: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReplySettings(Base):
    """Per-workspace settings of this capability (tone, approvals, FAQ, CSAT)."""

    __tablename__ = "reply_settings"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    tone_guidelines: Mapped[str] = mapped_column(Text, default="")
    approval_user_ids: Mapped[list[int]] = mapped_column(JsonType, default=list)
    faq_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    faq_threshold: Mapped[float] = mapped_column(Float, default=0.35)
    csat_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReplyApproval(Base):
    __tablename__ = "reply_approvals"
    __table_args__ = (Index("ix_reply_approvals_queue", "workspace_id", "status", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="awaiting_approval")
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    # A WhatsApp template send parked for approval (text is then the template's words).
    template: Mapped[str | None] = mapped_column(String(512), nullable=True)
    template_language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AutomationRule(Base):
    __tablename__ = "automation_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    disabled_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    run_count: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)  # run order, lowest first
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AutomationRun(Base):
    __tablename__ = "automation_runs"
    __table_args__ = (Index("ix_automation_runs_rule", "rule_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("automation_rules.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    conversation_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))  # applied | no_match | error | dry_run
    did: Mapped[list[str]] = mapped_column(JsonType, default=list)
    error: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboundWebhookCall(Base):
    __tablename__ = "outbound_webhook_calls"
    __table_args__ = (Index("ix_outbound_webhook_calls_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    rule_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    url: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KeywordFlow(Base):
    __tablename__ = "keyword_flows"
    __table_args__ = (UniqueConstraint("workspace_id", "keyword"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    keyword: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(64))
    reply_text: Mapped[str] = mapped_column(Text)
    consent_wording: Mapped[str] = mapped_column(Text, default="")
    tag: Mapped[str | None] = mapped_column(String(64), nullable=True)
    quick_replies: Mapped[list[str]] = mapped_column(JsonType, default=list)
    follow_up_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    follow_up_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Multi-step flows (rules.flow_steps.FlowDefinition); empty = the single-step form above.
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FlowSession(Base):
    """Where one conversation is in a multi-step flow: waiting for a choice at `step`."""

    __tablename__ = "flow_sessions"
    __table_args__ = (Index("ix_flow_sessions_conversation", "conversation_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    flow_id: Mapped[int] = mapped_column(ForeignKey("keyword_flows.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting|done|stopped
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DueJob(Base):
    """Work to do later: flow follow-ups and 'no reply for N hours' rule checks."""

    __tablename__ = "automation_due_jobs"
    __table_args__ = (Index("ix_automation_due_jobs_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    kind: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="due")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Consent(Base):
    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("contact_id", "purpose"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(64))  # "all" is the contact-wide opt-out
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(64))
    wording: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text, default="")
    saved_reply_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    template: Mapped[str | None] = mapped_column(String(120), nullable=True)
    segment: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CampaignRecipient(Base):
    __tablename__ = "campaign_recipients"
    __table_args__ = (UniqueConstraint("campaign_id", "contact_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))  # sent | skipped
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class FaqEntry(Base):
    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    variants: Mapped[list[str]] = mapped_column(JsonType, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CsatSurvey(Base):
    __tablename__ = "csat_surveys"
    __table_args__ = (Index("ix_csat_surveys_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="requested")
    score: Mapped[int | None] = mapped_column(nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

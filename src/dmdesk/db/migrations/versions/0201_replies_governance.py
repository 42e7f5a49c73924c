"""replies, governance, automation, consent, campaigns, FAQ and CSAT

Revision ID: 0201
Revises: 0001
Create Date: 2026-11-26 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0201"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _id() -> sa.Column:  # type: ignore[type-arg]  # Column is generic only for typing
    return sa.Column("id", BIG, nullable=False)


def _ts(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]  # as above
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, *, cascade: bool = False) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE" if cascade else None,
    )


def _pk(table: str, column: str = "id") -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(column, name=op.f(f"pk_{table}"))


def _ws(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("workspace_id", BIG, nullable=False),
        _fk(table, "workspace_id", "workspaces"),
    ]


def upgrade() -> None:
    _replies()
    _governance()
    _automation()
    _consent_and_campaigns()
    _faq_and_csat()


def _replies() -> None:
    op.create_table(
        "saved_replies",
        _id(),
        *_ws("saved_replies"),
        sa.Column("team_id", BIG, nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _fk("saved_replies", "team_id", "teams"),
        _fk("saved_replies", "created_by", "users"),
        _pk("saved_replies"),
    )
    op.create_index("ix_saved_replies_scope", "saved_replies", ["workspace_id", "team_id"])
    op.create_table(
        "macros",
        _id(),
        *_ws("macros"),
        sa.Column("owner_id", BIG, nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("steps", JSON, nullable=False),
        _ts("created_at"),
        _fk("macros", "owner_id", "users"),
        _pk("macros"),
    )
    op.create_index(op.f("ix_macros_workspace_id"), "macros", ["workspace_id"])


def _governance() -> None:
    op.create_table(
        "do_not_say_rules",
        _id(),
        *_ws("do_not_say_rules"),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("pattern", sa.String(500), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("alternative", sa.String(500), nullable=True),
        sa.Column("effect", sa.String(10), nullable=False),
        sa.Column("topic", sa.String(40), nullable=True),
        _ts("created_at"),
        _pk("do_not_say_rules"),
    )
    op.create_index(op.f("ix_do_not_say_rules_workspace_id"), "do_not_say_rules", ["workspace_id"])
    op.create_table(
        "reply_settings",
        *_ws("reply_settings"),
        sa.Column("tone_guidelines", sa.Text(), nullable=False),
        sa.Column("approval_user_ids", JSON, nullable=False),
        sa.Column("faq_enabled", sa.Boolean(), nullable=False),
        sa.Column("faq_threshold", sa.Float(), nullable=False),
        sa.Column("csat_enabled", sa.Boolean(), nullable=False),
        _ts("updated_at"),
        _pk("reply_settings", "workspace_id"),
    )
    op.create_table(
        "reply_approvals",
        _id(),
        *_ws("reply_approvals"),
        sa.Column("conversation_id", BIG, nullable=False),
        sa.Column("author_id", BIG, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("reviewer_id", BIG, nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("message_id", BIG, nullable=True),
        _ts("created_at"),
        _ts("decided_at", nullable=True),
        _fk("reply_approvals", "conversation_id", "conversations", cascade=True),
        _fk("reply_approvals", "author_id", "users"),
        _fk("reply_approvals", "reviewer_id", "users"),
        _pk("reply_approvals"),
    )
    op.create_index("ix_reply_approvals_queue", "reply_approvals", ["workspace_id", "status", "id"])


def _automation() -> None:
    op.create_table(
        "automation_rules",
        _id(),
        *_ws("automation_rules"),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("disabled_reason", sa.String(1000), nullable=True),
        sa.Column("run_count", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        _pk("automation_rules"),
    )
    op.create_index(op.f("ix_automation_rules_workspace_id"), "automation_rules", ["workspace_id"])
    op.create_table(
        "automation_runs",
        _id(),
        *_ws("automation_runs"),
        sa.Column("rule_id", BIG, nullable=False),
        sa.Column("event_id", BIG, nullable=True),
        sa.Column("conversation_id", BIG, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("did", JSON, nullable=False),
        sa.Column("error", sa.String(1000), nullable=True),
        _ts("at"),
        _fk("automation_runs", "rule_id", "automation_rules", cascade=True),
        _pk("automation_runs"),
    )
    op.create_index("ix_automation_runs_rule", "automation_runs", ["rule_id", "id"])
    op.create_table(
        "outbound_webhook_calls",
        _id(),
        *_ws("outbound_webhook_calls"),
        sa.Column("rule_id", BIG, nullable=True),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        _ts("next_attempt_at"),
        _ts("created_at"),
        _pk("outbound_webhook_calls"),
    )
    op.create_index(
        "ix_outbound_webhook_calls_due", "outbound_webhook_calls", ["status", "next_attempt_at"]
    )
    op.create_table(
        "keyword_flows",
        _id(),
        *_ws("keyword_flows"),
        sa.Column("keyword", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("reply_text", sa.Text(), nullable=False),
        sa.Column("consent_wording", sa.Text(), nullable=False),
        sa.Column("tag", sa.String(64), nullable=True),
        sa.Column("quick_replies", JSON, nullable=False),
        sa.Column("follow_up_hours", sa.Float(), nullable=True),
        sa.Column("follow_up_text", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _ts("created_at"),
        _pk("keyword_flows"),
        sa.UniqueConstraint(
            "workspace_id", "keyword", name=op.f("uq_keyword_flows_workspace_id_keyword")
        ),
    )
    op.create_table(
        "automation_due_jobs",
        _id(),
        *_ws("automation_due_jobs"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("conversation_id", BIG, nullable=False),
        _ts("run_at"),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _ts("created_at"),
        _fk("automation_due_jobs", "conversation_id", "conversations", cascade=True),
        _pk("automation_due_jobs"),
    )
    op.create_index("ix_automation_due_jobs_due", "automation_due_jobs", ["status", "run_at"])


def _consent_and_campaigns() -> None:
    op.create_table(
        "consents",
        _id(),
        *_ws("consents"),
        sa.Column("contact_id", BIG, nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        _ts("updated_at"),
        _fk("consents", "contact_id", "contacts", cascade=True),
        _pk("consents"),
        sa.UniqueConstraint("contact_id", "purpose", name=op.f("uq_consents_contact_id_purpose")),
    )
    op.create_index(op.f("ix_consents_workspace_id"), "consents", ["workspace_id"])
    op.create_table(
        "campaigns",
        _id(),
        *_ws("campaigns"),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("saved_reply_id", BIG, nullable=True),
        sa.Column("template", sa.String(120), nullable=True),
        sa.Column("segment", JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        _ts("created_at"),
        _ts("sent_at", nullable=True),
        _pk("campaigns"),
    )
    op.create_index(op.f("ix_campaigns_workspace_id"), "campaigns", ["workspace_id"])
    op.create_table(
        "campaign_recipients",
        _id(),
        sa.Column("campaign_id", BIG, nullable=False),
        sa.Column("contact_id", BIG, nullable=False),
        sa.Column("conversation_id", BIG, nullable=True),
        sa.Column("message_id", BIG, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        _fk("campaign_recipients", "campaign_id", "campaigns", cascade=True),
        _fk("campaign_recipients", "contact_id", "contacts", cascade=True),
        _pk("campaign_recipients"),
        sa.UniqueConstraint(
            "campaign_id", "contact_id", name=op.f("uq_campaign_recipients_campaign_id_contact_id")
        ),
    )


def _faq_and_csat() -> None:
    op.create_table(
        "faq_entries",
        _id(),
        *_ws("faq_entries"),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("variants", JSON, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        _pk("faq_entries"),
    )
    op.create_index(op.f("ix_faq_entries_workspace_id"), "faq_entries", ["workspace_id"])
    op.create_table(
        "csat_surveys",
        _id(),
        *_ws("csat_surveys"),
        sa.Column("conversation_id", BIG, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        _ts("requested_at"),
        _ts("answered_at", nullable=True),
        _fk("csat_surveys", "conversation_id", "conversations", cascade=True),
        _pk("csat_surveys"),
    )
    op.create_index("ix_csat_surveys_conversation", "csat_surveys", ["conversation_id", "id"])


def downgrade() -> None:
    for table in (
        "csat_surveys",
        "faq_entries",
        "campaign_recipients",
        "campaigns",
        "consents",
        "automation_due_jobs",
        "keyword_flows",
        "outbound_webhook_calls",
        "automation_runs",
        "automation_rules",
        "reply_approvals",
        "reply_settings",
        "do_not_say_rules",
        "macros",
        "saved_replies",
    ):
        op.drop_table(table)

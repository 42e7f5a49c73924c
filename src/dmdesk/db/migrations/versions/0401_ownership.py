"""Ownership: team settings, routing rules, SLA policies and state, escalations,
notifications, after-hours replies, the round-robin cursor.

Revision ID: 0401
Revises: 0001
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0401"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _ts(name: str, *, nullable: bool = False) -> "sa.Column[Any]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _ws(table: str) -> "sa.Column[Any]":
    return sa.Column(
        "workspace_id",
        BIG,
        sa.ForeignKey("workspaces.id", name=f"fk_{table}_workspace_id_workspaces"),
        nullable=False,
    )


def _conv(table: str) -> "sa.Column[Any]":
    return sa.Column(
        "conversation_id",
        BIG,
        sa.ForeignKey(
            "conversations.id",
            name=f"fk_{table}_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "team_settings",
        sa.Column(
            "team_id",
            BIG,
            sa.ForeignKey("teams.id", name="fk_team_settings_team_id_teams", ondelete="CASCADE"),
            nullable=False,
        ),
        _ws("team_settings"),
        sa.Column("schedule", JSON, nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("strategy", sa.String(20), nullable=False),
        sa.Column("allow_away", sa.Boolean(), nullable=False),
        sa.Column("auto_assign", sa.Boolean(), nullable=False),
        sa.Column("after_hours_reply", sa.Text(), nullable=True),
        sa.Column("reassign_after_minutes", sa.Integer(), nullable=True),
        sa.Column("sla_policy_id", BIG, nullable=True),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("team_id", name="pk_team_settings"),
    )
    op.create_index("ix_team_settings_workspace_id", "team_settings", ["workspace_id"])
    op.create_table(
        "routing_rules",
        sa.Column("id", BIG, nullable=False),
        _ws("routing_rules"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_routing_rules"),
    )
    op.create_index("ix_routing_rules_order", "routing_rules", ["workspace_id", "position"])
    op.create_table(
        "sla_policies",
        sa.Column("id", BIG, nullable=False),
        _ws("sla_policies"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_sla_policies"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_sla_policies_workspace_id_name"),
    )
    op.create_table(
        "conversation_sla",
        _conv("conversation_sla"),
        _ws("conversation_sla"),
        sa.Column("policy_id", BIG, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("target", sa.String(20), nullable=True),
        _ts("due_at", nullable=True),
        _ts("warning_at", nullable=True),
        sa.Column("paused_reason", sa.String(20), nullable=True),
        sa.Column("clocks", JSON, nullable=False),
        _ts("checked_until"),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_conversation_sla"),
    )
    op.create_index(
        "ix_conversation_sla_due", "conversation_sla", ["workspace_id", "state", "due_at"]
    )
    _create_escalations_and_notifications()


def _create_escalations_and_notifications() -> None:
    op.create_table(
        "escalations",
        sa.Column("id", BIG, nullable=False),
        _ws("escalations"),
        _conv("escalations"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at", nullable=True),
        sa.Column("log", JSON, nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_escalations"),
    )
    op.create_index("ix_escalations_conversation", "escalations", ["conversation_id", "id"])
    op.create_table(
        "notifications",
        sa.Column("id", BIG, nullable=False),
        _ws("notifications"),
        sa.Column(
            "user_id",
            BIG,
            sa.ForeignKey("users.id", name="fk_notifications_user_id_users", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("conversation_id", BIG, nullable=True),
        sa.Column("data", JSON, nullable=False),
        _ts("created_at"),
        _ts("read_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_user", "notifications", ["user_id", "read_at", "id"])
    op.create_table(
        "after_hours_replies",
        _conv("after_hours_replies"),
        sa.Column("period_key", sa.String(64), nullable=False),
        sa.Column("message_id", BIG, nullable=True),
        _ts("sent_at"),
        sa.PrimaryKeyConstraint("conversation_id", "period_key", name="pk_after_hours_replies"),
    )
    op.create_table(
        "assignment_cursors",
        sa.Column(
            "user_id",
            BIG,
            sa.ForeignKey(
                "users.id", name="fk_assignment_cursors_user_id_users", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        _ts("last_assigned_at"),
        sa.PrimaryKeyConstraint("user_id", name="pk_assignment_cursors"),
    )


def downgrade() -> None:
    for table in (
        "assignment_cursors",
        "after_hours_replies",
        "notifications",
        "escalations",
        "conversation_sla",
        "sla_policies",
        "routing_rules",
        "team_settings",
    ):
        op.drop_table(table)

"""ownership_indexes: incremental SLA checks and cheap inbox counts

Revision ID: 0402
Revises: 0401
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0402"
down_revision: str | None = "0401"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    # The SLA job picks the clocks that crossed their warning or due time since its last run.
    ("ix_conversation_sla_state_due", "conversation_sla", ["state", "due_at"]),
    ("ix_conversation_sla_state_warning", "conversation_sla", ["state", "warning_at"]),
    ("ix_conversation_sla_checked", "conversation_sla", ["checked_until"]),
    # ...and the conversations changed since then.
    ("ix_conversations_updated", "conversations", ["updated_at"]),
    # The spam view and its capped count.
    ("ix_conversations_category", "conversations", ["workspace_id", "category", "status"]),
    # Mine and Unassigned in queue order, so their first page is an index walk.
    (
        "ix_conversations_assignee_queue",
        "conversations",
        ["workspace_id", "assignee_id", "status", "queue_rank", "sort_at", "id"],
    ),
    # The rail's capped counts read this index alone (category decides "not spam").
    (
        "ix_conversations_counts",
        "conversations",
        ["workspace_id", "status", "assignee_id", "category"],
    ),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)

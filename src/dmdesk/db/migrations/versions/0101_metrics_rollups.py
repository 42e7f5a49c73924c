"""metrics rollups

Revision ID: 0101
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0101"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
SLICE = ("workspace_id", "channel_id", "team_id", "agent_id", "category", "metric", "day")


def _slice_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("agent_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "metric_cells",
        *_slice_columns(),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("hist", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint(*SLICE, name=op.f("pk_metric_cells")),
    )
    op.create_table(
        "metric_hourly",
        *_slice_columns(),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*SLICE, "hour", name=op.f("pk_metric_hourly")),
    )
    op.create_table(
        "metric_conversation_state",
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("contributions", JSON, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_metric_conversation_state")),
    )
    op.create_table(
        "metric_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_metric_cursor")),
    )


def downgrade() -> None:
    for table in ("metric_cursor", "metric_conversation_state", "metric_hourly", "metric_cells"):
        op.drop_table(table)

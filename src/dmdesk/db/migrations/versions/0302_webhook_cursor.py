"""Outbound webhook subscriptions remember the last event fanned out (durable catch-up).

Revision ID: 0302
Revises: 0301
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0302"
down_revision: str | None = "0301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "last_event_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=False,
                server_default="0",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.drop_column("last_event_id")
